import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import type { CertificateFacts, CertificateInventoryEntry } from '../../../src/domain/certificate.js';
import { CONTROLS } from '../../../src/catalogue/index.js';
import type { TlsVersion } from '../../../probes/protocol.js';
import { evidenceOf, judgeInput, PROBE_NS, svc, type Step } from '../../helpers/report-fixtures.js';
import { mintCa, mintCert } from '../../helpers/certs.js';

const facts = (fp: string): CertificateFacts => ({
  fingerprintSha256: fp,
  parsed: true,
  subject: 'CN=api.pay.example',
  issuer: 'CN=Pay CA',
  serialNumber: '01',
  notBefore: '2025-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  keyType: 'ec',
  keyBits: 256,
  curve: 'prime256v1',
  signatureAlgorithm: 'ecdsa-with-SHA256',
  selfSigned: false,
  isCa: false,
  sans: { dns: ['api.pay.example'], ip: [], uri: [] },
  spiffe: [],
});
/** A protocol_version alert: how a TLS 1.2+ server refuses a pinned legacy version. */
const refusal = { kind: 'tls' as const, handshake: false, alert: 70 };

/** A version-pinned legacy handshake to payments/gateway port 443 (pay.example) from the probe namespace. */
function pinned(
  probeId: string,
  version: TlsVersion,
  observed: Step['observed'],
  target = svc('payments', 'gateway'),
  address = 'pay.example',
  port = 443,
): Step {
  return {
    probeId,
    vantage: PROBE_NS,
    target,
    port,
    address,
    tls: { minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' },
    observed,
  };
}

const entry = (fp: string, fail = false): CertificateInventoryEntry => ({
  facts: facts(fp),
  seenAt: [{ target: 'Service/payments/api', port: 443, vantage: 'host' }],
  findings: fail
    ? [{ code: 'CERT_EXPIRED', severity: 'fail', message: 'The leaf certificate expired on 2025-12-01' }]
    : [],
});

t.test(
  '4.2.1 is not applicable without --untrusted-path and says in-cluster mTLS is supporting evidence only',
  async (t) => {
    const j = findControl('4.2.1')!.judge(judgeInput([]));
    t.equal(j.status, 'not-applicable');
    t.match(j.reasons[0], /supporting evidence for 1\.2\.6, 2\.2\.5 and 2\.2\.7, not 4\.2\.1 evidence/);
  },
);

t.test(
  '4.2.1 holds for TLS 1.3 with a CA-issued 2048-bit certificate, fails for TLS 1.0 or a 1024-bit key, inconclusive when never tried',
  async (t) => {
    // Given certificates minted at test time: a CA, a good leaf and a weak-key leaf
    const ca = mintCa('meshprobe 4.2.1 test CA');
    const good = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca });
    const weak = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca, keyBits: 1024 });
    const step = (protocol: string, leaf = good) => ({
      probeId: 'tls-handshake',
      vantage: PROBE_NS,
      target: svc('payments', 'gateway'),
      port: 443,
      address: 'pay.example',
      observed: {
        kind: 'tls' as const,
        protocol,
        cipher: protocol === 'TLSv1.3' ? 'TLS_AES_128_GCM_SHA256' : 'ECDHE-RSA-AES128-GCM-SHA256',
        chain: [leaf.certPem, ca.certPem],
      },
    });
    // And version-pinned legacy handshakes the server refused (protocol_version alert)
    const refusedLegacy = [pinned('tls-legacy-1-0', 'TLSv1', refusal), pinned('tls-legacy-1-1', 'TLSv1.1', refusal)];
    const context = { untrustedPaths: ['pay.example:443'] };
    const judge = (ev: ReturnType<typeof evidenceOf>) =>
      findControl('4.2.1')!.judge({ ...judgeInput(ev, { context }), now: new Date() });
    const ok = judge(evidenceOf([step('TLSv1.3'), ...refusedLegacy]));
    t.equal(ok.status, 'holds', ok.reasons.join(' '));
    t.match(ok.reasons[0], 'handshakes pinned to TLSv1 and TLSv1.1 were refused');
    const oldTls = judge(evidenceOf([step('TLSv1'), ...refusedLegacy]));
    t.equal(oldTls.status, 'fails');
    t.match(
      oldTls.reasons[0],
      /payments\/gateway port 443 \(untrusted path pay\.example:443\) completed a TLS handshake \(TLSv1\) .*: not strong cryptography \(.*TLSv1/,
    );
    const smallKey = judge(evidenceOf([step('TLSv1.3', weak), ...refusedLegacy]));
    t.equal(smallKey.status, 'fails');
    t.match(smallKey.reasons[0], /1024/);
    t.equal(judge([]).status, 'inconclusive');
  },
);

t.test(
  '4.2.1 fails when a handshake pinned to TLS 1.0 or 1.1 is accepted, naming the target, port and protocol',
  async (t) => {
    // Given a path whose ordinary handshake negotiates TLS 1.3 with a good certificate
    const ca = mintCa('meshprobe 4.2.1 legacy CA');
    const leaf = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca });
    const chain = [leaf.certPem, ca.certPem];
    const ordinary: Step = {
      probeId: 'tls-handshake',
      vantage: PROBE_NS,
      target: svc('payments', 'gateway'),
      port: 443,
      address: 'pay.example',
      observed: { kind: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', chain },
    };
    // And a server that still accepts TLS 1.0 when the client pins it (TLS 1.1 refused)
    const legacy = { kind: 'tls' as const, protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA', chain };
    const ev = evidenceOf([
      ordinary,
      pinned('tls-legacy-1-0', 'TLSv1', legacy),
      pinned('tls-legacy-1-1', 'TLSv1.1', refusal),
    ]);
    // When 4.2.1 judges the path
    const j = findControl('4.2.1')!.judge({
      ...judgeInput(ev, { context: { untrustedPaths: ['pay.example:443'] } }),
      now: new Date(),
    });
    // Then it fails with one reason naming the workload, the port, the path as given and the legacy protocol
    t.equal(j.status, 'fails');
    t.equal(j.reasons.length, 1, 'one endpoint from one vantage: one reason');
    t.match(
      j.reasons[0],
      'payments/gateway port 443 (untrusted path pay.example:443) completed a TLS handshake (TLSv1.3)',
    );
    t.match(
      j.reasons[0],
      'not strong cryptography (The endpoint accepts TLSv1 (a version-pinned handshake negotiated ECDHE-RSA-AES256-SHA); PCI DSS v4.0.1 does not count SSL and early TLS as strong cryptography',
    );
    t.equal(
      j.reasons[0]?.match(/TLSv1\b(?!\.)/g)?.length,
      1,
      'the legacy version is said once, not in a second sentence',
    );
    t.notMatch(j.reasons[0], 'TLSv1.1 (', 'the refused version is not reported as accepted');
    t.same(j.evidenceIds, ev.map((e) => e.id).sort(), 'the ordinary and both pinned attempts are the evidence');
    t.same(j.findings, j.reasons);
  },
);

t.test(
  '4.2.1 is inconclusive, never holds, when a pinned legacy handshake got no answer or was not tried',
  async (t) => {
    // Given an ordinary TLS 1.3 handshake that would hold on its own
    const ca = mintCa('meshprobe 4.2.1 undecided CA');
    const leaf = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca });
    const ordinary: Step = {
      probeId: 'tls-handshake',
      vantage: PROBE_NS,
      target: svc('payments', 'gateway'),
      port: 443,
      address: 'pay.example',
      observed: {
        kind: 'tls',
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        chain: [leaf.certPem, ca.certPem],
      },
    };
    const judge = (steps: Step[]) =>
      findControl('4.2.1')!.judge({
        ...judgeInput(evidenceOf(steps), { context: { untrustedPaths: ['pay.example:443'] } }),
        now: new Date(),
      });
    // When the TLS 1.0 handshake timed out (silence is not a refusal)
    const silent = judge([
      ordinary,
      pinned('tls-legacy-1-0', 'TLSv1', { kind: 'silent' }),
      pinned('tls-legacy-1-1', 'TLSv1.1', refusal),
    ]);
    t.equal(silent.status, 'inconclusive');
    t.match(silent.reasons[0], 'whether it still accepts legacy TLS is unknown (TLSv1 (silent))');
    // When the legacy probes were skipped
    const skipped = judge([ordinary]);
    t.equal(skipped.status, 'inconclusive');
    t.match(skipped.reasons[0], 'TLSv1 (not tried), TLSv1.1 (not tried)');
  },
);

t.test('4.2.1 names an --untrusted-path endpoint as the user gave it, not as an egress target', async (t) => {
  // Given the user-named endpoint 203.0.113.5:443 probed from the host, accepting TLS 1.1 only when pinned
  const endpoint = { kind: 'Endpoint' as const, namespace: '', name: '203.0.113.5:443' };
  const host = { kind: 'host' as const };
  const steps: Step[] = [
    {
      probeId: 'tls-handshake',
      vantage: host,
      target: endpoint,
      port: 443,
      address: '203.0.113.5',
      observed: { kind: 'tls', protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
    },
    { ...pinned('tls-legacy-1-0', 'TLSv1', refusal, endpoint, '203.0.113.5'), vantage: host },
    {
      ...pinned(
        'tls-legacy-1-1',
        'TLSv1.1',
        { kind: 'tls', protocol: 'TLSv1.1', cipher: 'ECDHE-RSA-AES128-SHA' },
        endpoint,
        '203.0.113.5',
      ),
      vantage: host,
    },
  ];
  // When judged
  const j = findControl('4.2.1')!.judge({
    ...judgeInput(evidenceOf(steps), { context: { untrustedPaths: ['203.0.113.5:443'] } }),
    now: new Date(),
  });
  // Then the reason starts with the path as given and names TLS 1.1
  t.equal(j.status, 'fails');
  t.match(
    j.reasons[0],
    /^Untrusted path 203\.0\.113\.5:443 completed a TLS handshake \(TLSv1\.2\) from the host running meshprobe: not strong cryptography \(The endpoint accepts TLSv1\.1 \(a version-pinned handshake negotiated /,
  );
  t.notMatch(j.reasons.join(' '), /egress target/i);
});

t.test(
  '4.2.1 without an untrusted path stays not-applicable and lists CDE ports that took legacy TLS as supporting evidence',
  async (t) => {
    // Given a CDE TLS port that accepted a handshake pinned to TLS 1.0
    const ev = evidenceOf([
      pinned('tls-legacy-1-0', 'TLSv1', { kind: 'tls', protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA' }),
    ]);
    // When 4.2.1 judges without --untrusted-path
    const j = findControl('4.2.1')!.judge(judgeInput(ev));
    // Then it is not applicable, and says where legacy TLS was seen without judging it
    t.equal(j.status, 'not-applicable');
    t.match(
      j.reasons[1],
      'Supporting evidence only: legacy TLS was accepted in version-pinned handshakes by payments/gateway port 443 (TLSv1)',
    );
  },
);

t.test('4.2.1.1 names a user-named endpoint by its address, not by an internal target key', async (t) => {
  // Given a failing certificate seen only at an --untrusted-path endpoint
  const c = findControl('4.2.1.1')!;
  const atEndpoint: CertificateInventoryEntry = {
    ...entry('ef'.repeat(32), true),
    seenAt: [{ target: 'Endpoint//203.0.113.5:443', port: 443, vantage: 'host' }],
  };
  // When judged
  const j = c.judge(judgeInput([], { certificates: [atEndpoint] }));
  // Then the place reads as the address the user gave
  t.match(j.reasons[0], 'seen at 203.0.113.5:443 has failing findings');
  t.notMatch(j.reasons[0], 'Endpoint/');
});

t.test(
  '4.2.1.1 names the workload before the address it was also reached at, and counts places, not vantages',
  async (t) => {
    // Given a failing certificate seen at an --untrusted-path address (host and probe pod) and at the CDE Service behind it
    const seenAt = [
      { target: 'Endpoint//198.19.0.21:8443', port: 8443, vantage: 'host' },
      { target: 'Endpoint//198.19.0.21:8443', port: 8443, vantage: 'probe-namespace' },
      { target: 'Service/cde-crypto/cert-expired', port: 8443, vantage: 'probe-namespace' },
    ];
    // When judged
    const j = findControl('4.2.1.1')!.judge(
      judgeInput([], { certificates: [{ ...entry('aa'.repeat(32), true), seenAt }] }),
    );
    // Then the Service is named first and the address counts as one more place
    t.match(j.reasons[0], 'seen at cde-crypto/cert-expired port 8443 and 1 more place has failing findings');
  },
);

t.test(
  '4.2.1.1 fails naming the expired certificate, is inconclusive without a trust bundle, holds with one',
  async (t) => {
    const c = findControl('4.2.1.1')!;
    const fail = c.judge(judgeInput([], { certificates: [entry('ab'.repeat(32), true)] }));
    t.equal(fail.status, 'fails');
    t.match(
      fail.reasons[0],
      'The certificate api.pay.example (sha256 abababababababab…) seen at payments/api port 443 has failing findings: The leaf certificate expired on 2025-12-01.',
    );
    t.equal(c.judge(judgeInput([], { certificates: [entry('cd'.repeat(32))] })).status, 'inconclusive');
    t.equal(
      c.judge(judgeInput([], { certificates: [entry('cd'.repeat(32))], context: { trustBundleSupplied: true } }))
        .status,
      'holds',
    );
    t.equal(c.judge(judgeInput([])).status, 'inconclusive');
  },
);

t.test('requirements a probe cannot evidence are listed as not-applicable with a reason, never dropped', async (t) => {
  for (const req of ['1.3.3', '1.4.1', '1.4.3', '4.2.1.2', '10.2.1', '11.3.1', '11.3.2']) {
    const c = CONTROLS.find((x) => x.requirement === req);
    t.ok(c, `${req} is in the catalogue`);
    const j = c!.judge(judgeInput([]));
    t.equal(j.status, 'not-applicable', req);
    t.ok(j.reasons[0] && j.reasons[0].length > 40, `${req} has a reason`);
  }
});

t.test(
  '4.2.1 judges a path matched by an out-of-scope Service with the legacy handshakes the host made to the same address',
  async (t) => {
    // Given an untrusted path that is also an ingress Service's address: the probe-namespace pod made only the
    // ordinary handshake to the Service (legacy versions are not tried on out-of-scope Services), the host made all three
    const endpoint = { kind: 'Endpoint' as const, namespace: '', name: '203.0.113.9:443' };
    const ingress = svc('istio-system', 'istio-ingressgateway');
    const host = { kind: 'host' as const };
    const tls13 = { kind: 'tls' as const, protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' };
    const steps: Step[] = [
      {
        probeId: 'tls-handshake',
        vantage: PROBE_NS,
        target: ingress,
        port: 443,
        address: '203.0.113.9',
        observed: tls13,
      },
      { probeId: 'tls-handshake', vantage: host, target: endpoint, port: 443, address: '203.0.113.9', observed: tls13 },
      { ...pinned('tls-legacy-1-0', 'TLSv1', refusal, endpoint, '203.0.113.9'), vantage: host },
      { ...pinned('tls-legacy-1-1', 'TLSv1.1', refusal, endpoint, '203.0.113.9'), vantage: host },
    ];
    const j = findControl('4.2.1')!.judge({
      ...judgeInput(evidenceOf(steps), { context: { untrustedPaths: ['203.0.113.9:443'] } }),
      now: new Date(),
    });
    // Then both sightings hold: the Service's is not left inconclusive as "not tried"
    t.equal(j.status, 'holds', j.reasons.join(' '));
    t.notMatch(j.reasons.join(' '), /not tried/);
    t.match(j.reasons.join(' '), /istio-system\/istio-ingressgateway port 443 \(untrusted path 203\.0\.113\.9:443\)/);
  },
);
