import type { Probe } from '../../domain/probe.js';
import { isUdp, udpPayloadFor } from './port-kind.js';

/**
 * Egress over UDP from the CDE (1.3.2): from a pod in a CDE namespace, a real request of the
 * port's protocol (DNS query, NTP, SNMP get) to each UDP port of a user-named --egress-target.
 * Discovery gives every egress target UDP/53 (DNS exfiltration to an outside resolver, the
 * classic path out of a CDE) and, on a known UDP port (53, 123, 161), UDP beside TCP.
 */
export const egressUdp: Probe = {
  id: 'egress-udp',
  title: 'Egress over UDP from the CDE (DNS exfiltration, NTP, SNMP) to a named outside destination',
  technique: 'udp',
  vantages: ['from-namespace'],
  secureLooksLike:
    'No UDP reply comes back from the outside destination, while the UDP canary from the same pod is answered.',
  applies(target, port) {
    if (target.ref.kind !== 'Endpoint') {
      return `${target.ref.kind}/${target.ref.name} is not a user-named --egress-target`;
    }
    return isUdp(port) ? true : `port ${port.port} is ${port.protocol}; probed by egress-reach`;
  },
  request(_target, port, seed) {
    const payload = udpPayloadFor(port.port);
    // A unique label under .invalid: shaped like an exfiltration query, answered by the resolver itself.
    const dnsName = `mp-${seed.slice(0, 12)}.meshprobe.invalid`;
    return { technique: 'udp', udp: payload === 'dns' ? { payload, dnsName } : { payload } };
  },
};
