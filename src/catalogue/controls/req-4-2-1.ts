import type { Control } from '../../domain/control.js';
import type { Evidence } from '../../domain/evidence.js';
import { readContext } from './context.js';
import { type Finding, capitalise, finding, fold, happened, probeEvidence, targetPort, vantagePhrase, said } from './judge-kit.js';

const PROBES = ['tls-handshake'];
const STRONG_PROTOCOLS = new Set(['TLSv1.2', 'TLSv1.3']);
const WEAK_CIPHER = /(NULL|anon|EXPORT|RC4|DES|MD5)/i;

function matches(e: Evidence, path: string): boolean {
  return path === `${e.attempt.address}:${e.attempt.port}` || path === `${e.attempt.target.name}:${e.attempt.port}` || path === e.attempt.dnsName;
}

function pathFinding(e: Evidence, failing: readonly string[]): Finding {
  const tls = e.observation?.tls;
  const subject = `${said(e)}`;
  if (!tls || !tls.handshake || tls.protocol === null) {
    return e.outcome.kind === 'inconclusive'
      ? finding('inconclusive', `${subject}, so strong cryptography on this untrusted path cannot be decided.`, e)
      : finding('fails', `${subject}: no TLS session was negotiated on a path marked as crossing an untrusted network.`, e);
  }
  if (!STRONG_PROTOCOLS.has(tls.protocol)) return finding('fails', `${subject}: ${tls.protocol} is not strong cryptography (TLS 1.2 or later is required by policy).`, e);
  if (tls.cipher && WEAK_CIPHER.test(tls.cipher)) return finding('fails', `${subject}: cipher ${tls.cipher} is not strong cryptography.`, e);
  if (failing.length > 0) return finding('fails', `${subject}: the certificate has failing findings (${failing.join('; ')}).`, e);
  return finding('holds', `${subject}: ${tls.protocol} with ${tls.cipher ?? 'an unnamed cipher'} and a certificate without failing findings.`, e);
}

/** 4.2.1: strong cryptography protects PAN over open, public networks (paths the user marks untrusted). */
export const req421: Control = {
  id: 'pci-dss-4.0.1/4.2.1',
  requirement: '4.2.1',
  title: 'Strong cryptography protects cardholder data during transmission over open, public networks',
  holdsMeans: 'Every path marked with --untrusted-path negotiates TLS 1.2+ with a strong suite and a certificate without failing findings.',
  probeIds: PROBES,
  judge(input) {
    const { untrustedPaths } = readContext(input);
    if (untrustedPaths.length === 0) {
      return {
        status: 'not-applicable',
        reasons: [
          'No path was marked as crossing an open, public network (--untrusted-path); 4.2.1 applies only to such paths. In-cluster mTLS seen by this run is supporting evidence for 1.2.6, 2.2.5 and 2.2.7, not 4.2.1 evidence.',
        ],
        evidenceIds: [],
      };
    }
    const evidence = probeEvidence(input, PROBES);
    const findings: Finding[] = [];
    for (const path of [...untrustedPaths].sort()) {
      const hits = evidence.filter((e) => matches(e, path));
      if (hits.length === 0) findings.push({ status: 'inconclusive', reason: `No TLS attempt was made to the untrusted path ${path}.`, evidenceIds: [] });
      for (const e of hits) {
        const failing = input.certificates
          .filter((c) => e.certificates.includes(c.facts.fingerprintSha256))
          .flatMap((c) => c.findings.filter((f) => f.severity === 'fail').map((f) => f.message));
        findings.push(pathFinding(e, failing));
      }
    }
    return fold(findings, { status: 'inconclusive', reason: 'No untrusted path was tried.' });
  },
};
