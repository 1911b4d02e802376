/**
 * Namespace × namespace reachability matrix (pure), shared by the text and HTML reporters:
 * for each (source, target namespace) the worst cell over all probe attempts between them.
 */
import type { Evidence } from '../domain/evidence.js';
import type { Report } from '../domain/report.js';

/** One cell: open (something got through), blocked (everything stopped), inconclusive, or none tried. */
export type Cell = 'open' | 'blocked' | 'inconclusive' | 'none';

/** Matrix rows (sources) × columns (target namespaces). */
export interface Matrix {
  readonly sources: readonly string[];
  readonly targets: readonly string[];
  /** cells[source][target] */
  readonly cells: Readonly<Record<string, Readonly<Record<string, Cell>>>>;
}

/** Row label of an attempt's vantage. */
export function sourceLabel(e: Evidence): string {
  const v = e.attempt.vantage;
  return v.kind === 'from-namespace' || v.kind === 'same-namespace' ? v.namespace : v.kind === 'probe-namespace' ? '(new pod)' : '(host)';
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

/** Build the matrix from probe-role evidence whose target lives in a namespace. */
export function reachabilityMatrix(report: Pick<Report, 'evidence'>): Matrix {
  const cells: Record<string, Record<string, Cell>> = {};
  for (const e of report.evidence) {
    if (e.attempt.role !== 'probe' || !(e.attempt.target.kind === 'Service' || e.attempt.target.kind === 'Pod')) continue;
    // A listener sweep is discovery over many ports, not one path: its answers are tried again as attempts.
    if (e.attempt.technique === 'sweep') continue;
    const row = (cells[sourceLabel(e)] ??= {});
    const col = e.attempt.target.namespace;
    const next = cellOf(e);
    if (RANK[next] > RANK[row[col] ?? 'none']) row[col] = next;
  }
  const sources = Object.keys(cells).sort();
  const targets = [...new Set(sources.flatMap((s) => Object.keys(cells[s] ?? {})))].sort();
  return { sources, targets, cells };
}
