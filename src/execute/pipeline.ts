/**
 * The I/O stages of a run in order, recording progress in a mutable state so the caller
 * can report how far it got when something aborts: discover → plan → preflight → deploy
 * (echo first, then plan again with its address) → run → collect → classify.
 */
import type { ClusterApi } from '../cluster/ports.js';
import type { MeshprobeError } from '../errors.js';
import type { Options } from '../config/options.js';
import type { NotRunAttempt } from '../domain/attempt.js';
import type { Control } from '../domain/control.js';
import type { Evidence } from '../domain/evidence.js';
import type { Probe } from '../domain/probe.js';
import { vantageId } from '../domain/vantage.js';
import type { FinalizerStack } from '../lifecycle/finalizers.js';
import type { ProgressSink } from '../cli/progress.js';
import type { EvidenceLog } from '../report/write.js';
import type { EvidenceJournal } from '../report/journal.js';
import { discover } from '../discover/discover.js';
import { buildInventory, type DiscoveredInventory } from '../discover/targets.js';
import type { ClusterSnapshot } from '../discover/snapshot.js';
import { buildEvidence } from '../evaluate/evidence.js';
import type { BatchWindow } from '../evaluate/proof.js';
import { settlePhaseTwo } from '../evaluate/phase-two.js';
import { runSweepRound } from './sweep-round.js';
import { planRun, type RunPlan } from '../plan/plan.js';
import { ECHO_NAME } from '../plan/pods.js';
import { mergeSelfChecks, type PodSelfCheck } from './collect.js';
import { podCollector, type PodCollector } from './journal-pods.js';
import { deployBase, deployPods, preflight } from './deploy.js';
import { runHostBatch } from './run-host.js';
import { gatherPods, waitForPod, type GatherResult, type PodOutcome } from './run-pods.js';
import type { Observation } from '../domain/observation.js';

/** How far the run got (read by the orchestrator after an abort). */
export interface PipelineState {
  stage: string;
  inventory?: DiscoveredInventory;
  plan?: RunPlan;
  evidence: Evidence[];
  notRun: readonly NotRunAttempt[];
  /** Vantages whose pod could not be created, started or read, with the problem (coverage, evaluate/coverage.ts). */
  vantageProblems?: VantageProblem[];
  /** What discovery read, kept only until the sweep's listeners are folded into the inventory. */
  snapshot?: ClusterSnapshot;
}

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
}

function planWith(ctx: Pick<PipelineContext, 'runId' | 'catalogue' | 'options'>, inventory: DiscoveredInventory, canaryAddress?: string): RunPlan {
  return planRun({ runId: ctx.runId, inventory, probes: ctx.catalogue.probes, controls: ctx.catalogue.controls, options: ctx.options, ...(canaryAddress ? { canaryAddress } : {}) });
}

/** DISCOVER and PLAN only (what `meshprobe plan` runs). */
export async function discoverAndPlan(ctx: Pick<PipelineContext, 'options' | 'runId' | 'api' | 'progress' | 'signal' | 'catalogue'>, state: PipelineState): Promise<RunPlan> {
  state.stage = 'discover';
  ctx.progress.start(`Reading the cluster (${ctx.api.info().context})`);
  const snapshot = await discover(ctx.api, ctx.signal);
  const inventory = buildInventory(snapshot, ctx.options);
  state.inventory = inventory;
  state.snapshot = snapshot;
  const inScope = inventory.namespaces.filter((n) => n.inScope).map((n) => n.name);
  if (inScope.length === 0) ctx.progress.warn('No namespace of this run is in the CDE (check --scope / --cde-namespace and --namespace); CDE controls will be inconclusive');
  ctx.progress.succeed(`Found ${inventory.targets.length} targets in ${inventory.summary.namespaces.length} namespaces; CDE: ${inScope.join(', ') || 'none'}; meshes: ${inventory.summary.meshes.join(', ') || 'none'}`);
  state.stage = 'plan';
  const plan = planWith(ctx, inventory);
  state.plan = plan;
  state.notRun = plan.notRun;
  return plan;
}

/** Run every stage; throws MeshprobeError to abort (the caller cleans up and reports). */
export async function runPipeline(state: PipelineState, ctx: PipelineContext): Promise<void> {
  const deployCtx = {
    api: ctx.api, finalizers: ctx.finalizers, signal: ctx.signal, runId: ctx.runId, image: ctx.options.agentImage,
    runDeadlineSeconds: ctx.options.timeout, podReadyTimeoutSeconds: ctx.options.podReadyTimeout, files: ctx.files,
    agentReady: new Map<string, MeshprobeError | undefined>(),
  };
  const echoAddress = await planAndDeployBase(ctx, state, deployCtx);
  if (echoAddress === undefined) return;
  const swept = await sweepListeners(ctx, state, deployCtx);
  // The final plan differs from the draft in the canary address, known now, and in the listeners the sweep found.
  const plan = planWith(ctx, state.inventory as DiscoveredInventory, echoAddress);
  state.plan = plan;
  state.notRun = [...plan.notRun, ...(plan.sweep?.notRun ?? [])];
  ctx.progress.update(`Starting ${plan.pods.length} probe pod(s) for ${plan.attempts.length} attempts`);
  const deployed = await deployPods(deployCtx, plan);
  for (const d of deployed) {
    if (d.kind !== 'failed') continue;
    ctx.progress.warn(d.error.message);
    (state.vantageProblems ??= []).push({ vantage: vantageId(d.pod.vantage), problem: d.error.message });
  }
  ctx.progress.succeed(`Deployed ${deployed.filter((d) => d.kind === 'created').length} probe pod(s) in ${new Set(plan.pods.map((p) => p.namespace)).size} namespace(s)`);
  state.stage = 'run';
  ctx.progress.start(`Running ${plan.attempts.length} attempts`);
  const collector = podCollector({ ...journalOf(ctx), round: 'main', attempts: plan.attempts });
  const { outcomes, stoppedBy } = await runAll(ctx, plan, deployed.filter((d) => d.kind === 'created').map((d) => d.pod), collector);
  // Stopped early (SIGINT, --timeout, a fatal pod failure): still classify and log what was
  // observed, then abort; the stage stays 'run' so the report says where the run stopped.
  if (stoppedBy === undefined) state.stage = 'collect';
  await classify(ctx, state, plan, { outcomes, collector }, stoppedBy !== undefined, swept);
  if (stoppedBy !== undefined) throw stoppedBy;
}

/**
 * The listener-sweep round (plan/sweep.ts): its evidence, with the listeners folded into the
 * inventory so the final plan targets them. Throws (after logging the evidence) when the run was stopped.
 */
async function sweepListeners(ctx: PipelineContext, state: PipelineState, deployCtx: Parameters<typeof deployPods>[0]): Promise<Evidence[]> {
  const sweep = state.plan?.sweep;
  const snapshot = state.snapshot;
  delete state.snapshot;
  if (sweep === undefined || sweep.pods.length === 0 || snapshot === undefined) return [];
  state.stage = 'sweep';
  ctx.progress.start(`Sweeping ${sweep.attempts.length} CDE pod(s) for listeners (${sweep.mode === 'all' ? 'ports 1-65535' : `${sweep.portCount} well-known + declared ports`}) from ${sweep.pods.length} probe pod(s)`);
  const { onCollected } = podCollector({ ...journalOf(ctx), round: 'sweep', attempts: sweep.attempts });
  const round = await runSweepRound(deployCtx, sweep, state.plan?.probeNamespace ?? '', {
    readyTimeoutMs: ctx.options.podReadyTimeout * 1000, signal: ctx.signal, image: ctx.options.agentImage, ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
    onCollected,
  });
  for (const w of round.warnings) ctx.progress.warn(w);
  if (round.stoppedBy !== undefined) {
    await ctx.log.appendAll(round.evidence);
    state.evidence = round.evidence;
    throw round.stoppedBy;
  }
  state.inventory = buildInventory(snapshot, ctx.options, round.listeners);
  const found = [...round.listeners.values()].reduce((n, ports) => n + ports.length, 0);
  const undeclared = state.inventory.targets.flatMap((t) => t.ports.filter((p) => p.discovered === 'undeclared')).length;
  ctx.progress.succeed(`Listener sweep: ${found} listener(s) on ${round.listeners.size} pod(s), ${undeclared} declared nowhere`);
  return round.evidence;
}

/**
 * DISCOVER, the draft PLAN, PREFLIGHT and the base deployment; the echo pod's address, or
 * undefined when nothing applies. The draft lives only here: a 100 000-attempt plan is tens of
 * MiB, and the run keeps the final one.
 */
async function planAndDeployBase(ctx: PipelineContext, state: PipelineState, deployCtx: Parameters<typeof deployBase>[0]): Promise<string | undefined> {
  const draft = await discoverAndPlan(ctx, state);
  if (draft.attempts.length === 0) {
    ctx.progress.warn('Nothing to probe: no attempt applies to the selected scope and controls');
    return undefined;
  }
  const probeNamespace = draft.probeNamespace;
  state.stage = 'preflight';
  await preflight(ctx.api, probeNamespace, [...new Set(draft.pods.map((p) => p.namespace))], ctx.signal);
  state.stage = 'deploy';
  ctx.progress.start(`Creating namespace ${probeNamespace} and the canary echo pod`);
  const echoAddress = await deployBase(deployCtx);
  await waitForPod(ctx.api, probeNamespace, ECHO_NAME, {
    until: 'ready', readyTimeoutMs: ctx.options.podReadyTimeout * 1000, finishTimeoutMs: 0, signal: ctx.signal, image: ctx.options.agentImage,
    ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
  });
  return echoAddress;
}

/** The journal part of a collector's options: the run's journal, and warnings to progress. */
function journalOf(ctx: PipelineContext): { journal?: EvidenceJournal; warn: (text: string) => void } {
  return { ...(ctx.journal !== undefined ? { journal: ctx.journal } : {}), warn: (text) => ctx.progress.warn(text) };
}

async function runAll(ctx: PipelineContext, plan: RunPlan, pods: RunPlan['pods'], collector: PodCollector): Promise<GatherResult> {
  const hostBatch = plan.hostBatch;
  const hostBase = { namespace: '', name: 'host', vantageId: 'host', expectedIds: hostBatch?.attempts.map((a) => a.id) ?? [] };
  // Stopped with the pods: a fatal pod failure must not wait for the host batch's own deadline.
  const hostStop = new AbortController();
  // Never rejects: a pod gather that stops early must not leave this promise unobserved.
  const host = hostBatch
    ? runHostBatch(hostBatch, AbortSignal.any([ctx.signal, hostStop.signal])).then(
      (log): PodOutcome => ({ ...hostBase, log }),
      (err: unknown): PodOutcome => ({ ...hostBase, problem: `the host batch failed: ${err instanceof Error ? err.message : String(err)}` }),
    ).then(async (o) => {
      await collector.onCollected(o);
      return o;
    })
    : undefined;
  const gathered = await gatherPods(ctx.api, pods.map((p) => ({
    namespace: p.namespace, name: p.name, vantageId: vantageId(p.vantage), expectedIds: p.batch.attempts.map((a) => a.id),
    deadlineMs: p.batch.deadlineMs, fatal: p.namespace === plan.probeNamespace,
  })), {
    readyTimeoutMs: ctx.options.podReadyTimeout * 1000, signal: ctx.signal, image: ctx.options.agentImage, ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
    onCollected: collector.onCollected,
  });
  // Unfinished host attempts become agent-error lines (runBatch), so what the host saw is kept.
  if (gathered.stoppedBy !== undefined) hostStop.abort(gathered.stoppedBy);
  return { ...gathered, outcomes: [...gathered.outcomes, ...(host ? [await host] : [])] };
}

/** COLLECT + CLASSIFY: observations per pod, self-checks merged per vantage, evidence appended to the log. */
async function classify(
  ctx: PipelineContext, state: PipelineState, plan: RunPlan,
  gathered: { readonly outcomes: readonly PodOutcome[]; readonly collector: PodCollector }, stopped: boolean, swept: readonly Evidence[],
): Promise<void> {
  const observations: Observation[] = [];
  const pods: PodSelfCheck[] = [];
  const batches: BatchWindow[] = [];
  let problems = 0;
  for (const o of gathered.outcomes) {
    if (o.problem) {
      ctx.progress.warn(o.problem);
      problems += 1;
      (state.vantageProblems ??= []).push({ vantage: o.vantageId, problem: o.problem });
    }
    const collected = gathered.collector.collected(o);
    if (collected === undefined) continue;
    observations.push(...collected.observations);
    for (const p of collected.problems) ctx.progress.warn(`${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${p.message}`);
    pods.push({ vantageId: o.vantageId, observed: collected.observations.length, ...(collected.selfCheck ? { selfCheck: collected.selfCheck } : {}) });
    // Same-pod proof is for probe pods (a policy engine programs them); the host vantage has no settle point to trust.
    if (o.vantageId !== 'host') {
      const settled = collected.settledAt !== undefined ? { settledAt: collected.settledAt } : {};
      batches.push({ pod: `${o.namespace}/${o.name}`, attemptIds: o.expectedIds, ...settled });
    }
  }
  // Phase-2 attempts the agent skipped become not-run entries (their L4 attempt was blocked) or stay inconclusive.
  const settled = settlePhaseTwo(buildEvidence({ attempts: plan.attempts, observations, selfChecks: mergeSelfChecks(pods), batches }));
  const evidence = swept.length === 0 ? settled.evidence : [...swept, ...settled.evidence].sort((a, b) => a.id.localeCompare(b.id));
  state.notRun = [...state.notRun, ...settled.notRun];
  // One write per ~60 KiB and one fdatasync for the whole classification (not one per line:
  // ~24 s at 100 000 attempts); it resolves once every line is on disk, before any report is written.
  await ctx.log.appendAll(evidence);
  state.evidence = evidence;
  const counts = new Map<string, number>();
  for (const e of evidence) counts.set(e.outcome.kind, (counts.get(e.outcome.kind) ?? 0) + 1);
  const text = `${observations.length}/${plan.attempts.length} observations (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}${settled.notRun.length ? `; ${settled.notRun.length} phase-2 attempts not needed` : ''})${problems ? `; ${problems} pod problem(s)` : ''}`;
  if (stopped) ctx.progress.warn(`Kept ${text} read before the run stopped`);
  else ctx.progress.succeed(`Collected ${text}`);
}
