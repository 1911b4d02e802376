/** The agent's pure timeout-retry rules: what is retried, which reference, whether to make another round. */
import t from 'tap';
import {
  anotherRound,
  EMIT_CHUNK,
  holdTimeout,
  interleaveReference,
  nearestReference,
  REFERENCE_EVERY,
  referenceInterval,
  referencePicker,
  retriable,
  retryTimeouts,
  tcpCompleted,
} from '../../../probes/agent/timeout-retry.js';
import { parseBatch } from '../../../probes/agent/batch.js';
import type { AttemptSpec, ObservationLine, TransportResult } from '../../../probes/protocol.js';

const spec = (id: string, technique: AttemptSpec['technique'] = 'tcp'): AttemptSpec => ({
  id,
  technique,
  host: '198.18.0.9',
  port: 80,
  timeoutMs: 2000,
});
const line = (id: string, transport: TransportResult, extra: Partial<ObservationLine> = {}): ObservationLine => ({
  v: 1,
  attemptId: id,
  startedAt: '2026-12-03T23:00:00.000Z',
  durationMs: 5,
  transport,
  bytesReceived: 0,
  ...extra,
});

t.test('only TCP timeouts (tcp, tls, http) are retried; UDP, DNS and sweeps have their own rules', (t) => {
  for (const technique of ['tcp', 'tls', 'http'] as const) t.ok(retriable(spec('a', technique), line('a', 'timeout')));
  for (const technique of ['udp', 'dns', 'sweep'] as const)
    t.notOk(retriable(spec('a', technique), line('a', 'timeout')), technique);
  for (const transport of ['connected', 'refused', 'unreachable', 'reset', 'agent-error'] as const)
    t.notOk(retriable(spec('a'), line('a', transport)), transport);
  t.end();
});

t.test('a reference must have completed TCP: a reset or close counts, a refusal or timeout does not', (t) => {
  t.ok(tcpCompleted(line('a', 'eof')));
  t.ok(tcpCompleted(line('a', 'agent-error', { http: { status: 200, headers: {}, bodyPrefix: '' } })));
  t.notOk(tcpCompleted(line('a', 'refused')));
  t.notOk(tcpCompleted(line('a', 'timeout')));
  t.end();
});

t.test('the reference picker prefers the batch’s reference ids in order, then plain TCP, then TLS/HTTP', (t) => {
  const p = referencePicker(['canary', 'dns-ref']);
  t.equal(p.picked(), undefined, 'nothing connected yet');
  p.offer(spec('tls-probe', 'tls'), line('tls-probe', 'connected'));
  t.equal(p.picked()?.id, 'tls-probe');
  p.offer(spec('tcp-probe'), line('tcp-probe', 'silent'));
  t.equal(p.picked()?.id, 'tcp-probe', 'plain TCP is cheaper to repeat');
  p.offer(spec('canary'), line('canary', 'timeout'));
  t.equal(p.picked()?.id, 'tcp-probe', 'a preferred id that did not connect is not picked');
  p.offer(spec('dns-ref'), line('dns-ref', 'connected'));
  t.equal(p.picked()?.id, 'dns-ref');
  p.offer(spec('udp-canary', 'udp'), line('udp-canary', 'connected'));
  t.equal(p.picked()?.id, 'dns-ref', 'a UDP reply is no TCP connection');
  t.end();
});

t.test('another round only while something times out, tries are left, and the last round was not quiet', (t) => {
  const base = { rounds: 1, maxTries: 3, pending: 2, answered: 0, referenceOk: true as boolean | undefined };
  t.notOk(anotherRound(base), 'quiet round with a working reference: done');
  t.ok(anotherRound({ ...base, answered: 1 }), 'an attempt changed its answer: the path is unsteady');
  t.ok(anotherRound({ ...base, referenceOk: false }), 'the reference failed beside the round');
  t.notOk(anotherRound({ ...base, referenceOk: undefined }), 'no reference at all: another round cannot fix that');
  t.notOk(anotherRound({ ...base, answered: 1, rounds: 2 }), 'maxTries reached (2 rounds + the first try)');
  t.notOk(anotherRound({ ...base, answered: 1, pending: 0 }), 'nothing left to retry');
  t.end();
});

t.test('a batch’s timeoutRetry is checked: 1–4 tries, reference ids as strings', (t) => {
  const batch = (timeoutRetry: unknown) =>
    JSON.stringify({ v: 1, runId: 'r', podName: 'p', concurrency: 1, deadlineMs: 1000, timeoutRetry, attempts: [] });
  t.equal(parseBatch(batch({ maxTries: 3, referenceIds: ['a'] })).kind, 'batch');
  t.equal(parseBatch(batch(undefined)).kind, 'batch', 'absent: no retries (older CLIs)');
  t.match(parseBatch(batch({ maxTries: 5 })), {
    kind: 'invalid',
    message: /maxTries must be a whole number from 1 to 4/,
  });
  t.match(parseBatch(batch({ maxTries: 0 })), { kind: 'invalid' });
  t.match(parseBatch(batch([])), { kind: 'invalid', message: /timeoutRetry must be an object/ });
  t.match(parseBatch(batch({ maxTries: 2, referenceIds: [1] })), { kind: 'invalid', message: /referenceIds/ });
  t.end();
});

t.test('a retry round puts the reference before every REFERENCE_EVERY retried attempts', (t) => {
  const ref = { id: 'ref', technique: 'tcp', host: '127.0.0.1', port: 1, timeoutMs: 100 } as const;
  const specs = Array.from({ length: 2 * REFERENCE_EVERY + 1 }, (_, i) => ({ ...ref, id: `a${i}` }));
  const list = interleaveReference(specs, ref);
  t.equal(list.length, specs.length + 3, 'three references for 2 × REFERENCE_EVERY + 1 attempts');
  t.same(
    list.flatMap((s, i) => (s.id === 'ref' ? [i] : [])),
    [0, REFERENCE_EVERY + 1, 2 * REFERENCE_EVERY + 2],
  );
  t.same(interleaveReference(specs, undefined), specs, 'no reference: the attempts alone');
  t.end();
});

t.test('a timeout is reported with the reference try that started nearest to its last try', (t) => {
  const at = (iso: string, id: string) => ({
    attemptId: id,
    startedAt: iso,
    durationMs: 3,
    transport: 'connected' as const,
  });
  const tries = [
    at('2026-01-01T00:00:00.000Z', 'r1'),
    at('2026-01-01T00:00:02.000Z', 'r2'),
    at('2026-01-01T00:00:04.000Z', 'r3'),
  ];
  const line = {
    v: 1,
    attemptId: 'x',
    startedAt: '2026-01-01T00:00:02.600Z',
    durationMs: 900,
    transport: 'timeout',
  } as const;
  t.equal(nearestReference(tries, line as never)?.startedAt, '2026-01-01T00:00:02.000Z');
  t.equal(nearestReference([], line as never), undefined);
  t.end();
});

t.test('a reference try stands beside at most half a wave of retried attempts', (t) => {
  t.equal(referenceInterval(1), 1);
  t.equal(referenceInterval(8), 4);
  t.equal(referenceInterval(64), REFERENCE_EVERY);
  t.equal(referenceInterval(4096), REFERENCE_EVERY);
  t.end();
});

t.test(
  'the timeouts left after the rounds are written a chunk at a time, each after the last has drained',
  async (t) => {
    // Given 150 held timeouts whose one retry round times out again, and stdout that drains only when told
    const held = Array.from({ length: 150 }, (_, i) => holdTimeout(spec(`a${i}`), line(`a${i}`, 'timeout')));
    const emitted: string[] = [];
    const drains: (() => void)[] = [];
    const drained = (): Promise<void> => new Promise((resolve) => drains.push(resolve));
    const running = retryTimeouts(
      held,
      {
        maxTries: 2,
        reference: undefined,
        referenceEvery: 16,
        runSpecs: async (specs, finish) => {
          for (const s of specs) finish(s, line(s.id, 'timeout'));
        },
        fits: () => true,
        drained,
      },
      (l) => emitted.push(l.attemptId),
    );
    // When the round is over
    await new Promise((resolve) => setImmediate(resolve));
    // Then only the first chunk is written until stdout drains
    t.equal(emitted.length, EMIT_CHUNK);
    drains.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(emitted.length, 2 * EMIT_CHUNK);
    drains.shift()?.();
    // And once it has, every timeout has exactly one line, in order
    t.equal(await running, 1, 'one round');
    t.same(
      emitted,
      held.map((h) => h.spec.id),
    );
    t.equal(drains.length, 0, 'no wait after the last chunk');
  },
);
