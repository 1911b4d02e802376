/**
 * `npm run bench` part 5 (issue 20): a real peer on the lab. cyclonus v0.5.6 (NetworkPolicy
 * prober: one exec of `agnhost connect` per probe, 15 workers) and meshprobe on the same
 * namespaces, pods, ports and policies with the same connect timeout, per matrix:
 *
 *   1. create the bench-peer-* namespaces (labelled for cleanup) and the NetworkPolicies
 *   2. cyclonus probe, cold: it creates its pods and Services, waits for them, probes
 *   3. meshprobe run on those pods (cluster-run.ts worker): --tenant every namespace, A1.1.2
 *   4. cyclonus probe, warm: the same command again; its pods exist, so this is its probe time
 *   5. compare the truth tables (peer-matrix.ts); delete every namespace the bench created
 *
 * The ratio is cyclonus warm / meshprobe (both whole processes): generous to cyclonus, whose
 * pods already run, while meshprobe starts its probe pods inside the measured time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlOk } from '../e2e/helpers/kubectl.js';
import { deleteLabelledNamespaces } from './cluster.js';
import { labState, type Lab } from '../e2e/helpers/lab.js';
import {
  agreement,
  cyclonusSelfCheck,
  meshprobeCells,
  parseCyclonusTable,
  peerNamespaces,
  peerPolicies,
  PEER_LABEL,
  type EvidenceLike,
  type PeerShape,
} from './peer-matrix.js';

/** How the peer bench runs. */
export interface PeerBenchOptions {
  readonly shapes: readonly PeerShape[];
  /** Connect timeout of both tools (cyclonus takes whole seconds). */
  readonly timeoutS: number;
  readonly agentPath: string;
  readonly workerPath: string;
  readonly outputDir: string;
  readonly log: (line: string) => void;
}

const selector = `${PEER_LABEL.key}=${PEER_LABEL.value}`;
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 600);

/** Delete every namespace the peer bench labelled (cyclonus' pods and Services go with them). */
function deletePeerNamespaces(lab: Lab, wait: boolean): void {
  deleteLabelledNamespaces(lab, selector, wait);
}

/** Build (cached) cyclonus and the agnhost image and import it; the cyclonus path. */
function ensureTools(log: (l: string) => void): string {
  log('peer: cyclonus and agnhost (built once into the lab cache)…');
  const r = spawnSync('bash', ['test/bench/peer/tools.sh'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 40 * 60_000,
  });
  const path = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || path === '') {
    throw new Error(`test/bench/peer/tools.sh failed (exit ${String(r.status ?? r.signal)})`);
  }
  return path;
}

/** A child process to completion: stdout, stderr and its wall time. */
/** What a finished child printed, its exit code and wall time. */
interface Timed {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Math.round(performance.now() - t0) }));
  });
}

/** cyclonus probe on a shape: pod-IP mode, TCP only, no extra wait after "perturbations" (there are none). */
function cyclonusArgs(s: PeerShape, timeoutS: number): string[] {
  return [
    'probe',
    '--server-namespace',
    s.namespaces.join(','),
    '--server-pod',
    s.pods.join(','),
    '--server-port',
    s.ports.join(','),
    '--server-protocol',
    'TCP',
    '--image-registry',
    'lab.local',
    '--probe-mode',
    'pod-ip',
    `--job-timeout-seconds=${timeoutS}`,
    '--perturbation-wait-seconds=0',
    '--pod-creation-timeout-seconds=300',
  ];
}

async function runCyclonus(
  lab: Lab,
  bin: string,
  s: PeerShape,
  timeoutS: number,
): Promise<Record<string, unknown> & { stdout: string }> {
  const r = await timed(bin, cyclonusArgs(s, timeoutS), { ...process.env, KUBECONFIG: lab.kubeconfig });
  if (r.code !== 0) throw new Error(`cyclonus exited ${String(r.code)}: ${r.stderr.slice(-400)}`);
  const errors = r.stderr.split('\n').filter((l) => l.includes('level=error')).length;
  return { wallMs: r.ms, selfCheck: cyclonusSelfCheck(r.stdout), errorLines: errors, stdout: r.stdout };
}

/** One meshprobe run on the shape's namespaces, every one a tenant (tenant-reach between all pairs). */
function runMeshprobe(lab: Lab, o: PeerBenchOptions, s: PeerShape, dir: string): Promise<Record<string, unknown>> {
  const request = {
    kubeconfig: lab.kubeconfig,
    agentPath: o.agentPath,
    outputDir: dir,
    options: {
      cdeAll: true,
      tenants: s.namespaces,
      namespaces: s.namespaces,
      controls: ['A1.1.2'],
      ports: 'none',
      nodes: false,
      agentImage: 'lab.local/node:24',
      attemptTimeout: o.timeoutS * 1000,
      podReadyTimeout: 300,
      timeout: 900,
    },
  };
  return timed(process.execPath, [o.workerPath, JSON.stringify(request)], process.env).then((r) => {
    try {
      const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
      delete out['probeAttempts'];
      return { ...out, processWallMs: r.ms };
    } catch {
      throw new Error(`meshprobe worker exited ${String(r.code)} without a result: ${r.stderr.slice(-400)}`);
    }
  });
}

/** The truth tables compared: Pod cells and the same cells through each pod's Service. */
function compare(cyclonusStdout: string, dir: string): Record<string, unknown> {
  const cyclonus = parseCyclonusTable(cyclonusStdout);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { evidence: EvidenceLike[] };
  const cells = meshprobeCells(report.evidence);
  return {
    pod: agreement(cyclonus, cells.pod),
    service: agreement(cyclonus, cells.service),
    meshprobePodCells: cells.pod.size,
  };
}

async function oneShape(lab: Lab, bin: string, o: PeerBenchOptions, s: PeerShape): Promise<Record<string, unknown>> {
  const jobs = s.namespaces.length * s.pods.length;
  o.log(`peer: ${s.name}: ${jobs} cyclonus pods, ${jobs * jobs * s.ports.length} cyclonus probes per run…`);
  deletePeerNamespaces(lab, true);
  try {
    const items = [...peerNamespaces(s), ...peerPolicies(s)];
    kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    o.log('peer: cyclonus (cold: creates its pods)…');
    const cold = await runCyclonus(lab, bin, s, o.timeoutS);
    for (const ns of s.namespaces) {
      const ready = ['wait', '-n', ns, '--for=condition=Ready', 'pod', '--all', '--timeout=300s'];
      kubectlOk(lab, ready, { timeoutMs: 330_000 });
    }
    o.log('peer: meshprobe…');
    const dir = join(o.outputDir, s.namespaces[0] ?? 'peer');
    const meshprobe = await runMeshprobe(lab, o, s, dir);
    o.log('peer: cyclonus (warm: its pods exist)…');
    const warm = await runCyclonus(lab, bin, s, o.timeoutS);
    const { stdout: coldOut, ...coldFacts } = cold;
    const { stdout: warmOut, ...warmFacts } = warm;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cyclonus-cold.txt'), coldOut);
    writeFileSync(join(dir, 'cyclonus-warm.txt'), warmOut);
    return {
      shape: s,
      policies: peerPolicies(s).length,
      timeoutS: o.timeoutS,
      cyclonusCold: coldFacts,
      cyclonusWarm: warmFacts,
      meshprobe,
      agreement: compare(warmOut, dir),
      agreementCold: compare(coldOut, dir),
      ratio: Number(warm.wallMs) / Number(meshprobe['processWallMs']),
    };
  } catch (err) {
    return { shape: s, error: messageOf(err) };
  } finally {
    deletePeerNamespaces(lab, true);
  }
}

/** The whole peer bench, or why it was skipped. */
export async function peerBench(o: PeerBenchOptions): Promise<Record<string, unknown>> {
  const state = labState();
  if (!state.up) return { skipped: `lab not up (${state.reason})` };
  let bin: string;
  try {
    bin = ensureTools(o.log);
  } catch (err) {
    return { error: messageOf(err) };
  }
  const runs: Record<string, unknown>[] = [];
  for (const s of o.shapes) runs.push(await oneShape(state.lab, bin, o, s));
  const agnhost = 'lab.local/e2e-test-images/agnhost:2.43 (binary built from k8s.io/kubernetes v1.34.4, agnhost 2.56)';
  return { cyclonus: 'v0.5.6', agnhost, runs };
}
