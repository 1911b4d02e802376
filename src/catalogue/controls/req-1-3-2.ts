import type { Control } from '../../domain/control.js';
import { isApproved } from '../../shared/judge-context.js';
import { finding, fold, probeEvidence, said } from './judge-kit.js';
import { segmentationFinding, sourceOf } from './segmentation.js';

const PROBES = ['egress-reach', 'egress-udp'];

/** 1.3.2: outbound traffic from the CDE is restricted to what is necessary. */
export const req132: Control = {
  id: 'pci-dss-4.0.1/1.3.2',
  requirement: '1.3.2',
  title: 'Outbound traffic from the CDE is restricted to only that which is necessary',
  holdsMeans:
    'From a pod in each CDE namespace, every --egress-target the user named is blocked over TCP and over UDP ' +
    '(a DNS query to its port 53, and NTP/SNMP on those ports; unless approved), while the TCP and UDP canaries are answered.',
  probeIds: PROBES,
  requires: [
    {
      label: 'connects from CDE namespaces to the named --egress-target destinations',
      vantageKinds: ['from-namespace'],
      targetKinds: ['Endpoint'],
    },
  ],
  judge(input) {
    const ctx = input.context;
    const evidence = probeEvidence(input, PROBES);
    const findings = evidence.map((e) => {
      const ok =
        ctx.approvedFlows && e.outcome.kind === 'allowed'
          ? isApproved(ctx.approvedFlows, sourceOf(e), e.attempt.target, e.attempt.port)
          : undefined;
      if (ok)
        return finding('holds', `${said(e)}, which the approved-flows file allows${ok.ref ? ` (${ok.ref})` : ''}.`, e);
      return segmentationFinding(e, 'outbound traffic from the CDE is not restricted to what is necessary');
    });
    const empty =
      ctx.egressTargets.length === 0
        ? 'No --egress-target was named; meshprobe contacts nothing outside the cluster unless told, so outbound restriction is not evidenced.'
        : 'Egress targets were named but no egress attempt from a CDE namespace was made, so outbound restriction is not evidenced.';
    return fold(findings, { status: 'inconclusive', reason: empty }, [
      'Egress is tested from an unmeshed pod with the CDE namespace identity; mesh-only egress controls do not stop such a pod, which is the point.',
    ]);
  },
};
