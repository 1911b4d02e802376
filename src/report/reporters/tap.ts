/** TAP 14 reporter: one test point per control (fails → not ok, inconclusive → not ok # TODO, n/a → # SKIP). */
import type { Report } from '../../domain/report.js';
import { requirementOf, titleOf } from './common.js';

function yamlBlock(reasons: readonly string[]): string[] {
  return ['  ---', '  reasons:', ...reasons.map((r) => `    - ${JSON.stringify(r)}`), '  ...'];
}

/** Render TAP version 14. */
export function renderTap(report: Report): string {
  const lines = ['TAP version 14', `1..${report.verdicts.length}`];
  if (report.aborted) lines.push(`# aborted at ${report.aborted.stage} (${report.aborted.code}): ${report.aborted.message}`);
  report.verdicts.forEach((v, i) => {
    const name = `${requirementOf(v)} ${titleOf(v)}`.replace(/#/g, '\\#');
    const n = i + 1;
    switch (v.status) {
      case 'holds':
        lines.push(`ok ${n} - ${name}`);
        break;
      case 'fails':
        lines.push(`not ok ${n} - ${name}`, ...yamlBlock(v.reasons));
        break;
      case 'inconclusive':
        lines.push(`not ok ${n} - ${name} # TODO inconclusive`, ...yamlBlock(v.reasons));
        break;
      case 'not-applicable':
        lines.push(`ok ${n} - ${name} # SKIP ${(v.reasons[0] ?? 'not applicable').replace(/\n/g, ' ')}`);
        break;
      default: {
        const never: never = v.status;
        lines.push(String(never));
      }
    }
  });
  return `${lines.join('\n')}\n`;
}
