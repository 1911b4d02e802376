/**
 * The pure half of `meshprobe tls`: endpoint parsing, the handshake plan, and what
 * observations mean (fake observations here; real servers in test/integration/tls).
 */
import t from 'tap';
import type { ObservationLine, TlsFacts, TransportResult } from '../../../probes/protocol.js';
import { assessTlsEndpoint, unreachableFromDefault, type TlsScanObservations } from '../../../src/tls/tls-assess.js';
import {
  chosenSuite,
  clientCertificateRequired,
  defaultSpec,
  endpointText,
  offerSpec,
  parseEndpoint,
  partitionSuites,
  suiteCandidates,
  versionAccepted,
  versionSpecs,
} from '../../../src/tls/tls-scan.js';
import { renderTlsText } from '../../../src/tls/tls-text.js';
import { mintCa, mintCert } from '../../helpers/certs.js';

const NOW = new Date();
const EP = { host: '127.0.0.1', port: 8443 };

function obs(transport: TransportResult, tls?: Partial<TlsFacts>, errorCode?: string): ObservationLine {
  return {
    v: 1,
    attemptId: 'x',
    startedAt: NOW.toISOString(),
    durationMs: 7,
    transport,
    bytesReceived: 0,
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(tls !== undefined
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

t.test('endpoints parse as host:port or [v6]:port, anything else is a sentence', async (t) => {
  const cases: ReadonlyArray<readonly [string, object | RegExp]> = [
    ['example.com:443', { host: 'example.com', port: 443 }],
    ['10.0.0.5:8443', { host: '10.0.0.5', port: 8443 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    [' host:1 ', { host: 'host', port: 1 }],
    ['example.com', /is not host:port/],
    ['example.com:0', /is not host:port/],
    ['example.com:65536', /is not host:port/],
    ['::1:443', /is not host:port/],
    ['https://example.com:443', /is not host:port/],
    ['', /is not host:port/],
  ];
  for (const [text, want] of cases) {
    const got = parseEndpoint(text);
    if (want instanceof RegExp) t.match('problem' in got ? got.problem : '', want, text);
    else t.same(got, want, text);
  }
  t.equal(endpointText({ host: '::1', port: 443 }), '[::1]:443');
  t.equal(endpointText({ host: 'a', port: 1 }), 'a:1');
});

t.test(
  'the plan: one default handshake, one per pinned version offering every suite, then shrinking offers',
  async (t) => {
    const ep = { ...EP, servername: 'api.example', alpn: ['h2'] };
    t.same(
      defaultSpec(ep, 900).tls,
      { servername: 'api.example', alpn: ['h2'] },
      'the default handshake keeps its read window',
    );
    const offerable = [
      'aes128-sha',
      'TLS_AES_128_GCM_SHA256',
      'NULL-SHA256',
      'AES128-SHA',
      'ADH-AES128-SHA',
      'ECDHE-RSA-AES128-GCM-SHA256',
    ];
    const versions = versionSpecs(ep, 900, offerable);
    t.same(
      versions.map((s) => [s.tls?.minVersion, s.tls?.maxVersion]),
      [
        ['TLSv1', 'TLSv1'],
        ['TLSv1.1', 'TLSv1.1'],
        ['TLSv1.2', 'TLSv1.2'],
        ['TLSv1.3', 'TLSv1.3'],
      ],
    );
    t.same(new Set(versions.map((s) => s.id)).size, 4, 'ids are unique');
    t.ok(
      versions.every((s) => s.tls?.handshakeOnly === true),
      'pinned handshakes stop at the end of the handshake',
    );
    // Every suite at SECLEVEL 0, so a NULL-only or anonymous-only server is found at all
    t.equal(versions[2]?.tls?.ciphers, 'ADH-AES128-SHA:AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA256:@SECLEVEL=0');
    t.equal(
      versions[0]?.tls?.ciphers,
      'ADH-AES128-SHA:AES128-SHA:@SECLEVEL=0',
      'TLS 1.2-only suites are not offered at TLS 1.0',
    );
    t.equal(versions[3]?.tls?.ciphers, 'TLS_AES_128_GCM_SHA256');
    t.same(suiteCandidates('TLSv1.3', offerable), ['TLS_AES_128_GCM_SHA256']);
    t.equal(offerSpec(ep, 'TLSv1.2', ['NULL-SHA256'], 900, 'x').tls?.ciphers, 'NULL-SHA256:@SECLEVEL=0');
    t.same(partitionSuites(['a', 'b', 'c', 'd', 'e'], 3), [['a', 'd'], ['b', 'e'], ['c']]);
    t.same(partitionSuites(['a'], 3), [['a']]);
    t.same(partitionSuites([], 3), []);
  },
);

t.test('what an observation means: chosen version and suite, client-certificate demands', async (t) => {
  t.equal(versionAccepted(obs('connected', { protocol: 'TLSv1.2', handshake: true }), 'TLSv1.2'), true);
  t.equal(versionAccepted(obs('connected', { protocol: null }, 'ERR_SSL_UNSUPPORTED_PROTOCOL'), 'TLSv1.2'), false);
  t.equal(
    versionAccepted(obs('connected', { protocol: 'TLSv1.2', alert: 40, peerChainPem: ['x'] }), 'TLSv1.2'),
    true,
    'a ServerHello before a client-cert rejection counts',
  );
  t.equal(chosenSuite(obs('connected', { cipher: 'null-sha256' }), ['NULL-SHA256']), 'NULL-SHA256');
  t.equal(
    chosenSuite(obs('connected', { cipher: 'AES128-SHA' }), ['NULL-SHA256']),
    undefined,
    'a suite not offered is not "chosen"',
  );
  t.equal(chosenSuite(obs('connected', { cipher: null }), ['NULL-SHA256']), undefined);
  t.equal(clientCertificateRequired([obs('connected', { protocol: 'TLSv1.3', alert: 116, handshake: true })]), true);
  t.equal(clientCertificateRequired([obs('connected', { protocol: 'TLSv1.2', alert: 40, peerChainPem: ['x'] })]), true);
  t.equal(
    clientCertificateRequired([obs('connected', { protocol: null, alert: 40 })]),
    false,
    'alert 40 before a ServerHello is no cipher in common',
  );
});

t.test('unreachable endpoints get one sentence naming the cause', async (t) => {
  const cases: ReadonlyArray<readonly [TransportResult, string | undefined, RegExp | undefined]> = [
    ['refused', 'ECONNREFUSED', /connection refused \(ECONNREFUSED\); nothing listens/],
    ['dns-failure', 'ENOTFOUND', /the name "127\.0\.0\.1" does not resolve \(ENOTFOUND\)/],
    ['timeout', undefined, /no TCP connection within 7 ms/],
    ['unreachable', 'EHOSTUNREACH', /network or host is unreachable \(EHOSTUNREACH\)/],
    ['agent-error', 'E_SPEC', /could not be attempted \(E_SPEC\)/],
    ['connected', undefined, undefined],
    ['reset', 'ECONNRESET', undefined],
  ];
  for (const [transport, code, want] of cases) {
    const r = unreachableFromDefault(EP, obs(transport, undefined, code));
    if (want === undefined) t.equal(r, undefined, transport);
    else t.match(r?.message, want, transport);
  }
});

/** The server answered a pinned version with a protocol_version alert: a definite "no". */
const refusedVersion = (version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2') => ({
  version,
  offered: ['AES128-SHA'],
  observation: obs('connected', { alert: 70 }, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
});

function scanOf(parts: Partial<TlsScanObservations>): TlsScanObservations {
  return {
    default: obs('connected', { protocol: null }, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
    versions: [],
    suites: [],
    notTestable: ['RC4-SHA'],
    ...parts,
  };
}

t.test('an endpoint that accepts no version is "no common version" when it alerts, "not TLS" otherwise', async (t) => {
  const alerting = assessTlsEndpoint(
    EP,
    scanOf({
      versions: [
        {
          version: 'TLSv1.3',
          offered: [],
          observation: obs('connected', { alert: 70 }, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
        },
      ],
    }),
    { now: NOW, expiryWarningDays: 30 },
  );
  t.match(alerting, { kind: 'unreachable', reason: 'no-common-version' });
  const plain = assessTlsEndpoint(
    EP,
    scanOf({ default: obs('eof'), versions: [{ version: 'TLSv1.3', offered: [], observation: obs('eof') }] }),
    { now: NOW, expiryWarningDays: 30 },
  );
  t.match(plain, { kind: 'unreachable', reason: 'not-tls', message: /does not speak TLS.*\(eof\)/ });
});

t.test(
  'assessment: suites per accepted version, chain from the newest version, not-testable only below TLS 1.3',
  async (t) => {
    // Given an endpoint that accepts TLS 1.2 (with a NULL suite) and TLS 1.3, and a chain seen at TLS 1.3
    const ca = mintCa();
    const leaf = mintCert({ issuer: ca, ips: ['127.0.0.1'] });
    const chainAt13 = obs('connected', {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      handshake: true,
      peerChainPem: [leaf.certPem, ca.certPem],
    });
    const scan = scanOf({
      versions: [
        refusedVersion('TLSv1'),
        refusedVersion('TLSv1.1'),
        {
          version: 'TLSv1.2',
          offered: ['AES128-GCM-SHA256', 'AES128-SHA', 'NULL-SHA256'],
          observation: obs('connected', { protocol: 'TLSv1.2', cipher: 'NULL-SHA256', handshake: true }),
        },
        { version: 'TLSv1.3', offered: ['TLS_AES_128_GCM_SHA256'], observation: chainAt13 },
      ],
      suites: [
        {
          version: 'TLSv1.2',
          offered: ['AES128-GCM-SHA256', 'AES128-SHA'],
          observation: obs('connected', { protocol: 'TLSv1.2', cipher: 'AES128-GCM-SHA256', handshake: true }),
        },
        {
          version: 'TLSv1.2',
          offered: ['AES128-SHA'],
          observation: obs('connected', {}, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
        },
      ],
    });
    // When it is assessed with the CA as trust bundle
    const r = assessTlsEndpoint(EP, scan, { now: NOW, expiryWarningDays: 30, trustPem: ca.certPem });
    if (r.kind !== 'assessed') throw new Error(r.message);
    // Then the facts and findings follow from the observations
    t.same(r.ciphers, { 'TLSv1.2': ['AES128-GCM-SHA256', 'NULL-SHA256'], 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'] });
    t.same(r.protocols, { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
    t.equal(r.negotiated, null, 'the default handshake failed');
    t.same(
      [r.chain.chainValid, r.chain.trustedNow, r.chain.trusted],
      [true, true, true],
      'chain-valid, trusted now, and the deprecated alias',
    );
    t.same(
      r.findings.map((f) => f.code),
      ['CIPHER_WEAK', 'CIPHER_NOT_TESTABLE'],
    );
    t.equal(r.status, 'fails');
    // And a TLS 1.3-only endpoint has nothing untested
    const only13Versions = [
      refusedVersion('TLSv1'),
      refusedVersion('TLSv1.1'),
      refusedVersion('TLSv1.2'),
      { version: 'TLSv1.3' as const, offered: ['TLS_AES_128_GCM_SHA256'], observation: chainAt13 },
    ];
    const only13 = assessTlsEndpoint(EP, scanOf({ versions: only13Versions }), {
      now: NOW,
      expiryWarningDays: 30,
      trustPem: ca.certPem,
    });
    t.match(only13, { kind: 'assessed', status: 'holds', ciphersNotTestable: [], findings: [] });
    // And --verbose shows chain certificates and info findings, the default view does not
    const verbose = renderTlsText([r], { verbose: true });
    t.match(verbose, /chain\[1\] {4}CN=meshprobe test CA/);
    t.match(verbose, /INFO CIPHER_NOT_TESTABLE/);
    const brief = renderTlsText([r], { verbose: false });
    t.match(brief, /\(\+1 chain certificates; --verbose shows them\)/);
    t.notMatch(brief, /CIPHER_NOT_TESTABLE/);
    t.equal(
      renderTlsText([{ kind: 'unreachable', endpoint: 'x:1', reason: 'refused', message: 'x' }], { verbose: false }),
      '',
      'unreachable endpoints are reported on stderr only',
    );
  },
);

t.test(
  'a pinned handshake that got no answer (or a version never tried) makes the endpoint inconclusive, never holds',
  async (t) => {
    // Given a TLS 1.3 endpoint whose TLS 1.0 probe timed out and whose TLS 1.1 probe was never made
    const ca = mintCa();
    const leaf = mintCert({ issuer: ca, ips: ['127.0.0.1'] });
    const at13 = obs('connected', {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      handshake: true,
      peerChainPem: [leaf.certPem, ca.certPem],
    });
    const scan = scanOf({
      default: at13,
      versions: [
        { version: 'TLSv1', offered: ['AES128-SHA'], observation: obs('timeout', undefined, 'ETIMEDOUT') },
        refusedVersion('TLSv1.2'),
        { version: 'TLSv1.3', offered: ['TLS_AES_128_GCM_SHA256'], observation: at13 },
      ],
    });
    // When it is assessed
    const r = assessTlsEndpoint(EP, scan, { now: NOW, expiryWarningDays: 30, trustPem: ca.certPem });
    // Then it is inconclusive, and the warning names both gaps
    t.match(r, { kind: 'assessed', status: 'inconclusive' });
    if (r.kind !== 'assessed') return;
    t.same(
      r.findings.map((f) => f.code),
      ['SCAN_INCOMPLETE'],
    );
    t.match(
      r.findings[0]?.message,
      'No answer for TLSv1.1 (not tried), TLSv1 (timeout), so whether the endpoint accepts them is unknown',
    );
    t.match(renderTlsText([r], { verbose: false }), /127\.0\.0\.1:8443 {2}INCONCLUSIVE/);
  },
);
