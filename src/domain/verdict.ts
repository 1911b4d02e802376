import type { Coverage } from './coverage.js';

/** Result of judging one control. */
export type VerdictStatus = 'holds' | 'fails' | 'inconclusive' | 'not-applicable';

/** Status + reasons (full sentences naming workload, port, vantage and what happened) + evidence ids. */
export interface Verdict {
  readonly controlId: string;
  readonly status: VerdictStatus;
  readonly reasons: readonly string[];
  readonly evidenceIds: readonly string[];
  /** Requirement number ("1.3.1"), so a report explains itself without the catalogue. Filled by evaluate. */
  readonly requirement?: string;
  /** Requirement title, as in the catalogue. Filled by evaluate. */
  readonly title?: string;
  /**
   * What "holds at runtime" meant for this control when it was judged (the catalogue's text then).
   * Filled by evaluate; reporters read it and the title from here, never from the live catalogue,
   * so a report rendered by a later meshprobe says what it was judged against.
   */
  readonly holdsMeans?: string;
  /** The failing reasons (subset of `reasons`), stable across runs for `meshprobe diff`. */
  readonly findings?: readonly string[];
  /** What backs the verdict: attempts tried and what was left out (evaluate/coverage.ts). */
  readonly coverage?: Coverage;
}
