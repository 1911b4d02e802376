/**
 * Agent benchmark (issue 4; a script that prints numbers, not a timed test).
 *
 * 10 000 tcp attempts from the bundled agent (child process, as in a pod) to a
 * namespace test host: a third to a DROPped port (timeout), a third to a REJECTed port
 * (refused), a third to an echo listener (connected); timeout 1 s. For each
 * concurrency it prints wall time, attempts/s and the agent's peak RSS (VmHWM), and
 * compares them with the targets: wall ≤ 1.5 × 2 × ceil(dropped / concurrency) × timeout
 * + 5 s (the pass and the retry round of the timeouts), RSS ≤ 64 MiB.
 *
 *   npm run bench:agent                 # concurrency 64, 256, 1024, 4096 (the CLI allows up to 4096)
 *   npm run bench:agent -- 128 512      # other concurrencies
 *   MESHPROBE_AGENT_NODE=/path/to/node npm run bench:agent   # the Node the probe image runs (default: this one)
 *   MESHPROBE_AGENT_FLAGS='--no-opt' npm run bench:agent      # other Node flags than AGENT_NODE_FLAGS (experiments)
 *
 * Needs root and `ip netns` (like the namespace tests). Exit 1 when a target is missed.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptBatch, AttemptSpec } from '../../probes/protocol.js';
import { buildAgentBundle, type AgentBundle } from '../helpers/agent-bundle.js';
import { AGENT_NODE_FLAGS } from '../../src/plan/pods.js';
import { createNetnsHost, netnsUnavailable, type NetnsHost } from '../helpers/netns.js';

const ATTEMPTS = 10_000;
const TIMEOUT_MS = 1000;
const RSS_BUDGET_MIB = 64;
const PORTS = { drop: 81, reject: 82, echo: 86 } as const;

interface BenchResult {
  readonly concurrency: number;
  readonly wallMs: number;
  readonly peakRssKiB: number;
  /** Largest anonymous (private) part of RSS seen; the rest is the node binary's file pages. */
  readonly peakAnonKiB: number;
  readonly exitCode: number | null;
  readonly transports: Readonly<Record<string, number>>;
  readonly lines: number;
}

function batchFor(host: NetnsHost, concurrency: number): AttemptBatch {
  const ports = [PORTS.drop, PORTS.reject, PORTS.echo];
  const attempts: AttemptSpec[] = Array.from({ length: ATTEMPTS }, (_, i) => ({
    id: `a${i}`,
    technique: 'tcp',
    host: host.address,
    port: ports[i % 3] ?? PORTS.echo,
    timeoutMs: TIMEOUT_MS,
  }));
  // As the CLI sends it: timed-out attempts are tried again beside a reference (one round on a steady path).
  const timeoutRetry = { maxTries: 3 };
  return {
    v: 1,
    runId: 'bench',
    podName: 'bench',
    concurrency,
    deadlineMs: 600_000,
    ...(process.env.NO_RETRY ? {} : { timeoutRetry }),
    attempts,
  };
}

/** Peak RSS (VmHWM) and current anonymous RSS of a live process in KiB; zeros once it is gone. */
function memoryOf(pid: number): { hwm: number; anon: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { hwm: kib('VmHWM'), anon: kib('RssAnon') };
  } catch {
    return { hwm: 0, anon: 0 };
  }
}

/** The Node that runs the agent, and its flags: as a probe pod does, unless the environment says otherwise. */
const AGENT_NODE = process.env.MESHPROBE_AGENT_NODE ?? process.execPath;
const AGENT_FLAGS: readonly string[] =
  process.env.MESHPROBE_AGENT_FLAGS?.split(/\s+/).filter(Boolean) ?? AGENT_NODE_FLAGS;

function runOnce(agent: AgentBundle, batchFile: string, concurrency: number): Promise<BenchResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(AGENT_NODE, [...AGENT_FLAGS, agent.path, batchFile], {
      cwd: agent.dir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const transports: Record<string, number> = {};
    let lines = 0;
    let pending = '';
    let peak = 0;
    let peakAnon = 0;
    const poll = setInterval(() => {
      const now = memoryOf(child.pid ?? 0);
      peak = Math.max(peak, now.hwm);
      peakAnon = Math.max(peakAnon, now.anon);
    }, 20);
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines += 1;
        const transport = (JSON.parse(line) as { transport?: string }).transport ?? 'done';
        transports[transport] = (transports[transport] ?? 0) + 1;
      }
    });
    child.once('close', (exitCode) => {
      clearInterval(poll);
      resolve({
        concurrency,
        wallMs: performance.now() - started,
        peakRssKiB: peak,
        peakAnonKiB: peakAnon,
        exitCode,
        transports,
        lines,
      });
    });
  });
}

function report(r: BenchResult): boolean {
  const dropped = Math.ceil(ATTEMPTS / 3);
  // The pass, and the retry round of the dropped third (timeout-retry.ts): two timeouts per wave of drops.
  const targetMs = 1.5 * 2 * Math.ceil(dropped / r.concurrency) * TIMEOUT_MS + 5000;
  const rssMiB = r.peakRssKiB / 1024;
  const ok = r.exitCode === 0 && r.lines === ATTEMPTS + 1 && r.wallMs <= targetMs && rssMiB <= RSS_BUDGET_MIB;
  console.log(
    [
      `concurrency ${String(r.concurrency).padStart(5)}`,
      `wall ${(r.wallMs / 1000).toFixed(2)} s (target ≤ ${(targetMs / 1000).toFixed(1)} s)`,
      `${Math.round(ATTEMPTS / (r.wallMs / 1000))} attempts/s`,
      `peak RSS ${rssMiB.toFixed(1)} MiB (target ≤ ${RSS_BUDGET_MIB}; anonymous ${(r.peakAnonKiB / 1024).toFixed(1)} MiB)`,
      `lines ${r.lines}`,
      `exit ${String(r.exitCode)}`,
      JSON.stringify(r.transports),
      ok ? 'OK' : 'MISSED',
    ].join(' | '),
  );
  return ok;
}

async function main(): Promise<void> {
  const reason = netnsUnavailable();
  if (reason !== undefined) {
    console.error(`bench:agent needs a network namespace test host: ${reason}`);
    process.exitCode = 1;
    return;
  }
  const concurrencies = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const agent = await buildAgentBundle();
  const host = await createNetnsHost();
  let allOk = true;
  try {
    // The kernel rate-limits the ICMP errors REJECT sends (per destination, ~1/s after a small
    // burst); left on, most REJECTed attempts would look like DROP. Off inside the test namespace only.
    for (const key of ['net.ipv4.icmp_ratelimit', 'net.ipv4.icmp_msgs_per_sec', 'net.ipv4.icmp_msgs_burst']) {
      host.sysctl(key, key.endsWith('ratelimit') ? '0' : '100000');
    }
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(PORTS.drop), '-j', 'DROP']);
    host.iptables([
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      String(PORTS.reject),
      '-j',
      'REJECT',
      '--reject-with',
      'icmp-port-unreachable',
    ]);
    await host.listen([{ port: PORTS.echo, behaviour: 'echo' }]);
    const emptyFile = join(agent.dir, 'batch-empty.json');
    writeFileSync(emptyFile, JSON.stringify({ ...batchFor(host, 1), attempts: [] }));
    const floor = await runOnce(agent, emptyFile, 1);
    console.log(
      `floor: the agent with an empty batch peaks at ${(floor.peakRssKiB / 1024).toFixed(1)} MiB RSS (anonymous ${(floor.peakAnonKiB / 1024).toFixed(1)} MiB)`,
    );
    console.log(`node ${AGENT_NODE} ${AGENT_FLAGS.join(' ')}`);
    console.log(
      `agent bundle ${agent.bytes} bytes; ${ATTEMPTS} tcp attempts to ${host.address} (1/3 DROP, 1/3 REJECT, 1/3 echo), timeout ${TIMEOUT_MS} ms`,
    );
    for (const concurrency of concurrencies.length > 0 ? concurrencies : [64, 256, 1024, 4096]) {
      const batchFile = join(agent.dir, `batch-${concurrency}.json`);
      writeFileSync(batchFile, JSON.stringify(batchFor(host, concurrency)));
      allOk = report(await runOnce(agent, batchFile, concurrency)) && allOk;
    }
  } finally {
    await host.destroy();
    agent.remove();
  }
  process.exitCode = allOk ? 0 : 1;
}

await main();
