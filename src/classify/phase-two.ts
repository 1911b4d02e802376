/**
 * Phase-2 attempts the agent skipped (their L4 attempt never completed TCP), settled by what
 * the L4 attempt showed (pure). A proven block (or a refusal: no TCP, so no application
 * answer either) makes the skipped attempt a not-run entry — the L4 evidence already says why
 * nothing got through. Anything else (the L4 attempt is inconclusive) keeps the skipped
 * attempt as inconclusive evidence: whether the application answers from there is unknown.
 */
import type { NotRunAttempt } from '../domain/attempt.js';
import type { Evidence } from '../domain/evidence.js';

/** Evidence without the settled phase-2 skips, and those skips as not-run entries. */
export interface PhaseTwoSettled {
  readonly evidence: Evidence[];
  readonly notRun: NotRunAttempt[];
}

/** True when the L4 attempt proves the application attempt could not have connected either. */
function noTcpFromThere(l4: Evidence | undefined): boolean {
  if (l4 === undefined) return false;
  return (
    l4.outcome.kind === 'blocked' ||
    (l4.observation?.transport === 'refused' &&
      l4.outcome.kind === 'inconclusive' &&
      (l4.outcome.reason === 'no-control-path' || l4.outcome.reason === 'control-path-failed'))
  );
}

/** Settle every skipped phase-2 attempt; other evidence passes through unchanged (same order). */
export function settlePhaseTwo(evidence: readonly Evidence[]): PhaseTwoSettled {
  const byId = new Map(evidence.map((e) => [e.id, e]));
  const kept: Evidence[] = [];
  const notRun: NotRunAttempt[] = [];
  for (const e of evidence) {
    const after = e.attempt.after;
    if (after === undefined || e.observation?.transport !== 'skipped') {
      kept.push(e);
      continue;
    }
    const l4 = byId.get(after);
    if (noTcpFromThere(l4)) {
      const { probeId, vantage, target, port } = e.attempt;
      notRun.push({
        probeId,
        vantage,
        target,
        port,
        reason: `phase 2 not needed: the L4 attempt from this vantage did not connect (${l4?.outcome.kind === 'blocked' ? `blocked: ${l4.outcome.by}` : 'refused'})`,
      });
      continue;
    }
    // The L4 attempt is inconclusive (or missing): so is this one; the wire-only `skipped` line is not kept.
    const detail = `phase 2 was not run because the L4 attempt ${after} from this vantage ${l4 === undefined ? 'has no evidence' : `is ${l4.outcome.kind}`}`;
    const outcome = { kind: 'inconclusive', reason: 'no-observation', detail } as const;
    const { observation: _skipped, ...rest } = e;
    kept.push({ ...rest, outcome });
  }
  return { evidence: kept, notRun };
}
