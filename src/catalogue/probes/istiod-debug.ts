import type { Probe } from '../../domain/probe.js';

/**
 * Mesh control-plane debug endpoint (MESH-NOTES §A.6): GET /debug/syncz on istiod's plaintext
 * monitoring port 15014. It lists every proxy and its config state (2.2.4, 2.2.7, 8.3.1).
 */
export const istiodDebug: Probe = {
  id: 'istiod-debug',
  title: 'istiod debug endpoint on 15014',
  technique: 'http',
  vantages: ['probe-namespace'],
  secureLooksLike: 'Port 15014 is not reachable from workload namespaces, or /debug/* answers 401/403.',
  applies(target, port) {
    if (!/istiod/.test(target.workload || target.ref.name))
      return `${target.ref.namespace}/${target.ref.name} is not istiod`;
    return port.port === 15014 ? true : `port ${port.port} is not istiod's monitoring port 15014`;
  },
  request() {
    return { technique: 'http', http: { method: 'GET', path: '/debug/syncz' } };
  },
};
