/**
 * The host TLS scan loop with a recording runner in place of runAttempt: what it asks
 * for, in what order, how many at once, and when it stops early. Real handshakes are in
 * test/integration/tls.
 */
import t from 'tap';
import type { AttemptSpec, ObservationLine, TlsFacts, TransportResult } from '../../../probes/protocol.js';
import { WEAK_SUITE_CANDIDATES } from '../../../src/tls/tls-scan.js';
import { clientSuites, scanTlsEndpoint } from '../../../src/tls/host-tls-scan.js';

const EP = { host: '127.0.0.1', port: 443 };

function line(spec: AttemptSpec, transport: TransportResult, tls?: Partial<TlsFacts>): ObservationLine {
  return {
    v: 1,
    attemptId: spec.id,
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    transport,
    bytesReceived: 0,
    ...(tls
      ? {
          tls: {
            protocol: null,
            cipher: null,
            alpn: null,
            peerChainPem: [],
            handshake: false,
            authorized: false,
            ...tls,
          },
        }
      : {}),
  };
}

/** A fake server: accepts TLS 1.2 with AES128-GCM-SHA256 and NULL-SHA256 only; records calls and peak concurrency. */
function recordingRunner(accepts: readonly string[] = ['AES128-GCM-SHA256', 'NULL-SHA256']) {
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
    const offered = spec.tls?.ciphers?.split(':') ?? [...accepts];
    const pick = accepts.find((s) => offered.includes(s));
    if (pick === undefined) return line(spec, 'connected', { alert: 40 });
    return line(spec, 'connected', { protocol: 'TLSv1.2', cipher: pick, handshake: true });
  };
  return { run, calls, peak: () => peak };
}

t.test(
  'this client can pin NULL, anonymous and CCM suites; what it cannot offer is listed as not testable',
  async (t) => {
    const { offerable, notTestable } = clientSuites();
    for (const s of [
      'NULL-SHA256',
      'ADH-AES128-SHA',
      'AES128-CCM',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'TLS_AES_128_GCM_SHA256',
    ])
      t.ok(offerable.includes(s), `offers ${s}`);
    t.ok(
      notTestable.every((s) => WEAK_SUITE_CANDIDATES.includes(s)),
      'only weak-list suites are reported',
    );
    t.ok(
      notTestable.every((s) => !offerable.includes(s)),
      'nothing is both',
    );
    t.ok(!offerable.some((s) => /PSK|SRP/.test(s)), 'no PSK/SRP suites');
  },
);

t.test('a refused default handshake enumerates no suites', async (t) => {
  const calls: AttemptSpec[] = [];
  const scan = await scanTlsEndpoint(EP, {
    timeoutMs: 100,
    concurrency: 4,
    run: async (spec) => {
      calls.push(spec);
      return line(spec, 'refused');
    },
  });
  t.equal(calls.length, 5, 'the default and the four version offers went out together');
  t.same(scan.suites, []);
});

t.test(
  'each version is offered once with every suite; accepted ones are enumerated by shrinking offers, bounded in flight',
  async (t) => {
    // Given a fake TLS 1.2-only server that takes two suites
    const fake = recordingRunner();
    // When the endpoint is scanned with concurrency 3
    const scan = await scanTlsEndpoint(EP, { timeoutMs: 100, concurrency: 3, run: fake.run });
    // Then: 1 default + 4 versions + (the second suite + one refusal per chain), all at TLSv1.2, bounded in flight
    const rounds = fake.calls.filter((c) => c.id.startsWith('suites:'));
    t.ok(rounds.length >= 2 && rounds.length <= 4, `${rounds.length} enumeration handshakes, not one per suite`);
    t.equal(fake.calls.length, 1 + 4 + rounds.length);
    t.ok(
      rounds.every(
        (c) => c.tls?.minVersion === 'TLSv1.2' && c.tls.maxVersion === 'TLSv1.2' && c.tls.handshakeOnly === true,
      ),
    );
    t.ok(
      rounds.every((c) => !c.tls?.ciphers?.split(':').includes('AES128-GCM-SHA256')),
      'the suite the version probe proved is not asked again',
    );
    t.equal(new Set(fake.calls.map((c) => c.id)).size, fake.calls.length, 'one attempt per id');
    t.ok(fake.peak() <= 3, `peak in flight ${fake.peak()}`);
    const chosen = [...scan.versions, ...scan.suites].flatMap((s) => s.observation.tls?.cipher ?? []);
    t.same([...new Set(chosen)].sort(), ['AES128-GCM-SHA256', 'NULL-SHA256']);
  },
);

t.test('a server whose only suite is NULL is found by the version offer', async (t) => {
  const fake = recordingRunner(['NULL-SHA256']);
  const scan = await scanTlsEndpoint(EP, { timeoutMs: 100, concurrency: 4, run: fake.run });
  const v12 = scan.versions.find((v) => v.version === 'TLSv1.2');
  t.equal(v12?.observation.tls?.cipher, 'NULL-SHA256');
});

t.test('an aborted signal stops before the suite enumeration', async (t) => {
  const ac = new AbortController();
  const calls: AttemptSpec[] = [];
  const scan = await scanTlsEndpoint(EP, {
    timeoutMs: 100,
    concurrency: 2,
    signal: ac.signal,
    run: async (spec) => {
      calls.push(spec);
      ac.abort();
      return line(spec, 'connected', { protocol: 'TLSv1.3', handshake: true });
    },
  });
  t.equal(calls.length, 5, 'only the default and the version offers');
  t.same(scan.suites, []);
});
