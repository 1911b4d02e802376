/**
 * Read-only lists whose elements are built when read (pure). A 100 000-attempt run has ~130 000
 * failing reason sentences and an evidence sentence per attempt; stored, they were a third of the
 * CLI's live heap until the report was written (issue 17). A lazy list keeps what each element is
 * built from (an evidence item and a short claim) and builds the text on every read, so the text
 * exists only while a reporter writes it. To every reader it is a `readonly U[]`: indexing,
 * `length`, iteration, the array methods, `Array.isArray` and JSON.stringify all see the built
 * elements.
 */

/** What a lazy list is built from (read through the list's own symbol, so it can be extended without building it). */
export interface LazySource<T, U> {
  readonly items: readonly T[];
  readonly build: (item: T) => U;
  /** A cheap test that is false only when `build(item)` cannot equal `value` (so it need not be built to compare). */
  readonly mayEqual?: (item: T, value: U) => boolean;
}

const SOURCE = Symbol('lazy-list source');

/** An array index key ("0", "17"), as the proxy receives it. */
function indexOf(key: string | symbol, length: number): number | undefined {
  if (typeof key !== 'string' || key === '' || key.length > 10) return undefined;
  const code = key.charCodeAt(0);
  if (code < 48 || code > 57 || (code === 48 && key.length > 1)) return undefined;
  const n = Number(key);
  return Number.isInteger(n) && n < length ? n : undefined;
}

/**
 * The list `items.map(build)` without storing it: element i is `build(items[i])`, built on each
 * read. `items` is copied (the caller may reuse its array); writes are refused.
 */
export function lazyMap<T, U>(
  items: readonly T[],
  build: (item: T) => U,
  mayEqual?: (item: T, value: U) => boolean,
): readonly U[] {
  const target: T[] = [...items];
  const source: LazySource<T, U> = { items: target, build, ...(mayEqual !== undefined ? { mayEqual } : {}) };
  return new Proxy(target, {
    get(t, key, receiver) {
      if (key === SOURCE) return source;
      const i = indexOf(key, t.length);
      return i === undefined ? Reflect.get(t, key, receiver) : build(t[i] as T);
    },
    getOwnPropertyDescriptor(t, key) {
      const i = indexOf(key, t.length);
      if (i === undefined) return Reflect.getOwnPropertyDescriptor(t, key);
      return { value: build(t[i] as T), writable: true, enumerable: true, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  }) as unknown as readonly U[];
}

/**
 * The elements of `list` in order, for one pass: a lazy list's are built straight from its items
 * (no index lookups through the proxy: a reporter reads ~190 000 sentences per format at scale).
 */
export function* readAll<U>(list: readonly U[]): Generator<U> {
  const source = lazySource(list);
  if (source === undefined) yield* list;
  else for (const item of source.items) yield source.build(item);
}

/** What a lazy list is built from, or undefined for any other list. */
export function lazySource<U>(list: readonly U[]): LazySource<unknown, U> | undefined {
  return (list as unknown as { [SOURCE]?: LazySource<unknown, U> })[SOURCE];
}

/**
 * `Array.from(new Set([...head, ...list, ...tail]))` for a list whose elements are already
 * distinct. A lazy list stays lazy when its `build` returns an element value given as an item
 * unchanged (a sentence list: items are sentences or what one is built from); its elements are
 * built once each to compare, then dropped. `head` and `tail` are few.
 */
export function uniqueWith<U>(list: readonly U[], head: readonly U[], tail: readonly U[]): readonly U[] {
  const source = lazySource(list);
  if (source === undefined) return Array.from(new Set([...head, ...list, ...tail]));
  const seen = new Set<U>();
  const first = head.filter((x) => !seen.has(x) && seen.add(x) !== undefined);
  const extra = new Set(tail.filter((x) => !seen.has(x)));
  if (first.length === 0 && extra.size === 0) return list;
  const candidates = [...seen, ...extra];
  const { mayEqual } = source;
  // One pass over the list: drop its elements said first, and the extras it already says.
  const kept = source.items.filter((item) => {
    if (mayEqual !== undefined && !candidates.some((c) => mayEqual(item, c))) return true;
    const built = source.build(item);
    extra.delete(built);
    return !seen.has(built);
  });
  return lazyMap<unknown, U>([...first, ...kept, ...extra], source.build as (item: unknown) => U, mayEqual);
}
