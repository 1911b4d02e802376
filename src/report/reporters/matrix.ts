/**
 * Namespace × namespace reachability matrix (pure), shared by the text and HTML reporters:
 * for each (source, target namespace) the worst cell over all probe attempts between them.
 * Egress attempts to user-named --egress-target endpoints form one more column, "(egress)".
 * Blocked cells also say which reference proved the probe pod works where its canary could not
 * (Outcome.proof): an assessor sees at a glance which blocks rest on another connection.
 */
import type { Evidence } from '../../domain/evidence.js';
import type { Report } from '../../domain/report.js';
import { egressReach } from '../../catalogue/probes/egress-reach.js';

/** One cell: open (something got through), blocked (everything stopped), inconclusive, or none tried. */
export type Cell = 'open' | 'blocked' | 'inconclusive' | 'none';

/** Column label of the egress attempts (to --egress-target endpoints). */
export const EGRESS_COLUMN = '(egress)';

/** Matrix rows (sources) × columns (target namespaces). */
export interface Matrix {
  readonly sources: readonly string[];
  readonly targets: readonly string[];
  /** cells[source][target] */
  readonly cells: Readonly<Record<string, Readonly<Record<string, Cell>>>>;
  /** Every reference that proved a blocked cell in place of the canary, in order of first use. */
  readonly references: readonly string[];
  /** proofs[source][target]: indexes into `references`, blocked cells only (absent: the canary proved them). */
  readonly proofs: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
}

/** Row label of an attempt's vantage. */
function sourceLabel(e: Evidence): string {
  const v = e.attempt.vantage;
  if (v.kind === 'identity') return `${v.namespace} (as ${v.workload})`;
  return v.kind === 'from-namespace' || v.kind === 'same-namespace'
    ? v.namespace
    : v.kind === 'probe-namespace'
      ? '(new pod)'
      : '(host)';
}

const RANK: Readonly<Record<Cell, number>> = { open: 3, inconclusive: 2, blocked: 1, none: 0 };

function cellOf(e: Evidence): Cell {
  switch (e.outcome.kind) {
    case 'allowed':
      return 'open';
    case 'blocked':
      return 'blocked';
    default:
      return 'inconclusive';
  }
}

/** The column of a probe attempt, or undefined when it is not a namespace-to-namespace (or egress) attempt. */
function columnOf(e: Evidence): string | undefined {
  if (e.attempt.role !== 'probe') return undefined;
  if (e.attempt.target.kind === 'Service' || e.attempt.target.kind === 'Pod') return e.attempt.target.namespace;
  return e.attempt.target.kind === 'Endpoint' && e.attempt.probeId === egressReach.id ? EGRESS_COLUMN : undefined;
}

/** Build the matrix from probe-role evidence whose target lives in a namespace (or is an egress target). */
export function reachabilityMatrix(report: Pick<Report, 'evidence'>): Matrix {
  const cells: Record<string, Record<string, Cell>> = {};
  const named: Record<string, Record<string, Set<string>>> = {};
  for (const e of report.evidence) {
    // A listener sweep is discovery over many ports, not one path: its answers are tried again as attempts.
    if (e.attempt.technique === 'sweep') continue;
    const col = columnOf(e);
    if (col === undefined) continue;
    const source = sourceLabel(e);
    cells[source] ??= {};
    const row = cells[source];
    const next = cellOf(e);
    if (RANK[next] > RANK[row[col] ?? 'none']) row[col] = next;
    if (e.outcome.kind === 'blocked' && e.outcome.proof !== undefined) {
      named[source] ??= {};
      named[source][col] ??= new Set();
      named[source][col].add(e.outcome.proof.reference);
    }
  }
  const sources = Object.keys(cells).sort();
  const targets = [...new Set(sources.flatMap((s) => Object.keys(cells[s] ?? {})))].sort();
  const references: string[] = [];
  const proofs: Record<string, Record<string, number[]>> = {};
  for (const s of sources) {
    for (const t of targets) {
      const refs = named[s]?.[t];
      // A cell that is open or inconclusive overall is not "proven blocked" by anything.
      if (refs === undefined || cells[s]?.[t] !== 'blocked') continue;
      const indexes = [...refs].sort().map((r) => {
        if (!references.includes(r)) references.push(r);
        return references.indexOf(r);
      });
      proofs[s] ??= {};
      proofs[s][t] = indexes;
    }
  }
  return { sources, targets, cells, references, proofs };
}

/** Letter of reference `i` in the matrix legends: a, b, …, z, then A…Z, then '*'. */
export function referenceMark(i: number): string {
  const marks = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return marks[i] ?? '*';
}
