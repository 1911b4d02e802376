/** Classification of UDP attempts: reply = allowed, port-unreachable = refused, silence = dropped only with a UDP canary. */
import t from 'tap';
import { classify, type ClassifyContext } from '../../../src/classify/classify.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import type { Observation } from '../../../src/domain/observation.js';

const attempt = (role: Attempt['role'] = 'probe', kind: 'Endpoint' | 'Canary' = 'Endpoint'): Attempt => ({
  id: '0123456789abcdef',
  probeId: role === 'canary' ? 'canary-udp' : 'egress-udp',
  role,
  vantage: { kind: 'from-namespace', namespace: 'payments' },
  target: { kind, namespace: '', name: '203.0.113.53:53' },
  address: '203.0.113.53',
  port: 53,
  technique: 'udp',
  timeoutMs: 2000,
  udp: { payload: 'dns', dnsName: 'x.meshprobe.invalid' },
});
const obs = (transport: Observation['transport'], extra: Partial<Observation> = {}): Observation => ({
  v: 1,
  attemptId: '0123456789abcdef',
  startedAt: '2026-12-03T15:00:00.000Z',
  durationMs: 5,
  transport,
  bytesReceived: 0,
  udp: { payload: 'dns', sent: 1, replies: transport === 'connected' ? 1 : 0 },
  ...extra,
});
const base: ClassifyContext = { canaryOk: true, udpCanaryOk: true, controlPathOk: undefined, probeMeshed: false };

const cases: Array<{ name: string; o: Observation; ctx: ClassifyContext; a?: Attempt; want: Record<string, unknown> }> =
  [
    {
      name: 'a DNS reply is allowed as udp-reply with its summary, whatever the canary',
      o: obs('connected', {
        bytesReceived: 60,
        udp: { payload: 'dns', sent: 1, replies: 1, summary: 'DNS reply NOERROR, 1 answer' },
      }),
      ctx: { ...base, udpCanaryOk: false },
      want: { kind: 'allowed', as: 'udp-reply', detail: 'a UDP reply came back: DNS reply NOERROR, 1 answer' },
    },
    {
      name: 'silence with the UDP canary answered is blocked by timeout',
      o: obs('timeout'),
      ctx: base,
      want: { kind: 'blocked', by: 'timeout', detail: /UDP canary from the same pod was answered/ },
    },
    {
      name: 'silence while only the TCP canary worked is inconclusive: TCP proves nothing about UDP',
      o: obs('timeout'),
      ctx: { ...base, udpCanaryOk: false },
      want: { kind: 'inconclusive', reason: 'canary-failed', detail: /not answered either/ },
    },
    {
      name: 'silence with no UDP canary in the batch is inconclusive',
      o: obs('timeout'),
      ctx: { ...base, udpCanaryOk: undefined },
      want: { kind: 'inconclusive', reason: 'canary-failed', detail: /no UDP canary ran/ },
    },
    {
      name: 'silence whose control path failed too is inconclusive',
      o: obs('timeout'),
      ctx: { ...base, controlPathOk: false },
      want: { kind: 'inconclusive', reason: 'control-path-failed' },
    },
    {
      name: 'ICMP admin-prohibited with the UDP canary answered is blocked as unreachable',
      o: obs('unreachable', { errorCode: 'EHOSTUNREACH' }),
      ctx: base,
      want: { kind: 'blocked', by: 'unreachable' },
    },
    {
      name: 'ICMP port-unreachable without a control path is inconclusive (REJECT or nothing listening)',
      o: obs('refused', { errorCode: 'ECONNREFUSED' }),
      ctx: base,
      want: { kind: 'inconclusive', reason: 'no-control-path', detail: /ICMP port unreachable/ },
    },
    {
      name: 'ICMP port-unreachable with a working control path is blocked by refused',
      o: obs('refused', { errorCode: 'ECONNREFUSED' }),
      ctx: { ...base, controlPathOk: true },
      want: { kind: 'blocked', by: 'refused' },
    },
    {
      name: 'ICMP port-unreachable without a UDP canary is inconclusive even with the TCP canary',
      o: obs('refused', { errorCode: 'ECONNREFUSED' }),
      ctx: { ...base, udpCanaryOk: undefined, controlPathOk: true },
      want: { kind: 'inconclusive', reason: 'canary-failed' },
    },
    {
      name: 'a UDP canary that got no reply is inconclusive, never blocked',
      o: obs('timeout'),
      ctx: base,
      a: attempt('canary', 'Canary'),
      want: { kind: 'inconclusive', reason: 'canary-failed' },
    },
    {
      name: 'an agent error on a UDP attempt is inconclusive',
      o: obs('agent-error', { errorCode: 'E_DEADLINE' }),
      ctx: base,
      want: { kind: 'inconclusive', reason: 'agent-error' },
    },
  ];

for (const c of cases) {
  t.test(c.name, async (t) => {
    // Given a UDP attempt and what the agent saw, When classified in its batch context
    const outcome = classify(c.a ?? attempt(), c.o, c.ctx);
    // Then
    t.match(outcome, c.want);
  });
}

t.test('a UDP observation from a meshed probe pod is inconclusive like any other', async (t) => {
  t.match(classify(attempt(), obs('connected'), { ...base, probeMeshed: true }), {
    kind: 'inconclusive',
    reason: 'probe-meshed',
  });
});
