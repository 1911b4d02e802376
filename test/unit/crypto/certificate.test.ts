/**
 * Certificate facts and policy findings over a table of certificates minted at test time
 * (node-forge for RSA, Debian openssl for EC), each with its exact expected findings.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import {
  parseCertificate,
  parseChain,
  fingerprintOfPem,
  parseSpiffeId,
  splitPemBundle,
  type ExpectedIdentity,
} from '../../../src/crypto/certificate.js';
import { evaluateCrypto } from '../../../src/crypto/crypto-policy.js';
import { daysFromNow, mintCa, mintCert, mintEcCert, type MintedCert } from '../../helpers/certs.js';

const NOW = new Date();
// Evaluate a quarter hour after minting: openssl stamps notBefore with its own (later) clock.
const AT = daysFromNow(0.01, NOW);
const ca = mintCa('meshprobe unit CA');
const otherCa = mintCa('some other CA');
const LINKERD_ID = 'books.booksapp.serviceaccount.identity.linkerd.cluster.local';
const SPIFFE_ID = 'spiffe://cluster.local/ns/demo/sa/server';
const valid = (extra: Parameters<typeof mintCert>[0] = {}): MintedCert =>
  mintCert({
    issuer: ca,
    dns: ['localhost'],
    ips: ['127.0.0.1'],
    notBefore: daysFromNow(-1, NOW),
    notAfter: daysFromNow(365, NOW),
    ...extra,
  });

interface Case {
  readonly name: string;
  readonly chain: readonly string[];
  readonly trustPem?: string;
  readonly identity?: ExpectedIdentity;
  readonly facts: Partial<Record<string, unknown>>;
  readonly codes: readonly string[];
}

const istio = mintCert({
  issuer: mintCert({ cn: 'istio-ca', org: 'cluster.local', isCa: true }),
  emptySubject: true,
  uris: [SPIFFE_ID],
  sanCritical: true,
  notBefore: daysFromNow(-0.1, NOW),
  notAfter: daysFromNow(0.9, NOW),
});
const ecLeaf = mintEcCert({ cn: 'books', dns: [LINKERD_ID], issuer: ca, days: 100 });
const ecSelf = mintEcCert({ cn: 'ec-self', dns: ['localhost'], days: 100 });

const CASES: readonly Case[] = [
  {
    name: 'a valid RSA-2048 leaf chained to the trust bundle has no findings',
    chain: [valid().certPem, ca.certPem],
    trustPem: ca.certPem,
    identity: { hostname: 'localhost' },
    facts: {
      keyType: 'rsa',
      keyBits: 2048,
      selfSigned: false,
      isCa: false,
      subject: 'CN=localhost',
      issuer: 'CN=meshprobe unit CA',
      signatureAlgorithm: 'sha256WithRSAEncryption',
    },
    codes: [],
  },
  {
    name: 'an expired leaf fails',
    chain: [valid({ notBefore: daysFromNow(-30, NOW), notAfter: daysFromNow(-1, NOW) }).certPem],
    facts: {},
    codes: ['CERT_EXPIRED'],
  },
  {
    name: 'a not-yet-valid leaf fails',
    chain: [valid({ notBefore: daysFromNow(2, NOW), notAfter: daysFromNow(30, NOW) }).certPem],
    facts: {},
    codes: ['CERT_NOT_YET_VALID'],
  },
  {
    name: 'a leaf expiring within the warning window warns',
    chain: [valid({ notAfter: daysFromNow(10, NOW) }).certPem],
    facts: {},
    codes: ['CERT_EXPIRING_SOON'],
  },
  {
    name: 'a self-signed leaf fails',
    chain: [mintCert({ cn: 'localhost', dns: ['localhost'], notAfter: daysFromNow(90, NOW) }).certPem],
    facts: { selfSigned: true, isCa: false, issuer: 'CN=localhost' },
    codes: ['CERT_SELF_SIGNED'],
  },
  {
    name: 'a self-signed leaf that the trust bundle pins is accepted',
    chain: [ecSelf.certPem],
    trustPem: ecSelf.certPem,
    facts: { selfSigned: true, keyType: 'ec', signatureAlgorithm: 'ecdsa-with-SHA256' },
    codes: [],
  },
  {
    name: 'an RSA-1024 leaf fails on key size',
    chain: [valid({ keyBits: 1024 }).certPem],
    facts: { keyType: 'rsa', keyBits: 1024 },
    codes: ['KEY_TOO_SMALL'],
  },
  {
    name: 'an RSA-2048 leaf passes on key size',
    chain: [valid({ keyBits: 2048 }).certPem],
    facts: { keyType: 'rsa', keyBits: 2048 },
    codes: [],
  },
  {
    name: 'an EC P-256 leaf (Linkerd-style DNS identity) yields full facts and passes',
    chain: [ecLeaf.certPem, ca.certPem],
    trustPem: ca.certPem,
    identity: { dns: LINKERD_ID },
    facts: {
      keyType: 'ec',
      keyBits: 256,
      curve: 'P-256',
      subject: 'CN=books',
      signatureAlgorithm: 'sha256WithRSAEncryption',
      serialNumber: '2A',
      sans: { dns: [LINKERD_ID], ip: [], uri: [] },
    },
    codes: [],
  },
  {
    name: 'a SHA-1 signed leaf fails',
    chain: [valid({ hash: 'sha1' }).certPem],
    facts: { signatureAlgorithm: 'sha1WithRSAEncryption' },
    codes: ['SIGNATURE_WEAK'],
  },
  {
    name: 'an MD5 signed leaf fails',
    chain: [valid({ hash: 'md5' }).certPem],
    facts: { signatureAlgorithm: 'md5WithRSAEncryption' },
    codes: ['SIGNATURE_WEAK'],
  },
  {
    name: 'a leaf whose SAN does not name the host fails on identity',
    chain: [valid({ dns: ['other.example'], ips: [] }).certPem],
    identity: { hostname: 'localhost' },
    facts: { sans: { dns: ['other.example'], ip: [], uri: [] } },
    codes: ['IDENTITY_MISMATCH'],
  },
  {
    name: 'an Istio-style leaf (empty subject, critical SPIFFE URI SAN) yields its SPIFFE id and matches it',
    chain: [istio.certPem],
    identity: { spiffe: SPIFFE_ID },
    facts: {
      subject: '',
      issuer: 'CN=istio-ca, O=cluster.local',
      spiffe: [{ uri: SPIFFE_ID, trustDomain: 'cluster.local', namespace: 'demo', serviceAccount: 'server' }],
      sans: { dns: [], ip: [], uri: [SPIFFE_ID] },
    },
    codes: ['CERT_EXPIRING_SOON', 'CERT_SHORT_LIVED'],
  },
  {
    name: 'an Istio-style leaf with another SPIFFE id fails on identity',
    chain: [istio.certPem],
    identity: { spiffe: 'spiffe://cluster.local/ns/demo/sa/other' },
    facts: {},
    codes: ['IDENTITY_MISMATCH', 'CERT_EXPIRING_SOON', 'CERT_SHORT_LIVED'],
  },
  {
    name: 'a CA certificate served as the leaf fails as self-signed and warns as CA',
    chain: [ca.certPem],
    facts: { isCa: true, selfSigned: true },
    codes: ['CERT_SELF_SIGNED', 'CERT_LEAF_IS_CA'],
  },
  {
    name: 'a leaf from another CA is untrusted',
    chain: [valid().certPem, ca.certPem],
    trustPem: otherCa.certPem,
    facts: {},
    codes: ['CERT_UNTRUSTED'],
  },
  {
    name: 'a chain in the wrong order warns',
    chain: [valid().certPem, otherCa.certPem],
    trustPem: ca.certPem,
    facts: {},
    codes: ['CERT_CHAIN_ORDER'],
  },
  {
    name: 'a broken PEM (base64 that is not a certificate) is a fact with a reason, not a crash',
    chain: ['-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n'],
    facts: { parsed: false, keyType: 'unknown' },
    codes: ['CERT_UNPARSEABLE'],
  },
  {
    name: 'text without any PEM block is unparseable',
    chain: ['not a certificate at all'],
    facts: { parsed: false, fingerprintSha256: '' },
    codes: ['CERT_UNPARSEABLE'],
  },
  { name: 'no certificate at all is a warning', chain: [], facts: {}, codes: ['CERT_MISSING'] },
];

t.test('certificate table: facts and exact findings', async (t) => {
  for (const c of CASES) {
    // Given a minted chain, a trust bundle and an expected identity as in the row
    const opts = {
      ...(c.trustPem !== undefined ? { trustPem: c.trustPem } : {}),
      ...(c.identity ? { expectedIdentity: c.identity } : {}),
    };
    // When it is parsed and evaluated with the PCI profile
    const chain = parseChain(c.chain, opts);
    const findings = evaluateCrypto({ chain, now: AT, expiryWarningDays: 30 });
    // Then the leaf facts and the finding codes are exactly as expected
    const leaf = chain.certificates[0];
    for (const [key, want] of Object.entries(c.facts))
      t.same(leaf?.[key as keyof typeof leaf], want, `${c.name}: ${key}`);
    t.same(
      findings.map((f) => f.code),
      c.codes,
      c.name,
    );
    for (const f of findings) t.match(f.message, /^[A-Z].*\.$/, `${c.name}: ${f.code} message is a sentence`);
  }
});

t.test('facts agree with openssl x509 for every parseable certificate in the table', async (t) => {
  const pems = [...new Set(CASES.flatMap((c) => c.chain))].filter((p) => parseCertificate(p).parsed);
  t.ok(pems.length >= 10, 'enough certificates to compare');
  for (const pem of pems) {
    // Given openssl's own reading of the certificate
    const text = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-serial', '-text'], {
      input: pem,
      encoding: 'utf8',
    });
    // When meshprobe parses the same PEM
    const f = parseCertificate(pem);
    // Then fingerprint, serial, signature algorithm and key size agree
    t.equal(
      f.fingerprintSha256,
      /Fingerprint=([0-9A-F:]+)/.exec(text)?.[1]?.replace(/:/g, '').toLowerCase(),
      `${f.subject} fingerprint`,
    );
    t.equal(f.serialNumber, /serial=([0-9A-F]+)/.exec(text)?.[1], `${f.subject} serial`);
    t.equal(f.signatureAlgorithm, /Signature Algorithm: (\S+)/.exec(text)?.[1], `${f.subject} signature algorithm`);
    t.equal(f.keyBits, Number(/Public-Key: \((\d+) bit\)/.exec(text)?.[1]), `${f.subject} key bits`);
  }
});

t.test('fingerprintOfPem matches the parsed fingerprint and keys broken PEMs stably', async (t) => {
  const pem = valid().certPem;
  t.equal(fingerprintOfPem(pem), parseCertificate(pem).fingerprintSha256);
  t.equal(fingerprintOfPem('garbage'), fingerprintOfPem('  garbage\n'), 'text is trimmed before hashing');
  t.not(fingerprintOfPem('garbage'), fingerprintOfPem('other garbage'));
  t.match(fingerprintOfPem('garbage'), /^[0-9a-f]{64}$/);
});

t.test('IP SANs are rendered as text (IPv4 dotted, IPv6 compressed) and hostnames match IPs', async (t) => {
  const pem = valid({ ips: ['127.0.0.1', '::1', 'fd00:0:0:1::5'] }).certPem;
  t.same(parseCertificate(pem).sans.ip, ['127.0.0.1', '::1', 'fd00:0:0:1::5']);
  t.equal(parseChain([pem], { expectedIdentity: { hostname: '127.0.0.1' } }).identityMatch, true);
  t.equal(parseChain([pem], { expectedIdentity: { hostname: '10.0.0.1' } }).identityMatch, false);
});

t.test('SPIFFE ids: Istio form gets namespace and service account, other paths only the trust domain', async (t) => {
  t.same(parseSpiffeId('spiffe://td.example/ns/a/sa/b'), {
    uri: 'spiffe://td.example/ns/a/sa/b',
    trustDomain: 'td.example',
    namespace: 'a',
    serviceAccount: 'b',
  });
  t.same(parseSpiffeId('spiffe://td.example/workload/x'), {
    uri: 'spiffe://td.example/workload/x',
    trustDomain: 'td.example',
  });
  t.equal(parseSpiffeId('https://example.com/x'), undefined);
});

t.test('trust: an intermediate in the presented chain links the leaf to the root in the bundle', async (t) => {
  // Given root → intermediate → leaf, with only the root in the bundle
  const inter = mintCert({ cn: 'intermediate', isCa: true, issuer: ca });
  const leaf = mintCert({ issuer: inter, dns: ['localhost'] });
  // When the chain is parsed with and without the intermediate
  const full = parseChain([leaf.certPem, inter.certPem], { trustPem: ca.certPem });
  const missing = parseChain([leaf.certPem], { trustPem: ca.certPem });
  // Then only the complete chain is trusted, and the reason names the missing issuer
  t.equal(full.trusted, true);
  t.equal(full.chainOrderOk, true);
  t.equal(missing.trusted, false);
  t.match(missing.trustError, /issuer "CN=intermediate"/);
  t.same(
    parseChain([leaf.certPem], { trustPem: 'no certs here' }).trustError,
    'The trust bundle contains no readable certificate.',
  );
  t.equal(splitPemBundle(ca.certPem + otherCa.certPem).length, 2);
});

t.test(
  'control characters in a peer-chosen SAN become U+FFFD, so a hostile certificate cannot forge terminal or Markdown lines',
  async (t) => {
    // Given a certificate whose DNS and URI SANs carry an escape sequence and a line break
    const hostile = mintCert({ dns: ['evil\u001b[2J.example'], uris: ['spiffe://x/ns/a\n### 1.3.1 holds'] });
    // When its facts are read
    const facts = parseCertificate(hostile.certPem);
    // Then no control character survives
    t.same(facts.sans.dns, ['evil\ufffd[2J.example']);
    t.same(facts.sans.uri, ['spiffe://x/ns/a\ufffd### 1.3.1 holds']);
  },
);

t.test(
  'chain-valid ignores dates, trusted-now does not: an expired anchor in the bundle and an expired leaf',
  async (t) => {
    // Given a CA that expired yesterday and a valid leaf it issued, and a valid CA with an expired leaf
    const now = new Date();
    const oldCa = mintCert({ cn: 'old CA', isCa: true, notBefore: daysFromNow(-400), notAfter: daysFromNow(-1) });
    const leafOfOld = mintCert({ cn: 'svc', issuer: oldCa, notAfter: daysFromNow(100) });
    const ca = mintCa('current CA');
    const expiredLeaf = mintCert({ cn: 'svc', issuer: ca, notBefore: daysFromNow(-30), notAfter: daysFromNow(-2) });
    // When each chain is checked against its bundle, with and without `now`
    const a = parseChain([leafOfOld.certPem], { trustPem: oldCa.certPem, now });
    const b = parseChain([expiredLeaf.certPem], { trustPem: ca.certPem, now });
    const noClock = parseChain([expiredLeaf.certPem], { trustPem: ca.certPem });
    // Then both are chain-valid but not trusted now, each saying which certificate is out of date
    t.same([a.chainValid, a.trustedNow, a.trusted], [true, false, true]);
    t.match(a.validityError, /"CN=old CA" on the trust path expired at/);
    t.same([b.chainValid, b.trustedNow], [true, false]);
    t.match(b.validityError, /"CN=svc" on the trust path expired at/);
    t.equal(noClock.trustedNow, undefined, 'trusted-now needs a clock');
    // And the policy fails the expired anchor (no presented certificate is out of date) once, and the expired leaf as CERT_EXPIRED only
    const codes = (chain: typeof a) =>
      evaluateCrypto({ chain, now, expiryWarningDays: 30 })
        .filter((f) => f.severity === 'fail')
        .map((f) => f.code);
    t.same(codes(a), ['CERT_UNTRUSTED']);
    t.same(codes(b), ['CERT_EXPIRED']);
  },
);
