import type { Control } from '../../domain/control.js';
import {
  finding,
  fold,
  httpStatus,
  inconclusiveReason,
  outOfScopeCaveat,
  probeEvidence,
  said,
  targetsScopedComponent,
} from './judge-kit.js';
import { LISTENER_SWEEP, NO_SWEEP_CAVEAT, sweepEvidence, undeclaredFindings } from './undeclared.js';

const PROBES = [
  'http-unauthenticated',
  'http-debug-pprof',
  'mesh-bypass-port',
  'istiod-debug',
  'kubelet-anonymous',
  LISTENER_SWEEP,
];

/** Paths that are by design (health) and therefore necessary when they answer. */
const NECESSARY_PATHS = new Set(['/healthz/ready']);

/** 2.2.4: only necessary services, protocols, daemons and functions are enabled. */
export const req224: Control = {
  id: 'pci-dss-4.0.1/2.2.4',
  requirement: '2.2.4',
  title: 'Only necessary services, protocols, daemons and functions are enabled',
  holdsMeans:
    'No admin, debug or metrics function (metrics, pprof, mesh stats, istiod debug, kubelet read API) answers with content to a pod that has no business with it, and no CDE pod has a listener that no containerPort or Service port declares.',
  probeIds: PROBES,
  requires: [
    {
      label: 'anonymous requests to the kubelet ports of the nodes',
      probeIds: ['kubelet-anonymous'],
      targetKinds: ['Node'],
    },
    {
      label: 'admin and debug requests to CDE workload ports',
      probeIds: ['http-unauthenticated', 'http-debug-pprof', 'mesh-bypass-port'],
      cdeTargets: true,
    },
  ],
  judge(input) {
    const all = probeEvidence(input, PROBES).filter((e) => e.attempt.probeId !== LISTENER_SWEEP);
    const swept = sweepEvidence(input, (e) => targetsScopedComponent(input, e.attempt.target));
    const findings = all
      .filter((e) => targetsScopedComponent(input, e.attempt.target))
      .map((e) => {
        const path = e.attempt.http?.path ?? '/';
        const subject = said(e);
        const status = httpStatus(e);
        if (
          e.outcome.kind === 'allowed' &&
          status !== undefined &&
          status >= 200 &&
          status < 300 &&
          !NECESSARY_PATHS.has(path)
        ) {
          return finding(
            'fails',
            `${subject}: an admin/debug function is enabled and reachable, which is not necessary for the CDE.`,
            e,
          );
        }
        if (e.outcome.kind === 'allowed' || e.outcome.kind === 'blocked')
          return finding('holds', `${subject}: no unnecessary function was served.`, e);
        return finding('inconclusive', inconclusiveReason(e, `whether ${path} is exposed`), e);
      });
    findings.push(
      ...undeclaredFindings(swept, 'an undeclared service is enabled, which is not a necessary, identified function'),
    );
    return fold(findings, { status: 'inconclusive', reason: 'No admin or debug endpoint was probed.' }, [
      ...(swept.length === 0 ? [NO_SWEEP_CAVEAT] : []),
      'Only the network-visible part is evidenced: daemons and functions that do not listen on the network are not observable by a probe.',
      ...outOfScopeCaveat(input, all, 'Admin and debug endpoints'),
    ]);
  },
};
