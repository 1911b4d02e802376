/**
 * The crypto policy over protocols and cipher suites (certificates are covered by
 * certificate.test.ts), the cipher classifier, and the profiles as data.
 */
import t from 'tap';
import { parseChain } from '../../../src/crypto/certificate.js';
import { classifyCipher, isTls13Suite } from '../../../src/crypto/cipher-suite.js';
import { certificateFindings, evaluateCrypto, sortFindings } from '../../../src/crypto/crypto-policy.js';
import { cryptoProfile, CRYPTO_PROFILES, PCI_STRONG_CRYPTO, TLS13_ONLY } from '../../../src/crypto/profiles/index.js';
import { daysFromNow, mintCa, mintCert } from '../../helpers/certs.js';

const NOW = new Date();
const ca = mintCa();
const goodChain = parseChain(
  [mintCert({ issuer: ca, dns: ['localhost'], notAfter: daysFromNow(200, NOW) }).certPem, ca.certPem],
  {
    trustPem: ca.certPem,
    expectedIdentity: { hostname: 'localhost' },
  },
);
const base = { chain: goodChain, now: NOW, expiryWarningDays: 30 };
const codes = (input: Partial<Parameters<typeof evaluateCrypto>[0]>, profile = PCI_STRONG_CRYPTO): string[] =>
  evaluateCrypto({ ...base, ...input }, profile).map((f) => f.code);

t.test('cipher suites are classified by name (OpenSSL and IANA spellings)', async (t) => {
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['ECDHE-RSA-AES128-GCM-SHA256', []],
    ['TLS_AES_256_GCM_SHA384', []],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', []],
    ['AES128-SHA', ['cbc']],
    ['ECDHE-RSA-AES256-SHA384', ['cbc']],
    ['NULL-SHA256', ['null']],
    ['ECDHE-RSA-NULL-SHA', ['null']],
    ['AECDH-NULL-SHA', ['null', 'anon']],
    ['ADH-AES128-GCM-SHA256', ['anon']],
    ['ADH-AES256-SHA', ['anon', 'cbc']],
    ['RC4-SHA', ['rc4']],
    ['EXP-RC4-MD5', ['export', 'rc4']],
    ['DES-CBC3-SHA', ['3des', 'cbc']],
    ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', ['3des', 'cbc']],
    ['DES-CBC-SHA', ['des', 'cbc']],
    ['TLS_RSA_WITH_DES_CBC_SHA', ['des', 'cbc']],
    ['EXP-DES-CBC-SHA', ['export', 'des', 'cbc']],
    ['TLS_DH_anon_WITH_AES_128_CBC_SHA', ['anon', 'cbc']],
    ['TLS_RSA_WITH_NULL_SHA', ['null']],
    ['TLS_RSA_EXPORT_WITH_RC4_40_MD5', ['export', 'rc4']],
  ];
  for (const [suite, want] of cases) t.same(classifyCipher(suite), want, suite);
  t.equal(isTls13Suite('TLS_CHACHA20_POLY1305_SHA256'), true);
  t.equal(isTls13Suite('TLS_RSA_WITH_NULL_SHA'), false);
});

t.test('protocol and cipher findings under the PCI profile', async (t) => {
  const cases: ReadonlyArray<{
    name: string;
    input: Partial<Parameters<typeof evaluateCrypto>[0]>;
    want: readonly string[];
  }> = [
    {
      name: 'TLS 1.2 + 1.3 with AEAD suites holds',
      input: {
        protocolsAccepted: ['TLSv1.2', 'TLSv1.3'],
        ciphersAccepted: ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256'],
      },
      want: [],
    },
    { name: 'TLS 1.0 fails', input: { protocolsAccepted: ['TLSv1', 'TLSv1.2'] }, want: ['TLS_PROTOCOL_BELOW_MIN'] },
    {
      name: 'TLS 1.0 and 1.1 fail once each',
      input: { protocolsAccepted: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] },
      want: ['TLS_PROTOCOL_BELOW_MIN', 'TLS_PROTOCOL_BELOW_MIN'],
    },
    {
      name: 'a NULL suite fails',
      input: { protocolsAccepted: ['TLSv1.2'], ciphersAccepted: ['NULL-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'] },
      want: ['CIPHER_WEAK'],
    },
    {
      name: 'NULL, RC4 and 3DES fail once each',
      input: { ciphersAccepted: ['NULL-SHA', 'RC4-SHA', 'DES-CBC3-SHA', 'AES128-GCM-SHA256'] },
      want: ['CIPHER_WEAK', 'CIPHER_WEAK', 'CIPHER_WEAK'],
    },
    {
      name: 'CBC-only at TLS 1.2 warns',
      input: { protocolsAccepted: ['TLSv1.2'], ciphersAccepted: ['AES128-SHA', 'ECDHE-RSA-AES256-SHA384'] },
      want: ['CIPHER_CBC_ONLY'],
    },
    {
      name: 'CBC next to an AEAD suite is fine',
      input: { ciphersAccepted: ['AES128-SHA', 'AES128-GCM-SHA256'] },
      want: [],
    },
    {
      name: 'a negotiated CBC suite warns when the full list is unknown',
      input: { negotiated: { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-SHA' } },
      want: ['CIPHER_CBC_NEGOTIATED'],
    },
    {
      name: 'a negotiated TLS 1.0 fails even without a version scan',
      input: { negotiated: { protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA' } },
      want: ['TLS_PROTOCOL_BELOW_MIN', 'CIPHER_CBC_NEGOTIATED'],
    },
    {
      name: 'suites this client cannot offer are reported as info, not as absent',
      input: { ciphersNotTestable: ['RC4-SHA'] },
      want: ['CIPHER_NOT_TESTABLE'],
    },
  ];
  for (const c of cases) t.same(codes(c.input), c.want, c.name);
});

t.test('finding messages name the protocol, the suite and the basis', async (t) => {
  const [tls11] = evaluateCrypto({ ...base, protocolsAccepted: ['TLSv1.1'] });
  t.match(tls11?.message, /accepts TLSv1\.1; meshprobe policy, not PCI text/);
  const [weak] = evaluateCrypto({ ...base, ciphersAccepted: ['DES-CBC3-SHA'] });
  t.match(weak?.message, /DES-CBC3-SHA \(3DES: 64-bit block cipher vulnerable to Sweet32\)/);
});

t.test('the tls13-only profile is stricter: TLS 1.2 and CBC fail', async (t) => {
  t.same(codes({ protocolsAccepted: ['TLSv1.2', 'TLSv1.3'], ciphersAccepted: ['AES128-SHA'] }, TLS13_ONLY), [
    'CIPHER_CBC_ONLY',
    'TLS_PROTOCOL_BELOW_MIN',
  ]);
  t.same(codes({ protocolsAccepted: ['TLSv1.3'], ciphersAccepted: ['TLS_AES_128_GCM_SHA256'] }, TLS13_ONLY), []);
  t.equal(cryptoProfile('tls13-only'), TLS13_ONLY);
  t.equal(cryptoProfile('nope'), undefined);
  t.equal(CRYPTO_PROFILES[0], PCI_STRONG_CRYPTO, 'the PCI profile is the default');
});

t.test('a weak self-signed root further up the chain is not judged on its own signature', async (t) => {
  // Given a SHA-1 self-signed root at chain position 1 and the same certificate as a leaf
  const root = parseChain([mintCert({ cn: 'old root', isCa: true, hash: 'sha1' }).certPem]).certificates[0];
  if (root === undefined) throw new Error('no root');
  // When judged as a chain certificate and as the leaf
  const asChain = certificateFindings(root, { index: 1, now: NOW, expiryWarningDays: 30 });
  const asLeaf = certificateFindings(root, { index: 0, now: NOW, expiryWarningDays: 30 });
  // Then only the leaf role fails on the SHA-1 signature
  t.same(
    asChain.map((f) => f.code),
    [],
  );
  t.same(
    asLeaf.map((f) => f.code),
    ['SIGNATURE_WEAK', 'CERT_LEAF_IS_CA'],
  );
});

t.test('findings sort fails first, then warnings, then info, then by code', async (t) => {
  const sorted = sortFindings([
    { code: 'B', severity: 'info', message: 'x' },
    { code: 'Z', severity: 'warn', message: 'x' },
    { code: 'A', severity: 'info', message: 'x' },
    { code: 'Y', severity: 'fail', message: 'x' },
  ]);
  t.same(
    sorted.map((f) => f.code),
    ['Y', 'Z', 'A', 'B'],
  );
});
