/**
 * Chunked rendering: every chunked form concatenates to exactly the text of the string form,
 * also for reports large enough that arrays and objects are streamed member by member.
 */
import t from 'tap';
import { evidenceRecord } from '../../../src/domain/evidence.js';
import type { Report } from '../../../src/domain/report.js';
import { joinChunks, joinedJsonString, joinLines, jsonChunks } from '../../../src/report/reporters/chunks.js';
import {
  renderHtml,
  renderHtmlChunks,
  renderJson,
  renderJsonChunks,
  renderJunit,
  renderJunitChunks,
  renderMarkdown,
  renderMarkdownChunks,
  renderSarif,
  renderSarifChunks,
  renderTap,
  renderTapChunks,
} from '../../../src/report/reporters/index.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

/** A report with `factor` copies of every evidence item, reason and not-run entry (ids kept unique). */
function inflate(report: Report, factor: number): Report {
  const copies = <T>(list: readonly T[], f: (x: T, i: number) => T): T[] =>
    Array.from({ length: factor }, (_, i) => list.map((x) => f(x, i))).flat();
  return {
    ...report,
    evidence: copies(report.evidence, (e, i) => ({ ...e, id: `${e.id}${String(i).padStart(4, '0')}` })),
    notRun: copies(report.notRun, (n) => n),
    verdicts: report.verdicts.map((v) => ({
      ...v,
      reasons: copies(v.reasons, (r, i) => `${r} (${i})`),
      evidenceIds: copies(v.evidenceIds, (id, i) => `${id}${String(i).padStart(4, '0')}`),
    })),
  };
}

t.test('jsonChunks is JSON.stringify(value, null, 2) for small, large, nested and odd values', async (t) => {
  const big = Array.from({ length: 700 }, (_, i) => ({
    i,
    s: `line\n${i} "quoted" \u2028 é`,
    nested: { a: [i, null, true], empty: {}, none: [] },
    gone: undefined,
  }));
  const cases: Array<[string, unknown]> = [
    ['number', 1],
    ['string', 'a\nb'],
    ['null', null],
    ['empty array', []],
    ['empty object', {}],
    ['small object', { a: 1, b: [1, 2, { c: 'x' }], d: undefined, f: () => 1 }],
    ['large array', big],
    ['large object with large members', { head: 'h', big, also: { big, gone: undefined }, tail: [] }],
    [
      'array with holes and undefined',
      [...Array.from({ length: 600 }, (_, i) => (i % 7 === 0 ? undefined : i)), () => 1],
    ],
    [
      'object whose members are all dropped',
      { a: undefined, b: () => 1, big: Array.from({ length: 600 }, () => ({ x: undefined })) },
    ],
    ['toJSON', { when: new Date(0), big: Array.from({ length: 600 }, (_, i) => new Date(i)) }],
  ];
  for (const [name, value] of cases) t.equal(joinChunks(jsonChunks(value)), JSON.stringify(value, null, 2), name);
  t.equal(joinChunks(jsonChunks(undefined)), '', 'undefined yields nothing');
});

t.test('a JSON string given as pieces is written exactly as JSON.stringify writes the joined string', async (t) => {
  // Given pieces with quotes, control characters, non-ASCII and lone surrogates at their edges
  const items = ['a "b"', 'c\\d\n', '\u2028é', '\ud800', '\udc00x', '', 'end\ud83d'];
  for (const [separator, prefix] of [
    [' ', ''],
    [',', 'id|'],
    ['', '\ud83d'],
  ] as const) {
    const joined = `${prefix}${items.join(separator)}`;
    const value = { text: joinedJsonString(items, separator, prefix), list: [joinedJsonString([], ',', prefix)] };
    // Then streamed, and through JSON.stringify (toJSON), it is the joined string
    t.equal(
      joinChunks(jsonChunks(value)),
      JSON.stringify({ text: joined, list: [prefix] }, null, 2),
      `separator ${JSON.stringify(separator)}`,
    );
    t.equal(JSON.stringify(value), JSON.stringify({ text: joined, list: [prefix] }));
  }
  // And for random pieces made of the awkward units (a seeded generator, so failures reproduce)
  const pool = ['a', '"', '\\', '\n', '\u0001', '\ud800', '\udc00', '\ud83d', '\ude00', 'é', ' '];
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let mismatches = 0;
  for (let round = 0; round < 500; round += 1) {
    const pieces = Array.from({ length: next(6) }, () =>
      Array.from({ length: next(4) }, () => pool[next(pool.length)]).join(''),
    );
    const separator = ['', ' ', '\ud800', '\udc00'][next(4)] ?? '';
    if (joinChunks(jsonChunks(joinedJsonString(pieces, separator))) !== JSON.stringify(pieces.join(separator)))
      mismatches += 1;
  }
  t.equal(mismatches, 0, 'random pieces');
});

t.test('a large container is streamed in many chunks, a small one in one', async (t) => {
  t.equal([...jsonChunks({ a: [1, 2, 3] })].length, 1);
  t.ok([...jsonChunks({ a: Array.from({ length: 2000 }, (_, i) => i) })].length > 2000);
});

t.test('joinLines is lines.join with newlines', async (t) => {
  for (const lines of [[], [''], ['a'], ['a', '', 'b', '']]) t.equal(joinChunks(joinLines(lines)), lines.join('\n'));
});

t.test(
  'every chunked reporter renders the same text as its string form, for every example and an inflated one',
  async (t) => {
    const reports = [...SCENARIOS.map((s) => buildExample(s)), inflate(buildExample(SCENARIOS[1]!), 300)];
    const pairs: ReadonlyArray<[string, (r: Report) => string, (r: Report) => Iterable<string>]> = [
      ['json', renderJson, renderJsonChunks],
      ['md', renderMarkdown, renderMarkdownChunks],
      ['html', renderHtml, renderHtmlChunks],
      ['junit', renderJunit, renderJunitChunks],
      ['tap', renderTap, renderTapChunks],
      ['sarif', renderSarif, renderSarifChunks],
    ];
    for (const report of reports) {
      for (const [name, whole, chunks] of pairs)
        t.equal(joinChunks(chunks(report)), whole(report), `${name} (${report.evidence.length} evidence)`);
      // The JSON form streams and still equals the plain JSON.stringify of the value, with each
      // evidence item's `why` sentence built as it is written (evidenceRecord; issue 17).
      const written = { ...report, evidence: report.evidence.map(evidenceRecord) };
      t.equal(
        renderJson(report),
        `${JSON.stringify(written, null, 2)}\n`,
        `json is JSON.stringify (${report.evidence.length} evidence)`,
      );
    }
  },
);
