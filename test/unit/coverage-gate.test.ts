/**
 * The coverage gate that ends `npm test` (test/coverage-gate.mjs), run as CI runs it on a tree it
 * has not seen: a temporary root with src/ and probes/ files and a tap json-summary written here.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GATE = join(import.meta.dirname, '../coverage-gate.mjs');

interface Counts {
  readonly lines: readonly [covered: number, total: number];
  readonly branches: readonly [covered: number, total: number];
}

const entry = ({ lines, branches }: Counts) => ({
  lines: { total: lines[1], covered: lines[0], skipped: 0, pct: (100 * lines[0]) / lines[1] },
  branches: { total: branches[1], covered: branches[0], skipped: 0, pct: (100 * branches[0]) / branches[1] },
});

/** A root with the given files (path → source) and a coverage summary for the loaded ones. */
function tree(t: Test, files: Record<string, string>, loaded: Record<string, Counts> | undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'meshprobe-gate-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  if (loaded !== undefined) {
    const summary = Object.fromEntries(Object.entries(loaded).map(([path, c]) => [join(root, path), entry(c)]));
    mkdirSync(join(root, '.tap/report'), { recursive: true });
    writeFileSync(join(root, '.tap/report/coverage-summary.json'), JSON.stringify({ total: {}, ...summary }));
  }
  return root;
}

function gate(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [GATE, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const FILES = {
  'src/a.ts': 'export const a = (x: number): number => (x > 0 ? x : -x);\n',
  'src/types.ts': 'export interface OnlyTypes { readonly x: number }\n',
  'probes/agent/b.ts': 'export function b(x: string): string {\n  return x.trim();\n}\n',
};

t.test('a tree whose src/ and probes/ both meet both thresholds passes and prints each folder', async (t) => {
  // Given src/ at 96 % lines / 90 % branches and probes/ at 98 % / 88 %, and a types-only file nobody loads
  const root = tree(t, FILES, {
    'src/a.ts': { lines: [96, 100], branches: [45, 50] },
    'probes/agent/b.ts': { lines: [49, 50], branches: [22, 25] },
  });
  // When the gate runs with 95 % lines and 85 % branches
  const r = gate('--lines', '95', '--branches', '85', '--root', root);
  // Then it passes, with one line per folder, and the types-only file is not counted
  t.equal(r.code, 0, r.out);
  t.match(r.out, 'src/ lines 96.00 % (96/100), branches 90.00 % (45/50)');
  t.match(r.out, 'probes/ lines 98.00 % (49/50), branches 88.00 % (22/25)');
  t.notMatch(r.out, 'types.ts');
});

t.test('probes/ below the branch threshold fails even when the combined numbers would pass', async (t) => {
  // Given a well-covered src/ and an agent with 60 % of its branches covered
  const root = tree(t, FILES, {
    'src/a.ts': { lines: [1000, 1000], branches: [500, 500] },
    'probes/agent/b.ts': { lines: [50, 50], branches: [6, 10] },
  });
  // When the gate runs at 95 % / 85 % (src+probes together would be 99.2 % branches)
  const r = gate('--lines', '95', '--branches', '85', '--root', root);
  // Then it fails naming probes/ branches, and only that
  t.equal(r.code, 1);
  t.match(r.out, 'FAILED — probes/ branch coverage 60.00 % is below 85 %');
  t.notMatch(r.out, 'FAILED — src/');
  t.notMatch(r.out, 'line coverage');
});

t.test('a module no test loaded counts as uncovered lines and branches', async (t) => {
  // Given src/ fully covered where loaded, plus an agent module with code that no test imported
  const files = {
    ...FILES,
    'probes/agent/untested.ts': 'export function u(x: number): number {\n  if (x > 1) return x;\n  return x ?? 0;\n}\n',
  };
  const root = tree(t, files, {
    'src/a.ts': { lines: [10, 10], branches: [2, 2] },
    'probes/agent/b.ts': { lines: [3, 3], branches: [1, 1] },
  });
  // When the gate runs
  const r = gate('--lines', '95', '--branches', '85', '--root', root);
  // Then the module is listed and drags probes/ below both thresholds
  t.equal(r.code, 1);
  t.match(r.out, /not loaded by any test, counted as 0 %: probes\/agent\/untested\.ts \(~\d+ lines\)/);
  t.match(r.out, /FAILED — probes\/ line coverage \d+\.\d\d % is below 95 %/);
  t.match(r.out, /FAILED — probes\/ branch coverage \d+\.\d\d % is below 85 %/);
});

t.test('a non-numeric, out-of-range, missing or unknown threshold is a usage error (exit 2)', async (t) => {
  const root = tree(t, FILES, { 'src/a.ts': { lines: [1, 1], branches: [1, 1] } });
  for (const args of [
    ['--lines', 'ninety', '--branches', '85'],
    ['--lines', '95%', '--branches', '85'],
    ['--lines', '', '--branches', '85'],
    ['--lines', '101', '--branches', '85'],
    ['--lines', '95'],
    ['--branches', '85'],
    ['90'],
    ['--lines', '95', '--branches', '85', '--functions', '80'],
    ['--lines', '95', '--branches'],
  ]) {
    // When the gate is called like this
    const r = gate(...args, '--root', root);
    // Then it refuses with a message naming the problem and the usage, before reading any coverage
    t.equal(r.code, 2, `${JSON.stringify(args)}: ${r.out}`);
    t.match(r.out, /coverage gate: .+\nusage: node test\/coverage-gate\.mjs --lines <percent> --branches <percent>/);
    t.notMatch(r.out, /lines \d/, 'no coverage numbers printed');
  }
});

t.test('no coverage summary fails instead of passing', async (t) => {
  // Given a tree where tap wrote no json-summary
  const root = tree(t, FILES, undefined);
  // When the gate runs
  const r = gate('--lines', '95', '--branches', '85', '--root', root);
  // Then it fails and says where it looked
  t.equal(r.code, 1);
  t.match(r.out, `no coverage summary at ${join(root, '.tap/report/coverage-summary.json')}`);
});

t.test('a summary without branch numbers fails instead of counting the file as covered', async (t) => {
  // Given a summary entry that has lines but no branches (an older or hand-made summary)
  const root = tree(t, FILES, { 'src/a.ts': { lines: [1, 1], branches: [1, 1] } });
  const path = join(root, '.tap/report/coverage-summary.json');
  writeFileSync(path, JSON.stringify({ [join(root, 'src/a.ts')]: { lines: { total: 1, covered: 1 } } }));
  // When the gate runs
  const r = gate('--lines', '95', '--branches', '85', '--root', root);
  // Then it names the file and the missing numbers
  t.equal(r.code, 1);
  t.match(r.out, 'the summary has no branches numbers for src/a.ts');
});
