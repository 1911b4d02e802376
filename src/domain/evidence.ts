import type { Attempt } from './attempt.js';
import type { Observation } from './observation.js';
import type { Outcome } from './outcome.js';

/** Attempt + redacted observation + outcome + why it counts. Id equals the attempt id. */
export interface Evidence {
  readonly id: string;
  readonly attempt: Attempt;
  /** Absent when the agent never reported this attempt. */
  readonly observation?: Observation;
  readonly outcome: Outcome;
  /** SHA-256 fingerprints of the peer chain (leaf first); facts live in the certificate inventory. */
  readonly certificates: readonly string[];
  /** One sentence: what was tried, from where, and what happened. */
  readonly why: string;
}
