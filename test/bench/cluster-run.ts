/**
 * Cluster-level worker (issue 10, part 2): one meshprobe run against the lab, in its own
 * process so its peak RSS is the run's. It does what `meshprobe run` does (runConformance +
 * the text summary on stdout) with a stage observer and a recording ClusterApi around the
 * real client, and prints one JSON line with the timings.
 *
 *   node cluster-run.mjs <json: { kubeconfig, agentPath, outputDir, namespaces, options }>
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createKubeClient } from '../../src/cluster/kube-client.js';
import { DEFAULTS, type Options } from '../../src/config/options.js';
import type { ProgressSink } from '../../src/shared/progress.js';
import { renderText } from '../../src/report/reporters/index.js';
import { runConformance } from '../../src/pipeline/run.js';
import { TimedClusterApi, type PodTimeline } from './timed-cluster.js';

/** What the parent passes. */
export interface ClusterRunRequest {
  readonly kubeconfig: string;
  readonly agentPath: string;
  readonly outputDir: string;
  readonly options: Partial<Options>;
}

/** Progress that keeps warnings (what a user would see on stderr) and nothing else. */
function warningSink(warnings: string[]): ProgressSink {
  const none = (): void => undefined;
  return {
    start: none,
    update: none,
    succeed: none,
    info: none,
    stop: none,
    fail: (t) => void warnings.push(t),
    warn: (t) => void warnings.push(t),
  };
}

/** Stage durations from the observer's (stage, time) marks. */
function stageDurations(marks: readonly { stage: string; at: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  marks.forEach((m, i) => {
    const next = marks[i + 1];
    if (next) out[m.stage] = Math.round((out[m.stage] ?? 0) + next.at - m.at);
  });
  return out;
}

/** Probe-pod start and agent activity, summarised over every pod but the echo pod. */
function podSummary(pods: readonly PodTimeline[], t0: number): Record<string, number | undefined> {
  const probe = pods.filter((p) => !p.key.endsWith('/meshprobe-echo'));
  const seen = probe.flatMap((p) => (p.startedSeenAt === undefined ? [] : [p.startedSeenAt - p.createdAt]));
  const server = probe.flatMap((p) =>
    p.serverCreated && p.serverStarted ? [Date.parse(p.serverStarted) - Date.parse(p.serverCreated)] : [],
  );
  const firsts = probe.flatMap((p) => (p.firstAttemptAt ? [Date.parse(p.firstAttemptAt)] : []));
  const lasts = probe.flatMap((p) => (p.lastAttemptEndAt ? [Date.parse(p.lastAttemptEndAt)] : []));
  const perPod = probe.flatMap((p) =>
    p.firstAttemptAt && p.lastAttemptEndAt ? [Date.parse(p.lastAttemptEndAt) - Date.parse(p.firstAttemptAt)] : [],
  );
  const max = (xs: readonly number[]): number | undefined => (xs.length > 0 ? Math.round(Math.max(...xs)) : undefined);
  return {
    probePods: probe.length,
    firstPodCreatedMs: probe.length > 0 ? Math.round(Math.min(...probe.map((p) => p.createdAt)) - t0) : undefined,
    podStartSeenMaxMs: max(seen),
    podStartServerMaxMs: max(server),
    agentWindowMs:
      firsts.length > 0 && lasts.length > 0 ? Math.round(Math.max(...lasts) - Math.min(...firsts)) : undefined,
    agentPerPodMaxMs: max(perPod),
    agentLines: probe.reduce((n, p) => n + (p.lines ?? 0), 0),
  };
}

/**
 * Every pod's timeline and the stage marks, relative to the run's start (ms; wall-clock stamps
 * converted with the offset between the two clocks), for reading where a run's wall goes.
 */
async function writeTimeline(
  path: string,
  pods: readonly PodTimeline[],
  marks: readonly { stage: string; at: number }[],
  t0: number,
): Promise<void> {
  const epoch0 = Date.now() - (performance.now() - t0);
  const rel = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms - t0));
  const wall = (iso: string | undefined): number | undefined =>
    iso === undefined ? undefined : Math.round(Date.parse(iso) - epoch0);
  const rows = pods.map((p) => ({
    pod: p.key,
    created: rel(p.createdAt),
    startedServer: wall(p.serverStarted),
    startedSeen: rel(p.startedSeenAt),
    firstAttempt: wall(p.firstAttemptAt),
    lastAttemptEnd: wall(p.lastAttemptEndAt),
    finishedServer: wall(p.serverFinished),
    finishedSeen: rel(p.finishedSeenAt),
    logRead: rel(p.logReadAt),
    lines: p.lines,
  }));
  const stages = marks.map((m) => ({ stage: m.stage, at: rel(m.at) }));
  await writeFile(path, `${JSON.stringify({ stages, pods: rows }, null, 1)}\n`);
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as ClusterRunRequest;
  const options: Options = {
    ...DEFAULTS,
    ...request.options,
    kubeconfig: request.kubeconfig,
    outputDir: request.outputDir,
    quiet: true,
  };
  const agent = await readFile(request.agentPath, 'utf8');
  const api = new TimedClusterApi(createKubeClient({ kubeconfig: options.kubeconfig, context: options.context }));
  const marks: { stage: string; at: number }[] = [];
  const warnings: string[] = [];
  const t0 = performance.now();
  const result = await runConformance(options, {
    cluster: api,
    progress: warningSink(warnings),
    signal: new AbortController().signal,
    agentSource: async () => agent,
    onStage: (stage) => void marks.push({ stage, at: performance.now() }),
  });
  const summary = renderText(result.report);
  const timelinePath = process.env.MESHPROBE_BENCH_TIMELINE;
  if (timelinePath) await writeTimeline(`${timelinePath}-${result.runId}.json`, [...api.pods.values()], marks, t0);
  marks.push({ stage: 'end', at: performance.now() });
  const outcomes: Record<string, number> = {};
  for (const e of result.report.evidence) {
    const key =
      e.outcome.kind === 'blocked'
        ? `blocked:${e.outcome.by}`
        : e.outcome.kind === 'inconclusive'
          ? `inconclusive:${e.outcome.reason}`
          : e.outcome.kind;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  const probeAttempts = result.report.evidence
    .filter((e) => e.attempt.role === 'probe')
    .map((e) => ({
      vantage: e.attempt.vantage,
      namespace: e.attempt.target.namespace,
      name: e.attempt.target.name,
      address: e.attempt.address,
      port: e.attempt.port,
      transport: e.observation?.transport ?? 'none',
      timeoutMs: e.attempt.timeoutMs,
      probeId: e.attempt.probeId,
      // What the agent measured for the attempt (absent: never reported).
      ...(e.observation !== undefined ? { durationMs: e.observation.durationMs } : {}),
    }));
  process.stdout.write(
    `${JSON.stringify({
      runId: result.runId,
      exitCode: result.exitCode,
      aborted: result.report.aborted,
      cleanupOk: result.report.cleanup.ok,
      wallMs: Math.round(performance.now() - t0),
      stagesMs: stageDurations(marks),
      pods: podSummary([...api.pods.values()], t0),
      apiCalls: api.calls,
      attempts: result.report.evidence.length,
      outcomes,
      verdicts: result.report.verdicts.map((v) => `${v.requirement}:${v.status}`),
      summaryBytes: summary.length,
      warnings: warnings.slice(0, 20),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
      probeAttempts,
    })}\n`,
  );
}

await main();
