/**
 * classify() and buildEvidence() on TCP timeouts the agent tried again: blocked only with a
 * time-local reference (timeout-check.ts), and the reference that backs a block is named.
 */
import t from 'tap';
import type { RetryFacts } from '../../../probes/protocol.js';
import { classify, type ClassifyContext } from '../../../src/classify/classify.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import type { Observation } from '../../../src/domain/observation.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { attemptsOf, CANARY, PROBE_NS, svc } from '../../helpers/report-fixtures.js';

const { attempts } = attemptsOf([
  { probeId: 'tcp-reach', vantage: PROBE_NS, target: svc('cde', 'api'), port: 8080, observed: { kind: 'missing' } },
  { probeId: 'canary', vantage: PROBE_NS, target: CANARY, port: 8080, role: 'canary', observed: { kind: 'missing' } },
  {
    probeId: 'canary-reference',
    vantage: PROBE_NS,
    target: svc('kube-system', 'dns'),
    port: 53,
    role: 'canary',
    observed: { kind: 'missing' },
  },
]);
const [probe, canary, dnsRef] = attempts as [(typeof attempts)[0], (typeof attempts)[0], (typeof attempts)[0]];
const LAST = '2026-12-03T23:00:10.000Z';

function timedOut(retried: Partial<RetryFacts> & { referenceId?: string; refTransport?: 'connected' | 'timeout' }) {
  const { referenceId = canary.id, refTransport = 'connected', ...rest } = retried;
  const facts: RetryFacts = {
    tries: 2,
    firstStartedAt: '2026-12-03T23:00:07.000Z',
    firstDurationMs: 3000,
    reference: { attemptId: referenceId, startedAt: LAST, durationMs: 3, transport: refTransport },
    quiet: true,
    ...rest,
  };
  const o: Observation = {
    v: 1,
    attemptId: probe.id,
    startedAt: LAST,
    durationMs: 3000,
    transport: 'timeout',
    bytesReceived: 0,
    retried: facts,
  };
  return o;
}

const ctx: ClassifyContext = { canaryOk: true, controlPathOk: undefined, probeMeshed: false };

t.test('a retried timeout with its reference beside the last try is blocked, and says so', (t) => {
  const out = classify(probe, timedOut({}), ctx);
  t.match(out, {
    kind: 'blocked',
    by: 'timeout',
    detail: /any of 2 tries .* while the same pod connected to attempt /,
  });
  t.end();
});

t.test(
  'a retried timeout whose reference failed beside it is inconclusive even though the canary connected earlier',
  (t) => {
    t.match(classify(probe, timedOut({ refTransport: 'timeout', tries: 3 }), ctx), {
      kind: 'inconclusive',
      reason: 'timeout-unconfirmed',
    });
    t.end();
  },
);

t.test(
  'a retried timeout before the settle point, or whose control path failed, stays inconclusive for that reason',
  (t) => {
    t.match(classify(probe, timedOut({}), { ...ctx, afterSettle: false }), { reason: 'before-settle' });
    t.match(classify(probe, timedOut({}), { ...ctx, controlPathOk: false }), { reason: 'control-path-failed' });
    t.end();
  },
);

t.test(
  'buildEvidence names the reference: a planned reference is the proof, the echo canary backs it as before',
  (t) => {
    const selfChecks = new Map([[vantageId(PROBE_NS), { meshListeners: [], meshed: false, nodeVersion: 'v20' }]]);
    const ok = (a: typeof probe): Observation => ({
      v: 1,
      attemptId: a.id,
      startedAt: LAST,
      durationMs: 2,
      transport: 'connected',
      bytesReceived: 4,
    });
    const byRef = buildEvidence({
      attempts,
      observations: [timedOut({ referenceId: dnsRef.id }), ok(canary), ok(dnsRef)],
      selfChecks,
    });
    const blocked = byRef.find((e) => e.id === probe.id)?.outcome;
    t.match(blocked, { kind: 'blocked', proof: { attemptId: dnsRef.id, reference: 'kube-system/dns port 53' } });
    t.match(blocked, { detail: /connected to kube-system\/dns port 53 beside the last try/ });
    const byCanary = buildEvidence({ attempts, observations: [timedOut({}), ok(canary), ok(dnsRef)], selfChecks });
    const out = byCanary.find((e) => e.id === probe.id)?.outcome;
    t.match(out, { kind: 'blocked' });
    t.equal(out?.kind === 'blocked' ? out.proof : 'x', undefined, 'the echo canary needs no proof letter');
    t.end();
  },
);
