/** Agent output text → observations and problems (pure). */
import t from 'tap';
import {
  collectObservations,
  isObservationLine,
  mergeSelfChecks,
  type PodSelfCheck,
} from '../../../src/collect/collect.js';
import type { SelfCheck } from '../../../src/domain/observation.js';

const obs = (attemptId: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    v: 1,
    attemptId,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 3,
    transport: 'refused',
    errorCode: 'ECONNREFUSED',
    bytesReceived: 0,
    ...extra,
  });
const done = (count: number): string =>
  JSON.stringify({ v: 1, done: true, count, selfCheck: { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' } });

t.test('clean output gives every observation in expected-id order, the self-check and no problems', async (t) => {
  // Given lines out of order, as the agent writes them when attempts finish
  const text = [
    obs('b'),
    obs('a', { transport: 'connected', errorCode: undefined, bytesReceived: 5 }),
    done(2),
    '',
  ].join('\n');
  // When collected
  const result = collectObservations(text, ['a', 'b']);
  // Then
  t.same(
    result.observations.map((o) => o.attemptId),
    ['a', 'b'],
  );
  t.equal(result.observations[0]?.transport, 'connected');
  t.equal(result.done, true);
  t.same(result.selfCheck, { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' });
  t.same(result.problems, []);
});

t.test('stderr noise that does not start with { is ignored; CRLF line ends are fine', async (t) => {
  const text = ['(node:12) Warning: something', obs('a'), '   ', 'Error: boom', `${done(1)}\r`].join('\r\n');
  const result = collectObservations(text, ['a']);
  t.same(result.problems, []);
  t.equal(result.observations.length, 1);
});

t.test('each kind of bad output is one problem naming its line', async (t) => {
  const rows: readonly (readonly [string, string[], readonly string[], string, number | undefined])[] = [
    ['a line that starts like JSON but is not', [obs('a'), '{"v":1,"attemptId":', done(1)], ['a'], 'malformed-line', 2],
    ['an object without a protocol version', [obs('a'), '{}', done(1)], ['a'], 'unknown-version', 2],
    ['an observation without a transport', [obs('a', { transport: 'exploded' }), done(1)], ['a'], 'malformed-line', 1],
    ['an unknown attempt id', [obs('a'), obs('zzz'), done(2)], ['a'], 'unknown-id', 2],
    ['an id reported twice', [obs('a'), obs('a', { transport: 'reset' }), done(2)], ['a'], 'duplicate-id', 2],
    [
      'a line of another protocol version',
      [JSON.stringify({ v: 2, attemptId: 'a' }), done(0)],
      ['a'],
      'unknown-version',
      1,
    ],
    [
      'an agent error line',
      [JSON.stringify({ v: 1, error: { code: 'E_BATCH', message: 'bad batch' } })],
      ['a'],
      'agent-error',
      1,
    ],
    ['a second done line', [obs('a'), done(1), done(1)], ['a'], 'malformed-line', 3],
    ['a done line without count', [obs('a'), JSON.stringify({ v: 1, done: true })], ['a'], 'malformed-line', 2],
  ];
  for (const [sentence, lines, ids, kind, line] of rows) {
    const result = collectObservations(lines.join('\n'), ids);
    const problem = result.problems.find((p) => p.kind === kind);
    t.ok(problem, `${sentence}: ${kind} reported (${JSON.stringify(result.problems)})`);
    t.equal(problem?.line, line, `${sentence}: line number`);
    t.ok((problem?.message.length ?? 0) > 10, `${sentence}: has a message`);
  }
});

t.test('the first line of a duplicated id is kept', async (t) => {
  const result = collectObservations([obs('a'), obs('a', { transport: 'reset' }), done(2)].join('\n'), ['a']);
  t.equal(result.observations[0]?.transport, 'refused');
  t.equal(result.problems.find((p) => p.kind === 'duplicate-id')?.attemptId, 'a');
});

t.test('a missing done line is reported and the observations read so far are kept', async (t) => {
  const result = collectObservations(obs('a'), ['a', 'b']);
  t.equal(result.done, false);
  t.same(
    result.problems.map((p) => p.kind),
    ['missing-done'],
  );
  t.same(
    result.observations.map((o) => o.attemptId),
    ['a'],
  );
  t.equal(result.selfCheck, undefined);
});

t.test('an attempt without a line is simply absent, and counts that disagree are reported', async (t) => {
  // Given the agent says it wrote 3 lines, but only one arrived and the batch had 2
  const result = collectObservations([obs('a'), done(3)].join('\n'), ['a', 'b']);
  // Then b is not in the observations (it becomes no-observation downstream) and both counts are flagged
  t.same(
    result.observations.map((o) => o.attemptId),
    ['a'],
  );
  const mismatches = result.problems.filter((p) => p.kind === 'count-mismatch');
  t.equal(mismatches.length, 2);
  t.match(mismatches[0]?.message ?? '', /counts 3 attempts but 1 attempt lines were read/);
  t.match(mismatches[1]?.message ?? '', /the batch had 2/);
});

t.test('an empty log is only a missing done line', async (t) => {
  const result = collectObservations('', ['a']);
  t.same(result.observations, []);
  t.same(
    result.problems.map((p) => p.kind),
    ['missing-done'],
  );
});

t.test('observation lines with nested facts of the wrong shape are rejected', async (t) => {
  const base = JSON.parse(obs('a')) as Record<string, unknown>;
  t.equal(isObservationLine(base), true);
  t.equal(isObservationLine({ ...base, tls: { peerChainPem: 'x' } }), false);
  t.equal(isObservationLine({ ...base, http: { status: '200' } }), false);
  t.equal(isObservationLine({ ...base, dns: 'x' }), false);
  t.equal(isObservationLine({ ...base, durationMs: '3' }), false);
  t.equal(isObservationLine({ ...base, errorCode: 5 }), false);
});

t.test('self-checks of the pods serving one vantage merge conservatively', async (t) => {
  const unmeshed = { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' };
  const meshed = { meshListeners: [15001], meshed: true, nodeVersion: 'v20.20.2' };
  const cases: { name: string; pods: PodSelfCheck[]; want: SelfCheck | undefined }[] = [
    { name: 'one unmeshed pod', pods: [{ vantageId: 'v', selfCheck: unmeshed, observed: 3 }], want: unmeshed },
    {
      name: 'meshed if any pod is meshed (meshed first)',
      pods: [
        { vantageId: 'v', selfCheck: meshed, observed: 3 },
        { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
      ],
      want: meshed,
    },
    {
      name: 'meshed if any pod is meshed (meshed last)',
      pods: [
        { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
        { vantageId: 'v', selfCheck: meshed, observed: 3 },
      ],
      want: meshed,
    },
    {
      name: 'absent if a pod with observations has no self-check (missing last)',
      pods: [
        { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
        { vantageId: 'v', observed: 2 },
      ],
      want: undefined,
    },
    {
      name: 'absent if a pod with observations has no self-check (missing first)',
      pods: [
        { vantageId: 'v', observed: 2 },
        { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
      ],
      want: undefined,
    },
    {
      name: 'meshed wins over missing',
      pods: [
        { vantageId: 'v', observed: 2 },
        { vantageId: 'v', selfCheck: meshed, observed: 3 },
      ],
      want: meshed,
    },
    {
      name: 'a pod that contributed nothing (never collected) does not taint the others',
      pods: [
        { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
        { vantageId: 'v', observed: 0 },
      ],
      want: unmeshed,
    },
    {
      name: "another vantage's missing self-check does not matter",
      pods: [
        { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
        { vantageId: 'w', observed: 2 },
      ],
      want: unmeshed,
    },
  ];
  for (const c of cases) t.same(mergeSelfChecks(c.pods).get('v'), c.want, c.name);
  t.equal(
    mergeSelfChecks([
      { vantageId: 'v', selfCheck: unmeshed, observed: 3 },
      { vantageId: 'w', observed: 2 },
    ]).has('w'),
    false,
  );
});

t.test(
  "the done line's settle point is collected as reported, and a value that is not a date is treated as not reported",
  async (t) => {
    // Given a done line carrying policyReadyAt (the point from which the pod's connections count as proof)
    const withPoint = JSON.stringify({
      v: 1,
      done: true,
      count: 1,
      selfCheck: { meshListeners: [], meshed: false, nodeVersion: 'v20' },
      policyReadyAt: '2026-01-01T00:00:03.000Z',
    });
    t.equal(collectObservations(`${obs('a')}\n${withPoint}\n`, ['a']).settledAt, '2026-01-01T00:00:03.000Z');
    // And without one, or with garbage, none is collected (no connection of that pod counts as proof)
    t.equal(collectObservations(`${obs('a')}\n${done(1)}\n`, ['a']).settledAt, undefined);
    const garbage = withPoint.replace('2026-01-01T00:00:03.000Z', 'soon');
    t.equal(collectObservations(`${obs('a')}\n${garbage}\n`, ['a']).settledAt, undefined);
  },
);

t.test(
  'a repeated attempt keeps its first try on record, and the done line may name the policy-ready point',
  async (t) => {
    // Given an attempt repeated after the point (connected early, dropped later) and a done line with the point
    const repeated = {
      policyReadyAt: '2026-01-01T00:00:03.000Z',
      firstStartedAt: '2026-01-01T00:00:00.100Z',
      firstDurationMs: 4,
      firstTransport: 'connected',
    };
    const line = obs('a', {
      transport: 'timeout',
      errorCode: undefined,
      startedAt: '2026-01-01T00:00:03.001Z',
      repeated,
    });
    const doneLine = JSON.stringify({
      ...JSON.parse(done(1)),
      policyReadyAt: repeated.policyReadyAt,
      repeatedCount: 1,
    });
    // When collected
    const result = collectObservations([line, doneLine].join('\n'), ['a']);
    // Then the later try is the observation, with the first on record, and nothing is a problem
    t.equal(result.observations[0]?.transport, 'timeout');
    t.same(result.observations[0]?.repeated, repeated);
    t.same(result.problems, []);
    t.equal(isObservationLine({ ...JSON.parse(obs('a')), repeated: 'connected' }), false, 'repeated must be an object');
  },
);
