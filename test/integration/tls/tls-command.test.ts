/**
 * `meshprobe tls` against real servers on 127.0.0.1 — node:tls and Debian's
 * `openssl s_server` — asserting accepted protocols, findings and exit codes, then
 * comparing meshprobe's facts with an independent scanner (sslscan) on the same servers.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { validate } from '../../helpers/json-schema-lite.js';
import type { TlsEndpointResult } from '../../../src/tls/tls-assess.js';
import { classifyCipher } from '../../../src/crypto/cipher-suite.js';
import { daysFromNow, mintCa, mintCert, mintEcCert, type MintedCert } from '../../helpers/certs.js';
import { startTlsServer } from '../../helpers/servers.js';
import {
  runTlsCommand,
  sslscan,
  sslscanSkipReason,
  startOpenSslServer,
  tempFiles,
  type SslscanFacts,
} from './tls-fixtures.js';

t.setTimeout(600_000);

const TLS_SCHEMA = JSON.parse(readFileSync('reports/schema/tls.v1.schema.json', 'utf8')) as Record<string, unknown>;

type Assessed = Extract<TlsEndpointResult, { kind: 'assessed' }>;

const ca = mintCa('tls integration CA');
const leaf = (extra: Parameters<typeof mintCert>[0] = {}): MintedCert =>
  mintCert({ issuer: ca, dns: ['localhost'], ips: ['127.0.0.1'], notAfter: daysFromNow(200), ...extra });
const good = leaf();
const files = tempFiles({ 'ca.pem': ca.certPem });
t.teardown(files.remove);

interface Scenario {
  readonly name: string;
  readonly start: () => Promise<{ port: number; close: () => Promise<void> }>;
  readonly protocols: readonly string[];
  readonly codes: readonly string[];
  readonly exit: number;
  /** Extra command arguments (e.g. alpn). */
  readonly args?: Readonly<Record<string, unknown>>;
  readonly check?: (t: Test, r: Assessed) => void;
  /** Why sslscan's cipher list may legitimately differ, with evidence; undefined = must be equal. */
  readonly cipherCompare?: { readonly versions: readonly string[]; readonly why: string };
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'a TLS 1.0-only openssl s_server fails on the protocol',
    start: () => startOpenSslServer(good.certPem, good.keyPem, ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']),
    protocols: ['TLSv1'],
    codes: ['TLS_PROTOCOL_BELOW_MIN', 'CIPHER_CBC_ONLY', 'CIPHER_NOT_TESTABLE'],
    exit: 1,
    check: (t, r) => t.equal(r.negotiated, null, 'a default modern client cannot talk to it at all'),
  },
  {
    name: 'a TLS 1.1-only openssl s_server fails by policy, and says so',
    start: () => startOpenSslServer(good.certPem, good.keyPem, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']),
    protocols: ['TLSv1.1'],
    codes: ['TLS_PROTOCOL_BELOW_MIN', 'CIPHER_CBC_ONLY', 'CIPHER_NOT_TESTABLE'],
    exit: 1,
    check: (t, r) =>
      t.match(r.findings[0]?.message, /accepts TLSv1\.1; meshprobe policy, not PCI text: NIST SP 800-52r2/),
  },
  {
    name: 'an openssl s_server offering a NULL suite at TLS 1.2 fails on the cipher',
    start: () =>
      startOpenSslServer(good.certPem, good.keyPem, [
        '-tls1_2',
        '-cipher',
        'NULL-SHA256:ECDHE-RSA-AES128-GCM-SHA256@SECLEVEL=0',
      ]),
    protocols: ['TLSv1.2'],
    codes: ['CIPHER_WEAK', 'CIPHER_NOT_TESTABLE'],
    exit: 1,
    check: (t, r) => t.same(r.ciphers['TLSv1.2'], ['ECDHE-RSA-AES128-GCM-SHA256', 'NULL-SHA256']),
  },
  {
    name: 'a TLS 1.3-only node:tls server with a trusted RSA-2048 certificate holds',
    start: () => startTlsServer({ cert: good.certPem, key: good.keyPem, minVersion: 'TLSv1.3' }),
    protocols: ['TLSv1.3'],
    codes: [],
    exit: 0,
    check: (t, r) => {
      t.same([r.chain.chainValid, r.chain.trustedNow], [true, true], 'chain-valid and trusted now');
      t.equal(r.chain.identityMatch, true);
      t.equal(r.negotiated?.protocol, 'TLSv1.3');
    },
  },
  {
    name: 'a node:tls server with an expired certificate fails',
    start: () => {
      const c = leaf({ notBefore: daysFromNow(-60), notAfter: daysFromNow(-2) });
      return startTlsServer({ cert: c.certPem, key: c.keyPem });
    },
    protocols: ['TLSv1.2', 'TLSv1.3'],
    codes: ['CERT_EXPIRED', 'CIPHER_NOT_TESTABLE'],
    exit: 1,
    check: (t, r) => {
      // The two trust facts differ exactly here: the chain leads to the CA, but not while expired.
      t.same([r.chain.chainValid, r.chain.trustedNow], [true, false], 'chain-valid, not trusted now');
      t.match(r.chain.validityError, /expired at/);
      t.equal(r.chain.trusted, true, 'the deprecated alias keeps its old meaning (dates ignored)');
    },
  },
  {
    name: 'a node:tls server with an RSA-1024 key fails on key size',
    start: () => {
      const c = leaf({ keyBits: 1024 });
      return startTlsServer({ cert: c.certPem, key: c.keyPem });
    },
    protocols: ['TLSv1.2', 'TLSv1.3'],
    codes: ['KEY_TOO_SMALL', 'CIPHER_NOT_TESTABLE'],
    exit: 1,
    check: (t, r) => t.equal(r.chain.certificates[0]?.keyBits, 1024),
  },
  {
    name: 'a node:tls server that requires a client certificate is still assessed and holds',
    start: () =>
      startTlsServer({
        cert: good.certPem,
        key: good.keyPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      }),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    codes: ['CIPHER_NOT_TESTABLE'],
    exit: 0,
    check: (t, r) => {
      t.equal(r.clientCertificateRequired, true);
      t.equal(r.chain.certificates[0]?.subject, 'CN=localhost');
    },
    cipherCompare: {
      versions: ['TLSv1.3'],
      // Evidence (sslscan 2.0.7 XML against this server): TLS 1.2 enabled="1" but no TLS 1.2
      // <cipher> lines. At TLS 1.2 the server rejects a client without a certificate (alert 40)
      // AFTER its ServerHello has chosen the suite; sslscan only lists suites whose handshake
      // completed, meshprobe lists suites the server chose. TLS 1.3 completes before the
      // demand (alert 116 comes after Finished), so both list the same TLS 1.3 suites.
      why: 'sslscan lists no TLS 1.2 suites for client-cert-required servers',
    },
  },
  {
    name: 'an Istio-style STRICT port (SPIFFE leaf, empty subject, client cert required) is read before the rejection',
    start: () => {
      // MESH-NOTES §A.3: critical URI SAN, empty subject, 24 h lifetime, chain leaf + root, Istio ALPN.
      const meshLeaf = mintCert({
        issuer: ca,
        emptySubject: true,
        uris: ['spiffe://cluster.local/ns/payments/sa/api'],
        sanCritical: true,
        notAfter: daysFromNow(1),
      });
      return startTlsServer({
        cert: meshLeaf.certPem + ca.certPem,
        key: meshLeaf.keyPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['istio-http/1.1', 'istio'],
      });
    },
    args: { alpn: ['istio-http/1.1', 'istio'] },
    protocols: ['TLSv1.2', 'TLSv1.3'],
    // A mesh certificate names a SPIFFE id, not the address: a plain TLS client cannot authenticate it.
    codes: ['IDENTITY_MISMATCH', 'CERT_EXPIRING_SOON', 'CERT_SHORT_LIVED', 'CIPHER_NOT_TESTABLE'],
    exit: 1,
    check: (t, r) => {
      t.equal(r.clientCertificateRequired, true);
      t.equal(r.negotiated?.alpn, 'istio-http/1.1');
      t.same(r.chain.certificates[0]?.spiffe, [
        {
          uri: 'spiffe://cluster.local/ns/payments/sa/api',
          trustDomain: 'cluster.local',
          namespace: 'payments',
          serviceAccount: 'api',
        },
      ]);
      t.equal(r.chain.certificates.length, 2);
      t.equal(r.chain.trusted, true);
    },
    cipherCompare: { versions: ['TLSv1.3'], why: 'client-cert-required server; see the scenario above' },
  },
  {
    name: 'a node:tls server with an EC P-256 certificate yields full key facts and holds',
    start: () => {
      const ec = mintEcCert({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], issuer: ca, days: 200 });
      return startTlsServer({ cert: ec.certPem, key: ec.keyPem });
    },
    protocols: ['TLSv1.2', 'TLSv1.3'],
    codes: ['CIPHER_NOT_TESTABLE'],
    exit: 0,
    check: (t, r) => {
      const f = r.chain.certificates[0];
      t.same([f?.keyType, f?.curve, f?.keyBits], ['ec', 'P-256', 256]);
    },
  },
];

/** Accepted suites with a weakness class other than CBC. */
const weakSuites = (lists: Readonly<Partial<Record<string, readonly string[]>>>): string[] =>
  Object.values(lists)
    .flatMap((l) => l ?? [])
    .filter((s) => classifyCipher(s).some((c) => c !== 'cbc'))
    .sort();

function compareWithSslscan(t: Test, s: Scenario, r: Assessed, scan: SslscanFacts): void {
  for (const v of ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const) {
    t.equal(r.protocols[v], scan.protocols[v], `sslscan agrees on ${v}`);
  }
  const versions = s.cipherCompare?.versions ?? Object.keys(r.ciphers);
  for (const v of versions)
    t.same(r.ciphers[v as keyof typeof r.ciphers] ?? [], scan.ciphers[v] ?? [], `sslscan accepts the same ${v} suites`);
  t.same(
    weakSuites(Object.fromEntries(versions.map((v) => [v, r.ciphers[v as keyof typeof r.ciphers]]))),
    weakSuites(Object.fromEntries(versions.map((v) => [v, scan.ciphers[v]]))),
    'the same weak suites',
  );
  const f = r.chain.certificates[0];
  // sslscan reports EC keys as half their size: sslscan.c (rbsec/sslscan 2.0.x, EC branch of the
  // certificate printer) does `int keyBits = EVP_PKEY_bits(publicKey) / 2;` "to get the symmetric key
  // strength equivalent", so a P-256 key shows as <pk type="EC" curve_name="prime256v1" bits="128"/>.
  const sslscanBits = f?.keyType === 'ec' && f.keyBits !== null ? f.keyBits / 2 : f?.keyBits;
  t.equal(sslscanBits, scan.keyBits, 'sslscan agrees on the key size');
  t.equal(f?.keyType, scan.keyType?.toLowerCase(), 'sslscan agrees on the key type');
  t.equal(f?.notAfter, scan.notAfter, 'sslscan agrees on the expiry date');
  t.equal(
    r.findings.some((x) => x.code === 'CERT_EXPIRED'),
    scan.expired,
    'sslscan agrees on expired',
  );
}

t.test('meshprobe tls against real local servers, and agreement with sslscan', async (t) => {
  const skipSslscan = await sslscanSkipReason();
  for (const s of SCENARIOS) {
    await t.test(s.name, async (t) => {
      // Given a real server on 127.0.0.1
      const server = await s.start();
      t.teardown(server.close);
      // When meshprobe tls checks it with the CA as trust bundle
      const run = await runTlsCommand(
        { endpoints: [`127.0.0.1:${server.port}`], ...s.args },
        { output: 'json', caFile: files.path('ca.pem'), attemptTimeout: 5000 },
      );
      const doc = JSON.parse(run.stdout) as { endpoints: TlsEndpointResult[] };
      t.same(validate(TLS_SCHEMA, doc), [], 'the JSON validates against reports/schema/tls.v1.schema.json');
      const r = doc.endpoints[0];
      if (r?.kind !== 'assessed') throw new Error(`not assessed: ${run.stdout} ${run.stderr}`);
      // Then the accepted protocols, the finding codes and the exit code are as expected
      t.same(
        Object.entries(r.protocols)
          .filter(([, ok]) => ok)
          .map(([v]) => v),
        s.protocols,
        'accepted protocols',
      );
      t.same(
        r.findings.map((f) => f.code),
        s.codes,
        'finding codes',
      );
      t.equal(run.code, s.exit, 'exit code');
      t.equal(run.stderr, '', 'nothing on stderr');
      s.check?.(t, r);
      // And an independent scanner sees the same protocols, suites, key size and expiry
      await t.test('sslscan agrees', { skip: skipSslscan }, async (t) => {
        compareWithSslscan(t, s, r, await sslscan('127.0.0.1', server.port));
      });
    });
  }
});

t.test('the text summary names the verdict, the protocols and each finding', async (t) => {
  const server = await startOpenSslServer(good.certPem, good.keyPem, ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']);
  t.teardown(server.close);
  const run = await runTlsCommand(
    { endpoints: [`127.0.0.1:${server.port}`], servername: 'localhost' },
    { caFile: files.path('ca.pem') },
  );
  t.equal(run.code, 1);
  t.match(
    run.stdout,
    new RegExp(`^127\\.0\\.0\\.1:${server.port} \\(SNI localhost\\)  FAILS  profile pci-strong-crypto`),
  );
  t.match(run.stdout, /protocols {3}TLSv1 yes · TLSv1\.1 no · TLSv1\.2 no · TLSv1\.3 no/);
  t.match(run.stdout, /FAIL TLS_PROTOCOL_BELOW_MIN: The endpoint accepts TLSv1;/);
  t.match(run.stdout, /trust {7}chain-valid yes \(chains to the --ca-file bundle\), trusted-now yes/);
  t.notMatch(run.stdout, /CIPHER_NOT_TESTABLE/, 'info findings only with --verbose');
});

t.test('the tls13-only profile fails a server that also accepts TLS 1.2', async (t) => {
  const server = await startTlsServer({ cert: good.certPem, key: good.keyPem });
  t.teardown(server.close);
  const pci = await runTlsCommand({ endpoints: [`127.0.0.1:${server.port}`] }, { caFile: files.path('ca.pem') });
  const strict = await runTlsCommand(
    { endpoints: [`127.0.0.1:${server.port}`], profile: 'tls13-only' },
    { caFile: files.path('ca.pem') },
  );
  t.equal(pci.code, 0);
  t.equal(strict.code, 1);
  t.match(
    strict.stdout,
    /TLS_PROTOCOL_BELOW_MIN: The endpoint accepts TLSv1\.2; the tls13-only profile accepts TLS 1\.3 only/,
  );
});

t.test(
  'a NULL-only server fails with the suite named, and does not make a multi-endpoint call "unreachable"',
  async (t) => {
    // Given an openssl s_server that offers only NULL suites, and an ordinary node:tls server
    const nullOnly = await startOpenSslServer(good.certPem, good.keyPem, [
      '-tls1_2',
      '-cipher',
      'NULL-SHA256:NULL-SHA@SECLEVEL=0',
    ]);
    t.teardown(nullOnly.close);
    const modern = await startTlsServer({ cert: good.certPem, key: good.keyPem });
    t.teardown(modern.close);
    // When one call checks both
    const run = await runTlsCommand(
      { endpoints: [`127.0.0.1:${nullOnly.port}`, `127.0.0.1:${modern.port}`] },
      { output: 'json', caFile: files.path('ca.pem') },
    );
    const doc = JSON.parse(run.stdout) as { endpoints: TlsEndpointResult[] };
    // Then the NULL-only server is assessed and fails naming its suites; the other holds; exit 1, not 3
    const [weak, ok] = doc.endpoints;
    if (weak?.kind !== 'assessed') throw new Error(`not assessed: ${run.stdout} ${run.stderr}`);
    t.same(weak.ciphers['TLSv1.2'], ['NULL-SHA', 'NULL-SHA256']);
    t.equal(weak.status, 'fails');
    t.match(weak.findings.map((f) => f.message).join('\n'), /accepts cipher suite NULL-SHA256 \(NULL encryption/);
    t.match(ok, { kind: 'assessed', status: 'holds' });
    t.equal(run.code, 1);
    t.equal(run.stderr, '');
  },
);

t.test('an anonymous-only server fails with the suite named instead of "does not speak TLS"', async (t) => {
  const anon = await startOpenSslServer(good.certPem, good.keyPem, [
    '-tls1_2',
    '-cipher',
    'AECDH-AES128-SHA@SECLEVEL=0',
  ]);
  t.teardown(anon.close);
  const run = await runTlsCommand({ endpoints: [`127.0.0.1:${anon.port}`] });
  t.equal(run.code, 1);
  t.match(run.stdout, /FAIL CIPHER_WEAK: The endpoint accepts cipher suite AECDH-AES128-SHA \(anonymous key exchange/);
  t.notMatch(run.stderr, /does not speak TLS/);
});
