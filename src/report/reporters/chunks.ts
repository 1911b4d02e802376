/**
 * Chunked rendering (pure): a reporter yields pieces whose concatenation is its rendered text,
 * so write.ts can stream a 100 000-attempt report to a file without ever holding the whole
 * text (hundreds of MiB for report.json) as one string. The string API of each reporter is
 * the same chunks joined, so both paths are byte-identical by construction.
 */

import { lazySource, readAll } from '../../shared/lazy-list.js';

/** Pieces of a rendered text, in order. */
export type Chunks = Iterable<string>;

/** The whole text of a chunked rendering. */
export function joinChunks(chunks: Chunks): string {
  const parts: string[] = [];
  for (const c of chunks) parts.push(c);
  return parts.join('');
}

/** `lines.join('\n')` as chunks (one per line). */
export function* joinLines(lines: Iterable<string>): Generator<string> {
  let first = true;
  for (const line of lines) {
    yield first ? line : `\n${line}`;
    first = false;
  }
}

/**
 * A JSON string value given as pieces (e.g. 60 000 reasons joined by spaces): jsonChunks writes
 * it piece by piece, so the joined text never exists. JSON.stringify escapes each UTF-16 unit on
 * its own except a lone surrogate, so a high surrogate at the end of a piece is held back and
 * escaped with the next piece: the result is the escaping of the concatenation. Elsewhere
 * (JSON.stringify) it is the joined string.
 */
export class JsonString {
  readonly #pieces: () => Iterable<string>;
  constructor(pieces: () => Iterable<string>) {
    this.#pieces = pieces;
  }
  *chunks(): Generator<string> {
    const inner = (text: string): string => JSON.stringify(text).slice(1, -1);
    yield '"';
    let held = '';
    for (const piece of this.#pieces()) {
      const text = `${held}${piece}`;
      const last = text.charCodeAt(text.length - 1);
      held = last >= 0xd800 && last <= 0xdbff ? text.slice(-1) : '';
      yield inner(held === '' ? text : text.slice(0, -1));
    }
    yield `${inner(held)}"`;
  }
  toJSON(): string {
    return joinChunks(this.#pieces());
  }
}

/** `items.join(separator)` as a JsonString. */
export function joinedJsonString(items: readonly string[], separator: string, prefix = ''): JsonString {
  return new JsonString(function* pieces() {
    if (prefix !== '') yield prefix;
    let first = true;
    for (const item of readAll(items)) {
      yield first ? item : `${separator}${item}`;
      first = false;
    }
  });
}

/** A value JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** True when `v` holds more than `limit` values (a walk that stops at the limit). */
function large(v: unknown, limit: number): boolean {
  let count = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null) continue;
    if (x instanceof JsonString) return true;
    const values: readonly unknown[] = Array.isArray(x) ? x : Object.values(x);
    count += values.length;
    if (count > limit) return true;
    for (const y of values) if (typeof y === 'object' && y !== null) stack.push(y);
  }
  return false;
}

/** Containers with more values than this are streamed member by member; smaller ones are one chunk. */
const STREAM_ABOVE = 512;

function leaf(value: unknown, indent: string): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  // JSON.stringify escapes every newline inside strings, so each '\n' is layout: indent it.
  return indent === '' ? text : text.replace(/\n/g, `\n${indent}`);
}

function* jsonAt(value: unknown, indent: string): Generator<string> {
  if (value instanceof JsonString) {
    yield* value.chunks();
    return;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
    !large(value, STREAM_ABOVE)
  ) {
    yield leaf(value, indent);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    // A lazy list (shared/lazy-list.ts) is read straight from its items, each element built once.
    const elements: Iterable<unknown> = lazySource(value) === undefined ? value : readAll(value);
    let i = 0;
    for (const v of elements) {
      yield `${i === 0 ? '' : ','}\n${inner}`;
      i += 1;
      if (omitted(v)) yield 'null';
      else yield* jsonAt(v, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => !omitted(record[k]));
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < keys.length; i += 1) {
    const k = keys[i] as string;
    yield `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(k)}: `;
    yield* jsonAt(record[k], inner);
  }
  yield `\n${indent}}`;
}

/**
 * Exactly `JSON.stringify(value, null, 2)` as chunks: large arrays and objects are streamed
 * member by member, everything small is one JSON.stringify call. For report values (plain
 * data, DESIGN §3); a top-level value JSON.stringify would drop yields nothing.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  if (omitted(value)) return;
  yield* jsonAt(value, '');
}
