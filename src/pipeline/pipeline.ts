/**
 * The I/O stages of a run as one typed sequence (DESIGN §1): discover → plan → preflight →
 * deploy (echo first, then plan again with its address) → sweep → run → collect → classify.
 * Each stage is a function of the value before it (stages.ts); the sequence records what the
 * run has reached as an immutable value, so the orchestrator can report how far it got when
 * a stage fails or the run is stopped.
 */
import type { MeshprobeError } from '../shared/errors.js';
import type { NotRunAttempt } from '../domain/attempt.js';
import type { Evidence } from '../domain/evidence.js';
import { vantageId } from '../domain/vantage.js';
import type { DiscoveredInventory } from '../discover/targets.js';
import type { RunPlan } from '../plan/plan.js';
import { ECHO_NAME } from '../plan/pods.js';
import { deployBase, deployPods, preflight, type DeployContext } from '../deploy/deploy.js';
import { waitForPod } from '../run/run-pods.js';
import {
  classifyStage,
  discoverStage,
  planStage,
  runStage,
  sweepStage,
  type PipelineContext,
  type Stage,
  type VantageProblem,
} from './stages.js';

/** What a run has reached: the stage it is in and what the report needs from the stages so far. */
export interface Reached {
  readonly stage: Stage;
  readonly inventory?: DiscoveredInventory;
  /** The final plan; once classified, without its pods and host batch (their attempts are in the evidence). */
  readonly plan?: RunPlan;
  readonly evidence: readonly Evidence[];
  readonly notRun: readonly NotRunAttempt[];
  /** Vantages whose pod could not be created, started or read, with the problem (coverage, evaluate/coverage.ts). */
  readonly vantageProblems: readonly VantageProblem[];
}

/** How the stages ended: every stage done, or stopped (a stage failed, a signal, --timeout) with what was reached. */
export type StagesResult =
  | { readonly kind: 'completed'; readonly reached: Reached }
  | { readonly kind: 'stopped'; readonly reached: Reached; readonly error: unknown };

/** Moves the run to its next Reached value (given, or made from the current one), announcing a new stage. */
type Reach = (next: Partial<Reached> | ((now: Reached) => Partial<Reached>)) => void;

/** DEPLOY's value: the final plan, the probe pods that were created, and the sweep's evidence. */
interface Deployment {
  readonly plan: RunPlan;
  readonly pods: RunPlan['pods'];
  readonly swept: readonly Evidence[];
}

/** Run every stage in order. Never throws: a failure comes back as 'stopped' with what the run had reached. */
export async function runStages(ctx: PipelineContext): Promise<StagesResult> {
  let reached: Reached = { stage: 'discover', evidence: [], notRun: [], vantageProblems: [] };
  ctx.onStage?.('discover');
  const reach: Reach = (next) => {
    const before = reached.stage;
    reached = { ...reached, ...(typeof next === 'function' ? next(reached) : next) };
    if (reached.stage !== before) ctx.onStage?.(reached.stage);
  };
  try {
    const deployment = await deployStages(ctx, reach);
    if (deployment === undefined) return { kind: 'completed', reached };
    const { plan } = deployment;
    reach({ stage: 'run' });
    ctx.progress.start(`Running ${plan.attempts.length} attempts`);
    const ran = await runStage(ctx, plan, deployment.pods);
    const { stoppedBy } = ran;
    // Stopped early (SIGINT, --timeout, a fatal pod failure): still classify and log what was
    // observed, then stop; the stage stays 'run' so the report says where the run stopped.
    if (stoppedBy === undefined) reach({ stage: 'collect' });
    const classified = classifyStage(ctx, plan, ran, deployment.swept);
    reach((now) => ({
      notRun: [...now.notRun, ...classified.notRun],
      vantageProblems: [...now.vantageProblems, ...classified.vantageProblems],
    }));
    // One write per ~60 KiB and one fdatasync for the whole classification (not one per line:
    // ~24 s at 100 000 attempts); it resolves once every line is on disk, before any report is written.
    await ctx.log.appendAll(classified.evidence);
    // The batch specs (one per attempt) are classified now: the plan the report reads keeps no pods.
    const { hostBatch: _classified, ...kept } = plan;
    reach({ evidence: classified.evidence, plan: { ...kept, pods: [] } });
    if (stoppedBy !== undefined) {
      ctx.progress.warn(`Kept ${classified.summary} read before the run stopped`);
      return { kind: 'stopped', reached, error: stoppedBy };
    }
    ctx.progress.succeed(`Collected ${classified.summary}`);
    return { kind: 'completed', reached };
  } catch (error) {
    return { kind: 'stopped', reached, error };
  }
}

/** What the probe pods are planned from: the inventory (swept listeners included), the canary, the sweep's evidence. */
interface Prepared {
  readonly inventory: DiscoveredInventory;
  readonly echoAddress: string;
  readonly swept: readonly Evidence[];
}

/** The final PLAN and the probe pods, after {@link prepare}; undefined when nothing applies. */
async function deployStages(ctx: PipelineContext, reach: Reach): Promise<Deployment | undefined> {
  const deployCtx: DeployContext = {
    api: ctx.api,
    finalizers: ctx.finalizers,
    signal: ctx.signal,
    runId: ctx.runId,
    image: ctx.options.agentImage,
    runDeadlineSeconds: ctx.options.timeout,
    podReadyTimeoutSeconds: ctx.options.podReadyTimeout,
    files: ctx.files,
    agentReady: new Map<string, Promise<MeshprobeError | undefined>>(),
  };
  const prepared = await prepare(ctx, deployCtx, reach);
  if (prepared === undefined) return undefined;
  // The final plan differs from the draft in the canary address, known now, and in the listeners
  // the sweep found. Probe pods are deployed within the stage the run is in (deploy, or sweep).
  const plan = planStage(ctx, prepared.inventory, prepared.echoAddress);
  reach({ plan, notRun: [...plan.notRun, ...(plan.sweep?.notRun ?? [])] });
  ctx.progress.update(`Starting ${plan.pods.length} probe pod(s) for ${plan.attempts.length} attempts`);
  const deployed = await deployPods(deployCtx, plan);
  const failed: VantageProblem[] = [];
  for (const d of deployed) {
    if (d.kind !== 'failed') continue;
    ctx.progress.warn(d.error.message);
    failed.push({ vantage: vantageId(d.pod.vantage), problem: d.error.message });
  }
  if (failed.length > 0) reach((now) => ({ vantageProblems: [...now.vantageProblems, ...failed] }));
  ctx.progress.succeed(
    `Deployed ${deployed.filter((d) => d.kind === 'created').length} probe pod(s) in ${new Set(plan.pods.map((p) => p.namespace)).size} namespace(s)`,
  );
  return { plan, pods: deployed.flatMap((d) => (d.kind === 'created' ? [d.pod] : [])), swept: prepared.swept };
}

/**
 * DISCOVER, the draft PLAN, PREFLIGHT, the base deployment and the SWEEP; undefined when nothing
 * applies. The discovery snapshot and the draft live only here: a 100 000-attempt plan is tens
 * of MiB, and the run keeps the final one.
 */
async function prepare(ctx: PipelineContext, deployCtx: DeployContext, reach: Reach): Promise<Prepared | undefined> {
  const discovered = await discoverStage(ctx);
  reach({ inventory: discovered.inventory, stage: 'plan' });
  const draft = planStage(ctx, discovered.inventory);
  reach({ plan: draft, notRun: draft.notRun });
  if (draft.attempts.length === 0) {
    ctx.progress.warn('Nothing to probe: no attempt applies to the selected scope and controls');
    return undefined;
  }
  const base = await deployBaseStage(ctx, deployCtx, draft, reach);
  const sweep = draft.sweep;
  if (sweep === undefined || sweep.pods.length === 0) {
    await base.echoReady;
    return { inventory: discovered.inventory, echoAddress: base.echoAddress, swept: [] };
  }
  reach({ stage: 'sweep' });
  // The sweep needs neither the canary nor the probe namespace: its pods start while the echo pod
  // does (one pod start less before the main round). Both settle before either's failure is thrown.
  const [echo, swept] = await Promise.allSettled([
    base.echoReady,
    sweepStage(ctx, deployCtx, sweep, draft.probeNamespace, discovered.snapshot),
  ]);
  if (swept.status === 'rejected') throw swept.reason;
  const round = swept.value;
  if (round.kind === 'stopped') {
    reach({ evidence: round.evidence });
    throw round.stoppedBy;
  }
  if (echo.status === 'rejected') {
    reach({ evidence: round.evidence });
    throw echo.reason;
  }
  reach({ inventory: round.inventory });
  return { inventory: round.inventory, echoAddress: base.echoAddress, swept: round.evidence };
}

/**
 * PREFLIGHT and the base DEPLOY (probe namespace, echo pod and Service): the canary's address,
 * and a promise that resolves when the echo pod is ready (rejects when it does not become ready).
 */
async function deployBaseStage(
  ctx: PipelineContext,
  deployCtx: DeployContext,
  draft: RunPlan,
  reach: Reach,
): Promise<{ readonly echoAddress: string; readonly echoReady: Promise<void> }> {
  const probeNamespace = draft.probeNamespace;
  reach({ stage: 'preflight' });
  await preflight(ctx.api, probeNamespace, [...new Set(draft.pods.map((p) => p.namespace))], ctx.signal);
  reach({ stage: 'deploy' });
  ctx.progress.start(`Creating namespace ${probeNamespace} and the canary echo pod`);
  const echoAddress = await deployBase(deployCtx);
  const echoReady = waitForPod(ctx.api, probeNamespace, ECHO_NAME, {
    until: 'ready',
    readyTimeoutMs: ctx.options.podReadyTimeout * 1000,
    finishTimeoutMs: 0,
    signal: ctx.signal,
    image: ctx.options.agentImage,
    ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
  }).then(() => undefined);
  // Observed here so a rejection before the caller awaits it is never "unhandled".
  echoReady.catch(() => undefined);
  return { echoAddress, echoReady };
}
