/**
 * Inbound UDP to a CDE port (issue 13, the s23 lab scenarios in small): a reply from an
 * out-of-scope namespace fails 1.3.1 and 11.4.5/11.4.6; silence blocks only with the UDP canary
 * and, where a UDP control path was planned, its reply; a TCP control on the same port number
 * vouches for nothing over UDP. The coverage line names the UDP slice.
 */
import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import type { TargetRef } from '../../../src/domain/target.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { coverageIndex, coverageOf } from '../../../src/evaluate/coverage.js';
import { coverageLine } from '../../../src/report/reporters/common.js';
import { inventory, judgeInput, ns } from '../../helpers/report-fixtures.js';
import { attemptMaker, evidenceFrom, type Transport } from '../../helpers/udp-evidence.js';

const client: Vantage = { kind: 'from-namespace', namespace: 'client' };
const fresh: Vantage = { kind: 'probe-namespace' };
const own: Vantage = { kind: 'same-namespace', namespace: 'stats' };
const collector: TargetRef = { kind: 'Service', namespace: 'stats', name: 'collector' };
const echo: TargetRef = { kind: 'Canary', namespace: 'meshprobe-run', name: 'meshprobe-echo' };
const namespaces = [ns('stats', 'cde'), ns('client', 'out-of-scope'), ns('meshprobe-run', 'probe', 1)];

const attempt = attemptMaker(new Set(['udp-reach', 'canary-udp', 'control-path-udp']));
const udpCanary = (v: Vantage) => attempt('canary-udp', 'canary', v, echo, 8080);
const tcpCanary = (v: Vantage) => attempt('canary', 'canary', v, echo, 8080);
const evidence = (pairs: readonly (readonly [Attempt, Transport])[]) => evidenceFrom([client, fresh, own], pairs);
/** Both vantages' canaries answered, TCP 8080 dropped from both: the TCP side of the CDE holds. */
function base(): [Attempt, Transport][] {
  return [client, fresh].flatMap((v): [Attempt, Transport][] => [
    [tcpCanary(v), 'connected'],
    [udpCanary(v), 'connected'],
    [attempt('tcp-reach', 'probe', v, collector, 8080), 'timeout'],
  ]);
}
const udpFrom = (v: Vantage) => attempt('udp-reach', 'probe', v, collector, 8125);
const outcomeOf = (list: ReturnType<typeof evidence>, a: Attempt) => list.find((e) => e.id === a.id)?.outcome;

t.test(
  '1.3.1, 11.4.5 and 11.4.6 fail when the CDE answers UDP from an out-of-scope namespace while TCP is dropped',
  async (t) => {
    // Given TCP 8080 dropped from everywhere, and UDP 8125 answered from client and from a fresh pod
    const ev = evidence([...base(), [udpFrom(client), 'connected'], [udpFrom(fresh), 'connected']]);
    const input = judgeInput(ev, { namespaces });
    // When the controls judge
    const j131 = findControl('1.3.1')!.judge(input);
    const j1145 = findControl('11.4.5')!.judge(input);
    const j1146 = findControl('11.4.6')!.judge(input);
    // Then each fails, naming the UDP port, the datagram answered and the vantage
    t.equal(j131.status, 'fails');
    const text131 = j131.reasons.map(String).join('\n');
    t.match(
      text131,
      'stats/collector port 8125 answered a datagram over UDP/8125 (a reply came back) from namespace client: inbound traffic to the CDE is not restricted to what is necessary.',
    );
    t.match(text131, /stats\/collector port 8125 answered a datagram over UDP\/8125 .*new unlabelled pod/);
    for (const j of [j1145, j1146]) {
      t.equal(j.status, 'fails');
      t.match(
        j.reasons.map(String).join('\n'),
        /stats\/collector port 8125 answered a datagram over UDP\/8125 .*from namespace client: segmentation does not isolate the CDE/,
      );
    }
  },
);

t.test(
  'silence from UDP 8125 holds 1.3.1 and 11.4.5 when the UDP canary and the UDP control path were answered',
  async (t) => {
    // Given the UDP canaries answered, the collector answered its own namespace (UDP control path), and nothing else
    const control = attempt('control-path-udp', 'control', own, collector, 8125);
    const ev = evidence([...base(), [control, 'connected'], [udpFrom(client), 'timeout'], [udpFrom(fresh), 'timeout']]);
    // Then the UDP silence is a block
    t.match(outcomeOf(ev, udpFrom(client)), { kind: 'blocked', by: 'timeout' });
    const input = judgeInput(ev, { namespaces });
    const j131 = findControl('1.3.1')!.judge(input);
    t.equal(j131.status, 'holds', j131.reasons.map(String).join('\n'));
    t.match(
      j131.reasons.map(String).join('\n'),
      'stats/collector port 8125 did not answer a datagram over UDP/8125 (no reply: dropped) from namespace client, while the UDP canary from the same pod was answered: blocked at L3/L4 (UDP).',
    );
    t.equal(findControl('11.4.5')!.judge(input).status, 'holds');
  },
);

t.test(
  'silence stays inconclusive when the UDP control path got no reply either: the port may ignore the request',
  async (t) => {
    // Given the same, but the collector's own namespace got no reply to the same request
    const control = attempt('control-path-udp', 'control', own, collector, 8125);
    const ev = evidence([...base(), [control, 'timeout'], [udpFrom(client), 'timeout'], [udpFrom(fresh), 'timeout']]);
    // Then silence from client proves nothing, and 1.3.1 does not hold
    t.match(outcomeOf(ev, udpFrom(client)), { kind: 'inconclusive', reason: 'control-path-failed' });
    t.equal(findControl('1.3.1')!.judge(judgeInput(ev, { namespaces })).status, 'inconclusive');
  },
);

t.test(
  'a TCP control on the same port number vouches for nothing over UDP, nor a refused one against it',
  async (t) => {
    // Given a TCP control to 8125 that was refused (nothing listens on TCP 8125) and a UDP control that was answered
    const tcpControl = attempt('control-path', 'control', own, collector, 8125);
    const udpControl = attempt('control-path-udp', 'control', own, collector, 8125);
    const ev = evidence([...base(), [tcpControl, 'refused'], [udpControl, 'connected'], [udpFrom(client), 'timeout']]);
    // Then the UDP silence is judged by the UDP control alone: blocked
    t.match(outcomeOf(ev, udpFrom(client)), { kind: 'blocked', by: 'timeout' });
    // And with only the refused TCP control, nothing shows the UDP port answers: silence is no proof of a drop
    // (a statsd collector never replies), so it stays inconclusive even with the UDP canary answered
    const onlyTcp = evidence([...base(), [tcpControl, 'refused'], [udpFrom(client), 'timeout']]);
    t.match(outcomeOf(onlyTcp, udpFrom(client)), { kind: 'inconclusive', reason: 'no-control-path' });
  },
);

t.test('the coverage line of 1.3.1 names the UDP slice, and a TCP-only coverage line stays as it was', async (t) => {
  // Given the locked collector's evidence
  const control = attempt('control-path-udp', 'control', own, collector, 8125);
  const ev = evidence([...base(), [control, 'connected'], [udpFrom(client), 'timeout'], [udpFrom(fresh), 'timeout']]);
  const c131 = findControl('1.3.1')!;
  // When coverage is computed
  const c = coverageOf(c131, coverageIndex(ev, inventory(namespaces)));
  // Then the UDP attempts are counted apart and the line says so
  t.same(c.udp, { tried: 2, ports: 1 });
  t.equal(
    coverageLine(c, 'holds'),
    '4 attempts tried: 2 vantages × 1 target × 2 ports (from-namespace 2, probe-namespace 2); of them UDP: 2 attempts to 1 port; nothing left out',
  );
  // And without UDP attempts there is no udp field and no UDP clause
  const tcpOnly = coverageOf(c131, coverageIndex(evidence(base()), inventory(namespaces)));
  t.equal(tcpOnly.udp, undefined);
  t.notMatch(coverageLine(tcpOnly, 'holds'), /UDP/);
});
