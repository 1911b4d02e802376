/**
 * Issue 19 against real sockets: two probe "pods" (the bundled agent, one process each) try a
 * test host in a network namespace whose port 81 is dropped by iptables. Pod A also connects to
 * an open port of the same host; pod B connects to nothing. Only pod A's drop is "blocked",
 * proven by its own connection; pod B's stays inconclusive. Then the same with the drop made
 * BEFORE the settle point: nothing proves it.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttemptBatch } from '../../../probes/protocol.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import type { Observation } from '../../../src/domain/observation.js';
import type { Evidence } from '../../../src/domain/evidence.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { collectObservations } from '../../../src/collect/collect.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import type { BatchWindow } from '../../../src/classify/proof.js';
import { toSpec } from '../../../src/plan/batch.js';
import { agentArgs, buildAgentBundle, type AgentBundle } from '../../helpers/agent-bundle.js';
import { netnsUnavailable } from '../../helpers/netns.js';
import { NETNS_PORTS, startNetnsTestHost } from './netns-cases.js';

const unavailable = netnsUnavailable();

function attempt(id: string, vantage: Vantage, address: string, port: number, name: string): Attempt {
  return {
    id,
    probeId: 'tcp-reach',
    role: 'probe',
    vantage,
    target: { kind: 'Service', namespace: 'ns-b', name },
    address,
    port,
    technique: 'tcp',
    timeoutMs: 1000,
  };
}

/** Run one batch through the bundled agent, as a pod does; resolves with its stdout. */
function runAgent(agent: AgentBundle, dir: string, batch: AttemptBatch): Promise<string> {
  const file = join(dir, `${batch.podName}.json`);
  writeFileSync(file, JSON.stringify(batch));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, agentArgs(agent, file), {
      cwd: agent.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Run each pod's attempts through its own agent, collect, and build evidence with the pods' settle points. */
async function evidenceOf(
  agent: AgentBundle,
  pods: readonly { name: string; attempts: readonly Attempt[]; settleMs: number }[],
): Promise<{ evidence: Evidence[]; windows: BatchWindow[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-proof-'));
  try {
    const observations: Observation[] = [];
    const windows: BatchWindow[] = [];
    for (const p of pods) {
      const batch: AttemptBatch = {
        v: 1,
        runId: 'it',
        podName: p.name,
        concurrency: 1,
        deadlineMs: 10_000,
        policyReadyMs: p.settleMs,
        attempts: p.attempts.map(toSpec),
      };
      const collected = collectObservations(
        await runAgent(agent, dir, batch),
        p.attempts.map((a) => a.id),
      );
      observations.push(...collected.observations);
      windows.push({
        pod: p.name,
        attemptIds: p.attempts.map((a) => a.id),
        ...(collected.settledAt ? { settledAt: collected.settledAt } : {}),
      });
    }
    const attempts = pods.flatMap((p) => p.attempts);
    const selfChecks = new Map(
      attempts.map((a) => [
        a.vantage.kind === 'from-namespace' ? `from-namespace:${a.vantage.namespace}` : '',
        { meshListeners: [], meshed: false, nodeVersion: process.version },
      ]),
    );
    return { evidence: buildEvidence({ attempts, observations, selfChecks, batches: windows }), windows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test(
  'a DROP is blocked only for the pod that connected elsewhere after its settle point',
  { skip: unavailable ?? false },
  async (t) => {
    // Given a namespace host that drops port 81 and echoes on port 86, and the real agent bundle
    const host = await startNetnsTestHost();
    t.teardown(host.destroy);
    const agent = await buildAgentBundle();
    t.teardown(agent.remove);
    const a: Vantage = { kind: 'from-namespace', namespace: 'cde-a' };
    const b: Vantage = { kind: 'from-namespace', namespace: 'cde-b' };
    const dropA = attempt('a000000000000001', a, host.address, NETNS_PORTS.drop, 'dropped');
    const openA = attempt('a000000000000002', a, host.address, NETNS_PORTS.open, 'api');
    const dropB = attempt('b000000000000001', b, host.address, NETNS_PORTS.drop, 'dropped');
    // When pod A tries the dropped and the open port, and pod B only the dropped one
    const { evidence, windows } = await evidenceOf(agent, [
      { name: 'pod-a', attempts: [dropA, openA], settleMs: 200 },
      { name: 'pod-b', attempts: [dropB], settleMs: 200 },
    ]);
    const byId = new Map(evidence.map((e) => [e.id, e]));
    // Then the agent reported a settle point before every attempt it started
    for (const w of windows) t.ok(w.settledAt, `${w.pod} reported settledAt`);
    for (const e of evidence) {
      const after =
        Date.parse(e.observation!.startedAt) >=
        Date.parse(windows.find((w) => w.attemptIds.includes(e.id))!.settledAt!);
      const standing = e.observation!.transport === 'timeout' && e.observation!.repeated === undefined;
      t.ok(
        after || standing,
        `${e.id} started after its pod's settle point, or is a timeout whose last SYN left after it`,
      );
    }
    t.equal(byId.get(openA.id)?.observation?.transport, 'connected', 'pod A connected to the open port');
    // And pod A's drop is blocked, proven by its own connection, which the detail names
    t.match(byId.get(dropA.id)?.outcome, {
      kind: 'blocked',
      by: 'timeout',
      proof: { attemptId: openA.id, reference: `ns-b/api port ${NETNS_PORTS.open}` },
    });
    t.match(byId.get(dropA.id)?.outcome, {
      detail: `no TCP connection before the timeout while the same pod connected to ns-b/api port ${NETNS_PORTS.open}`,
    });
    // And pod B's identical drop stays inconclusive: nothing proves pod B could connect anywhere
    t.equal(byId.get(dropB.id)?.observation?.transport, 'timeout');
    t.match(byId.get(dropB.id)?.outcome, { kind: 'inconclusive', reason: 'canary-failed' });
  },
);

t.test(
  'a connection before the settle point proves nothing: the same observations with the point moved after it stay inconclusive',
  { skip: unavailable ?? false },
  async (t) => {
    // Given pod A's real observations (connect to the open port first, then the drop)
    const host = await startNetnsTestHost();
    t.teardown(host.destroy);
    const agent = await buildAgentBundle();
    t.teardown(agent.remove);
    const a: Vantage = { kind: 'from-namespace', namespace: 'cde-a' };
    const openA = attempt('a000000000000002', a, host.address, NETNS_PORTS.open, 'api');
    const dropA = attempt('a000000000000001', a, host.address, NETNS_PORTS.drop, 'dropped');
    const { evidence, windows } = await evidenceOf(agent, [{ name: 'pod-a', attempts: [openA, dropA], settleMs: 0 }]);
    const open = evidence.find((e) => e.id === openA.id)!;
    const drop = evidence.find((e) => e.id === dropA.id)!;
    t.match(
      drop.outcome,
      { kind: 'blocked', proof: { attemptId: openA.id } },
      'with the reported settle point the drop is proven',
    );
    // When the settle point is placed between the connection and the drop (as if policy applied in between)
    const between = new Date(Date.parse(drop.observation!.startedAt)).toISOString();
    t.ok(Date.parse(open.observation!.startedAt) < Date.parse(between), 'the connection started before that point');
    const observations = evidence.map((e) => e.observation!);
    const selfChecks = new Map([
      ['from-namespace:cde-a', { meshListeners: [], meshed: false, nodeVersion: process.version }],
    ]);
    const moved = buildEvidence({
      attempts: [openA, dropA],
      observations,
      selfChecks,
      batches: [{ ...windows[0]!, settledAt: between }],
    });
    // Then the earlier connection does not prove the later drop
    t.match(moved.find((e) => e.id === dropA.id)?.outcome, { kind: 'inconclusive', reason: 'canary-failed' });
  },
);
