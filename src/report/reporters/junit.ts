/**
 * JUnit XML reporter: one test case per control (fails → failure, inconclusive and n/a →
 * skipped, with the reasons kept), plus a failing test case when the run aborted or judged
 * nothing, so a CI gate never shows such a run as green.
 */
import type { Report } from '../../domain/report.js';
import type { Verdict } from '../../domain/verdict.js';
import { joinChunks } from './chunks.js';
import { expand, hole, type Piece } from './pieces.js';
import { escapeXml, requirementOf, runFailures, titleOf, type RunFailure } from './common.js';

/** escapeXml(reasons.join('\n')) as a hole (escaping leaves '\n' alone). */
function body(v: Verdict): Piece {
  return hole(v.reasons, (r, i) => `${i === 0 ? '' : '\n'}${escapeXml(r)}`);
}

function* testCase(v: Verdict): Generator<Piece> {
  const name = escapeXml(`${requirementOf(v)} ${titleOf(v)}`);
  yield `\n    <testcase classname="pci-dss-4.0.1" name="${name}">`;
  switch (v.status) {
    case 'fails':
      yield '\n      <failure message="control fails" type="fails">';
      yield body(v);
      yield '</failure>\n    </testcase>';
      return;
    case 'inconclusive':
      yield `\n      <skipped message="inconclusive: ${escapeXml(v.reasons[0] ?? 'nothing was evidenced')}"/>\n      <system-out>`;
      yield body(v);
      yield '</system-out>\n    </testcase>';
      return;
    case 'not-applicable':
      yield `\n      <skipped message="${escapeXml(v.reasons[0] ?? 'not applicable')}"/>\n    </testcase>`;
      return;
    case 'holds':
      yield '\n      <system-out>';
      yield body(v);
      yield '</system-out>\n    </testcase>';
      return;
    default: {
      const never: never = v.status;
      yield String(never);
    }
  }
}

function runCase(f: RunFailure): string {
  return `\n    <testcase classname="meshprobe" name="${escapeXml(f.name)}">\n      <failure message="${escapeXml(f.message)}" type="${f.kind}">${escapeXml(f.message)}</failure>\n    </testcase>`;
}

/** JUnit XML as pieces (a control's reasons: a hole, pieces.ts). */
export function* renderJunitPieces(report: Report): Generator<Piece> {
  const s = report.summary;
  const failures = runFailures(report);
  const counts = `tests="${report.verdicts.length + failures.length}" failures="${s.fails + failures.length}" errors="0" skipped="${s['not-applicable'] + s.inconclusive}"`;
  yield '<?xml version="1.0" encoding="UTF-8"?>';
  yield `\n<testsuites name="meshprobe" ${counts}>`;
  yield `\n  <testsuite name="meshprobe ${escapeXml(report.run.runId)}" ${counts} timestamp="${escapeXml(report.run.startedAt)}">`;
  for (const v of report.verdicts) yield* testCase(v);
  for (const f of failures) yield runCase(f);
  if (report.aborted)
    yield `\n    <system-err>${escapeXml(`aborted at ${report.aborted.stage} (${report.aborted.code}): ${report.aborted.message}`)}</system-err>`;
  yield '\n  </testsuite>\n</testsuites>\n';
}

/** JUnit XML as chunks (a control's reasons one by one). */
export function renderJunitChunks(report: Report): Generator<string> {
  return expand(renderJunitPieces(report));
}

/** Render JUnit XML. */
export function renderJunit(report: Report): string {
  return joinChunks(renderJunitChunks(report));
}
