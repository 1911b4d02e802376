/**
 * A CPU-starved agent (exchange.ts): when the event loop is blocked past an attempt's deadline after
 * the kernel completed its connect, libuv runs the overdue deadline timer before the waiting connect
 * callback. The connection that succeeded must not be reported as a timeout: the verdict waits one
 * turn, sees the connect, and lets the exchange finish within a short grace. Real servers on
 * 127.0.0.1; the starvation is a busy-wait of the test's own (single) thread.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import t, { type Test } from 'tap';
import { LATE_PROGRESS_GRACE_MS } from '../../../probes/agent/exchange.js';
import { tcpAttempt } from '../../../probes/agent/techniques/tcp.js';
import { tlsAttempt } from '../../../probes/agent/techniques/tls.js';
import { mintCert } from '../../helpers/certs.js';

const TIMEOUT_MS = 100;
const STARVED_MS = 400;
/** Generous: the machine running the tests is shared. */
const SLACK_MS = 1500;

/** Block this thread (the agent's event loop) for `ms`, as a CPU-starved agent is. */
function starve(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
}

/** Resolve after the ticks queued so far (net/tls connect to an IP issues its connect(2) in a tick). */
function afterQueuedTicks(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

async function listen(t: Test, server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

t.test('a TCP connect completed before a starved deadline is reported connected, not timeout', async (t) => {
  // Given an echo server on 127.0.0.1
  const port = await listen(
    t,
    createTcpServer((s) => s.on('data', (d) => s.write(d))),
  );
  // When the agent starts a tcp attempt with a 100 ms timeout and its event loop is then blocked
  // for 400 ms, after connect(2) was issued (the kernel completes the handshake meanwhile)
  const pending = tcpAttempt({ id: 'starved-tcp', technique: 'tcp', host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
  await afterQueuedTicks();
  starve(STARVED_MS);
  const obs = await pending;
  // Then the attempt is connected and the echo came back
  t.equal(obs.transport, 'connected', JSON.stringify(obs));
  t.ok(obs.bytesReceived > 0, 'the server answered the payload');
  // And its duration is the measured one: past the timeout, bounded by the starvation and one grace
  t.ok(obs.durationMs >= STARVED_MS, `duration ${obs.durationMs} ms covers the starved time`);
  t.ok(obs.durationMs < STARVED_MS + LATE_PROGRESS_GRACE_MS + SLACK_MS, `duration ${obs.durationMs} ms is bounded`);
});

t.test('a TLS handshake begun before a starved deadline completes instead of timing out', async (t) => {
  // Given a TLS server on 127.0.0.1 with a certificate minted for the test
  const cert = mintCert({ cn: 'starved.test', ips: ['127.0.0.1'] });
  const port = await listen(
    t,
    createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (s) => s.on('error', () => {})),
  );
  // When a handshake-only tls attempt's event loop is blocked past its deadline right after connect(2)
  const pending = tlsAttempt({
    id: 'starved-tls',
    technique: 'tls',
    host: '127.0.0.1',
    port,
    timeoutMs: TIMEOUT_MS,
    tls: { handshakeOnly: true },
  });
  await afterQueuedTicks();
  starve(STARVED_MS);
  const obs = await pending;
  // Then the handshake is reported, with the server's certificate
  t.equal(obs.transport, 'connected', JSON.stringify({ ...obs, tls: { ...obs.tls, peerChainPem: [] } }));
  t.equal(obs.tls?.handshake, true);
  t.equal(obs.tls?.peerChainPem.length, 1);
});

t.test(
  'a server that accepts and stays silent is still silent after a starved deadline, within one grace',
  async (t) => {
    // Given a server that accepts connections and never writes
    const port = await listen(t, createTcpServer());
    // When a tcp attempt's event loop is blocked past its deadline right after connect(2)
    const pending = tcpAttempt({
      id: 'starved-silent',
      technique: 'tcp',
      host: '127.0.0.1',
      port,
      timeoutMs: TIMEOUT_MS,
    });
    await afterQueuedTicks();
    starve(STARVED_MS);
    const obs = await pending;
    // Then it ends silent (connected, nothing back), one grace after the late connect, not later
    t.equal(obs.transport, 'silent', JSON.stringify(obs));
    t.ok(obs.durationMs >= STARVED_MS + LATE_PROGRESS_GRACE_MS, `duration ${obs.durationMs} ms includes the grace`);
    t.ok(obs.durationMs < STARVED_MS + LATE_PROGRESS_GRACE_MS + SLACK_MS, `duration ${obs.durationMs} ms is bounded`);
  },
);

t.test('without starvation a silent server ends at the deadline, with no grace', async (t) => {
  // Given a server that accepts connections and never writes
  const port = await listen(t, createTcpServer());
  // When a tcp attempt runs on an idle event loop
  const obs = await tcpAttempt({ id: 'idle-silent', technique: 'tcp', host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
  // Then it ends silent at about its timeout: the connect was seen long before the deadline
  t.equal(obs.transport, 'silent');
  t.ok(obs.durationMs >= TIMEOUT_MS - 5, `duration ${obs.durationMs} ms (timers run on a millisecond clock)`);
  t.ok(obs.durationMs < TIMEOUT_MS + LATE_PROGRESS_GRACE_MS, `duration ${obs.durationMs} ms: no grace was given`);
});
