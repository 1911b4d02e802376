#!/usr/bin/env node
/**
 * Coverage gate for `npm test`: tap 21 can only demand 100 % or nothing, so this reads tap's
 * json-summary and fails when the line or branch coverage of src/ or of probes/ (each folder on
 * its own, so the CLI cannot hide an untested agent) is below its threshold. Files that no test
 * loaded count as 0 % (tap only reports loaded files), so an untested module cannot hide.
 *
 * Usage: node test/coverage-gate.mjs --lines <percent> --branches <percent> [--root <dir>]
 * Exit codes: 0 passed, 1 below a threshold or no coverage summary, 2 bad usage.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { transformSync } from 'esbuild';

const FOLDERS = ['src', 'probes'];
const USAGE = 'usage: node test/coverage-gate.mjs --lines <percent> --branches <percent> [--root <dir>]';

function usageError(message) {
  console.error(`coverage gate: ${message}\n${USAGE}`);
  process.exit(2);
}

/** `--name value` pairs; both thresholds are required and must be plain numbers in 0..100. */
function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    if (!['--lines', '--branches', '--root'].includes(name)) usageError(`unknown argument ${JSON.stringify(name)}`);
    if (argv[i + 1] === undefined) usageError(`${name} needs a value`);
    args[name.slice(2)] = argv[i + 1];
  }
  const threshold = (name) => {
    const text = args[name];
    if (text === undefined) usageError(`--${name} is required (no default, so a typo cannot switch the gate off)`);
    if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > 100) {
      usageError(`--${name} must be a percentage from 0 to 100, got ${JSON.stringify(text)}`);
    }
    return Number(text);
  };
  return {
    lines: threshold('lines'),
    branches: threshold('branches'),
    root: resolve(args.root ?? join(import.meta.dirname, '..')),
  };
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.ts$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** A file nobody loaded, after type stripping: its executable lines and (roughly) its branch points. */
function roughCounts(file) {
  const js = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' }).code;
  const code = js.split('\n').filter((l) => {
    const s = l.trim();
    return s !== '' && !s.startsWith('//') && !/^(import|export \*|export \{)/.test(s) && s !== '}' && s !== '};';
  });
  const branches = code.join('\n').match(/\bif\s*\(|\bcase\b|\?\?|\|\||&&|\?(?![.?:])/g) ?? [];
  return { lines: code.length, branches: branches.length };
}

/** Hit and total lines and branches of one folder; unloaded files are listed and count as uncovered. */
function measure(root, folder, covered) {
  const m = { lines: { hit: 0, total: 0 }, branches: { hit: 0, total: 0 }, unloaded: [], files: 0 };
  for (const file of walk(join(root, folder)).map((f) => relative(root, f))) {
    m.files += 1;
    const c = covered.get(file);
    if (c) {
      for (const k of ['lines', 'branches']) {
        if (!Number.isFinite(c[k]?.total) || !Number.isFinite(c[k]?.covered)) {
          console.error(`coverage gate: the summary has no ${k} numbers for ${file}; re-run tap with json-summary`);
          process.exit(1);
        }
        m[k].hit += c[k].covered;
        m[k].total += c[k].total;
      }
      continue;
    }
    const n = roughCounts(join(root, file));
    // Files with only types/re-exports compile to (almost) nothing; count the rest.
    if (n.lines > 0) {
      m.lines.total += n.lines;
      m.branches.total += n.branches;
      m.unloaded.push(`${file} (~${n.lines} lines)`);
    }
  }
  return m;
}

const pct = ({ hit, total }) => (total === 0 ? 100 : (100 * hit) / total);

const { lines, branches, root } = parseArgs(process.argv.slice(2));
const summaryPath = join(root, '.tap/report/coverage-summary.json');
let summary;
try {
  summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
} catch {
  console.error(`coverage gate: no coverage summary at ${summaryPath} (did tap run with coverage?)`);
  process.exit(1);
}
const covered = new Map(
  Object.entries(summary)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => [relative(root, k), v]),
);
const failures = [];
for (const folder of FOLDERS) {
  const m = measure(root, folder, covered);
  if (m.files === 0) failures.push(`${folder}/ has no .ts files under ${root}: nothing to gate`);
  const l = pct(m.lines);
  const b = pct(m.branches);
  console.log(
    `coverage gate: ${folder}/ lines ${l.toFixed(2)} % (${m.lines.hit}/${m.lines.total}), ` +
      `branches ${b.toFixed(2)} % (${m.branches.hit}/${m.branches.total}); thresholds ${lines} % / ${branches} %`,
  );
  if (m.unloaded.length > 0) {
    console.log(`coverage gate: not loaded by any test, counted as 0 %: ${m.unloaded.join(', ')}`);
  }
  if (l < lines) failures.push(`${folder}/ line coverage ${l.toFixed(2)} % is below ${lines} %`);
  if (b < branches) failures.push(`${folder}/ branch coverage ${b.toFixed(2)} % is below ${branches} %`);
}
for (const f of failures) console.error(`coverage gate: FAILED — ${f}`);
if (failures.length > 0) process.exit(1);
