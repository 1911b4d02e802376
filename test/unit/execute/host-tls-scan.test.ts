/**
 * The host TLS scan loop with a recording runner in place of runAttempt: what it asks
 * for, in what order, how many at once, and when it stops early. Real handshakes are in
 * test/integration/tls.
 */
import t from 'tap';
import type { AttemptSpec, ObservationLine, TlsFacts, TransportResult } from '../../../probes/protocol.js';
import { WEAK_SUITE_CANDIDATES } from '../../../src/evaluate/tls-scan.js';
import { clientSuites, scanTlsEndpoint } from '../../../src/execute/host-tls-scan.js';

const EP = { host: '127.0.0.1', port: 443 };

function line(spec: AttemptSpec, transport: TransportResult, tls?: Partial<TlsFacts>): ObservationLine {
  return {
    v: 1, attemptId: spec.id, startedAt: new Date(0).toISOString(), durationMs: 1, transport, bytesReceived: 0,
    ...(tls ? { tls: { protocol: null, cipher: null, alpn: null, peerChainPem: [], handshake: false, authorized: false, ...tls } } : {}),
  };
}

/** A fake server: accepts TLS 1.2 with AES128-GCM-SHA256 only; records calls and peak concurrency. */
function recordingRunner() {
  const calls: AttemptSpec[] = [];
  let inFlight = 0;
  let peak = 0;
  const run = async (spec: AttemptSpec): Promise<ObservationLine> => {
    calls.push(spec);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight -= 1;
    const v = spec.tls?.minVersion;
    if (v !== undefined && v !== 'TLSv1.2') return line(spec, 'connected', { alert: 70 });
    const pinned = spec.tls?.ciphers?.split(':')[0];
    if (pinned !== undefined && pinned !== 'AES128-GCM-SHA256') return line(spec, 'connected', { alert: 40 });
    return line(spec, 'connected', { protocol: 'TLSv1.2', cipher: 'AES128-GCM-SHA256', handshake: true });
  };
  return { run, calls, peak: () => peak };
}

t.test('this client can pin NULL, anonymous and CCM suites; what it cannot offer is listed as not testable', async (t) => {
  const { offerable, notTestable } = clientSuites();
  for (const s of ['NULL-SHA256', 'ADH-AES128-SHA', 'AES128-CCM', 'ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256']) t.ok(offerable.includes(s), `offers ${s}`);
  t.ok(notTestable.every((s) => WEAK_SUITE_CANDIDATES.includes(s)), 'only weak-list suites are reported');
  t.ok(notTestable.every((s) => !offerable.includes(s)), 'nothing is both');
  t.ok(!offerable.some((s) => /PSK|SRP/.test(s)), 'no PSK/SRP suites');
});

t.test('a refused default handshake ends the scan after one attempt', async (t) => {
  const calls: AttemptSpec[] = [];
  const scan = await scanTlsEndpoint(EP, { timeoutMs: 100, concurrency: 4, run: async (spec) => (calls.push(spec), line(spec, 'refused')) });
  t.equal(calls.length, 1);
  t.same([scan.versions, scan.suites], [[], []]);
});

t.test('versions are probed once each, suites only at accepted versions, never more than the concurrency at once', async (t) => {
  // Given a fake TLS 1.2-only server
  const fake = recordingRunner();
  // When the endpoint is scanned with concurrency 3
  const scan = await scanTlsEndpoint(EP, { timeoutMs: 100, concurrency: 3, run: fake.run });
  // Then: 1 default + 4 versions + one per TLS ≤ 1.2 suite, all at TLSv1.2, bounded in flight
  const suiteCalls = fake.calls.filter((c) => c.id.startsWith('suite:'));
  t.equal(fake.calls.length, 1 + 4 + suiteCalls.length);
  t.ok(suiteCalls.length > 50, `${suiteCalls.length} suites pinned`);
  t.ok(suiteCalls.every((c) => c.tls?.minVersion === 'TLSv1.2' && c.tls.maxVersion === 'TLSv1.2'));
  t.equal(new Set(fake.calls.map((c) => c.id)).size, fake.calls.length, 'one attempt per id');
  t.ok(fake.peak() <= 3, `peak in flight ${fake.peak()}`);
  t.same(scan.suites.filter((s) => s.observation.tls?.cipher === s.suite).map((s) => s.suite), ['AES128-GCM-SHA256']);
});

t.test('an aborted signal stops before the version probes', async (t) => {
  const ac = new AbortController();
  const calls: AttemptSpec[] = [];
  const scan = await scanTlsEndpoint(EP, {
    timeoutMs: 100, concurrency: 2, signal: ac.signal,
    run: async (spec) => {
      calls.push(spec);
      ac.abort();
      return line(spec, 'connected', { protocol: 'TLSv1.3', handshake: true });
    },
  });
  t.equal(calls.length, 1);
  t.same(scan.versions, []);
});
