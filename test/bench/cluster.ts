/**
 * Cluster-level benchmark (issue 10, part 2) on the lab: build the synthetic matrix in
 * `bench-` namespaces, run meshprobe once (cluster-run.ts, its own process), then execute a
 * sample of the SAME plan the way a user with a shell script would: long-running pods, one
 * `kubectl exec` of a one-shot `node -e net.connect` per attempt, sequentially, with the same
 * attempt timeout. Everything the benchmark created is deleted at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { labState, type Lab } from '../e2e/helpers/lab.js';
import { kubectl, kubectlOk } from '../e2e/helpers/kubectl.js';
import type { Vantage } from '../../src/domain/vantage.js';
import { vantageId } from '../../src/domain/vantage.js';
import {
  BENCH_LABEL,
  CDE_LABEL,
  cdeNamespaceNames,
  matrixObjects,
  matrixProbeAttempts,
  vantageNamespaceNames,
  type MatrixShape,
} from './matrix.js';

/** How the cluster benchmark runs. */
export interface ClusterBenchOptions {
  readonly shape: MatrixShape;
  readonly attemptTimeoutMs: number;
  readonly concurrency: number;
  /** Attempts the naive baseline really executes (the rest is extrapolated). */
  readonly naiveSample: number;
  /** Stop the baseline early after this long (then extrapolate from what ran). */
  readonly naiveBudgetMs: number;
  readonly agentPath: string;
  readonly workerPath: string;
  readonly outputDir: string;
  readonly log: (line: string) => void;
  /** Run options on top of the bench's own, for an experiment (MESHPROBE_BENCH_RUN_OPTIONS, read once). */
  readonly runOptions?: Readonly<Record<string, unknown>>;
}

/** One attempt of meshprobe's plan as the worker reports it. */
interface PlannedAttempt {
  readonly vantage: Vantage;
  readonly address: string;
  readonly port: number;
  readonly transport: string;
  readonly probeId?: string;
  /** The agent's own measure of the attempt, when it reported one. */
  readonly durationMs?: number;
}

const NAIVE_NS = 'bench-naive-probe';
const NAIVE_POD = 'naive';
/** The one-shot connect a shell user would exec: prints connected | timeout | <errno code>. */
const CONNECT =
  "const n=require('net');const[h,p,t]=process.argv.slice(1);const d=(r)=>{console.log(r);process.exit(0)};setTimeout(()=>d('timeout'),+t);n.connect({host:h,port:+p}).on('connect',()=>d('connected')).on('error',(e)=>d(e.code))";

/** The connect's error codes in the agent's transport words. */
const ERRNO: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};

const benchSelector = `${BENCH_LABEL.key}=${BENCH_LABEL.value}`;

/**
 * Delete every namespace the benchmark labelled and wait until they are gone (bounded). An API
 * server that is briefly away (others restart it) is retried for up to 3 minutes, so a bench
 * that ends while it is down does not leave its namespaces behind.
 */
export function deleteLabelledNamespaces(lab: Lab, selector: string, wait: boolean): void {
  const until = performance.now() + 180_000;
  for (;;) {
    const args = ['delete', 'namespace', '-l', selector, `--wait=${String(wait)}`, '--timeout=300s'];
    const r = kubectl(lab, args, { timeoutMs: 330_000 });
    if (r.code === 0 || performance.now() > until) return;
    spawnSync('sleep', ['10']);
  }
}

function deleteBenchNamespaces(lab: Lab, wait: boolean): void {
  deleteLabelledNamespaces(lab, benchSelector, wait);
}

function waitReady(lab: Lab, namespaces: readonly string[], timeoutS: number): number {
  const t0 = performance.now();
  for (const ns of namespaces)
    kubectlOk(lab, ['wait', '-n', ns, '--for=condition=Ready', 'pod', '--all', `--timeout=${timeoutS}s`], {
      timeoutMs: (timeoutS + 30) * 1000,
    });
  return Math.round(performance.now() - t0);
}

/** Create the matrix and wait for its workloads; returns the setup time. */
function setUpMatrix(lab: Lab, shape: MatrixShape): number {
  const t0 = performance.now();
  const items = matrixObjects(shape, { synthetic: false, image: 'lab.local/workload:1' });
  kubectlOk(lab, ['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
    timeoutMs: 300_000,
  });
  const clients = vantageNamespaceNames(shape).slice(0, shape.identityClients ?? 0);
  waitReady(lab, [...cdeNamespaceNames(shape), ...clients], 300);
  return Math.round(performance.now() - t0);
}

/** MESHPROBE_BENCH_RUN_OPTIONS: a JSON object of run options for an experiment; absent or not an object: none. */
function runOptionsFromEnv(): Record<string, unknown> {
  const text = process.env['MESHPROBE_BENCH_RUN_OPTIONS'];
  if (text === undefined || text === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('MESHPROBE_BENCH_RUN_OPTIONS must be a JSON object of run options, e.g. {"ports":"none"}');
  return parsed as Record<string, unknown>;
}

/** Run the worker (one meshprobe run, `extra` options on top) and parse its JSON line. */
function runMeshprobe(
  o: ClusterBenchOptions,
  lab: Lab,
  extra: Record<string, unknown> = {},
  outputDir = o.outputDir,
): Promise<Record<string, unknown>> {
  const namespaces = [...cdeNamespaceNames(o.shape), ...vantageNamespaceNames(o.shape)];
  const request = {
    kubeconfig: lab.kubeconfig,
    agentPath: o.agentPath,
    outputDir,
    options: {
      scope: `${CDE_LABEL.key}=${CDE_LABEL.value}`,
      namespaces,
      controls: ['1.3.1'],
      agentImage: 'lab.local/node:24',
      attemptTimeout: o.attemptTimeoutMs,
      concurrency: o.concurrency,
      podReadyTimeout: 300,
      timeout: 900,
      // Experiments (README, Benchmark): e.g. '{"ports":"none"}' or '{"policySettle":0}' on top of the bench's options.
      ...o.runOptions,
      ...extra,
    },
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [o.workerPath, JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`cluster-run worker exited ${String(code)} without a result: ${out.slice(-500)}`));
      }
    });
  });
}

function naivePod(namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: NAIVE_POD, namespace, labels: { [BENCH_LABEL.key]: BENCH_LABEL.value, role: 'naive' } },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'shell',
          image: 'lab.local/node:24',
          imagePullPolicy: 'IfNotPresent',
          args: ['-e', 'setInterval(() => {}, 1 << 30)'],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          resources: { requests: { cpu: '5m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        },
      ],
    },
  };
}

/** Long-running baseline pods: one per vantage namespace plus a fresh unlabelled one (the probe-namespace vantage). */
function startNaivePods(lab: Lab, shape: MatrixShape): number {
  const t0 = performance.now();
  const items = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAIVE_NS, labels: { [BENCH_LABEL.key]: BENCH_LABEL.value } },
    },
    ...[...vantageNamespaceNames(shape), NAIVE_NS].map(naivePod),
  ];
  kubectlOk(lab, ['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
    timeoutMs: 120_000,
  });
  waitReady(lab, [...vantageNamespaceNames(shape), NAIVE_NS], 300);
  return Math.round(performance.now() - t0);
}

/** An evenly spread sample (every k-th attempt), so denied and allowed keep their shares. */
export function strideSample<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)] as T);
}

/** One naive attempt: `kubectl exec` of the one-shot connect; wall time and what it printed. */
function naiveAttempt(lab: Lab, a: PlannedAttempt, timeoutMs: number): { ms: number; result: string } {
  const ns = a.vantage.kind === 'from-namespace' ? a.vantage.namespace : NAIVE_NS;
  const t0 = performance.now();
  const r = spawnSync(
    lab.kubectl,
    [
      '--kubeconfig',
      lab.kubeconfig,
      'exec',
      '-n',
      ns,
      NAIVE_POD,
      '--',
      'node',
      '-e',
      CONNECT,
      a.address,
      String(a.port),
      String(timeoutMs),
    ],
    {
      encoding: 'utf8',
      timeout: timeoutMs + 60_000,
    },
  );
  return {
    ms: performance.now() - t0,
    result: r.status === 0 ? r.stdout.trim() : `exec-failed:${r.status ?? r.signal ?? '?'}`,
  };
}

/** Mean of a list, or undefined when empty. */
const mean = (xs: readonly number[]): number | undefined =>
  xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;

/** Execute the sample sequentially (a shell loop) and extrapolate to the whole plan per outcome class. */
function runNaive(lab: Lab, o: ClusterBenchOptions, plan: readonly PlannedAttempt[]): Record<string, unknown> {
  const sample = strideSample(plan, o.naiveSample);
  const timedOut: number[] = [];
  const other: number[] = [];
  let agree = 0;
  const disagreements: Record<string, number> = {};
  const t0 = performance.now();
  for (const a of sample) {
    if (performance.now() - t0 > o.naiveBudgetMs) break;
    const r = naiveAttempt(lab, a, o.attemptTimeoutMs);
    (a.transport === 'timeout' ? timedOut : other).push(r.ms);
    // A one-shot connect cannot tell "connected and answered" from "connected and silent": both are TCP completing.
    const naive = ERRNO[r.result] ?? r.result;
    const seen = a.transport === 'silent' ? 'connected' : a.transport;
    if (naive === seen) agree += 1;
    else
      disagreements[`meshprobe ${a.transport} / naive ${naive}`] =
        (disagreements[`meshprobe ${a.transport} / naive ${naive}`] ?? 0) + 1;
  }
  const executed = timedOut.length + other.length;
  const all = mean([...timedOut, ...other]) ?? 0;
  const fullTimeouts = plan.filter((a) => a.transport === 'timeout').length;
  const estimateMs = fullTimeouts * (mean(timedOut) ?? all) + (plan.length - fullTimeouts) * (mean(other) ?? all);
  return {
    planned: plan.length,
    executed,
    sampleWallMs: Math.round(performance.now() - t0),
    agreeWithMeshprobe: agree,
    disagreements,
    meanExecMs: { timeout: Math.round(mean(timedOut) ?? 0), other: Math.round(mean(other) ?? 0) },
    execEstimateMs: Math.round(estimateMs),
  };
}

/** The message of a thrown value. */
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 600);

/** The naive half, only when meshprobe produced a plan to replay. */
function naiveHalf(
  lab: Lab,
  o: ClusterBenchOptions,
  meshprobe: Record<string, unknown>,
  all: readonly PlannedAttempt[],
): Record<string, unknown> {
  // A shell loop has no pod with a workload's labels: identity-vantage attempts are neither replayed nor extrapolated.
  const plan = all.filter((a) => a.vantage.kind !== 'identity');
  if (meshprobe['aborted'] !== undefined || plan.length === 0)
    return { skipped: 'meshprobe produced no plan to replay (aborted or no attempts)' };
  o.log(
    `cluster: naive baseline (${Math.min(o.naiveSample, plan.length)} of ${plan.length} attempts, sequential kubectl exec)…`,
  );
  try {
    const podStartMs = startNaivePods(lab, o.shape);
    const naive = runNaive(lab, o, plan);
    return { ...naive, podStartMs, estimateMs: podStartMs + Number(naive['execEstimateMs']) };
  } catch (err) {
    return { error: messageOf(err) };
  }
}

/** Identity vantages in a plan (distinct vantages of kind identity). */
function identityVantageCount(plan: readonly PlannedAttempt[]): number {
  return new Set(plan.filter((a) => a.vantage.kind === 'identity').map((a) => vantageId(a.vantage))).size;
}

/**
 * Issue 16: the mesh-authz attempts' share (7.2.2's mTLS requests as identities) among the identity
 * vantages' probe attempts and all probe attempts, by count and by the agent-measured attempt time.
 */
function meshAuthzShare(plan: readonly PlannedAttempt[]): Record<string, number> {
  const identity = plan.filter((a) => a.vantage.kind === 'identity');
  const mesh = identity.filter((a) => a.probeId === 'mesh-authz');
  const ms = (list: readonly PlannedAttempt[]): number => list.reduce((n, a) => n + (a.durationMs ?? 0), 0);
  return {
    attempts: mesh.length,
    identityAttempts: identity.length,
    probeAttempts: plan.length,
    attemptMs: ms(mesh),
    identityAttemptMs: ms(identity),
  };
}

/** The cost of a run's facts for the identity row: pods, attempts, wall, 1.3.1, and the mesh-authz share. */
function costOf(run: Record<string, unknown>, plan: readonly PlannedAttempt[]): Record<string, unknown> {
  const pods = (run['pods'] ?? {}) as Record<string, unknown>;
  return {
    probePods: pods['probePods'],
    identityVantages: identityVantageCount(plan),
    meshAuthz: meshAuthzShare(plan),
    attempts: run['attempts'],
    wallMs: run['wallMs'],
    stagesMs: run['stagesMs'],
    verdicts: run['verdicts'],
    exitCode: run['exitCode'],
  };
}

/**
 * Issue 16: the same matrix again with --no-identity-vantages, right after the default run
 * (identity vantages on), when the matrix has label-admitted clients.
 */
async function identityOnOff(
  o: ClusterBenchOptions,
  lab: Lab,
  on: Record<string, unknown>,
  onPlan: readonly PlannedAttempt[],
): Promise<Record<string, unknown> | undefined> {
  if ((o.shape.identityClients ?? 0) === 0 || on['aborted'] !== undefined) return undefined;
  o.log('cluster: meshprobe run again with --no-identity-vantages (issue 16)…');
  try {
    const off = await runMeshprobe(o, lab, { identityVantages: false }, `${o.outputDir}-no-identity`);
    // 7.2.2 selected as well: the identity pods also make mesh-authz requests (their share is measured).
    o.log('cluster: meshprobe run again with 7.2.2 (mesh-authz from the identity vantages)…');
    const authz = await runMeshprobe(o, lab, { controls: ['1.3.1', '7.2.2'] }, `${o.outputDir}-mesh-authz`);
    return {
      on: costOf(on, onPlan),
      off: costOf(off, (off['probeAttempts'] ?? []) as PlannedAttempt[]),
      withMeshAuthz: costOf(authz, (authz['probeAttempts'] ?? []) as PlannedAttempt[]),
    };
  } catch (err) {
    return { error: messageOf(err) };
  }
}

/**
 * The whole cluster benchmark, or why it was skipped. A lab that goes away midway (others
 * restart it) ends the part with an `error` and whatever was measured; what the benchmark
 * created is always deleted (a restarted lab starts empty anyway).
 */
export async function clusterBench(options: ClusterBenchOptions): Promise<Record<string, unknown>> {
  const state = labState();
  if (!state.up) return { skipped: `lab not up (${state.reason})` };
  const lab = state.lab;
  deleteBenchNamespaces(lab, true); // leftovers of an interrupted earlier run
  try {
    const o: ClusterBenchOptions = { ...options, runOptions: runOptionsFromEnv() };
    o.log(`cluster: creating the matrix (${matrixProbeAttempts(o.shape)} probe attempts planned)…`);
    const setupMs = setUpMatrix(lab, o.shape);
    await new Promise((r) => setTimeout(r, 5000)); // kube-proxy and the policy engine catch up with the new Services
    const experiment = o.runOptions ?? {};
    const note =
      Object.keys(experiment).length > 0 ? ` with MESHPROBE_BENCH_RUN_OPTIONS ${JSON.stringify(experiment)}` : '';
    o.log(`cluster: meshprobe run${note}…`);
    const meshprobe = await runMeshprobe(o, lab);
    const plan = (meshprobe['probeAttempts'] ?? []) as PlannedAttempt[];
    delete meshprobe['probeAttempts'];
    const identity = await identityOnOff(o, lab, meshprobe, plan);
    return { setupMs, meshprobe, ...(identity ? { identity } : {}), naive: naiveHalf(lab, o, meshprobe, plan) };
  } catch (err) {
    return { error: messageOf(err) };
  } finally {
    deleteBenchNamespaces(lab, false);
  }
}

/** Wait (bounded) until `lab.sh status` says the lab is up; true when it is. */
export async function waitForLab(maxMs: number, log: (line: string) => void): Promise<boolean> {
  const until = performance.now() + maxMs;
  for (;;) {
    if (spawnSync('bash', ['test/e2e/lab/lab.sh', 'status'], { timeout: 60_000 }).status === 0) return true;
    if (performance.now() > until) return false;
    log('cluster: lab not up yet; waiting…');
    await new Promise((r) => setTimeout(r, 15_000));
  }
}
