import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import type { CertificateFacts, CertificateInventoryEntry } from '../../../src/domain/certificate.js';
import { CONTROLS } from '../../../src/catalogue/index.js';
import { evidenceOf, judgeInput, PROBE_NS, svc } from '../../helpers/report-fixtures.js';
import { mintCa, mintCert } from '../../helpers/certs.js';

const facts = (fp: string): CertificateFacts => ({
  fingerprintSha256: fp, parsed: true, subject: 'CN=api.pay.example', issuer: 'CN=Pay CA', serialNumber: '01',
  notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', keyType: 'ec', keyBits: 256, curve: 'prime256v1',
  signatureAlgorithm: 'ecdsa-with-SHA256', selfSigned: false, isCa: false, sans: { dns: ['api.pay.example'], ip: [], uri: [] }, spiffe: [],
});
const entry = (fp: string, fail = false): CertificateInventoryEntry => ({
  facts: facts(fp),
  seenAt: [{ target: 'Service/payments/api', port: 443, vantage: 'host' }],
  findings: fail ? [{ code: 'CERT_EXPIRED', severity: 'fail', message: 'The leaf certificate expired on 2025-12-01' }] : [],
});

t.test('4.2.1 is not applicable without --untrusted-path and says in-cluster mTLS is supporting evidence only', async (t) => {
  const j = findControl('4.2.1')!.judge(judgeInput([]));
  t.equal(j.status, 'not-applicable');
  t.match(j.reasons[0], /supporting evidence for 1\.2\.6, 2\.2\.5 and 2\.2\.7, not 4\.2\.1 evidence/);
});

t.test('4.2.1 holds for TLS 1.3 with a CA-issued 2048-bit certificate, fails for TLS 1.0 or a 1024-bit key, inconclusive when never tried', async (t) => {
  // Given certificates minted at test time: a CA, a good leaf and a weak-key leaf
  const ca = mintCa('meshprobe 4.2.1 test CA');
  const good = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca });
  const weak = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca, keyBits: 1024 });
  const step = (protocol: string, leaf = good) => ({
    probeId: 'tls-handshake', vantage: PROBE_NS, target: svc('payments', 'gateway'), port: 443, address: 'pay.example',
    observed: { kind: 'tls' as const, protocol, cipher: protocol === 'TLSv1.3' ? 'TLS_AES_128_GCM_SHA256' : 'ECDHE-RSA-AES128-GCM-SHA256', chain: [leaf.certPem, ca.certPem] },
  });
  const context = { untrustedPaths: ['pay.example:443'] };
  const judge = (ev: ReturnType<typeof evidenceOf>) => findControl('4.2.1')!.judge({ ...judgeInput(ev, { context }), now: new Date() });
  const ok = judge(evidenceOf([step('TLSv1.3')]));
  t.equal(ok.status, 'holds', ok.reasons.join(' '));
  const oldTls = judge(evidenceOf([step('TLSv1')]));
  t.equal(oldTls.status, 'fails');
  t.match(oldTls.reasons[0], /payments\/gateway port 443 completed a TLS handshake \(TLSv1\) .*: not strong cryptography \(.*TLSv1/);
  const smallKey = judge(evidenceOf([step('TLSv1.3', weak)]));
  t.equal(smallKey.status, 'fails');
  t.match(smallKey.reasons[0], /1024/);
  t.equal(judge([]).status, 'inconclusive');
});

t.test('4.2.1.1 fails naming the expired certificate, is inconclusive without a trust bundle, holds with one', async (t) => {
  const c = findControl('4.2.1.1')!;
  const fail = c.judge(judgeInput([], { certificates: [entry('ab'.repeat(32), true)] }));
  t.equal(fail.status, 'fails');
  t.match(fail.reasons[0], 'The certificate api.pay.example (sha256 abababababababab…) seen at Service/payments/api port 443 has failing findings: The leaf certificate expired on 2025-12-01.');
  t.equal(c.judge(judgeInput([], { certificates: [entry('cd'.repeat(32))] })).status, 'inconclusive');
  t.equal(c.judge(judgeInput([], { certificates: [entry('cd'.repeat(32))], context: { trustBundleSupplied: true } })).status, 'holds');
  t.equal(c.judge(judgeInput([])).status, 'inconclusive');
});

t.test('requirements a probe cannot evidence are listed as not-applicable with a reason, never dropped', async (t) => {
  for (const req of ['1.3.3', '1.4.1', '1.4.3', '4.2.1.2', '10.2.1', '11.3.1', '11.3.2']) {
    const c = CONTROLS.find((x) => x.requirement === req);
    t.ok(c, `${req} is in the catalogue`);
    const j = c!.judge(judgeInput([]));
    t.equal(j.status, 'not-applicable', req);
    t.ok(j.reasons[0] && j.reasons[0].length > 40, `${req} has a reason`);
  }
});
