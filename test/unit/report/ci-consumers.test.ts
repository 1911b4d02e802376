/**
 * CI formats as real consumers read them: report.tap through tap-parser (the parser tap itself
 * uses) and junit.xml through test-results-parser (a JUnit reader CI reporting tools use). An
 * aborted run, or one where nothing holds or fails, must never come out green; a run whose
 * controls hold must.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Report } from '../../../src/domain/report.js';
import { renderJunit, renderSarif, renderTap } from '../../../src/report/reporters/index.js';

const require = createRequire(import.meta.url);
const { Parser } = require('tap-parser') as { Parser: new (cb: (r: TapResult) => void) => { end(text: string): void } };
const junitReader = require('test-results-parser') as { parse(o: { type: 'junit'; files: string[] }): JunitResult };

interface TapResult {
  readonly ok: boolean;
  readonly pass: number;
  readonly fail: number;
  readonly todo: number;
}
interface JunitResult {
  readonly status: string;
  readonly failed: number;
  readonly passed: number;
  readonly suites: readonly {
    readonly status: string;
    readonly cases: readonly { readonly name: string; readonly status: string }[];
  }[];
}

const example = (name: string): Report => JSON.parse(readFileSync(`reports/examples/${name}.json`, 'utf8')) as Report;

function tapOf(report: Report): Promise<TapResult> {
  return new Promise((resolve) => new Parser(resolve).end(renderTap(report)));
}

function junitOf(t: { teardown(fn: () => void): void }, report: Report): JunitResult {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-junit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'junit.xml');
  writeFileSync(file, renderJunit(report));
  return junitReader.parse({ type: 'junit', files: [file] });
}

function sarifInvocation(report: Report): { executionSuccessful: boolean } {
  return (JSON.parse(renderSarif(report)) as { runs: { invocations: { executionSuccessful: boolean }[] }[] }).runs[0]!
    .invocations[0]!;
}

/** A finished run in which every control is inconclusive (nothing was evidenced). */
function nothingJudged(): Report {
  const r = example('all-holds');
  const verdicts = r.verdicts.map((v) => (v.status === 'holds' ? { ...v, status: 'inconclusive' as const } : v));
  return {
    ...r,
    verdicts,
    summary: { ...r.summary, holds: 0, inconclusive: r.summary.inconclusive + r.summary.holds },
  };
}

t.test('an aborted run is not ok in TAP, fails in JUnit and is unsuccessful in SARIF', async (t) => {
  // Given the aborted example (no control fails, the run stopped in discover)
  const report = example('aborted');
  t.ok(report.aborted, 'the example is aborted');
  // Then every consumer sees a failure
  const tap = await tapOf(report);
  t.equal(tap.ok, false, 'tap-parser: not ok');
  t.ok(tap.fail >= 1);
  const junit = junitOf(t, report);
  t.equal(junit.status, 'FAIL', 'test-results-parser: FAIL');
  t.ok(junit.suites[0]!.cases.some((c) => c.name === 'meshprobe run completed' && c.status === 'FAIL'));
  t.equal(sarifInvocation(report).executionSuccessful, false);
});

t.test('a run where every control is inconclusive is never green', async (t) => {
  const report = nothingJudged();
  const tap = await tapOf(report);
  t.equal(tap.ok, false, 'tap-parser: not ok');
  t.equal(tap.todo, 0, 'inconclusive is not a TODO (TODO points count as passed)');
  const junit = junitOf(t, report);
  t.equal(junit.status, 'FAIL');
  t.ok(junit.suites[0]!.cases.some((c) => c.name === 'meshprobe judged at least one control' && c.status === 'FAIL'));
  t.ok(
    junit.suites[0]!.cases.some((c) => c.status === 'SKIP'),
    'inconclusive controls are skipped',
  );
  t.equal(sarifInvocation(report).executionSuccessful, false);
});

t.test('a run with no verdict at all is never green', async (t) => {
  const r = example('all-holds');
  const report: Report = { ...r, verdicts: [], summary: { ...r.summary, holds: 0, 'not-applicable': 0 } };
  t.equal((await tapOf(report)).ok, false);
  t.equal(junitOf(t, report).status, 'FAIL');
  t.equal(sarifInvocation(report).executionSuccessful, false);
});

t.test('an inconclusive control next to holding ones is not ok in TAP and skipped in JUnit', async (t) => {
  const report = example('inconclusive-canary-failed');
  t.notOk(report.aborted);
  const tap = await tapOf(report);
  t.equal(tap.ok, false);
  t.equal(tap.todo, 0);
  const cases = junitOf(t, report).suites[0]!.cases;
  const inconclusive = report.verdicts.filter((v) => v.status === 'inconclusive').length;
  t.ok(inconclusive > 0);
  t.equal(
    cases.filter((c) => c.status === 'SKIP').length,
    inconclusive + report.verdicts.filter((v) => v.status === 'not-applicable').length,
  );
});

t.test('a run whose controls hold is green in every consumer', async (t) => {
  const report = example('all-holds');
  t.equal((await tapOf(report)).ok, true);
  t.equal(junitOf(t, report).status, 'PASS');
  t.equal(sarifInvocation(report).executionSuccessful, true);
});
