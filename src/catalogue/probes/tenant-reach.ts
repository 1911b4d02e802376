import type { Probe } from '../../domain/probe.js';
import { isTcp, probedElsewhere } from './port-kind.js';

/**
 * Tenant isolation (A1.1.x): TCP connect from a pod placed in tenant namespace A to each
 * workload port of tenant B (UDP ports: tenant-reach-udp). Planned only between namespaces
 * named in --tenants.
 */
export const tenantReach: Probe = {
  id: 'tenant-reach',
  title: 'Cross-tenant TCP reachability',
  technique: 'tcp',
  vantages: ['from-namespace'],
  secureLooksLike:
    'Every connection from one tenant namespace to another tenant is dropped or rejected, while the canary connects.',
  applies(_target, port) {
    return isTcp(port) ? true : probedElsewhere(port, { UDP: 'tenant-reach-udp' });
  },
  request() {
    return { technique: 'tcp' };
  },
};
