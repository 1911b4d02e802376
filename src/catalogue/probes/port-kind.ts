/** Small pure helpers probes share to decide what a port speaks. */
import type { UdpPayload } from '../../../probes/protocol.js';
import type { TargetPort } from '../../domain/target.js';

/** UDP ports whose protocol the agent speaks with a real request: DNS, NTP, SNMP. */
export const KNOWN_UDP_PORTS: Readonly<Record<number, UdpPayload>> = { 53: 'dns', 123: 'ntp', 161: 'snmp' };

/** The request a UDP attempt to `port` sends: the known protocol's, else the echo line. */
export function udpPayloadFor(port: number): UdpPayload {
  return KNOWN_UDP_PORTS[port] ?? 'echo';
}

/** True for a UDP port. */
export function isUdp(port: TargetPort): boolean {
  return port.protocol === 'UDP';
}

/** Port names/appProtocols that clearly do not speak HTTP (so HTTP probes would only add noise). */
const NON_HTTP = /^(tcp|udp|redis|mongo|mysql|postgres|pg|memcache|kafka|amqp|zookeeper|etcd|dns|smtp|ldap|ssh|ftp)/i;
/** Port names/appProtocols that speak TLS directly. */
const TLS_NAMES = /^(https|tls|grpcs|h2s)/i;

/**
 * Why a probe of one protocol leaves a port out: the probe that takes that port's protocol
 * (`by`: TCP → tcp-reach, say), or that no probe speaks it (SCTP).
 */
export function probedElsewhere(port: TargetPort, by: Partial<Record<'TCP' | 'UDP', string>>): string {
  const other = port.protocol === 'SCTP' ? undefined : by[port.protocol];
  return `port ${port.port} is ${port.protocol}; ${other !== undefined ? `probed by ${other}` : 'only TCP and UDP are probed'}`;
}

/** True for a TCP port. */
export function isTcp(port: TargetPort): boolean {
  return port.protocol === 'TCP';
}

/** True unless the port's name or appProtocol says it is a non-HTTP protocol. */
function mayBeHttp(port: TargetPort): boolean {
  const label = port.appProtocol ?? port.name ?? '';
  return !NON_HTTP.test(label);
}

/** True when the port's name/appProtocol or number says TLS terminates on it. */
export function speaksTls(port: TargetPort): boolean {
  const label = port.appProtocol ?? port.name ?? '';
  return TLS_NAMES.test(label) || port.port === 443 || port.port === 8443 || port.port === 6443;
}

/** True for a workload port (not the mesh's own plaintext/admin ports, which have their own probe). */
export function isWorkloadPort(port: TargetPort): boolean {
  return port.meshBypass === undefined;
}

/** A random-looking but reproducible path segment from the attempt seed. */
export function probePath(seed: string): string {
  const safe = seed.replace(/[^a-zA-Z0-9]/g, '').slice(0, 16) || 'x';
  return `/__meshprobe_${safe}`;
}

/** Applicability shared by HTTP probes of workload ports: TCP, not a mesh by-design port, not named as another protocol. */
export function httpWorkloadPort(port: TargetPort): true | string {
  if (!isTcp(port)) return `port ${port.port} is ${port.protocol}; HTTP needs TCP`;
  if (!isWorkloadPort(port))
    return `port ${port.port} is a mesh by-design port (${port.meshBypass}); probed by mesh-bypass-port`;
  if (!mayBeHttp(port)) return `port ${port.port} is named ${port.appProtocol ?? port.name}, not HTTP`;
  return true;
}
