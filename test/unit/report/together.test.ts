/**
 * Rendering the bundle's formats together (pieces.ts, issue 17): every file is byte for byte what
 * its reporter writes alone, and a lazy reason list is read once for all of them, so each
 * sentence is built once per bundle instead of once per format. The escapers' one-pass form
 * writes what the chained replaces wrote.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../../src/domain/report.js';
import type { Verdict } from '../../../src/domain/verdict.js';
import { lazyMap } from '../../../src/shared/lazy-list.js';
import { escapeMd, escapeMdText, escapeXml } from '../../../src/report/reporters/common.js';
import {
  bundlePieces,
  renderHtml,
  renderJson,
  renderJunit,
  renderMarkdown,
  renderSarif,
  renderTap,
  renderTogether,
} from '../../../src/report/reporters/index.js';
import { writeReportBundle } from '../../../src/report/write.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

const ALONE: Readonly<Record<string, (r: Report) => string>> = {
  'report.json': renderJson,
  'report.md': renderMarkdown,
  'report.html': renderHtml,
  'junit.xml': renderJunit,
  'report.tap': renderTap,
  'report.sarif': renderSarif,
};

/** Each bundle file's text when the formats are rendered together. */
async function together(report: Report): Promise<Record<string, string>> {
  const parts: Record<string, string[]> = {};
  const files = Object.entries(bundlePieces(report));
  await renderTogether(
    report.verdicts,
    files.map(([name, pieces]) => {
      const into: string[] = [];
      parts[name] = into;
      return { pieces: pieces(), write: (text: string) => void into.push(text) };
    }),
  );
  return Object.fromEntries(Object.entries(parts).map(([name, p]) => [name, p.join('')]));
}

/**
 * A report whose verdicts' reasons and findings are lazy lists of `n` sentences (as evaluate
 * makes them for attempt reasons), with text every format escapes; `built` counts the sentences built.
 */
function lazyReport(n: number): { report: Report; built: { count: number } } {
  const base = buildExample(SCENARIOS[1]!);
  const built = { count: 0 };
  const sentence = (i: number): string => {
    built.count += 1;
    return `svc-${i} <b> & "q" 'a' | back\\slash\nline ✓ \ud83d\ude00 ${i}.`;
  };
  const ids = Array.from({ length: n }, (_, i) => i);
  const verdicts: Verdict[] = base.verdicts.map((v, k) =>
    k % 2 === 0
      ? { ...v, reasons: lazyMap(ids, sentence), ...(v.status === 'fails' ? { findings: lazyMap(ids, sentence) } : {}) }
      : v,
  );
  return { report: { ...base, verdicts }, built };
}

t.test('the bundle rendered together is byte for byte each reporter alone, for every example', async (t) => {
  for (const s of SCENARIOS) {
    const report = buildExample(s);
    const files = await together(report);
    t.same(Object.keys(files).sort(), Object.keys(ALONE).sort());
    for (const [name, alone] of Object.entries(ALONE)) t.equal(files[name], alone(report), `${s.name}: ${name}`);
  }
});

t.test('a lazy reason list is read once for all the formats that write it', async (t) => {
  // Given verdicts whose reasons (and failing findings) are lazy lists of 1 500 sentences
  const n = 1500;
  const { report, built } = lazyReport(n);
  const lazyLists = report.verdicts.filter((v) => v.reasons.length === n).length;
  const lazyFindings = report.verdicts.filter((v) => v.findings?.length === n).length;
  t.ok(lazyLists >= 2, 'the example has verdicts to make lazy');
  // When the bundle's formats are rendered together
  built.count = 0;
  const files = await together(report);
  const togetherBuilt = built.count;
  // Then each file is what its reporter writes alone
  built.count = 0;
  for (const [name, alone] of Object.entries(ALONE)) t.equal(files[name], alone(report), name);
  const aloneBuilt = built.count;
  // And each list was read once (JSON is the only format that writes findings), a few first
  // reasons aside (the HTML summary, a JUnit skipped message), where alone every format read each
  const lists = lazyLists + lazyFindings;
  t.ok(togetherBuilt >= lists * n && togetherBuilt <= lists * n + 4 * lazyLists, `built ${togetherBuilt}`);
  t.ok(aloneBuilt >= 4 * lazyLists * n, `alone: built ${aloneBuilt}`);
});

t.test('a write that fails stops the renderings with its error', async (t) => {
  // Given a rendering whose write fails on its second piece
  const { report } = lazyReport(600);
  const files = Object.values(bundlePieces(report));
  let writes = 0;
  const failing = {
    pieces: files[0]!(),
    write: () => {
      writes += 1;
      if (writes === 2) throw new Error('disk full');
    },
  };
  // Then rendering together rejects with that error
  await t.rejects(renderTogether(report.verdicts, [failing, { pieces: files[1]!(), write: () => undefined }]), {
    message: 'disk full',
  });
});

t.test(
  'a bundle written together holds each format as rendered alone, and a failed file leaves no temporary',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meshprobe-together-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // Given a report with lazy reason lists
    const { report } = lazyReport(700);
    // When its bundle is written
    await writeReportBundle(report, join(dir, 'ok'));
    // Then every rendered file is its reporter's text alone
    for (const [name, alone] of Object.entries(ALONE))
      t.equal(readFileSync(join(dir, 'ok', name), 'utf8'), alone(report), name);
    // And when one file cannot be put in place (a non-empty directory stands at report.md)
    mkdirSync(join(dir, 'bad', 'report.md', 'x'), { recursive: true });
    await t.rejects(writeReportBundle(report, join(dir, 'bad')), { code: 'E_IO', message: /report\.md/ });
    // Then the error names the file, and no temporary file is left behind
    t.same(
      readdirSync(join(dir, 'bad')).filter((f) => f.startsWith('.')),
      [],
    );
  },
);

t.test('the one-pass escapers write what the chained replaces wrote', async (t) => {
  const xml = (s: string) =>
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;');
  const mdText = (s: string) => s.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
  const md = (s: string) => mdText(s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|'));
  // Given strings of every character any escaper touches, and of plain text (a seeded generator)
  const pool = ['a', '&', '<', '>', '"', "'", '\\', '|', '\n', '\r', 'é', '&amp;', ' '];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const samples = ['', 'plain sentence.', ...pool];
  for (let i = 0; i < 2000; i += 1)
    samples.push(Array.from({ length: next(12) }, () => pool[next(pool.length)]).join(''));
  let mismatches = 0;
  for (const s of samples) {
    if (escapeXml(s) !== xml(s) || escapeMdText(s) !== mdText(s) || escapeMd(s) !== md(s)) mismatches += 1;
  }
  t.equal(mismatches, 0, `${samples.length} strings`);
});
