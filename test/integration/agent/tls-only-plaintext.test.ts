/**
 * A TLS-only port that answers plaintext HTTP with its own 400 (what Go's net/http, so kubelet
 * and the API server, nginx and Apache do) is not "accepted plaintext HTTP": the agent's real
 * http attempt against such a port on 127.0.0.1, then evidence → 1.2.6, 2.2.7, 7.2.1. A plain
 * HTTP server answering 400 to the same request still counts as plaintext served.
 */
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import type { AttemptSpec } from '../../../probes/protocol.js';
import { findControl } from '../../../src/catalogue/index.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import type { Observation } from '../../../src/domain/observation.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { mintCert } from '../../helpers/certs.js';
import { attemptsOf, judgeInput, PROBE_NS, svc } from '../../helpers/report-fixtures.js';
import { startHttpServer } from '../../helpers/servers.js';

/** Go's net/http answer to plaintext on a TLS port (net/http/server.go, "Client sent an HTTP request to an HTTPS server."). */
const GO_TLS_PORT_REPLY = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/** A TLS-only port: a ClientHello (0x16) gets TLS, anything else Go's 400 and a close. */
async function startTlsOnlyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const cert = mintCert({ cn: 'localhost', ips: ['127.0.0.1'] });
  const sockets = new Set<Socket>();
  const tlsServer = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (tls) => {
    tls.on('error', () => undefined);
    tls.on('data', () => tls.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
  });
  tlsServer.on('tlsClientError', () => undefined);
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      if (first[0] === 0x16) {
        // Hand the connection, ClientHello included, to a real node:tls server.
        socket.pause();
        socket.unshift(first);
        tlsServer.emit('connection', socket);
        return;
      }
      socket.end(GO_TLS_PORT_REPLY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Plaintext-http and mesh-bypass-port attempts at a CDE port, made for real by the agent's runAttempt. */
async function plaintextEvidence(port: number) {
  const target = svc('payments', 'web');
  const { attempts } = attemptsOf([
    { probeId: 'plaintext-http', vantage: PROBE_NS, target, port, address: '127.0.0.1', observed: { kind: 'missing' } },
    {
      probeId: 'mesh-bypass-port',
      vantage: PROBE_NS,
      target,
      port,
      address: '127.0.0.1',
      observed: { kind: 'missing' },
    },
  ]);
  const observations: Observation[] = [];
  for (const a of attempts) {
    const spec: AttemptSpec = {
      id: a.id,
      technique: a.technique,
      host: a.address,
      port: a.port,
      timeoutMs: 3000,
      ...(a.http ? { http: a.http } : {}),
    };
    observations.push(await runAttempt(spec));
  }
  const selfChecks = new Map([
    [vantageId(PROBE_NS), { meshListeners: [], meshed: false, nodeVersion: process.version }],
  ]);
  return buildEvidence({ attempts, observations, selfChecks });
}

t.test('a TLS-only port answering 400 to plaintext is worded and judged as speaking only TLS', async (t) => {
  // Given a real TLS-only port that answers plaintext like Go's net/http
  const server = await startTlsOnlyPort();
  t.teardown(server.close);
  // And it does speak TLS
  const tls = await runAttempt({ id: 'tls', technique: 'tls', host: '127.0.0.1', port: server.port, timeoutMs: 3000 });
  t.equal(tls.tls?.handshake, true, 'the port completes a TLS handshake');
  // When the agent sends plaintext HTTP to it and the controls judge the evidence
  const evidence = await plaintextEvidence(server.port);
  t.ok(
    evidence.every((e) => e.observation?.http?.status === 400),
    'the agent saw the 400',
  );
  const input = judgeInput(evidence);
  const insecure = findControl('1.2.6')!.judge(input);
  const admin = findControl('2.2.7')!.judge(input);
  const access = findControl('7.2.1')!.judge(input);
  const all = [...insecure.reasons, ...admin.reasons, ...access.reasons].join('\n');
  // Then nothing says plaintext was accepted; 1.2.6 and 2.2.7 hold for that port; 7.2.1 stays open
  t.notMatch(all, /accepted plaintext HTTP/);
  t.match(
    insecure.reasons.join('\n'),
    /refused the plaintext request with 400 Bad Request because the port speaks only TLS/,
  );
  t.equal(insecure.status, 'holds', insecure.reasons.join('\n'));
  t.match(insecure.reasons.join('\n'), /mTLS STRICT is not shown either/);
  t.equal(admin.status, 'holds', admin.reasons.join('\n'));
  t.equal(access.status, 'inconclusive', 'plaintext refused says nothing about callers over TLS');
});

t.test('a plaintext HTTP server answering 400 still served plaintext', async (t) => {
  // Given a plain HTTP server that answers 400 to everything
  const server = await startHttpServer({ status: 400, body: 'bad request' });
  t.teardown(server.close);
  // When the same attempts are judged
  const input = judgeInput(await plaintextEvidence(server.port));
  const insecure = findControl('1.2.6')!.judge(input);
  const admin = findControl('2.2.7')!.judge(input);
  // Then plaintext was accepted, and both controls fail
  t.match(insecure.reasons.join('\n'), /accepted plaintext HTTP \(status 400/);
  t.equal(insecure.status, 'fails');
  t.equal(admin.status, 'fails');
});
