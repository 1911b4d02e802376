import type { Probe } from '../../domain/probe.js';

/** Path that proves the mesh port answers, per well-known port (MESH-NOTES §A.6, §B.1). */
const PATHS: Readonly<Record<number, string>> = {
  15020: '/stats/prometheus',
  15021: '/healthz/ready',
  15090: '/stats/prometheus',
  4191: '/metrics',
};

/**
 * The mesh's own by-design plaintext ports (Istio 15020/15021/15090, Linkerd 4191) and ports
 * excluded from capture: excluded from mTLS verdicts but reported as exposures (1.2.5, 2.2.4).
 */
export const meshBypassPort: Probe = {
  id: 'mesh-bypass-port',
  title: 'Mesh by-design plaintext or excluded port',
  technique: 'http',
  vantages: ['probe-namespace'],
  secureLooksLike: 'The port is not reachable from outside the pod, or only health data is served.',
  applies(_target, port) {
    if (port.protocol !== 'TCP') return `port ${port.port} is ${port.protocol}`;
    return port.meshBypass !== undefined ? true : `port ${port.port} is not a mesh by-design or excluded port`;
  },
  request(_target, port) {
    return { technique: 'http', http: { method: 'GET', path: PATHS[port.port] ?? '/' } };
  },
};
