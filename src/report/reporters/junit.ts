/** JUnit XML reporter: one test case per control (fails → failure, inconclusive → error, n/a → skipped). */
import type { Report } from '../../domain/report.js';
import type { Verdict } from '../../domain/verdict.js';
import { joinChunks } from './chunks.js';
import { escapeXml, requirementOf, titleOf } from './common.js';

/** escapeXml(reasons.join('\n')) as chunks (escaping leaves '\n' alone). */
function* body(v: Verdict): Generator<string> {
  for (const [i, r] of v.reasons.entries()) yield `${i === 0 ? '' : '\n'}${escapeXml(r)}`;
}

function* testCase(v: Verdict): Generator<string> {
  const name = escapeXml(`${requirementOf(v)} ${titleOf(v)}`);
  yield `\n    <testcase classname="pci-dss-4.0.1" name="${name}">`;
  switch (v.status) {
    case 'fails':
      yield '\n      <failure message="control fails" type="fails">';
      yield* body(v);
      yield '</failure>\n    </testcase>';
      return;
    case 'inconclusive':
      yield '\n      <error message="control inconclusive" type="inconclusive">';
      yield* body(v);
      yield '</error>\n    </testcase>';
      return;
    case 'not-applicable':
      yield `\n      <skipped message="${escapeXml(v.reasons[0] ?? 'not applicable')}"/>\n    </testcase>`;
      return;
    case 'holds':
      yield '\n      <system-out>';
      yield* body(v);
      yield '</system-out>\n    </testcase>';
      return;
    default: {
      const never: never = v.status;
      yield String(never);
    }
  }
}

/** JUnit XML as chunks (a control's reasons one by one). */
export function* renderJunitChunks(report: Report): Generator<string> {
  const s = report.summary;
  yield '<?xml version="1.0" encoding="UTF-8"?>';
  yield `\n<testsuites name="meshprobe" tests="${report.verdicts.length}" failures="${s.fails}" errors="${s.inconclusive}" skipped="${s['not-applicable']}">`;
  yield `\n  <testsuite name="meshprobe ${escapeXml(report.run.runId)}" tests="${report.verdicts.length}" failures="${s.fails}" errors="${s.inconclusive}" skipped="${s['not-applicable']}" timestamp="${escapeXml(report.run.startedAt)}">`;
  for (const v of report.verdicts) yield* testCase(v);
  if (report.aborted) yield `\n    <system-err>${escapeXml(`aborted at ${report.aborted.stage} (${report.aborted.code}): ${report.aborted.message}`)}</system-err>`;
  yield '\n  </testsuite>\n</testsuites>\n';
}

/** Render JUnit XML. */
export function renderJunit(report: Report): string {
  return joinChunks(renderJunitChunks(report));
}
