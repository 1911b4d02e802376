/**
 * The stages of a run, each a function from the value the previous stage made to the next one
 * (DESIGN §1): DISCOVER → Inventory, PLAN → RunPlan, DEPLOY → Deployment, RUN → Observations
 * (raw pod logs), COLLECT + CLASSIFY → Evidence. pipeline.ts puts them in order; none of them
 * keeps or writes shared state.
 */
import type { ClusterApi } from '../cluster/ports.js';
import type { Options } from '../config/options.js';
import type { NotRunAttempt } from '../domain/attempt.js';
import type { Control } from '../domain/control.js';
import type { Evidence } from '../domain/evidence.js';
import type { Observation } from '../domain/observation.js';
import type { Probe } from '../domain/probe.js';
import { vantageId } from '../domain/vantage.js';
import type { ProgressSink } from '../shared/progress.js';
import type { DeployContext } from '../deploy/deploy.js';
import type { FinalizerStack } from '../deploy/finalizers.js';
import { discover } from '../discover/discover.js';
import { buildInventory, type DiscoveredInventory } from '../discover/targets.js';
import type { ClusterSnapshot } from '../discover/snapshot.js';
import { planRun, type RunPlan } from '../plan/plan.js';
import type { SweepPlan } from '../plan/sweep.js';
import { noteCapture } from '../run/mesh-capture.js';
import { runHostBatch } from '../run/run-host.js';
import { gatherPods, type GatherResult, type PodOutcome } from '../run/run-pods.js';
import { mergeSelfChecks, type PodSelfCheck } from '../collect/collect.js';
import type { EvidenceJournal } from '../report/journal.js';
import { podCollector, type PodCollector } from './journal-pods.js';
import { buildEvidence } from '../classify/evidence.js';
import type { BatchWindow } from '../classify/proof.js';
import { settlePhaseTwo } from '../classify/phase-two.js';
import type { EvidenceLog } from '../report/write.js';
import { runSweepRound } from './sweep-round.js';
import type { Stage } from '../domain/stage.js';

/** The stages of the pipeline in order (domain/stage.ts); a report names the one its run stopped in. */
export type { Stage };

/** A vantage (by id) whose probe pod could not start or report, and why. */
export interface VantageProblem {
  readonly vantage: string;
  readonly problem: string;
}

/** What the stages need. */
export interface PipelineContext {
  readonly options: Options;
  readonly runId: string;
  readonly api: ClusterApi;
  readonly progress: ProgressSink;
  readonly signal: AbortSignal;
  readonly finalizers: FinalizerStack;
  readonly catalogue: { readonly probes: readonly Probe[]; readonly controls: readonly Control[] };
  readonly files: { readonly agent: string; readonly echo: string };
  readonly log: EvidenceLog;
  /** Each collected batch is appended here at once (issue 14); absent in tests that do not need it. */
  readonly journal?: EvidenceJournal;
  readonly pollMs?: number;
  /** Called as each stage begins; observation only. */
  readonly onStage?: (stage: Stage) => void;
}

/** What DISCOVER and PLAN need (what `meshprobe plan` runs). */
export type PlanningContext = Pick<PipelineContext, 'options' | 'runId' | 'api' | 'progress' | 'signal' | 'catalogue'>;

/** DISCOVER's value: the inventory, and the snapshot it was built from (kept until the sweep's listeners are in). */
export interface Discovered {
  readonly inventory: DiscoveredInventory;
  readonly snapshot: ClusterSnapshot;
}

/** DISCOVER: read the cluster and build the inventory. */
export async function discoverStage(ctx: PlanningContext): Promise<Discovered> {
  ctx.progress.start(`Reading the cluster (${ctx.api.info().context})`);
  const snapshot = await discover(ctx.api, ctx.signal);
  const inventory = buildInventory(snapshot, ctx.options);
  const inScope = inventory.namespaces.filter((n) => n.inScope).map((n) => n.name);
  if (inScope.length === 0)
    ctx.progress.warn(
      'No namespace of this run is in the CDE (check --scope / --cde-namespace and --namespace); CDE controls will be inconclusive',
    );
  ctx.progress.succeed(
    `Found ${inventory.targets.length} targets in ${inventory.summary.namespaces.length} namespaces; CDE: ${inScope.join(', ') || 'none'}; meshes: ${inventory.summary.meshes.join(', ') || 'none'}`,
  );
  return { inventory, snapshot };
}

/** PLAN (pure): the draft without the canary address, the final plan with it. */
export function planStage(
  ctx: Pick<PipelineContext, 'runId' | 'catalogue' | 'options'>,
  inventory: DiscoveredInventory,
  canaryAddress?: string,
): RunPlan {
  return planRun({
    runId: ctx.runId,
    inventory,
    probes: ctx.catalogue.probes,
    controls: ctx.catalogue.controls,
    options: ctx.options,
    ...(canaryAddress ? { canaryAddress } : {}),
  });
}

/** SWEEP's value: the inventory with the listeners found, and the sweep's evidence; or the evidence kept when the run was stopped. */
export type Swept =
  | { readonly kind: 'swept'; readonly inventory: DiscoveredInventory; readonly evidence: readonly Evidence[] }
  | { readonly kind: 'stopped'; readonly evidence: readonly Evidence[]; readonly stoppedBy: unknown };

/**
 * SWEEP (plan/sweep.ts): its evidence, with the listeners folded into the inventory so the final
 * plan targets them. The evidence of a stopped round is logged before it is returned.
 */
export async function sweepStage(
  ctx: PipelineContext,
  deployCtx: DeployContext,
  sweep: SweepPlan,
  probeNamespace: string,
  snapshot: ClusterSnapshot,
): Promise<Swept> {
  ctx.progress.start(
    `Sweeping ${sweep.attempts.length} CDE pod(s) for listeners (${sweep.mode === 'all' ? 'ports 1-65535' : `${sweep.portCount} well-known + declared ports`}) from ${sweep.pods.length} probe pod(s)`,
  );
  const { onCollected } = podCollector({ ...journalOf(ctx), round: 'sweep', attempts: sweep.attempts });
  const round = await runSweepRound(deployCtx, sweep, probeNamespace, {
    readyTimeoutMs: ctx.options.podReadyTimeout * 1000,
    signal: ctx.signal,
    image: ctx.options.agentImage,
    ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
    onCollected,
  });
  for (const w of round.warnings) ctx.progress.warn(w);
  if (round.stoppedBy !== undefined) {
    await ctx.log.appendAll(round.evidence);
    return { kind: 'stopped', evidence: round.evidence, stoppedBy: round.stoppedBy };
  }
  const inventory = buildInventory(snapshot, ctx.options, round.listeners);
  const found = [...round.listeners.values()].reduce((n, ports) => n + ports.length, 0);
  const undeclared = inventory.targets.flatMap((t) => t.ports.filter((p) => p.discovered === 'undeclared')).length;
  ctx.progress.succeed(
    `Listener sweep: ${found} listener(s) on ${round.listeners.size} pod(s), ${undeclared} declared nowhere`,
  );
  return { kind: 'swept', inventory, evidence: round.evidence };
}

/** RUN: every probe pod's log (and the host batch's), or why there is none; `stoppedBy` when the run stopped early. */
/** The journal part of a collector's options: the run's journal, and warnings to progress. */
export function journalOf(ctx: Pick<PipelineContext, 'journal' | 'progress'>): {
  journal?: EvidenceJournal;
  warn: (text: string) => void;
} {
  return { ...(ctx.journal !== undefined ? { journal: ctx.journal } : {}), warn: (text) => ctx.progress.warn(text) };
}

/** RUN's value: every pod's outcome, why the run stopped early (if it did), and the collector that parsed and journaled each. */
export type Ran = GatherResult & { readonly outcomes: PodOutcome[]; readonly collector: PodCollector };

export async function runStage(ctx: PipelineContext, plan: RunPlan, pods: RunPlan['pods']): Promise<Ran> {
  const collector = podCollector({ ...journalOf(ctx), round: 'main', attempts: plan.attempts });
  const hostBatch = plan.hostBatch;
  const hostBase = {
    namespace: '',
    name: 'host',
    vantageId: 'host',
    expectedIds: hostBatch?.attempts.map((a) => a.id) ?? [],
  };
  // Stopped with the pods: a fatal pod failure must not wait for the host batch's own deadline.
  const hostStop = new AbortController();
  // Never rejects: a pod gather that stops early must not leave this promise unobserved.
  const host = hostBatch
    ? runHostBatch(hostBatch, AbortSignal.any([ctx.signal, hostStop.signal]))
        .then(
          (log): PodOutcome => ({ ...hostBase, log }),
          (err: unknown): PodOutcome => ({
            ...hostBase,
            problem: `the host batch failed: ${err instanceof Error ? err.message : String(err)}`,
          }),
        )
        .then(async (o) => {
          await collector.onCollected(o);
          return o;
        })
    : undefined;
  const gathered = await gatherPods(
    ctx.api,
    pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      vantageId: vantageId(p.vantage),
      expectedIds: p.batch.attempts.map((a) => a.id),
      deadlineMs: p.batch.deadlineMs,
      fatal: p.namespace === plan.probeNamespace,
    })),
    {
      readyTimeoutMs: ctx.options.podReadyTimeout * 1000,
      signal: ctx.signal,
      image: ctx.options.agentImage,
      ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
      onCollected: collector.onCollected,
    },
  );
  // Unfinished host attempts become agent-error lines (runBatch), so what the host saw is kept.
  if (gathered.stoppedBy !== undefined) hostStop.abort(gathered.stoppedBy);
  return { ...gathered, outcomes: [...gathered.outcomes, ...(host ? [await host] : [])], collector };
}

/** COLLECT + CLASSIFY's value: the evidence (sweep included), what phase 2 did not need, pods that did not report. */
export interface Classified {
  readonly evidence: readonly Evidence[];
  readonly notRun: readonly NotRunAttempt[];
  readonly vantageProblems: readonly VantageProblem[];
  /** The one-line summary for the progress line. */
  readonly summary: string;
}

/**
 * COLLECT + CLASSIFY: observations per pod, self-checks merged per vantage, evidence per attempt. Warns on the way.
 * Takes the outcomes out of the list one by one: each pod's raw log is garbage once its lines are collected.
 */
export function classifyStage(
  ctx: Pick<PipelineContext, 'progress'>,
  plan: RunPlan,
  ran: Pick<Ran, 'outcomes' | 'collector'>,
  swept: readonly Evidence[],
): Classified {
  const { outcomes, collector } = ran;
  const observations: Observation[] = [];
  const pods: PodSelfCheck[] = [];
  const batches: BatchWindow[] = [];
  const vantageProblems: VantageProblem[] = [];
  const captures = new Map<string, string>();
  for (let o = outcomes.shift(); o !== undefined; o = outcomes.shift()) {
    if (o.problem) {
      ctx.progress.warn(o.problem);
      vantageProblems.push({ vantage: o.vantageId, problem: o.problem });
    }
    const captured = noteCapture(captures, o);
    if (captured !== undefined) ctx.progress.warn(captured);
    // Parsed (and journaled) once, when the pod was gathered.
    const collected = collector.collected(o);
    if (collected === undefined) continue;
    observations.push(...collected.observations);
    for (const p of collected.problems)
      ctx.progress.warn(`${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${p.message}`);
    pods.push({
      vantageId: o.vantageId,
      observed: collected.observations.length,
      ...(collected.selfCheck ? { selfCheck: collected.selfCheck } : {}),
    });
    // Same-pod proof is for probe pods (a policy engine programs them); the host vantage has no settle point to trust.
    if (o.vantageId !== 'host') {
      const settled = collected.settledAt !== undefined ? { settledAt: collected.settledAt } : {};
      batches.push({ pod: `${o.namespace}/${o.name}`, attemptIds: o.expectedIds, ...settled });
    }
  }
  // Phase-2 attempts the agent skipped become not-run entries (their L4 attempt was blocked) or stay inconclusive.
  const settled = settlePhaseTwo(
    buildEvidence({ attempts: plan.attempts, observations, selfChecks: mergeSelfChecks(pods), batches, captures }),
  );
  const evidence =
    swept.length === 0 ? settled.evidence : [...swept, ...settled.evidence].sort((a, b) => a.id.localeCompare(b.id));
  const counts = new Map<string, number>();
  for (const e of evidence) counts.set(e.outcome.kind, (counts.get(e.outcome.kind) ?? 0) + 1);
  const problems = vantageProblems.length;
  const summary = `${observations.length}/${plan.attempts.length} observations (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}${settled.notRun.length ? `; ${settled.notRun.length} phase-2 attempts not needed` : ''})${problems ? `; ${problems} pod problem(s)` : ''}`;
  return { evidence, notRun: settled.notRun, vantageProblems, summary };
}
