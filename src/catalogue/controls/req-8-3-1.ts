import type { Control } from '../../domain/control.js';
import {
  capitalise,
  closedAfterConnect,
  finding,
  fold,
  happened,
  httpStatus,
  inconclusiveReason,
  outOfScopeCaveat,
  probeEvidence,
  proofOf,
  targetPort,
  targetsScopedComponent,
  vantagePhrase,
} from './judge-kit.js';

const PROBES = ['kubelet-anonymous', 'apiserver-anonymous', 'istiod-debug', 'http-unauthenticated', 'http-debug-pprof'];

/** 8.3.1: all access to system components is authenticated. */
export const req831: Control = {
  id: 'pci-dss-4.0.1/8.3.1',
  requirement: '8.3.1',
  title: 'All user and administrator access to system components is authenticated',
  holdsMeans:
    'System-component endpoints (kubelet, API server, istiod debug, metrics, pprof) refuse anonymous requests with 401/403, a client-certificate demand, or are not reachable.',
  probeIds: PROBES,
  requires: [
    {
      label: 'anonymous requests to the kubelet ports of the nodes',
      probeIds: ['kubelet-anonymous'],
      targetKinds: ['Node'],
    },
    {
      label: 'anonymous requests to the Kubernetes API server',
      probeIds: ['apiserver-anonymous'],
      targetKinds: ['ApiServer'],
    },
    {
      label: 'unauthenticated requests to CDE workload ports',
      probeIds: ['http-unauthenticated', 'http-debug-pprof'],
      cdeTargets: true,
    },
  ],
  judge(input) {
    const all = probeEvidence(input, PROBES);
    const findings = all
      .filter((e) => targetsScopedComponent(input, e.attempt.target))
      .map((e) => {
        // "without credentials" belongs to the request, before the canary/control proof clause.
        const subject = `${capitalise(targetPort(e))} ${happened(e)} ${vantagePhrase(e)} without credentials${proofOf(e)}`;
        const status = httpStatus(e);
        if (e.outcome.kind === 'allowed' && status !== undefined && status >= 200 && status < 300) {
          return finding('fails', `${subject}: the system component served data without any authentication.`, e);
        }
        if (e.outcome.kind === 'allowed' && (status === 401 || status === 403)) {
          return finding('holds', `${subject}: anonymous access is refused.`, e);
        }
        if (e.outcome.kind === 'allowed') return finding('holds', `${subject}: nothing is exposed at that path.`, e);
        if (closedAfterConnect(e)) {
          // The component was reached and closed the connection: no proof that it authenticates (MESH-NOTES §0).
          return finding(
            'inconclusive',
            `${subject}: the component was reached and closed the connection without answering, so whether it requires authentication is unknown.`,
            e,
          );
        }
        if (e.outcome.kind === 'blocked')
          return finding('holds', `${subject}: anonymous access is not possible from there.`, e);
        return finding('inconclusive', inconclusiveReason(e, 'whether anonymous access is possible'), e);
      });
    return fold(findings, { status: 'inconclusive', reason: 'No system-component endpoint was probed anonymously.' }, [
      'Requirement 8 is about user and administrator accounts; for service-to-service calls this is supporting evidence, and account management is not observable.',
      ...outOfScopeCaveat(input, all, 'Anonymous requests'),
    ]);
  },
};
