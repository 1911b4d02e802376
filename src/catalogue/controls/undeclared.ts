/**
 * Listeners no Service port or containerPort declares (issue 13): what the listener sweep found
 * on a CDE pod, compared with what the pod declares. Shared by 1.2.5 (an open port that is not
 * identified) and 2.2.4 (an undeclared service is enabled).
 */
import type { Evidence } from '../../domain/evidence.js';
import type { JudgeInput } from '../../domain/control.js';
import { finding, inconclusiveReason, targetName, type Finding } from './judge-kit.js';

/** The sweep's probe id (plan/sweep.ts). */
export const LISTENER_SWEEP = 'listener-sweep';

/** Sweep evidence of the given targets, in id order. */
export function sweepEvidence(input: JudgeInput, keep: (e: Evidence) => boolean): Evidence[] {
  return input.evidence
    .filter((e) => e.attempt.role === 'probe' && e.attempt.probeId === LISTENER_SWEEP && keep(e))
    .slice()
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Open ports the pod does not declare, ascending. */
function undeclaredPorts(e: Evidence): number[] {
  const declared = new Set(e.attempt.sweep?.declared ?? []);
  return (e.observation?.sweep?.open ?? []).filter((p) => !declared.has(p));
}

function coverage(e: Evidence): string {
  const s = e.observation?.sweep;
  if (s === undefined) return '';
  const tried = s.open.length + s.closed + s.filtered;
  const gaps = [
    ...(s.filtered > 0
      ? [`${s.filtered} did not answer from there (dropped), so a listener on them is not known`]
      : []),
    ...(s.notSwept > 0 ? [`${s.notSwept} were not reached within --sweep-timeout`] : []),
  ];
  return ` (${tried} ports tried${gaps.length > 0 ? `; ${gaps.join('; ')}` : ''})`;
}

/**
 * One finding per undeclared listener (fails), or one per swept pod that showed none (holds, or
 * inconclusive when part of the list was not reached, or nothing answered at all).
 * `consequence` ends each failing sentence ("an undeclared service is enabled").
 */
export function undeclaredFindings(evidence: readonly Evidence[], consequence: string): Finding[] {
  return evidence.flatMap((e): Finding[] => {
    const pod = targetName(e.attempt.target);
    const from = `from an unmeshed pod in the same namespace ${e.attempt.target.namespace}`;
    if (e.outcome.kind !== 'allowed')
      return [finding('inconclusive', inconclusiveReason(e, `which listeners ${pod} has`), e)];
    const extra = undeclaredPorts(e);
    if (extra.length > 0) {
      return extra.map((port) =>
        finding(
          'fails',
          `${pod} port ${port} accepted a TCP connection ${from} (listener sweep), but no containerPort or Service port declares it: ${consequence}.`,
          e,
        ),
      );
    }
    if ((e.observation?.sweep?.notSwept ?? 0) > 0) {
      return [
        finding(
          'inconclusive',
          `The listener sweep of ${pod} ${from} found only declared listeners, but did not cover every port${coverage(e)}.`,
          e,
        ),
      ];
    }
    const open = e.observation?.sweep?.open ?? [];
    return [
      finding(
        'holds',
        `The listener sweep of ${pod} ${from} found only declared listeners (${open.join(', ') || 'none open'})${coverage(e)}.`,
        e,
      ),
    ];
  });
}

/** The caveat when no sweep ran at all (--ports none, --skip-probe listener-sweep, nothing in the CDE to sweep). */
export const NO_SWEEP_CAVEAT =
  'No listener sweep ran (--ports none, --skip-probe listener-sweep, or no CDE pod to sweep), so listeners that no Service or containerPort declares were not looked for.';
