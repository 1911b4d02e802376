import type { Probe } from '../../domain/probe.js';
import { httpWorkloadPort, probePath } from './port-kind.js';

/**
 * Insecure-service / mTLS evidence: a plaintext HTTP GET to a random path from an unmeshed
 * pod. A STRICT mesh port resets it; any HTTP answer means plaintext reached the proxy or app
 * (1.2.6, 2.2.5, 7.2.x). A random path avoids mesh probe paths (MESH-NOTES §G.1).
 */
export const plaintextHttp: Probe = {
  id: 'plaintext-http',
  title: 'Plaintext HTTP from an unmeshed pod',
  technique: 'http',
  vantages: ['same-namespace', 'probe-namespace'],
  secureLooksLike:
    'The port resets or closes the plaintext request before any HTTP response (mTLS STRICT), or the service speaks TLS only.',
  applies(_target, port) {
    return httpWorkloadPort(port);
  },
  request(_target, _port, seed) {
    return { technique: 'http', http: { method: 'GET', path: probePath(seed) } };
  },
};
