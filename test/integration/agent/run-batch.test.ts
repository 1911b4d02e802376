/**
 * runBatch against real servers: bounded concurrency, one line per attempt under a
 * batch deadline or an abort, the done line, and the mesh self-check.
 */
import t from 'tap';
import { runBatch } from '../../../probes/agent/run-batch.js';
import { meshSelfCheck } from '../../../probes/agent/self-check.js';
import {
  MESH_PROXY_PORTS,
  type AttemptBatch,
  type AttemptSpec,
  type ObservationLine,
} from '../../../probes/protocol.js';
import { collectObservations } from '../../../src/collect/collect.js';
import { createNetnsHost, netnsUnavailable } from '../../helpers/netns.js';
import { closedPort, startTcpServer } from '../../helpers/servers.js';

// Root and `ip netns` are needed for the DROP tests; CI has both.
const NO_NETNS = netnsUnavailable();

const NOT_MESHED = async () => ({ meshListeners: [], meshed: false, nodeVersion: process.version });

function batchOf(attempts: AttemptSpec[], concurrency: number, deadlineMs = 60_000): AttemptBatch {
  return { v: 1, runId: 'run-test', podName: 'probe-test', concurrency, deadlineMs, attempts };
}

function tcp(id: string, port: number, timeoutMs: number): AttemptSpec {
  return { id, technique: 'tcp', host: '127.0.0.1', port, timeoutMs };
}

/** Resolve once `check()` is true (polling; every test bounds it with the tap timeout). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

function observationLines(lines: string[]): ObservationLine[] {
  return lines.map((l) => JSON.parse(l) as ObservationLine).filter((l) => 'attemptId' in l);
}

t.test(
  'a batch never has more connections open than its concurrency, and an abort still yields one line per attempt',
  async (t) => {
    // Given a server that accepts and stays silent, and 9 attempts with long timeouts at concurrency 3
    const silent = await startTcpServer('silent');
    t.teardown(silent.close);
    const attempts = Array.from({ length: 9 }, (_, i) => tcp(`silent-${i}`, silent.port, 30_000));
    const stop = new AbortController();
    const lines: string[] = [];
    // When the batch runs until the first three connections are up, and a little longer
    const running = runBatch(batchOf(attempts, 3), (l) => lines.push(l), {
      signal: stop.signal,
      selfCheck: NOT_MESHED,
    });
    await until(() => silent.accepted() >= 3);
    await new Promise((r) => setTimeout(r, 500));
    // Then only three connections were made while those three were in flight
    t.equal(silent.accepted(), 3, 'the pool holds at most `concurrency` attempts in flight');
    // And when the batch is aborted, every attempt still gets exactly one agent-error line
    stop.abort();
    const done = await running;
    const observations = observationLines(lines);
    t.equal(observations.length, 9);
    t.same(new Set(observations.map((o) => o.attemptId)), new Set(attempts.map((a) => a.id)));
    t.ok(
      observations.every((o) => o.transport === 'agent-error' && o.errorCode === 'E_ABORTED'),
      'all aborted',
    );
    t.equal(done.count, 9);
    t.same(JSON.parse(lines.at(-1) ?? '{}'), done, 'the done line is written last');
  },
);

t.test('the batch deadline turns unfinished attempts into E_DEADLINE lines and keeps finished ones', async (t) => {
  // Given one attempt that finishes at once (closed port) and three that would hang for 30 s
  const silent = await startTcpServer('silent');
  t.teardown(silent.close);
  const closed = await closedPort();
  const attempts = [tcp('closed', closed, 30_000), ...[1, 2, 3].map((i) => tcp(`hang-${i}`, silent.port, 30_000))];
  const lines: string[] = [];
  // When the batch has a 1 s deadline at concurrency 2
  const done = await runBatch(batchOf(attempts, 2, 1000), (l) => lines.push(l), { selfCheck: NOT_MESHED });
  // Then the finished attempt keeps its result and the others are agent-error E_DEADLINE
  const byId = new Map(observationLines(lines).map((o) => [o.attemptId, o]));
  t.equal(byId.size, 4);
  t.equal(byId.get('closed')?.transport, 'refused');
  for (const id of ['hang-1', 'hang-2', 'hang-3']) {
    t.equal(byId.get(id)?.transport, 'agent-error', id);
    t.equal(byId.get(id)?.errorCode, 'E_DEADLINE', id);
    t.match(byId.get(id)?.detail ?? '', /deadline/);
  }
  t.equal(done.count, 4);
  // And the collector reads the output without a single problem
  const collected = collectObservations(
    lines.join('\n'),
    attempts.map((a) => a.id),
  );
  t.same(collected.problems, []);
  t.equal(collected.observations.length, 4);
  t.equal(collected.done, true);
});

t.test('a bad attempt in a batch is an agent-error line and the rest still run', async (t) => {
  // Given a batch with an attempt whose port is out of range
  const closed = await closedPort();
  const lines: string[] = [];
  // When it runs
  const done = await runBatch(batchOf([tcp('bad', 70_000, 1000), tcp('good', closed, 1000)], 4), (l) => lines.push(l), {
    selfCheck: NOT_MESHED,
  });
  // Then the bad one is E_SPEC and the good one ran
  const byId = new Map(observationLines(lines).map((o) => [o.attemptId, o]));
  t.equal(byId.get('bad')?.errorCode, 'E_SPEC');
  t.equal(byId.get('good')?.transport, 'refused');
  t.equal(done.count, 2);
});

t.test('the mesh self-check reports localhost ports that accept connections', async (t) => {
  // Given one listening and one closed port standing in for mesh proxy ports
  const listener = await startTcpServer('silent');
  t.teardown(listener.close);
  const closed = await closedPort();
  // When the self-check probes them
  const check = await meshSelfCheck({ ports: [closed, listener.port] });
  // Then only the listening one counts, and the pod is marked meshed
  t.same(check.meshListeners, [listener.port]);
  t.equal(check.meshed, true);
  t.equal(check.nodeVersion, process.version);
  // And with both closed, the pod is not meshed
  const clean = await meshSelfCheck({ ports: [closed] });
  t.same(clean, { meshListeners: [], meshed: false, nodeVersion: process.version });
});

t.test('the default self-check covers every in-pod mesh port MESH-NOTES §G.3 names', async (t) => {
  // Istio sidecar/ztunnel 15000/15001/15006/15008/15020/15021 (+15090 stats), Linkerd 4140/4143/4191
  for (const port of [15000, 15001, 15006, 15008, 15020, 15021, 15090, 4140, 4143, 4191])
    t.ok(MESH_PROXY_PORTS.includes(port), `port ${port}`);
});

t.test('runBatch reports the self-check in its done line', async (t) => {
  // Given a self-check that finds a listener on 15001
  const selfCheck = async () => ({ meshListeners: [15001], meshed: true, nodeVersion: 'v20.0.0' });
  // When an empty batch runs
  const lines: string[] = [];
  const done = await runBatch(batchOf([], 8), (l) => lines.push(l), { selfCheck });
  // Then the done line carries it and counts zero attempts
  t.same(done, { v: 1, done: true, count: 0, selfCheck: await selfCheck() });
  t.equal(lines.length, 1);
});

t.test(
  'a connection made before the policy-ready point is made again after it, and only the later result counts',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a test host whose echo port is open at first, and a "policy engine" that DROPs it 250 ms in
    const host = await createNetnsHost();
    t.teardown(host.destroy);
    await host.listen([{ port: 86, behaviour: 'echo' }]);
    const policy = setTimeout(() => host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', '86', '-j', 'DROP']), 250);
    t.teardown(() => clearTimeout(policy));
    const batch: AttemptBatch = {
      ...batchOf([{ id: 'early', technique: 'tcp', host: host.address, port: 86, timeoutMs: 1500 }], 1),
      policyReadyMs: 700,
    };
    const lines: string[] = [];
    const started = Date.now();
    // When the batch runs (the attempt starts at once, before the policy applies)
    const done = await runBatch(batch, (l) => lines.push(l), { selfCheck: NOT_MESHED });
    // Then the one line reports the later try: dropped, started after the point
    const [line, ...rest] = observationLines(lines);
    t.equal(rest.length, 0, 'one line per attempt');
    t.equal(line?.transport, 'timeout', 'the early pass does not count');
    t.equal(line?.repeated?.firstTransport, 'connected', 'the early pass is on record');
    t.ok(
      Date.parse(line?.repeated?.firstStartedAt ?? '') - started < 250,
      'the first try started before the policy applied',
    );
    t.ok(
      Date.parse(line?.startedAt ?? '') >= Date.parse(line?.repeated?.policyReadyAt ?? 'x'),
      'the later try started at or after the point',
    );
    t.equal(done.policyReadyAt, line?.repeated?.policyReadyAt, 'the done line names the same point');
    t.equal(done.repeatedCount, 1);
  },
);

t.test(
  'a timeout stands when its last SYN left after the point, and is repeated when every SYN left before it',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a DROPped port and a point 600 ms in: a 500 ms attempt sends one SYN (at 0), a 1 500 ms one also at 1 s
    const host = await createNetnsHost();
    t.teardown(host.destroy);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', '81', '-j', 'DROP']);
    const spec = (id: string, timeoutMs: number): AttemptSpec => ({
      id,
      technique: 'tcp',
      host: host.address,
      port: 81,
      timeoutMs,
    });
    const batch: AttemptBatch = { ...batchOf([spec('short', 500), spec('long', 1500)], 2), policyReadyMs: 600 };
    const lines: string[] = [];
    // When both start at once
    const done = await runBatch(batch, (l) => lines.push(l), { selfCheck: NOT_MESHED });
    // Then the short one was made again after the point, the long one was not
    const byId = new Map(observationLines(lines).map((o) => [o.attemptId, o]));
    t.equal(byId.get('short')?.transport, 'timeout');
    t.equal(byId.get('short')?.repeated?.firstTransport, 'timeout', 'all its SYNs were judged before the point');
    t.ok(Date.parse(byId.get('short')?.startedAt ?? '') >= Date.parse(done.policyReadyAt ?? 'x'));
    t.equal(byId.get('long')?.transport, 'timeout');
    t.equal(byId.get('long')?.repeated, undefined, 'its retransmitted SYN left after the point');
    t.equal(done.repeatedCount, 1);
  },
);

t.test('attempts that start after the point, and batches without one, are never repeated', async (t) => {
  // Given an echo server and two batches: one with no point, one whose point is already past when the second wave starts
  const server = await startTcpServer('echo');
  t.teardown(server.close);
  const plain: string[] = [];
  const plainDone = await runBatch(batchOf([tcp('a', server.port, 2000)], 1), (l) => plain.push(l), {
    selfCheck: NOT_MESHED,
  });
  t.equal(observationLines(plain)[0]?.repeated, undefined);
  t.equal(plainDone.policyReadyAt, undefined, 'no point, none reported');
  // When the point is 0 ms (programmed at once)
  const zero: string[] = [];
  const zeroDone = await runBatch(
    { ...batchOf([tcp('a', server.port, 2000)], 1), policyReadyMs: 0 },
    (l) => zero.push(l),
    { selfCheck: NOT_MESHED },
  );
  // Then nothing is repeated
  t.equal(observationLines(zero)[0]?.transport, 'connected');
  t.equal(observationLines(zero)[0]?.repeated, undefined);
  t.equal(zeroDone.repeatedCount, 0);
});

t.test(
  'an abort while waiting for the point still yields one line per attempt, with the early try on record',
  async (t) => {
    // Given an echo server and a point 30 s away
    const server = await startTcpServer('echo');
    t.teardown(server.close);
    const stop = new AbortController();
    const lines: string[] = [];
    const running = runBatch(
      { ...batchOf([tcp('a', server.port, 2000), tcp('b', server.port, 2000)], 2), policyReadyMs: 30_000 },
      (l) => lines.push(l),
      { signal: stop.signal, selfCheck: NOT_MESHED },
    );
    // When the agent is stopped 200 ms in
    setTimeout(() => stop.abort(), 200);
    const t0 = Date.now();
    await running;
    // Then the wait did not hold it, and each attempt is an agent-error that keeps its early pass on record
    t.ok(Date.now() - t0 < 5000, 'the 30 s point did not hold the aborted batch');
    const rows = observationLines(lines)
      .map((o) => [o.attemptId, o.transport, o.errorCode, o.repeated?.firstTransport])
      .sort();
    t.same(rows, [
      ['a', 'agent-error', 'E_ABORTED', 'connected'],
      ['b', 'agent-error', 'E_ABORTED', 'connected'],
    ]);
  },
);

t.test('TLS handshakes to one endpoint are bounded per endpoint, whatever the batch concurrency', async (t) => {
  // Given a real TLS server and 12 TLS attempts to it at batch concurrency 12
  const { createServer } = await import('node:tls');
  const { mintCert } = await import('../../helpers/certs.js');
  const { TLS_PER_ENDPOINT } = await import('../../../probes/agent/run-batch.js');
  const cert = mintCert({ cn: 'localhost', ips: ['127.0.0.1'] });
  const sockets = new Set<import('node:tls').TLSSocket>();
  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as { port: number }).port;
  const attempts: AttemptSpec[] = Array.from({ length: 12 }, (_, i) => ({
    id: `tls-${i}`,
    technique: 'tls',
    host: '127.0.0.1',
    port,
    timeoutMs: 5000,
  }));
  // When the batch runs
  const lines: string[] = [];
  await runBatch(batchOf(attempts, 12), (l) => lines.push(l), { selfCheck: NOT_MESHED });
  // Then every attempt completed its handshake, and never more than TLS_PER_ENDPOINT were in flight at once
  const obs = observationLines(lines);
  t.equal(obs.filter((l) => l.tls?.handshake === true).length, 12);
  // In flight = the attempts' own [start, start + duration] intervals (each attempt holds its socket for that long);
  // 1 ms off each end absorbs the millisecond rounding of startedAt and durationMs.
  const edges = obs.flatMap(
    (o) =>
      [
        [Date.parse(o.startedAt) + 1, 1],
        [Date.parse(o.startedAt) + o.durationMs - 1, -1],
      ] as const,
  );
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    peak = Math.max(peak, now);
  }
  t.ok(peak <= TLS_PER_ENDPOINT && peak >= 2, `peak ${peak} in flight (bound ${TLS_PER_ENDPOINT})`);
});
