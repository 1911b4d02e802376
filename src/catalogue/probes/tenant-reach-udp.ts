import type { Probe } from '../../domain/probe.js';
import { isUdp, probedElsewhere } from './port-kind.js';
import { udpReach } from './udp-reach.js';

/**
 * Tenant isolation over UDP (A1.1.x): from a pod placed in tenant namespace A, udp-reach's request
 * (DNS query, NTP, SNMP get; else an echo line) to each UDP port of tenant B. Without it a tenant
 * whose TCP is locked but whose UDP port admits every namespace would let A1.1.2 hold on TCP
 * evidence alone. Silence counts as blocked only beside the same pod's answered UDP canary.
 */
export const tenantReachUdp: Probe = {
  id: 'tenant-reach-udp',
  title: 'Cross-tenant UDP reachability',
  technique: 'udp',
  vantages: ['from-namespace'],
  secureLooksLike:
    'No UDP reply comes back from another tenant namespace, while the UDP canary from the same pod is answered.',
  applies(_target, port) {
    return isUdp(port) ? true : probedElsewhere(port, { TCP: 'tenant-reach' });
  },
  request: (target, port, seed) => udpReach.request(target, port, seed),
};
