/**
 * Issue 13, pure parts after the wire: phase-2 attempts the agent skipped, and listeners that
 * nothing declares (1.2.5, 2.2.4). Evidence is made by the real pipeline (buildEvidence).
 */
import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import type { Observation, SelfCheck } from '../../../src/domain/observation.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { judgeControl } from '../../../src/evaluate/evaluate.js';
import { settlePhaseTwo } from '../../../src/classify/phase-two.js';
import type { SweepFacts } from '../../../probes/protocol.js';
import { attemptsOf, canaryStep, from, judgeInput, same, svc, T0, type Step } from '../../helpers/report-fixtures.js';

const API = svc('payments', 'api');
const UNMESHED: SelfCheck = { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' };

/** Steps → evidence, where `phase2` (probe ids) wait for the tcp-reach of the same vantage and `skipped` were skipped by the agent. */
function run(steps: readonly Step[], phase2: readonly string[], skipped: readonly string[]) {
  const { attempts, observations } = attemptsOf(steps);
  const l4 = attempts.find((a) => a.probeId === 'tcp-reach');
  const linked: Attempt[] = attempts.map((a) => (phase2.includes(a.probeId) && l4 ? { ...a, after: l4.id } : a));
  const obs: Observation[] = observations.filter(
    (o) => !skipped.includes(linked.find((a) => a.id === o.attemptId)?.probeId ?? ''),
  );
  for (const a of linked.filter((x) => skipped.includes(x.probeId))) {
    obs.push({
      v: 1,
      attemptId: a.id,
      startedAt: T0,
      durationMs: 0,
      transport: 'skipped',
      bytesReceived: 0,
      detail: 'phase 2 not run',
    });
  }
  const selfChecks = new Map(linked.map((a) => [vantageId(a.vantage), UNMESHED]));
  return settlePhaseTwo(buildEvidence({ attempts: linked, observations: obs, selfChecks }));
}

t.test('a phase-2 attempt skipped because its L4 attempt was blocked is a not-run entry, not evidence', async (t) => {
  // Given shop's tcp-reach timed out while its canary worked, and the agent skipped shop's plaintext-http
  const settled = run(
    [
      canaryStep(from('shop')),
      { probeId: 'tcp-reach', vantage: from('shop'), target: API, port: 8080, observed: { kind: 'timeout' } },
      { probeId: 'plaintext-http', vantage: from('shop'), target: API, port: 8080, observed: { kind: 'missing' } },
    ],
    ['plaintext-http'],
    ['plaintext-http'],
  );
  // Then the skipped attempt is reported as not run, with the L4 block as the reason
  t.notOk(settled.evidence.some((e) => e.attempt.probeId === 'plaintext-http'));
  t.match(settled.notRun, [
    {
      probeId: 'plaintext-http',
      port: 8080,
      reason: /phase 2 not needed: the L4 attempt from this vantage did not connect \(blocked: timeout\)/,
    },
  ]);
});

t.test(
  'a phase-2 attempt skipped after an inconclusive L4 attempt stays in the evidence as inconclusive, without the wire-only line',
  async (t) => {
    // Given shop's canary failed, so its timeout proves nothing
    const settled = run(
      [
        canaryStep(from('shop'), false),
        { probeId: 'tcp-reach', vantage: from('shop'), target: API, port: 8080, observed: { kind: 'timeout' } },
        { probeId: 'plaintext-http', vantage: from('shop'), target: API, port: 8080, observed: { kind: 'missing' } },
      ],
      ['plaintext-http'],
      ['plaintext-http'],
    );
    const e = settled.evidence.find((x) => x.attempt.probeId === 'plaintext-http');
    t.match(e?.outcome, {
      kind: 'inconclusive',
      reason: 'no-observation',
      detail: /phase 2 was not run because the L4 attempt .* is inconclusive/,
    });
    t.equal(e?.observation, undefined);
    t.same(settled.notRun, []);
    // And 7.2.1 cannot hold on it
    const verdict = judgeControl(findControl('7.2.1')!, judgeInput(settled.evidence));
    t.equal(verdict.status, 'inconclusive');
  },
);

t.test(
  'plaintext answered from a namespace the policy admits (phase 2) makes 7.2.1, 1.2.6 and 2.2.5 fail',
  async (t) => {
    // Given the same namespace is dropped, and shop connected at L4 and then got 200 over plaintext
    const settled = run(
      [
        canaryStep(from('shop')),
        canaryStep(same('payments')),
        {
          probeId: 'plaintext-http',
          vantage: same('payments'),
          target: API,
          port: 8080,
          observed: { kind: 'timeout' },
        },
        {
          probeId: 'tcp-reach',
          vantage: from('shop'),
          target: API,
          port: 8080,
          observed: { kind: 'connected', bytes: 47 },
        },
        {
          probeId: 'plaintext-http',
          vantage: from('shop'),
          target: API,
          port: 8080,
          observed: { kind: 'http', status: 200 },
        },
      ],
      ['plaintext-http'],
      [],
    );
    for (const req of ['7.2.1', '1.2.6', '2.2.5']) {
      const v = judgeControl(findControl(req)!, judgeInput(settled.evidence));
      t.equal(v.status, 'fails', req);
      t.match(
        v.reasons.join('\n'),
        /payments\/api port 8080 accepted plaintext HTTP \(status 200\) from namespace shop/,
        req,
      );
    }
  },
);

/** A sweep of the payments api pod: declared 8080, and what the agent saw. */
function sweepEvidence(facts: SweepFacts | undefined) {
  const pod = { kind: 'Pod' as const, namespace: 'payments', name: 'api-1' };
  const { attempts } = attemptsOf([
    {
      probeId: 'listener-sweep',
      vantage: same('payments'),
      target: pod,
      port: 0,
      technique: 'sweep',
      observed: { kind: 'missing' },
    },
  ]);
  const attempt: Attempt = {
    ...attempts[0]!,
    sweep: { ports: [[1, 10_000]], concurrency: 256, connectTimeoutMs: 1000, declared: [8080, 15090] },
  };
  const transport =
    facts === undefined
      ? 'agent-error'
      : facts.open.length > 0
        ? 'connected'
        : facts.closed > 0
          ? 'refused'
          : 'timeout';
  const obs: Observation = {
    v: 1,
    attemptId: attempt.id,
    startedAt: T0,
    durationMs: 900,
    transport,
    bytesReceived: 0,
    ...(facts ? { sweep: facts } : {}),
  };
  return buildEvidence({
    attempts: [attempt],
    observations: [obs],
    selfChecks: new Map([['same-namespace:payments', UNMESHED]]),
  });
}

t.test(
  'a listener no containerPort or Service port declares fails 2.2.4 and 1.2.5, naming the pod and port',
  async (t) => {
    const ev = sweepEvidence({ open: [7070, 8080], closed: 9_998, filtered: 0, notSwept: 0 });
    const v224 = judgeControl(findControl('2.2.4')!, judgeInput(ev));
    t.equal(v224.status, 'fails');
    t.match(v224.findings, [
      /payments\/api-1 port 7070 accepted a TCP connection from an unmeshed pod in the same namespace payments \(listener sweep\), but no containerPort or Service port declares it: an undeclared service is enabled/,
    ]);
    // 1.2.5 fails even without an approved-flows file: an undeclared port is not identified
    const v125 = judgeControl(findControl('1.2.5')!, judgeInput(ev));
    t.equal(v125.status, 'fails');
    t.match(v125.reasons[0], /port 7070 .* an open port that is not identified/);
    t.notMatch(
      v224.reasons.join('\n'),
      /port 8080 accepted a TCP connection .* no containerPort/,
      'a declared listener is not a finding',
    );
  },
);

t.test(
  'a sweep that found only declared listeners makes no 2.2.4 finding; without the node and admin slices 2.2.4 stays inconclusive',
  async (t) => {
    const ev = sweepEvidence({ open: [8080], closed: 900, filtered: 99, notSwept: 0 });
    const v = judgeControl(findControl('2.2.4')!, judgeInput(ev));
    // The sweep part holds; 2.2.4 as a whole also needs the node and admin/debug slices (coverage), absent here.
    t.equal(v.status, 'inconclusive');
    t.match(v.reasons.join('\n'), /Not probed: anonymous requests to the kubelet ports/);
    t.notMatch(v.reasons.join('\n'), /no containerPort or Service port declares/, 'a declared listener is no finding');
  },
);

t.test(
  'a sweep cut short by its budget, one that saw nothing answer, or one that never ran is inconclusive, never holds',
  async (t) => {
    const cases: Array<[string, SweepFacts | undefined]> = [
      ['budget', { open: [8080], closed: 100, filtered: 0, notSwept: 64_000 }],
      ['all dropped', { open: [], closed: 0, filtered: 1112, notSwept: 0 }],
      ['agent error', undefined],
    ];
    for (const [name, facts] of cases)
      t.equal(judgeControl(findControl('2.2.4')!, judgeInput(sweepEvidence(facts))).status, 'inconclusive', name);
  },
);
