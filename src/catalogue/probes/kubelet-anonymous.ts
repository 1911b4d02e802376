import type { Probe } from '../../domain/probe.js';

/**
 * Anonymous kubelet API (MESH-NOTES §E.2): GET /pods on 10250 over HTTPS and on the
 * read-only port 10255 over plaintext. 200 means anonymous read of every pod spec on the node.
 */
export const kubeletAnonymous: Probe = {
  id: 'kubelet-anonymous',
  title: 'Anonymous kubelet API (/pods on 10250 and 10255)',
  technique: 'http',
  vantages: ['probe-namespace'],
  secureLooksLike: '10250 answers 401 (anonymous auth off) or 403, and 10255 is closed.',
  applies(target, port) {
    if (target.ref.kind !== 'Node') return `${target.ref.kind}/${target.ref.name} is not a node`;
    return port.port === 10250 || port.port === 10255 ? true : `port ${port.port} is not a kubelet port`;
  },
  request(_target, port) {
    return { technique: 'http', http: { method: 'GET', path: '/pods', tls: port.port === 10250 } };
  },
};
