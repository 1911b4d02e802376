/**
 * The pure rule of issue 19: any TCP connection of the same probe pod after its settle point
 * proves the pod, so a timeout there is "blocked" and names the proof; nothing else does.
 */
import t from 'tap';
import type { Observation } from '../../../src/domain/observation.js';
import type { Evidence } from '../../../src/domain/evidence.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import type { BatchWindow } from '../../../src/classify/proof.js';
import { podProofs, tcpCompleted } from '../../../src/classify/proof.js';
import { said } from '../../../src/catalogue/controls/judge-kit.js';
import { attemptsOf, CANARY, from, observe, svc, type Step } from '../../helpers/report-fixtures.js';

const LOCK = from('cde-egress-lock');
const SETTLED = '2026-01-15T10:00:03.000Z';
const AFTER = '2026-01-15T10:00:03.500Z';
const BEFORE = '2026-01-15T10:00:01.000Z';
const EGRESS = { kind: 'Endpoint' as const, namespace: '', name: '198.18.0.9:8080' };
const API = svc('egress-lock-api', 'api');

const canary = (ok: boolean): Step => ({
  probeId: 'canary',
  role: 'canary',
  vantage: LOCK,
  target: CANARY,
  port: 8080,
  observed: ok ? { kind: 'http', status: 200 } : { kind: 'timeout' },
});
const reference = (observed: Step['observed']): Step => ({
  probeId: 'canary-reference',
  role: 'canary',
  technique: 'tcp',
  vantage: LOCK,
  target: API,
  port: 8080,
  observed,
});
const egress: Step = {
  probeId: 'egress-reach',
  vantage: LOCK,
  target: EGRESS,
  port: 8080,
  observed: { kind: 'timeout' },
};

/** Evidence for steps run by pods (each a list of steps), with start times per step index and a settle point per pod. */
function run(
  pods: readonly { steps: readonly Step[]; settledAt?: string; startedAt?: readonly string[] }[],
): Evidence[] {
  const all = pods.flatMap((p) => p.steps);
  const { attempts } = attemptsOf(all);
  const observations: Observation[] = [];
  const batches: BatchWindow[] = [];
  let i = 0;
  pods.forEach((p, n) => {
    const ids: string[] = [];
    p.steps.forEach((s, k) => {
      const a = attempts[i++]!;
      ids.push(a.id);
      const o = observe(a.id, s.observed);
      if (o) observations.push({ ...o, startedAt: p.startedAt?.[k] ?? AFTER });
    });
    batches.push({
      pod: `cde-egress-lock/mp-pod-${n}`,
      attemptIds: ids,
      ...(p.settledAt !== undefined ? { settledAt: p.settledAt } : {}),
    });
  });
  const selfChecks = new Map([
    ['from-namespace:cde-egress-lock', { meshListeners: [], meshed: false, nodeVersion: 'v20' }],
  ]);
  return buildEvidence({ attempts, observations, selfChecks, batches });
}

const egressOf = (ev: readonly Evidence[]): Evidence => ev.find((e) => e.attempt.probeId === 'egress-reach')!;

t.test(
  'a timeout is blocked when the same pod connected elsewhere after its settle point, and the reason names that connection',
  async (t) => {
    // Given a pod whose canary is blocked by its egress policy but whose reference connected
    const ev = run([
      { steps: [canary(false), reference({ kind: 'connected', bytes: 47 }), egress], settledAt: SETTLED },
    ]);
    const e = egressOf(ev);
    // Then the egress timeout is blocked, proven by the reference, and the sentence says so
    t.match(e.outcome, {
      kind: 'blocked',
      by: 'timeout',
      detail: 'no TCP connection before the timeout while the same pod connected to egress-lock-api/api port 8080',
    });
    t.equal(
      e.outcome.kind === 'blocked' ? e.outcome.proof?.attemptId : undefined,
      ev.find((x) => x.attempt.probeId === 'canary-reference')?.id,
    );
    t.match(
      said(e),
      /198\.18\.0\.9:8080 did not answer the connection \(timed out: dropped\) from namespace cde-egress-lock, while the same pod connected to egress-lock-api\/api port 8080$/,
    );
  },
);

t.test('with no connection at all from the pod the timeout stays inconclusive (canary-failed)', async (t) => {
  const ev = run([{ steps: [canary(false), reference({ kind: 'timeout' }), egress], settledAt: SETTLED }]);
  t.match(egressOf(ev).outcome, {
    kind: 'inconclusive',
    reason: 'canary-failed',
    detail: /no other attempt of the same pod connected after its settle point/,
  });
});

t.test('a refusal proves nothing about the pod: TCP never completed', async (t) => {
  const ev = run([{ steps: [canary(false), reference({ kind: 'refused' }), egress], settledAt: SETTLED }]);
  t.match(egressOf(ev).outcome, { kind: 'inconclusive', reason: 'canary-failed' });
});

t.test('a reset or close after connect proves the pod (TCP completed)', async (t) => {
  for (const observed of [{ kind: 'reset' }, { kind: 'eof' }, { kind: 'silent' }] as const) {
    const ev = run([{ steps: [canary(false), reference(observed), egress], settledAt: SETTLED }]);
    t.match(
      egressOf(ev).outcome,
      { kind: 'blocked', by: 'timeout', proof: { reference: 'egress-lock-api/api port 8080' } },
      observed.kind,
    );
  }
});

t.test('any connected attempt of the pod serves, not only a planned reference', async (t) => {
  const probe: Step = {
    probeId: 'tcp-reach',
    vantage: LOCK,
    target: svc('shop', 'web'),
    port: 80,
    observed: { kind: 'connected' },
  };
  const ev = run([{ steps: [canary(false), probe, egress], settledAt: SETTLED }]);
  t.match(egressOf(ev).outcome, { kind: 'blocked', proof: { reference: 'shop/web port 80' } });
});

t.test('a connection of another pod of the same vantage proves nothing about this pod', async (t) => {
  // Given pod 0 (canary blocked, egress timed out) and pod 1 of the same vantage whose reference connected
  const ev = run([
    { steps: [canary(false), egress], settledAt: SETTLED },
    { steps: [reference({ kind: 'connected' })], settledAt: SETTLED },
  ]);
  t.match(egressOf(ev).outcome, { kind: 'inconclusive', reason: 'canary-failed' });
});

t.test('a connection that started before the settle point does not prove a later timeout', async (t) => {
  // Given a reference that connected before the policy applied (engines let a new pod through at first)
  const ev = run([
    {
      steps: [canary(false), reference({ kind: 'connected' }), egress],
      settledAt: SETTLED,
      startedAt: [AFTER, BEFORE, AFTER],
    },
  ]);
  t.match(egressOf(ev).outcome, { kind: 'inconclusive', reason: 'canary-failed' });
});

t.test('a drop decided before the settle point is not proven by a later connection', async (t) => {
  // Given an unreachable that started before the point (the agent repeats such results, so this one is stale)
  const early: Step = { ...egress, observed: { kind: 'unreachable' } };
  const ev = run([
    {
      steps: [canary(true), reference({ kind: 'connected' }), early],
      settledAt: SETTLED,
      startedAt: [AFTER, AFTER, BEFORE],
    },
  ]);
  t.match(egressOf(ev).outcome, { kind: 'inconclusive', reason: 'before-settle' });
});

t.test(
  'a timeout the agent kept although it started before the point (its last SYN left after it) is in the window',
  async (t) => {
    // Given a timeout that started before the point and was not repeated (probes/agent/repeat.ts kept it)
    const ev = run([
      {
        steps: [canary(false), reference({ kind: 'connected' }), egress],
        settledAt: SETTLED,
        startedAt: [AFTER, AFTER, BEFORE],
      },
    ]);
    // Then the same pod's later connection proves it
    t.match(egressOf(ev).outcome, { kind: 'blocked', by: 'timeout' });
  },
);

t.test('an echo canary that connected before the settle point does not count either', async (t) => {
  const ev = run([{ steps: [canary(true), egress], settledAt: SETTLED, startedAt: [BEFORE, AFTER] }]);
  t.match(egressOf(ev).outcome, { kind: 'inconclusive', reason: 'canary-failed' });
});

t.test(
  'when the echo canary connected the block rests on it as before: no proof field, the canary sentence',
  async (t) => {
    const ev = run([{ steps: [canary(true), reference({ kind: 'connected' }), egress], settledAt: SETTLED }]);
    const o = egressOf(ev).outcome;
    t.match(o, { kind: 'blocked', detail: 'no TCP connection before the timeout while the canary connected' });
    t.equal(o.kind === 'blocked' ? o.proof : 'x', undefined);
  },
);

t.test(
  'without a settle point (no batch windows, or an agent that did not report one) only the canary proves a pod',
  async (t) => {
    const ev = run([{ steps: [canary(false), reference({ kind: 'connected' }), egress] }]);
    t.match(egressOf(ev).outcome, {
      kind: 'inconclusive',
      reason: 'canary-failed',
      detail: /the batch canary did not succeed, so/,
    });
    const { attempts, observations } = attemptsOf([canary(false), reference({ kind: 'connected' }), egress]);
    const selfChecks = new Map([
      ['from-namespace:cde-egress-lock', { meshListeners: [], meshed: false, nodeVersion: 'v20' }],
    ]);
    t.match(egressOf(buildEvidence({ attempts, observations, selfChecks })).outcome, {
      kind: 'inconclusive',
      reason: 'canary-failed',
    });
  },
);

t.test(
  'a refusal with a working control path is blocked when the same pod connected elsewhere, even though its canary failed',
  async (t) => {
    const target = svc('cde-egress-lock', 'settlement');
    const ev = run([
      {
        steps: [
          canary(false),
          reference({ kind: 'connected' }),
          { probeId: 'tcp-reach', vantage: LOCK, target, port: 8080, observed: { kind: 'refused' } },
        ],
        settledAt: SETTLED,
      },
      {
        steps: [
          {
            probeId: 'tcp-reach',
            role: 'control',
            vantage: { kind: 'same-namespace', namespace: 'cde-egress-lock' },
            target,
            port: 8080,
            observed: { kind: 'connected' },
          },
        ],
        settledAt: SETTLED,
      },
    ]);
    t.match(ev.find((e) => e.attempt.role === 'probe')?.outcome, {
      kind: 'blocked',
      by: 'refused',
      proof: { reference: 'egress-lock-api/api port 8080' },
    });
  },
);

t.test('podProofs prefers the echo canary, then a planned reference, then control paths, then any probe', async (t) => {
  const { attempts, observations } = attemptsOf([
    { probeId: 'tcp-reach', vantage: LOCK, target: svc('a', 'x'), port: 1, observed: { kind: 'connected' } },
    reference({ kind: 'connected' }),
    egress,
  ]);
  const byId = new Map(observations.map((o) => [o.attemptId, { ...o, startedAt: AFTER }]));
  const proofs = podProofs(
    [{ pod: 'p', attemptIds: attempts.map((a) => a.id), settledAt: SETTLED }],
    new Map(attempts.map((a) => [a.id, a])),
    byId,
  );
  t.equal(proofs.get(attempts[2]!.id)?.proof?.reference, 'egress-lock-api/api port 8080');
  t.equal(proofs.get(attempts[2]!.id)?.afterSettle, true);
});

t.test(
  'tcpCompleted: connected, silent, reset, eof and any HTTP answer count; timeout, refused, unreachable do not',
  async (t) => {
    const kinds = ['connected', 'silent', 'reset', 'eof', 'timeout', 'refused', 'unreachable'] as const;
    const got = kinds.map((k) => tcpCompleted(observe('x', { kind: k })!));
    t.same(got, [true, true, true, true, false, false, false]);
    t.equal(tcpCompleted(observe('x', { kind: 'http', status: 503 })!), true);
  },
);
