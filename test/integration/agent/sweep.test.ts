/**
 * Issue 13 on the wire: the agent's listener sweep against real listeners on 127.0.0.1 and a
 * test host in a network namespace with iptables DROP/REJECT, and phase-2 attempts that run
 * only after their L4 attempt connected.
 */
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import { runBatch } from '../../../probes/agent/run-batch.js';
import type { AttemptBatch, AttemptSpec, ObservationLine } from '../../../probes/protocol.js';
import { createNetnsHost, netnsUnavailable } from '../../helpers/netns.js';
import { closedPort, startHttpServer, startTcpServer } from '../../helpers/servers.js';

const UNMESHED = async () => ({ meshListeners: [], meshed: false, nodeVersion: process.version });

function sweepSpec(
  host: string,
  ports: AttemptSpec['sweep'] extends infer S ? (S extends { ports: infer P } ? P : never) : never,
  timeoutMs = 10_000,
  connectTimeoutMs = 1000,
): AttemptSpec {
  return {
    id: 'sweep-1',
    technique: 'sweep',
    host,
    port: 1,
    timeoutMs,
    sweep: { ports, concurrency: 64, connectTimeoutMs },
  };
}

t.test('a sweep on 127.0.0.1 finds exactly the ports that listen and counts the rest as closed', async (t) => {
  // Given two listeners and a port with nothing on it
  const a = await startTcpServer('silent');
  const b = await startHttpServer();
  t.teardown(a.close);
  t.teardown(b.close);
  const closed = await closedPort();
  // When the agent sweeps those ports, listed twice and out of order
  const obs = await runAttempt(sweepSpec('127.0.0.1', [b.port, closed, a.port, b.port]));
  // Then the open ports are reported ascending, the closed one counted, nothing filtered or left out
  t.equal(obs.transport, 'connected');
  t.same(obs.sweep, { open: [a.port, b.port].sort((x, y) => x - y), closed: 1, filtered: 0, notSwept: 0 });
  // And the sweep sent nothing: connect-only
  t.equal(obs.bytesReceived, 0);
});

t.test(
  'a sweep of a namespace host tells open, REJECTed and DROPped ports apart, and stops at its budget',
  { skip: netnsUnavailable() ?? false },
  async (t) => {
    // Given a host listening on 7070, 8080 and 9090, where 9090 is dropped and 9091 rejected; 9092 has no listener
    const host = await createNetnsHost();
    t.teardown(host.destroy);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', '9090', '-j', 'DROP']);
    host.iptables([
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      '9091',
      '-j',
      'REJECT',
      '--reject-with',
      'icmp-port-unreachable',
    ]);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', '20000:20999', '-j', 'DROP']);
    await host.listen([
      { port: 7070, behaviour: 'echo' },
      { port: 8080, behaviour: 'silent' },
      { port: 9090, behaviour: 'echo' },
    ]);
    // When the agent sweeps them
    const obs = await runAttempt(sweepSpec(host.address, [7070, 8080, 9090, 9091, 9092], 10_000, 500));
    // Then only the reachable listeners are open; the DROP is filtered, the REJECT and the empty port closed
    t.same(obs.sweep, { open: [7070, 8080], closed: 2, filtered: 1, notSwept: 0 });
    // And a sweep of 1 000 dropped ports with a 1.2 s budget stops on time, counting what it did not reach
    const started = Date.now();
    const cut = await runAttempt({
      ...sweepSpec(host.address, [[20_000, 20_999]], 1200, 500),
      sweep: { ports: [[20_000, 20_999]], concurrency: 100, connectTimeoutMs: 500 },
    });
    t.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    t.equal(cut.transport, 'timeout');
    t.ok((cut.sweep?.notSwept ?? 0) > 0 && (cut.sweep?.filtered ?? 0) > 0, JSON.stringify(cut.sweep));
    t.equal((cut.sweep?.filtered ?? 0) + (cut.sweep?.notSwept ?? 0), 1000);
  },
);

t.test(
  'phase-2 attempts run after phase 1, only where their L4 attempt completed TCP; the others are reported skipped',
  async (t) => {
    // Given an HTTP server and a closed port
    const web = await startHttpServer({ status: 200, body: 'hello' });
    t.teardown(web.close);
    const closed = await closedPort();
    const spec = (id: string, port: number, extra: Partial<AttemptSpec>): AttemptSpec => ({
      id,
      technique: 'tcp',
      host: '127.0.0.1',
      port,
      timeoutMs: 2000,
      ...extra,
    });
    const batch: AttemptBatch = {
      v: 1,
      runId: 'r',
      podName: 'p',
      concurrency: 8,
      deadlineMs: 20_000,
      attempts: [
        // Listed before their prerequisites on purpose: the agent orders by phase, not by position
        spec('app-open', web.port, { technique: 'http', http: { method: 'GET', path: '/x' }, after: 'l4-open' }),
        spec('app-closed', closed, { technique: 'http', http: { method: 'GET', path: '/x' }, after: 'l4-closed' }),
        spec('l4-open', web.port, {}),
        spec('l4-closed', closed, {}),
      ],
    };
    // When the agent runs the batch
    const lines: ObservationLine[] = [];
    const done = await runBatch(
      batch,
      (l) => {
        const v = JSON.parse(l) as ObservationLine;
        if ('attemptId' in v) lines.push(v);
      },
      { selfCheck: UNMESHED },
    );
    const by = new Map(lines.map((l) => [l.attemptId, l]));
    // Then every attempt has exactly one line, phase 1 first
    t.equal(done.count, 4);
    t.same(
      lines
        .slice(0, 2)
        .map((l) => l.attemptId)
        .sort(),
      ['l4-closed', 'l4-open'],
    );
    // And the application attempt behind the connected L4 attempt ran and got the HTTP answer
    t.equal(by.get('app-open')?.http?.status, 200);
    // And the one behind the refused L4 attempt was not made
    t.equal(by.get('app-closed')?.transport, 'skipped');
    t.match(
      by.get('app-closed')?.detail,
      /phase 2 not run: its prerequisite attempt l4-closed did not complete a TCP connection \(refused\)/,
    );
    t.equal(web.accepted(), 2, 'the server saw the L4 connect and the phase-2 request, nothing more');
  },
);
