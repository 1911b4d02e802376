import t from 'tap';
import { lazyMap, lazySource, uniqueWith } from '../../../src/shared/lazy-list.js';

t.test('a lazy list reads like the mapped array and builds each element on every read', async (t) => {
  // Given a lazy list that counts how often it builds
  let built = 0;
  const list = lazyMap([1, 2, 3], (n) => {
    built += 1;
    return `n${n}`;
  });
  // When nothing reads it, nothing is built
  t.equal(built, 0);
  // Then every reader sees the mapped elements
  t.equal(list.length, 3);
  t.equal(list[1], 'n2');
  t.same([...list], ['n1', 'n2', 'n3']);
  t.equal(list.join(' '), 'n1 n2 n3');
  t.same(
    list.map((s) => s.toUpperCase()),
    ['N1', 'N2', 'N3'],
  );
  t.ok(Array.isArray(list));
  t.equal(JSON.stringify(list), '["n1","n2","n3"]');
  t.equal(JSON.stringify({ a: list }, null, 2), JSON.stringify({ a: ['n1', 'n2', 'n3'] }, null, 2));
  t.same(Object.getOwnPropertyDescriptor(list, '0')?.value, 'n1');
  t.equal(list[3], undefined);
  // And each read built again (nothing is kept)
  t.ok(built >= 12, `built ${built} times`);
});

t.test('a lazy list refuses writes and keeps its own copy of the items', async (t) => {
  const items = ['a', 'b'];
  const list = lazyMap(items, (s) => s.toUpperCase()) as string[];
  items.push('c');
  t.equal(list.length, 2);
  t.throws(() => {
    list[0] = 'x';
  });
  t.throws(() => list.push('x'));
  t.throws(() => delete (list as unknown as Record<string, unknown>)['0']);
  t.throws(() => Object.defineProperty(list, 'x', { value: 1 }));
  // Keys that are not array indices of the list read the array itself
  const keyed = list as unknown as Record<string, unknown>;
  for (const key of ['01', '', '2', '99999999999', '-1', 'x'])
    t.equal(keyed[key], undefined, `key ${JSON.stringify(key)}`);
  t.equal(Object.getOwnPropertyDescriptor(list, 'length')?.value, 2);
  t.same(Object.keys(list), ['0', '1']);
  t.same([...list], ['A', 'B']);
  t.equal(lazySource(list)?.items.length, 2);
  t.equal(lazySource(['plain']), undefined);
});

t.test('uniqueWith equals Set over head, list and tail, for plain and lazy lists', async (t) => {
  // Given a list of distinct sentences, plain and lazy (items are sentences or numbers built into one)
  const build = (x: string | number): string => (typeof x === 'string' ? x : `s${x}`);
  const plain = ['s1', 's2', 's3'];
  const lazy = lazyMap<string | number, string>([1, 's2', 3], build);
  for (const [head, tail] of [
    [[], []],
    [['s2', 'x'], []],
    [[], ['s3', 'y', 'y']],
    [
      ['x', 's1'],
      ['s1', 'z'],
    ],
  ] as const) {
    const expected = Array.from(new Set([...head, ...plain, ...tail]));
    // When head and tail are added without repeats
    // Then both give what a Set gives, and the lazy list stays lazy
    t.same(uniqueWith(plain, head, tail), expected, `plain ${JSON.stringify([head, tail])}`);
    const out = uniqueWith(lazy, head, tail);
    t.same([...out], expected, `lazy ${JSON.stringify([head, tail])}`);
    t.not(lazySource(out), undefined);
  }
});

t.test('uniqueWith builds only the elements its cheap test cannot rule out', async (t) => {
  // Given a lazy list whose mayEqual says a built element ends with its item (a built value builds to itself)
  let built = 0;
  const list = lazyMap(
    ['a', 'b', 'c'],
    (s) => {
      built += 1;
      return s.startsWith('x-') ? s : `x-${s}`;
    },
    (s, value) => value.endsWith(s),
  );
  // When a tail element can only equal the last element
  const out = uniqueWith(list, [], ['x-c', 'x-q']);
  // Then only that element was built to compare, and the repeat is dropped
  t.equal(built, 1);
  t.same([...out], ['x-a', 'x-b', 'x-c', 'x-q']);
});
