import { MESH_IDENTITY_DIR } from '../../../probes/protocol.js';
import type { Probe } from '../../domain/probe.js';
import { isTcp, isWorkloadPort } from './port-kind.js';

/**
 * Least privilege between mesh identities (7.2.2): from an identity vantage, an HTTP request over
 * mTLS that presents the mesh identity the pod was given (the X.509 SVID a mesh injector mounted at
 * MESH_IDENTITY_DIR for the workload's ServiceAccount). What comes back says whether the mesh
 * authenticated the identity and whether its authorization let it through. Planned only from
 * identity vantages (plan/identity.ts).
 */
export const meshAuthz: Probe = {
  id: 'mesh-authz',
  title: 'mTLS request as a workload identity (mesh authorization)',
  technique: 'http',
  vantages: ['identity'],
  secureLooksLike:
    "The mesh authenticates the identity and its authorization denies it (403, or the identity's " +
    'certificate refused after the handshake) on every port no approved flow gives it, while an approved identity is let through.',
  applies(_target, port) {
    if (!isTcp(port)) return `port ${port.port} is ${port.protocol}; mTLS needs TCP`;
    if (!isWorkloadPort(port)) return `port ${port.port} is a mesh by-design port (${port.meshBypass})`;
    return true;
  },
  request() {
    return {
      technique: 'http',
      http: { method: 'GET', path: '', tls: true },
      tls: { clientIdentityDir: MESH_IDENTITY_DIR },
    };
  },
};
