#!/usr/bin/env node
/**
 * Coverage gate for `npm test`: tap 21 can only demand 100 % or nothing, so this reads tap's
 * json-summary and fails when line coverage of src/ is below the threshold. Files under src/
 * that no test loaded count as 0 % (tap only reports loaded files), so an untested module
 * cannot hide. Usage: node test/coverage-gate.mjs <percent>
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { transformSync } from 'esbuild';

const threshold = Number(process.argv[2] ?? 90);
const root = resolve(import.meta.dirname, '..');
const summaryPath = join(root, '.tap/report/coverage-summary.json');

let summary;
try {
  summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
} catch {
  console.error(`coverage gate: no coverage summary at ${summaryPath} (did tap run with coverage?)`);
  process.exit(1);
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.ts$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** Executable lines of a file nobody loaded: its JavaScript after type stripping, minus imports/blank lines. */
function roughLines(file) {
  const js = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' }).code;
  return js.split('\n').filter((l) => {
    const s = l.trim();
    return s !== '' && !s.startsWith('//') && !/^(import|export \*|export \{)/.test(s) && s !== '}' && s !== '};';
  }).length;
}

const covered = new Map(Object.entries(summary).filter(([k]) => k !== 'total').map(([k, v]) => [relative(root, k), v.lines]));
let total = 0;
let hit = 0;
const unloaded = [];
for (const file of walk(join(root, 'src')).map((f) => relative(root, f))) {
  const c = covered.get(file);
  if (c) {
    total += c.total;
    hit += c.covered;
  } else {
    const n = roughLines(join(root, file));
    // Files with only types/re-exports compile to (almost) nothing; count the rest.
    if (n > 0) {
      total += n;
      unloaded.push(`${file} (~${n} lines)`);
    }
  }
}
const pct = total === 0 ? 100 : (100 * hit) / total;
console.log(`coverage gate: src/ lines ${pct.toFixed(2)} % (${hit}/${total}), threshold ${threshold} %`);
if (unloaded.length > 0) console.log(`coverage gate: not loaded by any test, counted as 0 %: ${unloaded.join(', ')}`);
if (pct < threshold) {
  console.error(`coverage gate: FAILED — src/ line coverage ${pct.toFixed(2)} % is below ${threshold} %`);
  process.exit(1);
}
