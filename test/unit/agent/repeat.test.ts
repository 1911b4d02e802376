/**
 * needsRepeat: which results may have been decided before the pod's policy-ready point.
 */
import t from 'tap';
import { lastSynOffsetMs, needsRepeat } from '../../../probes/agent/repeat.js';
import type { AttemptSpec, TransportResult } from '../../../probes/protocol.js';

const tcp = (timeoutMs: number): Pick<AttemptSpec, 'technique' | 'timeoutMs'> => ({ technique: 'tcp', timeoutMs });

t.test('the last SYN of a timed-out attempt follows Linux retransmission (1 s, then doubling)', async (t) => {
  const rows: readonly (readonly [number, number])[] = [
    [500, 0],
    [1000, 0],
    [1001, 1000],
    [2000, 1000],
    [3000, 1000],
    [3001, 3000],
    [5000, 3000],
    [60_000, 31_000],
  ];
  for (const [timeout, last] of rows)
    t.equal(lastSynOffsetMs(timeout), last, `timeout ${timeout} ms → last SYN at ${last} ms`);
});

t.test('a result is repeated only when it may have been decided before the point', async (t) => {
  const answered: readonly TransportResult[] = [
    'connected',
    'reset',
    'eof',
    'silent',
    'refused',
    'unreachable',
    'dns-failure',
  ];
  // Given a point at 3 000 ms on the agent's clock
  const ready = 3000;
  for (const transport of answered) {
    t.equal(needsRepeat(tcp(2000), transport, 2999, ready), true, `${transport} started before the point is repeated`);
    t.equal(needsRepeat(tcp(2000), transport, 3000, ready), false, `${transport} started at the point stands`);
  }
  t.equal(needsRepeat(tcp(2000), 'agent-error', 0, ready), false, 'an agent-error was not decided by the network');
  // A 2 s timeout sends SYNs at +0 and +1 s: it stands only if the +1 s SYN left at or after the point
  t.equal(needsRepeat(tcp(2000), 'timeout', 1999, ready), true, 'every SYN before the point');
  t.equal(needsRepeat(tcp(2000), 'timeout', 2000, ready), false, 'the retransmitted SYN left at the point');
  t.equal(
    needsRepeat({ technique: 'dns', timeoutMs: 2000 }, 'timeout', 2500, ready),
    true,
    'a DNS timeout has no SYN to reason about',
  );
  // A sweep (120 s budget, 1 s connects) that saw nothing open from a pod the engine did not know yet
  const sweep = { technique: 'sweep' as const, timeoutMs: 120_000 };
  t.equal(needsRepeat(sweep, 'timeout', 0, ready), true, 'a sweep that timed out before the point is repeated');
  t.equal(needsRepeat(sweep, 'refused', 2999, ready), true, 'a sweep that saw refusals before the point is repeated');
  t.equal(needsRepeat(sweep, 'timeout', 3000, ready), false, 'a sweep begun at the point stands');
});
