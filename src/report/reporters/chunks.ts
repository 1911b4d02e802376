/**
 * Chunked rendering (pure): a reporter yields pieces whose concatenation is its rendered text,
 * so write.ts can stream a 100 000-attempt report to a file without ever holding the whole
 * text (hundreds of MiB for report.json) as one string. The string API of each reporter is
 * the same chunks joined, so both paths are byte-identical by construction.
 */

import { lazySource, readAll } from '../../shared/lazy-list.js';
import { expand, hole, type Piece } from './pieces.js';

/** Pieces of a rendered text, in order. */
export type Chunks = Iterable<string>;

/** The whole text of a chunked rendering. */
export function joinChunks(chunks: Chunks): string {
  const parts: string[] = [];
  for (const c of chunks) parts.push(c);
  return parts.join('');
}

/**
 * `lines.join('\n')` as pieces (one per line): a hole's elements are lines of their own (pieces.ts).
 * Given only text, it yields only text.
 */
export function joinLines(lines: Iterable<string>): Generator<string>;
export function joinLines(lines: Iterable<Piece>): Generator<Piece>;
export function* joinLines(lines: Iterable<Piece>): Generator<Piece> {
  let first = true;
  for (const line of lines) {
    if (typeof line === 'string') yield first ? line : `\n${line}`;
    else {
      const each = line.each as (element: unknown, index: number) => string;
      const bare = first;
      yield hole(line.list, (element, i) => (bare && i === 0 ? each(element, i) : `\n${each(element, i)}`));
      if (line.list.length === 0) continue;
    }
    first = false;
  }
}

/**
 * A JSON string value given as pieces: `prefix` then `items` joined by `separator` (e.g. 60 000
 * reasons joined by spaces). jsonChunks writes it item by item (a hole, pieces.ts), so the joined
 * text never exists. JSON.stringify escapes each UTF-16 unit on its own except a lone surrogate,
 * so a high surrogate at the end of a piece is held back and escaped with the next piece: the
 * result is the escaping of the concatenation. Elsewhere (JSON.stringify) it is the joined string.
 */
export class JsonString {
  readonly #items: readonly string[];
  readonly #separator: string;
  readonly #prefix: string;
  constructor(items: readonly string[], separator: string, prefix: string) {
    this.#items = items;
    this.#separator = separator;
    this.#prefix = prefix;
  }
  *pieces(): Generator<Piece> {
    const inner = (text: string): string => JSON.stringify(text).slice(1, -1);
    let held = '';
    const escaped = (piece: string): string => {
      const text = `${held}${piece}`;
      const last = text.charCodeAt(text.length - 1);
      held = last >= 0xd800 && last <= 0xdbff ? text.slice(-1) : '';
      return inner(held === '' ? text : text.slice(0, -1));
    };
    yield '"';
    if (this.#prefix !== '') yield escaped(this.#prefix);
    const separator = this.#separator;
    yield hole(this.#items, (item, i) => escaped(i === 0 ? item : `${separator}${item}`));
    // Read only once the hole is filled: the last piece may have held a surrogate back.
    yield `${inner(held)}"`;
  }
  toJSON(): string {
    return `${this.#prefix}${joinChunks(joinedItems(this.#items, this.#separator))}`;
  }
}

function* joinedItems(items: readonly string[], separator: string): Generator<string> {
  let first = true;
  for (const item of readAll(items)) {
    yield first ? item : `${separator}${item}`;
    first = false;
  }
}

/** `prefix + items.join(separator)` as a JsonString. */
export function joinedJsonString(items: readonly string[], separator: string, prefix = ''): JsonString {
  return new JsonString(items, separator, prefix);
}

/** A value JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** True when `v` holds more than `limit` values (a walk that stops at the limit). */
function large(v: unknown, limit: number): boolean {
  let count = 0;
  const stack: unknown[] = [v];
  const visit = (y: unknown): void => {
    count += 1;
    if (typeof y === 'object' && y !== null) stack.push(y);
  };
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null) continue;
    if (x instanceof JsonString) return true;
    // Counted in place (no array of values per object): every evidence item is tested.
    if (Array.isArray(x)) {
      if (count + x.length > limit) return true;
      for (let i = 0; i < x.length; i += 1) visit(x[i]);
    } else {
      for (const k in x) visit((x as Record<string, unknown>)[k]);
      if (count > limit) return true;
    }
  }
  return false;
}

/** Containers with more values than this are streamed member by member; smaller ones are one chunk. */
const STREAM_ABOVE = 512;

function leaf(value: unknown, indent: string): string {
  if (indent === '') return JSON.stringify(value, null, 2) ?? 'null';
  // Nested in one array per level of `indent` (two spaces each), JSON.stringify indents the value
  // itself; the arrays' own text is cut off (faster than indenting every line afterwards).
  const depth = indent.length / 2;
  let wrapped: unknown = value;
  for (let i = 0; i < depth; i += 1) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(2 * depth + depth * (depth + 1), text.length - (2 * depth + depth * (depth - 1)));
}

/** One element of a streamed array, with the separator before it. */
function element(v: unknown, i: number, indent: string): string | undefined {
  const comma = `${i === 0 ? '' : ','}\n${indent}`;
  // A string (a reason sentence: ~190 000 per report at scale) is one chunk with its separator.
  if (typeof v === 'string') return `${comma}${JSON.stringify(v)}`;
  if (omitted(v)) return `${comma}null`;
  return undefined;
}

/** The JSON text of one value at `indent` (an element of a lazy list: one evidence item). */
function jsonText(value: unknown, indent: string): string {
  return streamed(value) ? joinChunks(expand(jsonAt(value, indent))) : leaf(value, indent);
}

/** True when jsonAt writes `value` member by member rather than as one leaf. */
function streamed(value: unknown): boolean {
  return (
    value instanceof JsonString ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { toJSON?: unknown }).toJSON !== 'function' &&
      large(value, STREAM_ABOVE))
  );
}

function* jsonAt(value: unknown, indent: string): Generator<Piece> {
  if (value instanceof JsonString) {
    yield* value.pieces();
    return;
  }
  if (!streamed(value)) {
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
    if (lazySource(value) !== undefined) {
      // A lazy list (shared/lazy-list.ts) is a hole: each element is built once, when written.
      yield hole(
        value,
        (v: unknown, i) => element(v, i, inner) ?? `${i === 0 ? '' : ','}\n${inner}${jsonText(v, inner)}`,
      );
    } else {
      for (let i = 0; i < value.length; i += 1) {
        const v: unknown = value[i];
        const text = element(v, i, inner);
        if (text !== undefined) yield text;
        else {
          yield `${i === 0 ? '' : ','}\n${inner}`;
          yield* jsonAt(v, inner);
        }
      }
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
export function jsonChunks(value: unknown): Generator<string> {
  return expand(jsonPieces(value));
}

/** jsonChunks as pieces: a lazy list is a hole (pieces.ts), filled when the pieces are written. */
export function* jsonPieces(value: unknown): Generator<Piece> {
  if (omitted(value)) return;
  yield* jsonAt(value, '');
}
