/**
 * CLI-scale worker (issue 10, part 3): the pure pipeline of one run at a given size, without
 * a cluster, in its own process so its peak RSS is this size's alone. Prints one JSON line.
 *
 *   node cli-scale.mjs <attempts> [control,...]
 *
 * The synthetic segmentation matrix (matrix.ts) is served by the fake ClusterApi; DISCOVER
 * reads it, PLAN expands it, a synthetic agent log per planned pod (denied ports time out,
 * the rest connect) goes through COLLECT and CLASSIFY, then EVALUATE, the report value, every
 * renderer (streamed as the bundle writes them: its files together), the evidence log (appendAll: ~60 KiB writes and
 * one fdatasync, as a run does) and the bundle write. Each stage is timed; stages run in the order
 * and with the data of a real run (agent logs and raw observations are dropped after CLASSIFY, as
 * the pipeline drops them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROLS, PROBES, judgeContext } from '../../src/catalogue/index.js';
import { DEFAULTS, type Options } from '../../src/config/options.js';
import type { KubeObject } from '../../src/cluster/ports.js';
import { discover } from '../../src/discover/discover.js';
import { buildInventory, type DiscoveredInventory } from '../../src/discover/targets.js';
import type { Evidence } from '../../src/domain/evidence.js';
import type { Observation, SelfCheck } from '../../src/domain/observation.js';
import { vantageId } from '../../src/domain/vantage.js';
import { buildCertificateInventory } from '../../src/evaluate/certificate-inventory.js';
import { evaluate } from '../../src/evaluate/evaluate.js';
import { buildEvidence } from '../../src/classify/evidence.js';
import { collectObservations } from '../../src/collect/collect.js';
import { planRun, type RunPlan } from '../../src/plan/plan.js';
import { selectControls } from '../../src/plan/select.js';
import { buildReport } from '../../src/report/build.js';
import { bundlePieces, renderTogether, renderText } from '../../src/report/reporters/index.js';
import { openEvidenceLog, writeReportBundle } from '../../src/report/write.js';
import type { Report } from '../../src/domain/report.js';
import type { AttemptBatch } from '../../probes/protocol.js';
import { FakeClusterApi } from '../fakes/cluster-api.js';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../src/cli/heap.js';
import { CDE_LABEL, matrixObjects, serviceDenied, SERVICE_PORTS, type MatrixShape } from './matrix.js';

/** Fixed breadth: 9 out-of-scope namespaces + the probe namespace = 10 vantages, 50 Services of 2 ports per CDE namespace. */
const VANTAGES = 9;
const SERVICES = 50;

/** The matrix for about `attempts` tcp-reach attempts: CDE namespaces grow, breadth stays. */
export function shapeFor(attempts: number): MatrixShape {
  const perNamespace = SERVICES * SERVICE_PORTS.length * (VANTAGES + 1);
  return {
    prefix: 'scale-',
    cdeNamespaces: Math.max(1, Math.round(attempts / perNamespace)),
    servicesPerNamespace: SERVICES,
    vantageNamespaces: VANTAGES,
  };
}

/** Addresses (ClusterIP:port) the matrix denies. */
function deniedPaths(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'Service') continue;
    const index = Number(/svc-(\d+)/.exec(o.metadata?.name ?? '')?.[1]);
    const ip = (o.spec as { clusterIP?: string }).clusterIP ?? '';
    if (serviceDenied(index)) for (const p of SERVICE_PORTS) out.add(`${ip}:${p}`);
  }
  return out;
}

/** What an agent would print for a batch in this matrix. */
function agentLog(batch: AttemptBatch, denied: ReadonlySet<string>): string {
  const startedAt = '2026-11-23T20:00:00.000Z';
  const lines = batch.attempts.map((a) =>
    JSON.stringify(
      denied.has(`${a.host}:${a.port}`)
        ? {
            v: 1,
            attemptId: a.id,
            startedAt,
            durationMs: a.timeoutMs,
            transport: 'timeout',
            errorCode: 'ETIMEDOUT',
            bytesReceived: 0,
          }
        : {
            v: 1,
            attemptId: a.id,
            startedAt,
            durationMs: 4,
            transport: 'connected',
            bytesReceived: 24,
            dataPrefix: 'workload tcp 7001 ready\n',
          },
    ),
  );
  lines.push(
    JSON.stringify({
      v: 1,
      done: true,
      count: batch.attempts.length,
      selfCheck: { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' },
    }),
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Lap timer: `lap(name)` records the milliseconds since the previous lap, the RSS / JS heap right
 * after it, and the process's peak RSS so far (so the stage that set the peak can be told).
 */
class Laps {
  readonly ms: Record<string, number> = {};
  readonly rssMiB: Record<string, number> = {};
  readonly heapMiB: Record<string, number> = {};
  readonly peakMiB: Record<string, number> = {};
  /** CPU time (user + system, all threads) of each stage: on a shared machine it moves less than the wall time. */
  readonly cpuMs: Record<string, number> = {};
  #cpu = process.cpuUsage();
  /** Live JS heap after a full collection, only when run with --expose-gc (the collections change the peak). */
  readonly liveMiB: Record<string, number> = {};
  #last = performance.now();
  lap(name: string): void {
    const now = performance.now();
    this.ms[name] = Math.round(now - this.#last);
    const mem = process.memoryUsage();
    this.rssMiB[name] = Math.round(mem.rss / 1048576);
    this.heapMiB[name] = Math.round(mem.heapUsed / 1048576);
    this.peakMiB[name] = Math.round(process.resourceUsage().maxRSS / 1024);
    const cpu = process.cpuUsage(this.#cpu);
    this.cpuMs[name] = Math.round((cpu.user + cpu.system) / 1000);
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc !== undefined) {
      gc();
      this.liveMiB[name] = Math.round(process.memoryUsage().heapUsed / 1048576);
    }
    this.#cpu = process.cpuUsage();
    this.#last = performance.now();
  }
}

/** COLLECT for every pod, as the pipeline does: each log is dropped once its lines are collected. */
function collectAll(
  plan: RunPlan,
  logs: string[],
): { observations: Observation[]; selfChecks: Map<string, SelfCheck> } {
  const observations: Observation[] = [];
  const selfChecks = new Map<string, SelfCheck>();
  plan.pods.forEach((pod, i) => {
    const log = logs[i] ?? '';
    logs[i] = '';
    const collected = collectObservations(
      log,
      pod.batch.attempts.map((a) => a.id),
    );
    for (const o of collected.observations) observations.push(o);
    if (collected.selfCheck) selfChecks.set(vantageId(pod.vantage), collected.selfCheck);
  });
  return { observations, selfChecks };
}

/** Append every evidence as the pipeline does (appendAll: ~60 KiB writes, one fdatasync). */
async function writeEvidenceLog(
  dir: string,
  evidence: readonly Evidence[],
): Promise<{ ms: number; written: number; extrapolated: boolean }> {
  const log = await openEvidenceLog(dir);
  const started = performance.now();
  await log.appendAll(evidence);
  await log.close();
  return { ms: Math.round(performance.now() - started), written: evidence.length, extrapolated: false };
}

/**
 * Render every format (what the bundle and stdout hold) as the bundle does: the text summary,
 * then the bundle's files together (bundlePieces + renderTogether: one pass over each reason
 * list for all of them), counting each one's characters.
 */
async function renderAll(report: Report): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const t0 = performance.now();
  out['textBytes'] = renderText(report).length;
  out['text'] = Math.round(performance.now() - t0);
  const files = Object.entries(bundlePieces(report));
  const chars = files.map(() => 0);
  await renderTogether(
    report.verdicts,
    files.map(([, pieces], i) => ({
      pieces: pieces(),
      write: (text: string) => {
        chars[i] = (chars[i] ?? 0) + text.length;
      },
    })),
  );
  out['together'] = Math.round(performance.now() - t0) - (out['text'] ?? 0);
  for (const [i, [name]] of files.entries()) out[`${name}Bytes`] = chars[i] ?? 0;
  return out;
}

/** EVALUATE and the report value, as run.ts does after CLASSIFY. */
function evaluateAndBuild(
  options: Options,
  inventory: DiscoveredInventory,
  plan: RunPlan,
  evidence: readonly Evidence[],
): Report {
  const now = new Date();
  const certificates = buildCertificateInventory(evidence, { now, expiryWarningDays: options.certExpiryWarningDays });
  const verdicts = evaluate(selectControls(CONTROLS, options.controls), {
    evidence,
    inventory: inventory.summary,
    certificates,
    now,
    context: judgeContext(),
  });
  return buildReport({
    run: {
      runId: 'bench',
      tool: { name: 'meshprobe', version: 'bench' },
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      options: { ...options },
    },
    inventory: inventory.summary,
    verdicts,
    evidence,
    notRun: plan.notRun,
    certificates,
    cleanup: { attempted: false, ok: true, deleted: [], problems: [] },
  });
}

/** DISCOVER → PLAN → (synthetic agent logs) → COLLECT → CLASSIFY; what the pipeline keeps afterwards (logs and raw observations go). */
async function toEvidence(
  options: Options,
  objects: readonly KubeObject[],
  laps: Laps,
): Promise<{ inventory: DiscoveredInventory; plan: RunPlan; pods: number; evidence: Evidence[] }> {
  const inventory = buildInventory(await discover(new FakeClusterApi(objects)), options);
  laps.lap('discover');
  const plan = planRun({
    runId: 'bench',
    inventory,
    probes: PROBES,
    controls: CONTROLS,
    options,
    canaryAddress: '198.19.254.1',
  });
  laps.lap('plan');
  const denied = deniedPaths(objects);
  const logs = plan.pods.map((p) => agentLog(p.batch, denied));
  laps.lap('synthesiseAgentLogs');
  const { observations, selfChecks } = collectAll(plan, logs);
  laps.lap('collect');
  const evidence = buildEvidence({ attempts: plan.attempts, observations, selfChecks });
  laps.lap('classify');
  // As the pipeline does: once classified, the plan keeps no batch specs.
  return { inventory, plan: { ...plan, pods: [] }, pods: plan.pods.length, evidence };
}

/** The pipeline from DISCOVER to the rendered formats, lap by lap; the agent logs are made outside the timed part. */
async function pureStages(
  options: Options,
  objects: readonly KubeObject[],
  laps: Laps,
): Promise<{
  inventory: DiscoveredInventory;
  plan: RunPlan;
  pods: number;
  report: Report;
  render: Record<string, number>;
}> {
  const { inventory, plan, pods, evidence } = await toEvidence(options, objects, laps);
  const report = evaluateAndBuild(options, inventory, plan, evidence);
  laps.lap('evaluateAndBuildReport');
  const render = await renderAll(report);
  laps.lap('render');
  return { inventory, plan, pods, report, render };
}

async function main(): Promise<void> {
  // As the CLI does at start-up (src/cli/main.ts): the peak RSS measured is the CLI's.
  const heapLimited = limitHeapGrowth();
  const size = Number(process.argv[2] ?? '10000');
  const controls = (process.argv[3] ?? '').split(',').filter(Boolean);
  const options: Options = {
    ...DEFAULTS,
    scope: `${CDE_LABEL.key}=${CDE_LABEL.value}`,
    controls,
    attemptTimeout: 1000,
    concurrency: 256,
  };
  const shape = shapeFor(size);
  const objects = matrixObjects(shape, { synthetic: true, image: 'lab.local/workload:1' });
  const laps = new Laps();
  const started = performance.now();
  const { inventory, plan, pods, report, render } = await pureStages(options, objects, laps);
  const pureMs = performance.now() - started - (laps.ms['synthesiseAgentLogs'] ?? 0);
  // Peak so far = the plan→render part; the evidence log and the bundle write come on top.
  const peakPureMiB = process.resourceUsage().maxRSS / 1024;
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-bench-scale-'));
  const evidenceLog = await writeEvidenceLog(dir, report.evidence);
  laps.lap('evidenceLog');
  const files = await writeReportBundle(report, dir);
  laps.lap('writeBundle');
  rmSync(dir, { recursive: true, force: true });
  const outcomes: Record<string, number> = {};
  for (const e of report.evidence) outcomes[e.outcome.kind] = (outcomes[e.outcome.kind] ?? 0) + 1;
  process.stdout.write(
    `${JSON.stringify({
      requested: size,
      shape,
      attempts: plan.attempts.length,
      notRun: plan.notRun.length,
      pods,
      targets: inventory.targets.length,
      controls: report.verdicts.length,
      outcomes,
      files: files.length,
      stagesMs: laps.ms,
      rssAfterMiB: laps.rssMiB,
      heapAfterMiB: laps.heapMiB,
      peakRssSoFarMiB: laps.peakMiB,
      cpuMs: laps.cpuMs,
      heapGrowingPercent: heapLimited ? HEAP_GROWING_PERCENT : 'as given in NODE_OPTIONS / node flags',
      ...(Object.keys(laps.liveMiB).length > 0 ? { liveHeapAfterGcMiB: laps.liveMiB } : {}),
      renderMs: render,
      pureMs: Math.round(pureMs),
      evidenceLog,
      peakRssPureMiB: Math.round(peakPureMiB * 10) / 10,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    })}\n`,
  );
}

await main();
