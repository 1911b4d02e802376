/**
 * Timed-out TCP attempts are tried again (probes/agent/timeout-retry.ts) and judged by the
 * time-local reference beside their last try (src/classify/timeout-check.ts), against test hosts
 * in network namespaces: a path that drops SYNs for a while (an overloaded node or CNI), a port a
 * rule DROPs, and a host that starts dropping everything after the reference connected.
 */
import t from 'tap';
import { runBatch } from '../../../probes/agent/run-batch.js';
import type { AttemptBatch, AttemptSpec, DoneLine, ObservationLine } from '../../../probes/protocol.js';
import { classify, type ClassifyContext } from '../../../src/classify/classify.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import { createNetnsHost, netnsUnavailable, type NetnsHost } from '../../helpers/netns.js';
import { attemptsOf, PROBE_NS, svc } from '../../helpers/report-fixtures.js';

const NO_NETNS = netnsUnavailable();
const NOT_MESHED = async () => ({ meshListeners: [], meshed: false, nodeVersion: process.version });
/** Below Linux's first SYN retransmission (1 s): one SYN per try, so a rule that drops the first SYN drops the try. */
const TIMEOUT_MS = 900;
const TARGET = 86;
const REFERENCE = 87;

/** The CLI's view of the target attempt: a probe from the probe namespace, canary and control path fine. */
const target: Attempt = {
  ...attemptsOf([
    { probeId: 'tcp-reach', vantage: PROBE_NS, target: svc('cde', 'api'), port: TARGET, observed: { kind: 'missing' } },
  ]).attempts[0]!,
  timeoutMs: TIMEOUT_MS,
};
const CTX: ClassifyContext = {
  canaryOk: true,
  controlPathOk: true,
  probeMeshed: false,
  referenceOf: (id) => (id === 'ref' ? { name: 'meshprobe-run/echo port 87', canary: true } : undefined),
};

function spec(id: string, host: NetnsHost, port: number): AttemptSpec {
  return { id, technique: 'tcp', host: host.address, port, timeoutMs: TIMEOUT_MS };
}

/** Run reference + target from this namespace with up to `maxTries` tries; the target's line and the done line. */
async function run(
  host: NetnsHost,
  maxTries = 3,
  deadlineMs = 20_000,
): Promise<{ line: ObservationLine; done: DoneLine; ms: number }> {
  const batch: AttemptBatch = {
    v: 1,
    runId: 'run-test',
    podName: 'probe-test',
    concurrency: 4,
    deadlineMs,
    timeoutRetry: { maxTries, referenceIds: ['ref'] },
    attempts: [spec('ref', host, REFERENCE), spec('target', host, TARGET)],
  };
  const lines: string[] = [];
  const t0 = performance.now();
  const done = await runBatch(batch, (l) => lines.push(l), { selfCheck: NOT_MESHED });
  const observations = lines.map((l) => JSON.parse(l) as ObservationLine).filter((o) => 'attemptId' in o);
  const line = observations.find((o) => o.attemptId === 'target');
  if (line === undefined || observations.length !== 2)
    throw new Error(`expected one line per attempt: ${lines.join('\n')}`);
  return { line, done, ms: Math.round(performance.now() - t0) };
}

async function echoHost(t: { teardown(fn: () => Promise<void>): void }): Promise<NetnsHost> {
  const host = await createNetnsHost();
  t.teardown(host.destroy);
  await host.listen([
    { port: TARGET, behaviour: 'echo' },
    { port: REFERENCE, behaviour: 'echo' },
  ]);
  return host;
}

t.test(
  'a path that drops SYNs for its first half second and then accepts ends connected, not blocked',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a listening target whose SYNs are dropped until 450 ms in (an overloaded path), and a reference
    const host = await echoHost(t);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '--syn', '-j', 'DROP']);
    const heal = setTimeout(
      () => host.iptables(['-D', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '--syn', '-j', 'DROP']),
      450,
    );
    t.teardown(() => clearTimeout(heal));
    // When the batch runs
    const { line, done } = await run(host);
    // Then the first try timed out, the second connected, and the line is the connection
    t.equal(line.transport, 'connected');
    t.equal(line.retried?.tries, 2);
    t.ok(Date.parse(line.startedAt) > Date.parse(line.retried?.firstStartedAt ?? ''), 'the line is the later try');
    t.same(done.timeoutRetries, { attempts: 1, rounds: 1 });
    // And the CLI sees a connection, never a block
    t.match(classify(target, line, CTX), { kind: 'allowed' });
  },
);

t.test(
  'a path that drops only the first SYN it sees ends connected on the second try',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a rule that drops every second SYN to the target, starting with the first
    const host = await echoHost(t);
    const nth = ['-m', 'statistic', '--mode', 'nth', '--every', '2', '--packet', '0'];
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '--syn', ...nth, '-j', 'DROP']);
    // When the batch runs
    const { line } = await run(host);
    // Then the retry on a fresh socket got through
    t.equal(line.transport, 'connected');
    t.equal(line.retried?.tries, 2);
    t.match(classify(target, line, CTX), { kind: 'allowed' });
  },
);

t.test(
  'a DROPped port times out on every try and is blocked, backed by the reference that connected beside the last try',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a target port a rule DROPs for good, and a reference the rule leaves alone
    const host = await echoHost(t);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '-j', 'DROP']);
    // When the batch runs
    const { line, done, ms } = await run(host);
    // Then one retry round was made (it was quiet: nothing changed and the reference connected)
    t.equal(line.transport, 'timeout');
    t.equal(line.retried?.tries, 2);
    t.equal(line.retried?.quiet, true);
    t.equal(line.retried?.reference?.attemptId, 'ref');
    t.equal(line.retried?.reference?.transport, 'connected');
    const apart = Math.abs(Date.parse(line.retried?.reference?.startedAt ?? '') - Date.parse(line.startedAt));
    t.ok(apart < TIMEOUT_MS, `the reference ran beside the last try (${apart} ms apart)`);
    t.same(done.timeoutRetries, { attempts: 1, rounds: 1 });
    t.ok(ms < 4 * TIMEOUT_MS, `the retry cost one more timeout, not a fixed wait (${ms} ms)`);
    // And the CLI calls it blocked, saying what backs it
    const outcome = classify(target, line, CTX);
    t.match(outcome, { kind: 'blocked', by: 'timeout' });
    t.match(
      outcome.kind === 'blocked' ? outcome.detail : '',
      /any of 2 tries .* connected to meshprobe-run\/echo port 87/,
    );
  },
);

t.test(
  'when the host starts dropping everything after the reference connected, the timeout is inconclusive, not blocked',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a DROPped target, and a host that drops every TCP packet from 300 ms in (the reference connected at once)
    const host = await echoHost(t);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '-j', 'DROP']);
    const fail = setTimeout(() => host.iptables(['-I', 'INPUT', '-p', 'tcp', '-j', 'DROP']), 300);
    t.teardown(() => clearTimeout(fail));
    // When the batch runs
    const { line, done } = await run(host);
    // Then the reference beside the retries timed out as well, so the agent used every try
    t.equal(line.transport, 'timeout');
    t.equal(line.retried?.tries, 3);
    t.equal(line.retried?.reference?.transport, 'timeout');
    t.same(done.timeoutRetries, { attempts: 1, rounds: 2 });
    // And the CLI cannot tell: the earlier reference connection vouches for nothing now
    t.match(classify(target, line, CTX), { kind: 'inconclusive', reason: 'timeout-unconfirmed' });
    // (the rule before retries — "the canary connected at some point" — would have said blocked)
    const { retried: _, ...plain } = line;
    t.match(classify(target, plain, CTX), { kind: 'blocked', by: 'timeout' });
  },
);

t.test(
  'when everything is dropped from the start there is no reference, and the timeout is inconclusive',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a host that drops all TCP
    const host = await echoHost(t);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '-j', 'DROP']);
    // When the batch runs
    const { line } = await run(host);
    // Then the target was retried with no reference beside it, and the CLI cannot tell
    t.equal(line.transport, 'timeout');
    t.equal(line.retried?.tries, 2);
    t.equal(line.retried?.reference, undefined);
    t.match(classify(target, line, CTX), { kind: 'inconclusive', reason: 'timeout-unconfirmed' });
  },
);

t.test(
  'a timeout whose retry does not fit before the batch deadline is reported after one try and is inconclusive',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given a DROPped target and a batch deadline that leaves no room for another timeout after the pass
    const host = await echoHost(t);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '-j', 'DROP']);
    // When the batch runs with a 2.5 s deadline (the pass takes 0.9 s; a round needs 0.9 s + 1 s of margin)
    const { line, done } = await run(host, 3, 2500);
    // Then no round was made, the line says one try, and the CLI cannot call it blocked
    t.equal(line.transport, 'timeout');
    t.equal(line.retried?.tries, 1);
    t.same(done.timeoutRetries, { attempts: 1, rounds: 0 });
    t.match(classify(target, line, CTX), { kind: 'inconclusive', reason: 'timeout-unconfirmed', detail: /tried once/ });
  },
);

t.test(
  'a round of many DROPped attempts runs in waves, and every one of them is blocked with a reference from its own wave',
  { skip: NO_NETNS ?? false },
  async (t) => {
    // Given 48 attempts to a DROPped port from a pod that runs 8 at a time (6 waves of one timeout each in a round)
    const host = await echoHost(t);
    host.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(TARGET), '-j', 'DROP']);
    const dropped = Array.from({ length: 48 }, (_, i) => spec(`drop-${i}`, host, TARGET));
    const batch: AttemptBatch = {
      v: 1,
      runId: 'run-test',
      podName: 'probe-test',
      concurrency: 8,
      deadlineMs: 60_000,
      timeoutRetry: { maxTries: 3, referenceIds: ['ref'] },
      attempts: [spec('ref', host, REFERENCE), ...dropped],
    };
    // When the batch runs
    const lines: string[] = [];
    const done = await runBatch(batch, (l) => lines.push(l), { selfCheck: NOT_MESHED });
    const timeouts = lines
      .map((l) => JSON.parse(l) as ObservationLine)
      .filter((o) => 'attemptId' in o && o.attemptId.startsWith('drop-'));
    // Then one quiet round was made and every attempt names a reference that started within a timeout of its last try
    t.equal(timeouts.length, 48);
    t.same(done.timeoutRetries, { attempts: 48, rounds: 1 });
    const spanMs =
      Math.max(...timeouts.map((o) => Date.parse(o.startedAt))) -
      Math.min(...timeouts.map((o) => Date.parse(o.startedAt)));
    t.ok(spanMs > 2 * TIMEOUT_MS, `the round's tries spread over several timeouts (${spanMs} ms)`);
    for (const o of timeouts) {
      const apart = Date.parse(o.retried?.reference?.startedAt ?? '') - Date.parse(o.startedAt);
      if (!(Math.abs(apart) <= TIMEOUT_MS)) t.fail(`${o.attemptId}: reference ${apart} ms from its last try`);
    }
    // And the CLI calls every one of them blocked (one reference for the whole round would leave the later waves unconfirmed)
    const outcomes = timeouts.map((o) => classify(target, o, CTX).kind);
    t.same([...new Set(outcomes)], ['blocked']);
  },
);
