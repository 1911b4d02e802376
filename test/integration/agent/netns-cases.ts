/**
 * The namespace test host shared by the netns test, the bundled-agent test and the
 * benchmark: one port per iptables verdict (MESH-NOTES §D.2), rules applied inside the
 * test namespace only.
 *
 * tcp-reset depends on WHICH packet the rule answers:
 * - matching the SYN, the RST is the answer to the connect → ECONNREFUSED → `refused`
 *   (indistinguishable from a closed port, as kube-router's REJECT is);
 * - matching the first data segment of an established connection (PSH set), the RST
 *   tears down a connection that was up → ECONNRESET → `reset`.
 */
import type { AttemptSpec, TransportResult } from '../../../probes/protocol.js';
import { createNetnsHost, type NetnsHost } from '../../helpers/netns.js';

/** Ports of the namespace test host, one filtering rule each (see rules below). */
export const NETNS_PORTS = {
  drop: 81,
  rejectIcmpPort: 82,
  rejectSynReset: 83,
  rejectDataReset: 84,
  rejectAdminProhibited: 85,
  open: 86,
  closed: 87,
} as const;

/** The iptables rules (INPUT chain of the test namespace) giving each port its behaviour. */
const NETNS_RULES: readonly (readonly string[])[] = [
  ['-A', 'INPUT', '-p', 'tcp', '--dport', String(NETNS_PORTS.drop), '-j', 'DROP'],
  [
    '-A',
    'INPUT',
    '-p',
    'tcp',
    '--dport',
    String(NETNS_PORTS.rejectIcmpPort),
    '-j',
    'REJECT',
    '--reject-with',
    'icmp-port-unreachable',
  ],
  [
    '-A',
    'INPUT',
    '-p',
    'tcp',
    '--dport',
    String(NETNS_PORTS.rejectSynReset),
    '--syn',
    '-j',
    'REJECT',
    '--reject-with',
    'tcp-reset',
  ],
  [
    '-A',
    'INPUT',
    '-p',
    'tcp',
    '--dport',
    String(NETNS_PORTS.rejectDataReset),
    '--tcp-flags',
    'PSH',
    'PSH',
    '-j',
    'REJECT',
    '--reject-with',
    'tcp-reset',
  ],
  [
    '-A',
    'INPUT',
    '-p',
    'tcp',
    '--dport',
    String(NETNS_PORTS.rejectAdminProhibited),
    '-j',
    'REJECT',
    '--reject-with',
    'icmp-admin-prohibited',
  ],
];

/** Each namespace port's attempt and expected transport (and raw code). */
export function netnsCases(
  address: string,
): readonly { sentence: string; spec: AttemptSpec; transport: TransportResult; errorCode?: string }[] {
  const spec = (id: string, port: number, timeoutMs = 5000): AttemptSpec => ({
    id,
    technique: 'tcp',
    host: address,
    port,
    timeoutMs,
  });
  return [
    { sentence: 'DROP is a timeout (no SYN-ACK)', spec: spec('ns-drop', NETNS_PORTS.drop, 1000), transport: 'timeout' },
    {
      sentence: 'REJECT icmp-port-unreachable is refused',
      spec: spec('ns-reject-icmp', NETNS_PORTS.rejectIcmpPort),
      transport: 'refused',
      errorCode: 'ECONNREFUSED',
    },
    {
      sentence: 'REJECT tcp-reset answering the SYN is refused (ECONNREFUSED, like a closed port)',
      spec: spec('ns-reset-syn', NETNS_PORTS.rejectSynReset),
      transport: 'refused',
      errorCode: 'ECONNREFUSED',
    },
    {
      sentence: 'REJECT tcp-reset answering the first data segment is reset (ECONNRESET)',
      spec: spec('ns-reset-data', NETNS_PORTS.rejectDataReset),
      transport: 'reset',
      errorCode: 'ECONNRESET',
    },
    {
      sentence: 'REJECT icmp-admin-prohibited is unreachable (EHOSTUNREACH)',
      spec: spec('ns-admin-prohibited', NETNS_PORTS.rejectAdminProhibited),
      transport: 'unreachable',
      errorCode: 'EHOSTUNREACH',
    },
    {
      sentence: 'an unfiltered listening port is connected',
      spec: spec('ns-open', NETNS_PORTS.open),
      transport: 'connected',
    },
    {
      sentence: 'an unfiltered port with nothing listening is refused',
      spec: spec('ns-closed', NETNS_PORTS.closed),
      transport: 'refused',
      errorCode: 'ECONNREFUSED',
    },
  ];
}

/** Create the namespace test host with NETNS_RULES and listeners on the open/reset ports. */
export async function startNetnsTestHost(): Promise<NetnsHost> {
  const host = await createNetnsHost();
  try {
    for (const rule of NETNS_RULES) host.iptables(rule);
    await host.listen([
      { port: NETNS_PORTS.open, behaviour: 'echo' },
      { port: NETNS_PORTS.rejectDataReset, behaviour: 'echo' },
      { port: NETNS_PORTS.drop, behaviour: 'echo' },
    ]);
    return host;
  } catch (err) {
    await host.destroy();
    throw err;
  }
}
