/** 1.3.2 over UDP: a DNS answer from outside fails it, naming UDP/53; silence holds only with the UDP canary. */
import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import { attemptId, type Attempt } from '../../../src/domain/attempt.js';
import type { Observation } from '../../../src/domain/observation.js';
import type { TargetRef } from '../../../src/domain/target.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { judgeInput } from '../../helpers/report-fixtures.js';

const c132 = findControl('1.3.2')!;
const payments: Vantage = { kind: 'from-namespace', namespace: 'payments' };
const resolver: TargetRef = { kind: 'Endpoint', namespace: '', name: '203.0.113.53:53' };
const echo: TargetRef = { kind: 'Canary', namespace: 'meshprobe-run', name: 'meshprobe-echo' };
const context = { egressTargets: ['203.0.113.53:53'] };

function attempt(
  probeId: string,
  role: Attempt['role'],
  target: TargetRef,
  port: number,
  technique: Attempt['technique'],
): Attempt {
  const udp =
    technique === 'udp'
      ? {
          udp:
            probeId === 'canary-udp'
              ? { payload: 'echo' as const }
              : { payload: 'dns' as const, dnsName: 'mp-x.meshprobe.invalid' },
        }
      : {};
  return {
    id: attemptId({ probeId, vantage: payments, target, port }),
    probeId,
    role,
    vantage: payments,
    target,
    address: '203.0.113.53',
    port,
    technique,
    timeoutMs: 2000,
    ...udp,
  };
}
function seen(a: Attempt, transport: Observation['transport'], udpSummary?: string): Observation {
  return {
    v: 1,
    attemptId: a.id,
    startedAt: '2026-12-03T15:00:00.000Z',
    durationMs: 3,
    transport,
    bytesReceived: transport === 'connected' ? 60 : 0,
    ...(a.technique === 'udp'
      ? {
          udp: {
            payload: a.udp!.payload,
            sent: 1,
            replies: transport === 'connected' ? 1 : 0,
            ...(udpSummary ? { summary: udpSummary } : {}),
          },
        }
      : {}),
    ...(a.technique === 'http' && transport === 'connected'
      ? { http: { status: 200, headers: {}, bodyPrefix: '' } }
      : {}),
  };
}
const tcpCanary = attempt('canary', 'canary', echo, 8080, 'http');
const udpCanary = attempt('canary-udp', 'canary', echo, 8080, 'udp');
const dnsQuery = attempt('egress-udp', 'probe', resolver, 53, 'udp');
const tcp53 = attempt('egress-reach', 'probe', resolver, 53, 'tcp');
const selfChecks = new Map([
  ['from-namespace:payments', { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' }],
]);
const judge = (pairs: readonly [Attempt, Observation][]) =>
  c132.judge(
    judgeInput(buildEvidence({ attempts: pairs.map(([a]) => a), observations: pairs.map(([, o]) => o), selfChecks }), {
      context,
    }),
  );

t.test(
  '1.3.2 fails when an outside resolver answers a DNS query over UDP/53, even though TCP/53 is dropped',
  async (t) => {
    // Given TCP/53 dropped and UDP/53 answered, with both canaries working
    const j = judge([
      [tcpCanary, seen(tcpCanary, 'connected')],
      [udpCanary, seen(udpCanary, 'connected')],
      [tcp53, seen(tcp53, 'timeout')],
      [dnsQuery, seen(dnsQuery, 'connected', 'DNS reply NOERROR, 1 answer')],
    ]);
    // Then it fails, and the failing sentence names the target, UDP/53, the answer and the namespace
    t.equal(j.status, 'fails');
    t.equal(
      j.reasons[0],
      'Egress target 203.0.113.53:53 answered a DNS query over UDP/53 (DNS reply NOERROR, 1 answer) from namespace payments: outbound traffic from the CDE is not restricted to what is necessary.',
    );
  },
);

t.test('1.3.2 holds when TCP/53 and UDP/53 both get nothing while the TCP and UDP canaries are answered', async (t) => {
  const j = judge([
    [tcpCanary, seen(tcpCanary, 'connected')],
    [udpCanary, seen(udpCanary, 'connected')],
    [tcp53, seen(tcp53, 'timeout')],
    [dnsQuery, seen(dnsQuery, 'timeout')],
  ]);
  t.equal(j.status, 'holds');
  t.ok(
    j.reasons.includes(
      'Egress target 203.0.113.53:53 did not answer a DNS query over UDP/53 (no reply: dropped) from namespace payments, while the UDP canary from the same pod was answered: blocked at L3/L4 (UDP).',
    ),
    j.reasons.join('\n'),
  );
});

t.test('1.3.2 is inconclusive, never holds, when UDP/53 is silent but the UDP canary was not answered', async (t) => {
  // Given a CDE policy that admits meshprobe's namespace over TCP only: the UDP canary is dropped too
  const j = judge([
    [tcpCanary, seen(tcpCanary, 'connected')],
    [udpCanary, seen(udpCanary, 'timeout')],
    [tcp53, seen(tcp53, 'timeout')],
    [dnsQuery, seen(dnsQuery, 'timeout')],
  ]);
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons.join(' '), /UDP\/53.*UDP canary from the same pod was not answered either/);
});
