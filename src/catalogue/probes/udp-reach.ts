import type { Probe } from '../../domain/probe.js';
import { isUdp, probedElsewhere, udpPayloadFor } from './port-kind.js';

/**
 * Segmentation over UDP (issue 13): to every UDP port a CDE Service or containerPort declares, a
 * real request of the port's protocol (DNS query, NTP, SNMP get; else an echo line), from the
 * same vantages as tcp-reach. A reply is allowed; silence counts as blocked only when the same
 * pod's UDP canary to the echo pod was answered (evaluate/classify.ts), else it is inconclusive.
 */
export const udpReach: Probe = {
  id: 'udp-reach',
  title: 'UDP reachability (segmentation) to CDE UDP ports',
  technique: 'udp',
  vantages: ['from-namespace', 'probe-namespace'],
  secureLooksLike: 'No UDP reply comes back from the CDE port, while the UDP canary from the same pod is answered.',
  applies(_target, port) {
    return isUdp(port) ? true : probedElsewhere(port, { TCP: 'tcp-reach' });
  },
  request(_target, port, seed) {
    const payload = udpPayloadFor(port.port);
    // A unique name under .invalid: any DNS server answers it (NXDOMAIN is an answer), none resolves it.
    const dnsName = `mp-${seed.slice(0, 12)}.meshprobe.invalid`;
    return { technique: 'udp', udp: payload === 'dns' ? { payload, dnsName } : { payload } };
  },
};
