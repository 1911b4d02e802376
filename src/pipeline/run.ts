/**
 * The orchestrator (DESIGN §1): discover → plan → deploy → run → collect → classify →
 * evaluate → report, with cleanup always run (finalizers in reverse, fresh signal) and a
 * report always written, also when the run aborted or was interrupted.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { newRunId } from '../cluster/labels.js';
import type { ClusterApi } from '../cluster/ports.js';
import type { Options } from '../config/options.js';
import { requireScope } from '../config/load.js';
import type { Control } from '../domain/control.js';
import type { Evidence } from '../domain/evidence.js';
import type { Probe } from '../domain/probe.js';
import type { AbortInfo, CleanupResult, Report } from '../domain/report.js';
import { MeshprobeError, toMeshprobeError } from '../shared/errors.js';
import { buildCertificateInventory } from '../evaluate/certificate-inventory.js';
import { knownGaps } from '../discover/targets.js';
import { evaluate } from '../evaluate/evaluate.js';
import type { CoverageFacts } from '../evaluate/coverage.js';
import { buildReport } from '../report/build.js';
import { openEvidenceLog, writeReportBundle, type EvidenceLog } from '../report/write.js';
import { openEvidenceJournal } from '../report/journal.js';
import { FinalizerStack } from '../deploy/finalizers.js';
import { cleanupLabelled } from '../deploy/cleanup.js';
import { EXIT, exitCodeFor, mostSevere, type ExitCode } from '../shared/exit-codes.js';
import type { ProgressSink } from '../shared/progress.js';
import { CONTROLS, PROBES, controlContext, probeInfos } from '../catalogue/index.js';
import { selectControls } from '../plan/select.js';
import { identityGaps } from '../plan/identity.js';
import { runStages, type Reached } from './pipeline.js';
import type { RunStage, Stage } from '../domain/stage.js';
import { loadRunInputs, type RunInputs } from './inputs.js';
import { checkInputs } from './check-inputs.js';
import pkg from '../../package.json' with { type: 'json' };
import { uploadStep, type UploadOutcome } from '../upload/step.js';
import type { RetryPolicy } from '../upload/retry.js';
import type { Backoff } from '../cluster/retry.js';

/** What the orchestrator needs from the outside (injectable for tests). */
export interface RunDeps {
  readonly cluster: ClusterApi;
  readonly progress: ProgressSink;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  readonly clock?: () => Date;
  /** Random hex for the run id. */
  readonly random?: () => string;
  /** Use this run id (the CLI makes it first, to print the cleanup command on a forced exit). */
  readonly runId?: string;
  /** Agent bundle text; default: dist/agent.mjs next to the CLI bundle. */
  readonly agentSource?: () => Promise<string>;
  readonly catalogue?: { readonly probes: readonly Probe[]; readonly controls: readonly Control[] };
  /** Pod status poll interval (tests use small values). */
  readonly pollMs?: number;
  /** Cleanup budget, ms (default: --cleanup-timeout). */
  readonly cleanupTimeoutMs?: number;
  /** Pauses between cleanup retries (tests use short ones). */
  readonly cleanupBackoff?: Backoff;
  /**
   * Called as each stage begins (discover, plan, preflight, deploy, sweep, run, collect, cleanup,
   * evaluate, report) and with 'done' at the end; the benchmark times stages with it.
   * Observation only: it must not throw and cannot change the run.
   */
  readonly onStage?: (stage: RunStage) => void;
  /** Environment for upload credentials (AWS_*, MESHPROBE_UPLOAD_HEADERS); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Retry bounds of the upload (tests use short waits). */
  readonly uploadPolicy?: RetryPolicy;
}

/** Every point a run announces (domain/stage.ts): the pipeline's stages, then the ones that always run after it. */
export type { RunStage };

/** What a run produced. */
export interface RunResult {
  readonly report: Report;
  readonly runId: string;
  readonly outputDir: string;
  readonly files: readonly string[];
  readonly exitCode: ExitCode;
  /** What --upload did (undefined without --upload). */
  readonly upload?: UploadOutcome;
}

/** The report's exit code folded with the upload's: a failed upload is 5, Ctrl-C during it 130. */
function withUpload(code: ExitCode, upload: UploadOutcome | undefined): ExitCode {
  if (upload?.kind !== 'failed') return code;
  return mostSevere([code, upload.code === 'E_INTERRUPTED' ? EXIT.INTERRUPTED : EXIT.UPLOAD_FAILED]);
}

function abortInfo(err: unknown, stage: Stage): AbortInfo {
  const e = toMeshprobeError(err);
  return { code: e.code, stage, message: e.hint ? `${e.message} (${e.hint})` : e.message };
}

/** A signal that aborts with E_TIMEOUT after the whole-run --timeout, or with the caller's reason. */
function runSignal(outer: AbortSignal, timeoutSeconds: number): { signal: AbortSignal; dispose: () => void } {
  const timer = new AbortController();
  const t = setTimeout(
    () =>
      timer.abort(
        new MeshprobeError('E_TIMEOUT', `the run exceeded --timeout ${timeoutSeconds}s`, {
          hint: 'Raise --timeout or narrow the run (--namespace, --control).',
        }),
      ),
    timeoutSeconds * 1000,
  );
  return { signal: AbortSignal.any([outer, timer.signal]), dispose: () => clearTimeout(t) };
}

/** Run the whole pipeline. Throws only for problems before anything was touched (E_IO on the output dir, bad inputs). */
export async function runConformance(options: Options, deps: RunDeps): Promise<RunResult> {
  requireScope(options);
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock();
  const runId = deps.runId ?? newRunId(startedAt, deps.random?.() ?? randomBytes(2).toString('hex'));
  const outputDir = options.outputDir ?? join('reports', runId);
  const catalogue = deps.catalogue ?? { probes: PROBES, controls: CONTROLS };
  // Every id and file the user named, checked together before anything else (exit 2, cluster untouched).
  const checked = await checkInputs(options, catalogue, outputDir, deps.env ?? process.env);
  const inputs: RunInputs = await loadRunInputs(options, checked, deps.agentSource);
  const log: EvidenceLog = await openEvidenceLog(outputDir);
  // Each pod's batch lands here as it is collected; deleted once evidence.jsonl is complete (report/journal.ts).
  const journal = await openEvidenceJournal(outputDir, { runId, startedAt: startedAt.toISOString() });
  const finalizers = new FinalizerStack();
  const { signal, dispose } = runSignal(deps.signal, options.timeout);
  const ctx = {
    options,
    runId,
    api: deps.cluster,
    progress: deps.progress,
    signal,
    finalizers,
    catalogue,
    files: inputs.files,
    log,
    journal,
  };
  const result = await runStages({
    ...ctx,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    ...(deps.onStage ? { onStage: deps.onStage } : {}),
  });
  dispose();
  const { reached } = result;
  const aborted = result.kind === 'stopped' ? stoppedAt(result.error, reached.stage, deps) : undefined;
  deps.onStage?.('cleanup');
  const cleanup = await runCleanup(finalizers, deps, runId, deps.cleanupTimeoutMs ?? options.cleanupTimeout * 1000);
  await log.close();
  // evidence.jsonl is complete and on disk: the journal is redundant, and must not enter the sealed bundle.
  await journal.discard();
  deps.onStage?.('evaluate');
  const report = finish({
    options,
    deps,
    runId,
    startedAt,
    clock,
    reached,
    cleanup,
    inputs,
    catalogue,
    ...(aborted ? { aborted } : {}),
  });
  const files = await writeReportBundle(
    report,
    outputDir,
    inputs.signKeyPem === undefined ? {} : { signKeyPem: inputs.signKeyPem },
  );
  if (options.upload !== undefined) deps.onStage?.('upload');
  const upload = await uploadStep({
    options,
    dir: outputDir,
    runId,
    signal: deps.signal,
    progress: deps.progress,
    env: deps.env ?? process.env,
    interrupted: deps.signal.aborted,
    ...(deps.uploadPolicy ? { policy: deps.uploadPolicy } : {}),
  });
  deps.onStage?.('done');
  const exitCode = withUpload(exitCodeFor(report, { inconclusiveOk: options.inconclusiveOk }), upload);
  return { report, runId, outputDir, files, exitCode, ...(upload ? { upload } : {}) };
}

/** Why the run stopped, for the report: an interruption when the caller's signal fired, else the stage's error. */
function stoppedAt(error: unknown, stage: Stage, deps: RunDeps): AbortInfo {
  const cause = deps.signal.aborted
    ? new MeshprobeError('E_INTERRUPTED', `interrupted by ${String(deps.signal.reason)} during ${stage}`)
    : error;
  const aborted = abortInfo(cause, stage);
  deps.progress.fail(`${stage}: ${aborted.message}`);
  return aborted;
}

/**
 * Cleanup on its own budget, not the run's signal (already aborted after Ctrl-C or --timeout):
 * the finalizers, then the run's labelled objects, every call retried while the API server is
 * away, then a list to verify. A second Ctrl-C still exits at once (cli/signals.ts).
 */
async function runCleanup(finalizers: FinalizerStack, deps: RunDeps, runId: string, budgetMs: number) {
  if (finalizers.size === 0) return { attempted: false, ok: true, deleted: [], problems: [] } satisfies CleanupResult;
  deps.progress.start(`Cleaning up ${finalizers.size} object(s)`);
  let warned = false;
  const result = await cleanupLabelled(deps.cluster, {
    runId,
    finalizers,
    timeoutMs: budgetMs,
    onStep: (l) => deps.progress.update(`Deleting ${l}`),
    onRetry: (what, error, delayMs) => {
      if (!warned) {
        deps.progress.warn(`cleanup: ${error.message}; retrying until it answers (cleanup budget ${budgetMs / 1000}s)`);
        deps.progress.start('Cleaning up: waiting for the API server');
        warned = true;
      }
      deps.progress.update(`Cleaning up: waiting for the API server to ${what} (next try in ${delayMs} ms)`);
    },
    ...(deps.cleanupBackoff ? { backoff: deps.cleanupBackoff } : {}),
  });
  if (result.ok) deps.progress.succeed(`Cleaned up: ${result.deleted.length} object(s) deleted`);
  else deps.progress.warn(`Cleanup incomplete: ${result.problems.join('; ')}; finish it with: ${result.finishCommand}`);
  return result;
}

interface FinishInput {
  readonly options: Options;
  readonly deps: RunDeps;
  readonly runId: string;
  readonly startedAt: Date;
  readonly clock: () => Date;
  readonly reached: Reached;
  readonly cleanup: CleanupResult;
  readonly inputs: RunInputs;
  readonly catalogue: { readonly probes: readonly Probe[]; readonly controls: readonly Control[] };
  readonly aborted?: AbortInfo;
}

/** Label-admitted workloads not probed as themselves (plan/identity.ts), for 1.3.1's coverage. */
function gapsOf(reached: Reached, options: Options): string[] {
  const inv = reached.inventory;
  if (inv === undefined || reached.plan === undefined) return [];
  return identityGaps(inv.identities ?? [], reached.plan.identities ?? [], inv.namespaces, options);
}

/** What coverage needs from the run besides the evidence: the plan's not-run list, pods that failed, the namespace filter. */
function coverageFacts(options: Options, reached: Reached, aborted: AbortInfo | undefined): CoverageFacts {
  const excluded = (reached.inventory?.namespaces ?? [])
    .filter((n) => !n.included && n.role !== 'probe')
    .map((n) => ({
      name: n.name,
      inScope: n.inScope,
      by: options.excludeNamespaces.includes(n.name) ? '--exclude-namespace' : '--namespace',
    }));
  return {
    notRun: reached.notRun,
    vantageProblems: reached.vantageProblems,
    excludedNamespaces: excluded,
    skippedProbes: options.skipProbes,
    ...(aborted !== undefined ? { stopped: `the run stopped at ${aborted.stage} (${aborted.code})` } : {}),
  };
}

/** CLASSIFY is done; EVALUATE and build the report value (pure apart from the clock read). */
function finish(f: FinishInput): Report {
  const now = f.clock();
  const evidence: readonly Evidence[] = f.reached.evidence;
  const certificates = buildCertificateInventory(evidence, {
    now,
    expiryWarningDays: f.options.certExpiryWarningDays,
    ...(f.inputs.trustPem !== undefined ? { trustPem: f.inputs.trustPem } : {}),
  });
  const controls = selectControls(f.catalogue.controls, f.options.controls);
  const inventory = f.reached.inventory?.summary ?? {
    cluster: { ...f.deps.cluster.info() },
    namespaces: [],
    targets: 0,
    meshes: [],
    networkPolicies: 0,
  };
  const context = controlContext(f.options, {
    approvedFlows: f.inputs.approvedFlows,
    identityGaps: gapsOf(f.reached, f.options),
    ...knownGaps(f.reached.inventory),
  });
  const coverage = coverageFacts(f.options, f.reached, f.aborted);
  const verdicts = evaluate(controls, { evidence, inventory, certificates, now, context, coverage });
  const interrupted = f.deps.signal.aborted;
  f.deps.onStage?.('report');
  return buildReport({
    run: {
      runId: f.runId,
      tool: { name: 'meshprobe', version: pkg.version },
      startedAt: f.startedAt.toISOString(),
      finishedAt: now.toISOString(),
      options: { ...f.options },
    },
    inventory,
    verdicts,
    evidence,
    notRun: f.reached.notRun,
    certificates,
    ...(f.aborted ? { aborted: f.aborted } : {}),
    ...(interrupted ? { interrupted: true } : {}),
    cleanup: f.cleanup,
    probes: probeInfos(f.deps.catalogue?.probes ?? PROBES),
  });
}
