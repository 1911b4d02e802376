/**
 * Rendering every format in one pass over the reasons (issue 17). A verdict's reasons may be a
 * lazy list (shared/lazy-list.ts) that builds each sentence when read, so a 100 000-attempt run
 * never holds its ~190 000 sentences; but seven formats reading them one after the other built
 * each sentence seven times. A reporter therefore yields *pieces*: text, or a hole for a list
 * ("write `each(element)` for each element of this list here"). Alone, a reporter's holes are
 * filled in place (expand). Together (renderTogether), the formats that wait at the same list
 * are served by one pass over it, so each sentence is built once for all of them and dropped.
 */
import { readAll } from '../../shared/lazy-list.js';

/** A list a rendering writes element by element: `each(element, index)` is the text for one element. */
export interface ListHole {
  readonly list: readonly unknown[];
  readonly each: (element: never, index: number) => string;
}

/** A piece of a rendering: text, or a hole filled from a list. */
export type Piece = string | ListHole;

/** A hole for `list`, each element written as `each(element, index)`. */
export function hole<T>(list: readonly T[], each: (element: T, index: number) => string): ListHole {
  return { list, each: each as (element: never, index: number) => string };
}

/** The text pieces of `pieces`, each hole filled in place from its list. */
export function* expand(pieces: Iterable<Piece>): Generator<string> {
  for (const p of pieces) {
    if (typeof p === 'string') yield p;
    else yield* fill(p);
  }
}

function* fill(h: ListHole): Generator<string> {
  const each = h.each as (element: unknown, index: number) => string;
  let i = 0;
  for (const element of readAll(h.list)) {
    yield each(element, i);
    i += 1;
  }
}

/** One rendering and where its text goes (a write may return a promise: it is awaited before the next). */
export interface Output {
  readonly pieces: Iterable<Piece>;
  readonly write: (text: string) => void | Promise<void>;
}

interface Cursor {
  readonly it: Iterator<Piece>;
  readonly write: Output['write'];
  /** The hole this rendering waits at; undefined once it has ended. */
  at: ListHole | undefined;
}

/**
 * Where each verdict list comes in every reporter's order: verdicts in report order, a verdict's
 * lists in its key order (report.json's order; the other formats read `reasons` only). A list not
 * found here (a plain list elsewhere) is served at once, to whoever waits at it.
 */
function listOrder(verdicts: readonly object[]): ReadonlyMap<unknown, number> {
  const order = new Map<unknown, number>();
  for (const v of verdicts)
    for (const value of Object.values(v)) if (Array.isArray(value) && !order.has(value)) order.set(value, order.size);
  return order;
}

/** Run one rendering to its next hole (or its end), writing its text on the way. */
async function advance(c: Cursor): Promise<void> {
  for (;;) {
    const r = c.it.next();
    if (r.done === true) {
      c.at = undefined;
      return;
    }
    if (typeof r.value !== 'string') {
      c.at = r.value;
      return;
    }
    const pending = c.write(r.value);
    if (pending !== undefined) await pending;
  }
}

/**
 * Write several renderings of one report at once, byte for byte what each writes alone
 * (expand). Each rendering runs to its next hole; then the earliest list any of them waits at
 * (listOrder) is read once, each element built once and written by every rendering waiting at
 * that list; those go on to their next hole. Nothing is kept between elements.
 */
export async function renderTogether(verdicts: readonly object[], outputs: readonly Output[]): Promise<void> {
  const order = listOrder(verdicts);
  const cursors: Cursor[] = outputs.map((o) => ({ it: o.pieces[Symbol.iterator](), write: o.write, at: undefined }));
  for (const c of cursors) await advance(c);
  for (;;) {
    let first: ListHole | undefined;
    for (const c of cursors) {
      if (c.at !== undefined && (first === undefined || (order.get(c.at.list) ?? -1) < (order.get(first.list) ?? -1)))
        first = c.at;
    }
    if (first === undefined) return;
    const list = first.list;
    const served = cursors.filter((c) => c.at?.list === list);
    const eaches = served.map((c) => (c.at as ListHole).each as (element: unknown, index: number) => string);
    let i = 0;
    for (const element of readAll(list)) {
      for (let k = 0; k < served.length; k += 1) {
        const pending = served[k]?.write((eaches[k] as (element: unknown, index: number) => string)(element, i));
        if (pending !== undefined) await pending;
      }
      i += 1;
    }
    for (const c of served) await advance(c);
  }
}
