/**
 * The listener-sweep round (issue 13): deploy the sweep pods planned by plan/sweep.ts, wait
 * for them, and turn what they saw into evidence and into the listeners each CDE pod has.
 * It runs after the base deployment and before the main pods, so the main plan can target
 * every listener found. Sweep pods are never in the probe namespace, so losing one is not
 * fatal: its pods' sweeps are inconclusive (no observation) and the run goes on.
 */
import type { Evidence } from '../domain/evidence.js';
import type { Observation } from '../domain/observation.js';
import { targetKey } from '../domain/target.js';
import { vantageId } from '../domain/vantage.js';
import type { FoundListeners } from '../discover/targets.js';
import { buildEvidence } from '../classify/evidence.js';
import type { SweepPlan } from '../plan/sweep.js';
import { collectObservations, mergeSelfChecks, type PodSelfCheck } from '../collect/collect.js';
import { deployPods, type DeployContext } from '../deploy/deploy.js';
import { noteCapture } from '../run/mesh-capture.js';
import { gatherPods, type GatherOptions } from '../run/run-pods.js';

/** What the sweep round produced. */
export interface SweepRoundResult {
  readonly evidence: Evidence[];
  /** Open ports per swept pod (only sweeps whose outcome is allowed: an unmeshed pod that saw answers). */
  readonly listeners: FoundListeners;
  /** Warnings for the progress line (pods that failed, agent problems). */
  readonly warnings: readonly string[];
  /** Set when the run was stopped during the round (the caller throws it after keeping the evidence). */
  readonly stoppedBy?: unknown;
}

/** Open ports of each sweep that saw answers. Pure. */
function listenersFrom(evidence: readonly Evidence[]): FoundListeners {
  const out = new Map<string, readonly number[]>();
  for (const e of evidence) {
    if (e.attempt.technique !== 'sweep' || e.outcome.kind !== 'allowed') continue;
    out.set(targetKey(e.attempt.target), e.observation?.sweep?.open ?? []);
  }
  return out;
}

/** Deploy, run and collect the sweep pods. */
export async function runSweepRound(
  deployCtx: DeployContext,
  sweep: SweepPlan,
  probeNamespace: string,
  gather: GatherOptions,
): Promise<SweepRoundResult> {
  const warnings: string[] = [];
  const deployed = await deployPods(deployCtx, { pods: sweep.pods, probeNamespace });
  for (const d of deployed) if (d.kind === 'failed') warnings.push(d.error.message);
  const pods = deployed.flatMap((d) => (d.kind === 'created' ? [d.pod] : []));
  const gathered = await gatherPods(
    deployCtx.api,
    pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      vantageId: vantageId(p.vantage),
      expectedIds: p.batch.attempts.map((a) => a.id),
      deadlineMs: p.batch.deadlineMs,
      fatal: false,
    })),
    gather,
  );
  const observations: Observation[] = [];
  const checks: PodSelfCheck[] = [];
  const captures = new Map<string, string>();
  for (const o of gathered.outcomes) {
    if (o.problem) warnings.push(o.problem);
    const captured = noteCapture(captures, o);
    if (captured !== undefined) warnings.push(captured);
    if (o.log === undefined) continue;
    const collected = collectObservations(o.log, o.expectedIds);
    observations.push(...collected.observations);
    for (const p of collected.problems) warnings.push(`${o.namespace}/${o.name}: ${p.message}`);
    checks.push({
      vantageId: o.vantageId,
      observed: collected.observations.length,
      ...(collected.selfCheck ? { selfCheck: collected.selfCheck } : {}),
    });
  }
  const evidence = buildEvidence({
    attempts: sweep.attempts,
    observations,
    selfChecks: mergeSelfChecks(checks),
    captures,
  });
  return {
    evidence,
    listeners: listenersFrom(evidence),
    warnings,
    ...(gathered.stoppedBy !== undefined ? { stoppedBy: gathered.stoppedBy } : {}),
  };
}
