/**
 * UDP through iptables as TCP is tested (netns.test.ts): a test host in a network namespace
 * with a DNS responder behind DROP, REJECT icmp-port-unreachable and icmp-admin-prohibited
 * rules, a closed port and a UDP echo (the canary). The agent's real observations then go
 * through buildEvidence, proving the canary rule: UDP silence is blocked only when the UDP
 * canary from the same vantage was answered, and inconclusive otherwise.
 */
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import type { AttemptSpec, UdpRequest } from '../../../probes/protocol.js';
import { attemptId, type Attempt } from '../../../src/domain/attempt.js';
import type { TargetRef } from '../../../src/domain/target.js';
import { vantageId, type Vantage } from '../../../src/domain/vantage.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { toSpec } from '../../../src/plan/batch.js';
import { createNetnsHost, netnsUnavailable, type NetnsHost } from '../../helpers/netns.js';

const unavailable = netnsUnavailable();

/** UDP ports of the namespace host; each has a DNS responder unless it is `closed`. */
const PORTS = {
  open: 53,
  drop: 153,
  rejectPort: 253,
  rejectAdmin: 353,
  closed: 453,
  echo: 8080,
  echoDropped: 8081,
} as const;

const RULES: readonly (readonly string[])[] = [
  ['-A', 'INPUT', '-p', 'udp', '--dport', String(PORTS.drop), '-j', 'DROP'],
  [
    '-A',
    'INPUT',
    '-p',
    'udp',
    '--dport',
    String(PORTS.rejectPort),
    '-j',
    'REJECT',
    '--reject-with',
    'icmp-port-unreachable',
  ],
  [
    '-A',
    'INPUT',
    '-p',
    'udp',
    '--dport',
    String(PORTS.rejectAdmin),
    '-j',
    'REJECT',
    '--reject-with',
    'icmp-admin-prohibited',
  ],
  ['-A', 'INPUT', '-p', 'udp', '--dport', String(PORTS.echoDropped), '-j', 'DROP'],
];

async function udpHost(): Promise<NetnsHost> {
  const host = await createNetnsHost();
  try {
    for (const rule of RULES) host.iptables(rule);
    // Every ICMP error must go out: the kernel rate-limits them by default.
    host.sysctl('net.ipv4.icmp_ratelimit', '0');
    await host.listen([
      ...[PORTS.open, PORTS.drop, PORTS.rejectPort, PORTS.rejectAdmin].map((port) => ({
        port,
        behaviour: 'udp-dns' as const,
      })),
      { port: PORTS.echo, behaviour: 'udp-echo' },
      { port: PORTS.echoDropped, behaviour: 'udp-echo' },
    ]);
    return host;
  } catch (err) {
    await host.destroy();
    throw err;
  }
}

const dns: UdpRequest = { payload: 'dns', dnsName: 'mp-exfil.meshprobe.invalid' };

t.test(
  'iptables verdicts on UDP inside a test namespace map to reply, refused, unreachable and no answer',
  { skip: unavailable ?? false },
  async (t) => {
    // Given a namespace host whose INPUT chain drops and rejects UDP per port
    const host = await udpHost();
    t.teardown(host.destroy);
    const spec = (port: number, timeoutMs = 1500): AttemptSpec => ({
      id: `udp-${port}`,
      technique: 'udp',
      host: host.address,
      port,
      timeoutMs,
      udp: dns,
    });
    const cases = [
      {
        sentence: 'an unfiltered DNS responder replies (NOERROR, one A record)',
        port: PORTS.open,
        transport: 'connected',
      },
      {
        sentence: 'DROP gives no reply before the timeout, though a responder listens behind it',
        port: PORTS.drop,
        transport: 'timeout',
      },
      {
        sentence: 'REJECT icmp-port-unreachable is refused (ECONNREFUSED on the connected socket)',
        port: PORTS.rejectPort,
        transport: 'refused',
        errorCode: 'ECONNREFUSED',
      },
      {
        sentence: 'REJECT icmp-admin-prohibited is unreachable (EHOSTUNREACH)',
        port: PORTS.rejectAdmin,
        transport: 'unreachable',
        errorCode: 'EHOSTUNREACH',
      },
      {
        sentence: 'an unfiltered port with nothing listening is refused (the kernel sends port unreachable)',
        port: PORTS.closed,
        transport: 'refused',
        errorCode: 'ECONNREFUSED',
      },
    ] as const;
    // When the agent makes one DNS attempt per port
    const observations = await Promise.all(cases.map((c) => runAttempt(spec(c.port))));
    // Then each port shows the transport its rule produces
    cases.forEach((c, i) => {
      const obs = observations[i];
      t.test(c.sentence, async (t) => {
        t.equal(obs?.transport, c.transport, JSON.stringify(obs));
        if ('errorCode' in c) t.equal(obs?.errorCode, c.errorCode);
        if (c.transport === 'connected') t.equal(obs?.udp?.summary, 'DNS reply NOERROR, 1 answer');
      });
    });
  },
);

function attempt(
  probeId: string,
  role: Attempt['role'],
  vantage: Vantage,
  target: TargetRef,
  address: string,
  port: number,
  udp: UdpRequest,
): Attempt {
  const id = attemptId({ probeId, vantage, target, port });
  return { id, probeId, role, vantage, target, address, port, technique: 'udp', timeoutMs: 1200, udp };
}

t.test(
  'UDP silence counts as blocked only when the UDP canary from the same vantage was answered',
  { skip: unavailable ?? false },
  async (t) => {
    // Given three vantages trying the same DROPped DNS port: one whose UDP canary is answered,
    // one whose canary is dropped too, and one without a UDP canary
    const host = await udpHost();
    t.teardown(host.destroy);
    const canaryRef: TargetRef = { kind: 'Canary', namespace: 'meshprobe-test', name: 'meshprobe-echo' };
    const outside: TargetRef = { kind: 'Endpoint', namespace: '', name: `${host.address}:53` };
    const [working, broken, without]: Vantage[] = ['a', 'b', 'c'].map((n) => ({
      kind: 'from-namespace',
      namespace: `cde-${n}`,
    }));
    const attempts: Attempt[] = [
      attempt('canary-udp', 'canary', working!, canaryRef, host.address, PORTS.echo, { payload: 'echo' }),
      attempt('canary-udp', 'canary', broken!, canaryRef, host.address, PORTS.echoDropped, { payload: 'echo' }),
      ...[working!, broken!, without!].map((v) =>
        attempt('egress-udp', 'probe', v, outside, host.address, PORTS.drop, dns),
      ),
      attempt('egress-udp', 'probe', working!, outside, host.address, PORTS.open, dns),
      attempt('egress-udp', 'probe', working!, outside, host.address, PORTS.rejectPort, dns),
    ];
    // When the agent makes every attempt and the CLI classifies what it saw
    const observations = await Promise.all(attempts.map((a) => runAttempt(toSpec(a))));
    const selfChecks = new Map(
      [working!, broken!, without!].map((v) => [
        vantageId(v),
        { meshListeners: [], meshed: false, nodeVersion: process.version },
      ]),
    );
    const evidence = buildEvidence({ attempts, observations, selfChecks });
    const outcomeOf = (v: Vantage, port: number): unknown =>
      evidence.find(
        (e) => e.attempt.role === 'probe' && vantageId(e.attempt.vantage) === vantageId(v) && e.attempt.port === port,
      )?.outcome;
    // Then the dropped port is blocked only where the canary came back
    t.match(outcomeOf(working!, PORTS.drop), {
      kind: 'blocked',
      by: 'timeout',
      detail: /no UDP reply before the timeout while the UDP canary from the same pod was answered/,
    });
    t.match(outcomeOf(broken!, PORTS.drop), {
      kind: 'inconclusive',
      reason: 'canary-failed',
      detail: /UDP canary from the same pod was not answered either/,
    });
    t.match(outcomeOf(without!, PORTS.drop), {
      kind: 'inconclusive',
      reason: 'canary-failed',
      detail: /no UDP canary ran from this pod/,
    });
    // And a reply is allowed, whatever the canary
    t.match(outcomeOf(working!, PORTS.open), {
      kind: 'allowed',
      as: 'udp-reply',
      detail: /DNS reply NOERROR, 1 answer/,
    });
    // And a port-unreachable without a control path cannot tell a REJECT from an empty port
    t.match(outcomeOf(working!, PORTS.rejectPort), {
      kind: 'inconclusive',
      reason: 'no-control-path',
      detail: /ICMP port unreachable/,
    });
  },
);
