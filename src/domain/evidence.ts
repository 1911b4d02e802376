import type { Attempt } from './attempt.js';
import type { Observation } from './observation.js';
import type { Outcome } from './outcome.js';
import { describeVantage } from './vantage.js';
import { refName } from './target.js';

/** Attempt + redacted observation + outcome + why it counts. Id equals the attempt id. */
export interface Evidence {
  readonly id: string;
  readonly attempt: Attempt;
  /** Absent when the agent never reported this attempt. */
  readonly observation?: Observation;
  readonly outcome: Outcome;
  /** SHA-256 fingerprints of the peer chain (leaf first); facts live in the certificate inventory. */
  readonly certificates: readonly string[];
  /**
   * One sentence: what was tried, from where, and what happened. Not stored in a run (it is
   * `whyOf(attempt, outcome)`, built when the evidence is written: evidenceRecord); present in
   * evidence read back from a report or evidence log, and kept as written there.
   */
  readonly why?: string;
}

/**
 * The evidence as written to report.json and evidence.jsonl: with its `why` sentence, built now
 * when it is not already there (schema v1 requires it; key order as ever, `why` last).
 */
export function evidenceRecord(e: Evidence): Evidence & { readonly why: string } {
  return e.why !== undefined ? (e as Evidence & { why: string }) : { ...e, why: whyOf(e.attempt, e.outcome) };
}

/** One sentence: what was tried, from where, and what happened. */
export function whyOf(a: Attempt, outcome: Outcome): string {
  const what = `${a.probeId} (${a.technique}${a.http ? ` ${a.http.method} ${a.http.path}` : ''}) to ${a.target.namespace ? `${a.target.namespace}/` : ''}${refName(a.target)} port ${a.port} ${describeVantage(a.vantage)}`;
  switch (outcome.kind) {
    case 'blocked':
      return `${what} was blocked (${outcome.by}): ${outcome.detail}.`;
    case 'allowed':
      return `${what} got through (${outcome.as}): ${outcome.detail}.`;
    case 'inconclusive':
      return `${what} is inconclusive (${outcome.reason}): ${outcome.detail}.`;
    case 'not-run':
      return `${what} was not run: ${outcome.reason}.`;
    default: {
      const never: never = outcome;
      return String(never);
    }
  }
}
