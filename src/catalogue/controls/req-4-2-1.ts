import type { Control } from '../../domain/control.js';
import type { Evidence } from '../../domain/evidence.js';
import { parseChain } from '../../evaluate/certificate.js';
import { evaluateCrypto } from '../../evaluate/crypto-policy.js';
import { readContext } from './context.js';
import { type Finding, finding, fold, probeEvidence, said } from './judge-kit.js';

const PROBES = ['tls-handshake'];
/** Days before expiry that only warn (the judge reads fail findings only). */
const EXPIRY_WARNING_DAYS = 30;

function matches(e: Evidence, path: string): boolean {
  return path === `${e.attempt.address}:${e.attempt.port}` || path === `${e.attempt.target.name}:${e.attempt.port}` || path === e.attempt.dnsName;
}

/** Fail findings of the PCI strong-crypto profile for what this handshake negotiated and presented. */
function cryptoFailures(e: Evidence, now: Date): string[] {
  const tls = e.observation?.tls;
  if (!tls) return [];
  const findings = evaluateCrypto({
    negotiated: { protocol: tls.protocol, cipher: tls.cipher },
    chain: parseChain(tls.peerChainPem),
    now,
    expiryWarningDays: EXPIRY_WARNING_DAYS,
  });
  return findings.filter((f) => f.severity === 'fail').map((f) => f.message);
}

function pathFinding(e: Evidence, failing: readonly string[], now: Date): Finding {
  const tls = e.observation?.tls;
  const subject = said(e);
  if (!tls || !tls.handshake || tls.protocol === null) {
    return e.outcome.kind === 'inconclusive'
      ? finding('inconclusive', `${subject}, so strong cryptography on this untrusted path cannot be decided.`, e)
      : finding('fails', `${subject}: no TLS session was negotiated on a path marked as crossing an untrusted network.`, e);
  }
  const problems = [...new Set([...cryptoFailures(e, now), ...failing])];
  if (problems.length > 0) return finding('fails', `${subject}: not strong cryptography (${problems.join(' ')})`, e);
  return finding('holds', `${subject}: ${tls.protocol} with ${tls.cipher ?? 'an unnamed cipher'} and no failing finding under the PCI strong-cryptography profile.`, e);
}

/** 4.2.1: strong cryptography protects PAN over open, public networks (paths the user marks untrusted). */
export const req421: Control = {
  id: 'pci-dss-4.0.1/4.2.1',
  requirement: '4.2.1',
  title: 'Strong cryptography protects cardholder data during transmission over open, public networks',
  holdsMeans: 'Every path marked with --untrusted-path negotiates TLS 1.2+ with a strong suite and a certificate without failing findings under the PCI strong-cryptography profile.',
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
        findings.push(pathFinding(e, failing, input.now));
      }
    }
    return fold(findings, { status: 'inconclusive', reason: 'No untrusted path was tried.' });
  },
};
