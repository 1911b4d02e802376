import type { Control } from '../../domain/control.js';
import { finding, fold, inconclusiveReason, probeEvidence, said, tlsOnlyRefusal } from './judge-kit.js';

const PROBES = ['kubelet-anonymous', 'istiod-debug', 'apiserver-anonymous', 'mesh-bypass-port'];

/** 2.2.7: non-console administrative access is encrypted using strong cryptography. */
export const req227: Control = {
  id: 'pci-dss-4.0.1/2.2.7',
  requirement: '2.2.7',
  title: 'All non-console administrative access is encrypted using strong cryptography',
  holdsMeans:
    'Administrative interfaces (kubelet, API server, mesh control plane and proxy admin) answer only over TLS or are not reachable at all.',
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
  ],
  judge(input) {
    const findings = probeEvidence(input, PROBES).map((e) => {
      const subject = `${said(e)}`;
      if (tlsOnlyRefusal(e))
        return finding('holds', `${subject}: the administrative interface is offered only over TLS on this port.`, e);
      if (e.outcome.kind === 'allowed' && e.outcome.as === 'plaintext-http') {
        return finding('fails', `${subject}: an administrative interface answers over unencrypted HTTP.`, e);
      }
      if (e.outcome.kind === 'allowed')
        return finding('holds', `${subject}: the administrative interface is reached only over TLS.`, e);
      if (e.outcome.kind === 'blocked')
        return finding('holds', `${subject}: the administrative interface is not reachable unencrypted from there.`, e);
      return finding('inconclusive', inconclusiveReason(e, 'whether the administrative interface is encrypted'), e);
    });
    return fold(findings, { status: 'inconclusive', reason: 'No administrative interface was probed.' }, [
      'Cipher strength of the TLS-protected interfaces is reported under 4.2.1.1 (certificate inventory); console access is out of scope.',
    ]);
  },
};
