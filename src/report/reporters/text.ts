/** Text reporter: the terminal summary (control table, reasons for what does not hold, matrix). */
import type { Report } from '../../domain/report.js';
import { reachabilityMatrix, referenceMark, type Cell, type Matrix } from './matrix.js';
import { STATUS_LABEL, coverageLine, requirementOf, summaryLine, titleOf } from './common.js';

const CELL_CHAR: Readonly<Record<Cell, string>> = { open: 'X', blocked: '.', inconclusive: '?', none: ' ' };

function header(report: Report): string[] {
  const r = report.run;
  const lines = [
    `meshprobe ${r.tool.version} — run ${r.runId} — cluster ${report.inventory.cluster.context} (${report.inventory.cluster.server})`,
    `${r.startedAt} → ${r.finishedAt}`,
  ];
  if (report.aborted)
    lines.push(`ABORTED at ${report.aborted.stage} (${report.aborted.code}): ${report.aborted.message}`);
  if (report.interrupted) lines.push('INTERRUPTED by a signal; cleanup was attempted.');
  lines.push(`Summary: ${summaryLine(report)}`, '');
  return lines;
}

function controlTable(report: Report): string[] {
  const width = Math.max(3, ...report.verdicts.map((v) => requirementOf(v).length));
  return [
    `${'STATUS'.padEnd(13)} ${'REQ'.padEnd(width)} TITLE`,
    ...report.verdicts.map(
      (v) => `${STATUS_LABEL[v.status].padEnd(13)} ${requirementOf(v).padEnd(width)} ${titleOf(v)}`,
    ),
    '',
  ];
}

/** One line per control: what its verdict rests on and what was left out (DESIGN §10). */
function coverage(report: Report): string[] {
  const covered = report.verdicts.filter((v) => v.coverage !== undefined);
  if (covered.length === 0) return [];
  const width = Math.max(3, ...covered.map((v) => requirementOf(v).length));
  return [
    'Coverage (what each verdict rests on):',
    ...covered.map((v) => `  ${requirementOf(v).padEnd(width)} ${coverageLine(v.coverage!, v.status)}`),
    '',
  ];
}

/** Reasons printed per control without --verbose: a cluster-wide run has one per attempt, which buries the table. */
const REASONS_SHOWN = 5;

function reasons(report: Report, verbose: boolean): string[] {
  const shown = report.verdicts.filter((v) => verbose || v.status === 'fails' || v.status === 'inconclusive');
  if (shown.length === 0) return [];
  const lines = [verbose ? 'Reasons:' : 'What does not hold:'];
  for (const v of shown) {
    lines.push(`  ${requirementOf(v)} ${STATUS_LABEL[v.status]}`);
    // Without --verbose a failing control shows what fails (its findings), not what held beside it.
    const list = verbose
      ? v.reasons
      : (v.status === 'fails' && v.findings?.length ? v.findings : v.reasons).slice(0, REASONS_SHOWN);
    for (const reason of list) lines.push(`    - ${reason}`);
    const more = v.reasons.length - list.length;
    if (more > 0) lines.push(`    … and ${more} more (all reasons: --verbose, or report.md in the evidence bundle)`);
  }
  lines.push('');
  return lines;
}

/** A blocked cell proven by one named reference shows its letter; by several, '+'. */
function cellChar(m: Matrix, s: string, t: string): string {
  const refs = m.proofs[s]?.[t];
  if (refs === undefined || refs.length === 0) return CELL_CHAR[m.cells[s]?.[t] ?? 'none'];
  return refs.length === 1 ? referenceMark(refs[0] ?? 0) : '+';
}

function matrix(report: Report): string[] {
  const m = reachabilityMatrix(report);
  if (m.sources.length === 0) return [];
  const w = Math.max(6, ...m.sources.map((s) => s.length));
  const lines = ['Reachability (rows: source, columns: target namespace; X open, . blocked, ? inconclusive):'];
  // One space between the longest source name and the first column.
  for (const [i, t] of m.targets.entries()) lines.push(`${' '.repeat(w + 3)}${'| '.repeat(i)}${t}`);
  for (const s of m.sources) lines.push(`  ${s.padEnd(w)} ${m.targets.map((t) => `${cellChar(m, s, t)} `).join('')}`);
  if (m.references.length > 0) {
    lines.push(
      '  Blocked, but the canary was blocked too; proven instead by the same probe pod connecting to ' +
        '(+ = several):',
    );
    for (const [i, r] of m.references.entries()) lines.push(`    ${referenceMark(i)} = ${r}`);
  }
  lines.push('');
  return lines;
}

function cleanup(report: Report): string[] {
  const c = report.cleanup;
  if (!c.attempted) return ['Cleanup: not needed (nothing was created).'];
  const retried = c.retries ? `, ${c.retries} call(s) retried while the API server was away` : '';
  if (c.ok) return [`Cleanup: ok (${c.deleted.length} objects deleted${retried}).`];
  return [
    `Cleanup: INCOMPLETE — objects of this run may still be in the cluster${retried}: ${c.problems.join('; ')}`,
    ...(c.finishCommand ? [`Finish it with: ${c.finishCommand}`] : []),
  ];
}

/** Render the terminal summary; `verbose` shows reasons for every control. */
export function renderText(report: Report, options: { readonly verbose?: boolean } = {}): string {
  return [
    ...header(report),
    ...controlTable(report),
    ...coverage(report),
    ...reasons(report, options.verbose === true),
    ...matrix(report),
    ...cleanup(report),
    '',
  ].join('\n');
}
