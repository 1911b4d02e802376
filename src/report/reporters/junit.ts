/** JUnit XML reporter: one test case per control (fails → failure, inconclusive → error, n/a → skipped). */
import type { Report } from '../../domain/report.js';
import { escapeXml, requirementOf, titleOf } from './common.js';

/** Render JUnit XML. */
export function renderJunit(report: Report): string {
  const s = report.summary;
  const cases = report.verdicts.map((v) => {
    const name = escapeXml(`${requirementOf(v)} ${titleOf(v)}`);
    const body = escapeXml(v.reasons.join('\n'));
    const open = `    <testcase classname="pci-dss-4.0.1" name="${name}">`;
    switch (v.status) {
      case 'fails':
        return `${open}\n      <failure message="control fails" type="fails">${body}</failure>\n    </testcase>`;
      case 'inconclusive':
        return `${open}\n      <error message="control inconclusive" type="inconclusive">${body}</error>\n    </testcase>`;
      case 'not-applicable':
        return `${open}\n      <skipped message="${escapeXml(v.reasons[0] ?? 'not applicable')}"/>\n    </testcase>`;
      case 'holds':
        return `${open}\n      <system-out>${body}</system-out>\n    </testcase>`;
      default: {
        const never: never = v.status;
        return String(never);
      }
    }
  });
  const aborted = report.aborted ? [`    <system-err>${escapeXml(`aborted at ${report.aborted.stage} (${report.aborted.code}): ${report.aborted.message}`)}</system-err>`] : [];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="meshprobe" tests="${report.verdicts.length}" failures="${s.fails}" errors="${s.inconclusive}" skipped="${s['not-applicable']}">`,
    `  <testsuite name="meshprobe ${escapeXml(report.run.runId)}" tests="${report.verdicts.length}" failures="${s.fails}" errors="${s.inconclusive}" skipped="${s['not-applicable']}" timestamp="${escapeXml(report.run.startedAt)}">`,
    ...cases,
    ...aborted,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
