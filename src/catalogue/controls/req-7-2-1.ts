import type { Control } from '../../domain/control.js';
import type { Evidence } from '../../domain/evidence.js';
import {
  closedAfterConnect,
  type Finding,
  finding,
  fold,
  httpStatus,
  inconclusiveReason,
  probeEvidence,
  strictMtlsProof,
  targetsCde,
  tlsOnlyRefusal,
  said,
  vantagePhrase,
} from './judge-kit.js';

/** Plaintext calls are judged; the Istio-ALPN TLS attempts to the same port prove an mTLS denial. */
const PROBES = ['plaintext-http', 'tls-handshake-istio-alpn'];

/** One plaintext call without identity; `tls` are the TLS attempts that may prove a reset came from mTLS. */
function accessFinding(e: Evidence, tls: readonly Evidence[]): Finding {
  const subject = `${said(e)}`;
  const status = httpStatus(e);
  if (e.outcome.kind === 'allowed' && status !== undefined && status >= 200 && status < 300) {
    return finding('fails', `${subject}: a caller with no identity and no credentials got a successful response.`, e);
  }
  if (e.outcome.kind === 'allowed' && (status === 401 || status === 403)) {
    return finding('holds', `${subject}: the caller without identity was denied by an access-control layer.`, e);
  }
  if (tlsOnlyRefusal(e)) {
    return finding(
      'inconclusive',
      `${subject}; whether a caller without identity is denied over TLS was not tried by this probe.`,
      e,
    );
  }
  if (e.outcome.kind === 'allowed') {
    return finding(
      'inconclusive',
      `${subject}: the workload was reached without identity, but the random path gives no proof either way that data would be served.`,
      e,
    );
  }
  if (closedAfterConnect(e)) {
    // A reset or close after connect may be the workload rejecting the bytes (MESH-NOTES §0).
    const proof = strictMtlsProof(e, tls);
    if (proof)
      return finding(
        'holds',
        `${subject}, and a TLS handshake to the same port ${vantagePhrase(proof)} demanded a client certificate: callers without identity are denied by mTLS before reaching the workload.`,
        [e, proof],
      );
    return finding(
      'inconclusive',
      `${subject}, but no TLS attempt showed a client-certificate demand on that port, so the close may come from the workload rather than from an access-control layer.`,
      e,
    );
  }
  if (e.outcome.kind === 'blocked')
    return finding('holds', `${subject}: callers without identity are denied before reaching the workload.`, e);
  return finding('inconclusive', inconclusiveReason(e, 'access control'), e);
}

/** 7.2.1: access to system components and data is restricted by an access-control model (unauthenticated callers denied). */
export const req721: Control = {
  id: 'pci-dss-4.0.1/7.2.1',
  requirement: '7.2.1',
  title: 'Access to CDE system components is restricted: callers without identity are denied',
  holdsMeans:
    'A caller without any identity (unmeshed pod, no credentials) is denied by the network, by mTLS, or by an authorization policy (401/403) on every CDE port.',
  probeIds: PROBES,
  requires: [
    {
      label: 'calls without identity to CDE workload ports',
      probeIds: ['plaintext-http'],
      targetKinds: ['Pod', 'Service'],
      cdeTargets: true,
    },
  ],
  judge(input) {
    const evidence = probeEvidence(input, PROBES).filter((e) => targetsCde(input, e.attempt.target));
    const tls = evidence.filter((e) => e.attempt.probeId === 'tls-handshake-istio-alpn');
    const findings = evidence.filter((e) => e.attempt.probeId === 'plaintext-http').map((e) => accessFinding(e, tls));
    return fold(findings, { status: 'inconclusive', reason: 'No CDE workload port was called without identity.' }, [
      'An unmeshed probe only tests "no identity is denied"; least privilege between mesh identities is judged by 7.2.2, from probes that present a workload\'s own mesh certificate.',
    ]);
  },
};
