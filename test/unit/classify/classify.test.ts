import t from 'tap';
import { classify, type ClassifyContext } from '../../../src/classify/classify.js';
import { attemptsOf, observe, PROBE_NS, svc, CANARY, type Observed } from '../../helpers/report-fixtures.js';

const probeAttempt = (probeId = 'tcp-reach', port = 8080) =>
  attemptsOf([{ probeId, vantage: PROBE_NS, target: svc('payments', 'api'), port, observed: { kind: 'missing' } }])
    .attempts[0]!;

const ok: ClassifyContext = { canaryOk: true, controlPathOk: true, probeMeshed: false };
const noCanary: ClassifyContext = { canaryOk: false, controlPathOk: true, probeMeshed: false };
const noControl: ClassifyContext = { canaryOk: true, controlPathOk: undefined, probeMeshed: false };

const cases: Array<{
  name: string;
  observed: Observed;
  ctx: ClassifyContext;
  probeId?: string;
  want: Record<string, unknown>;
}> = [
  {
    name: 'a timeout with a working canary is blocked by timeout',
    observed: { kind: 'timeout' },
    ctx: ok,
    want: { kind: 'blocked', by: 'timeout' },
  },
  {
    name: 'a timeout without a working canary is inconclusive (canary-failed)',
    observed: { kind: 'timeout' },
    ctx: noCanary,
    want: { kind: 'inconclusive', reason: 'canary-failed' },
  },
  {
    name: 'a timeout when no canary ran at all is inconclusive (canary-failed)',
    observed: { kind: 'timeout' },
    ctx: { canaryOk: undefined, controlPathOk: undefined, probeMeshed: false },
    want: { kind: 'inconclusive', reason: 'canary-failed' },
  },
  {
    name: 'a timeout whose control path failed too is inconclusive (control-path-failed)',
    observed: { kind: 'timeout' },
    ctx: { canaryOk: true, controlPathOk: false, probeMeshed: false },
    want: { kind: 'inconclusive', reason: 'control-path-failed' },
  },
  {
    name: 'an unreachable with canary and no planned control path is blocked',
    observed: { kind: 'unreachable' },
    ctx: noControl,
    want: { kind: 'blocked', by: 'unreachable' },
  },
  {
    name: 'a refusal without a control path is indistinguishable from nothing listening',
    observed: { kind: 'refused' },
    ctx: noControl,
    want: { kind: 'inconclusive', reason: 'no-control-path' },
  },
  {
    name: 'a refusal with canary and working control path is blocked by refused',
    observed: { kind: 'refused' },
    ctx: ok,
    want: { kind: 'blocked', by: 'refused' },
  },
  {
    name: 'a refusal without canary is inconclusive',
    observed: { kind: 'refused' },
    ctx: noCanary,
    want: { kind: 'inconclusive', reason: 'canary-failed' },
  },
  {
    name: 'a reset after bytes were sent is blocked by reset',
    observed: { kind: 'reset' },
    ctx: noCanary,
    want: { kind: 'blocked', by: 'reset' },
  },
  {
    name: 'a clean close without data is blocked by eof',
    observed: { kind: 'eof' },
    ctx: ok,
    want: { kind: 'blocked', by: 'eof' },
  },
  {
    name: 'silence after connect is inconclusive',
    observed: { kind: 'silent' },
    ctx: ok,
    want: { kind: 'inconclusive', reason: 'silent' },
  },
  {
    name: 'a 200 over plaintext is allowed as plaintext-http',
    observed: { kind: 'http', status: 200 },
    ctx: noCanary,
    probeId: 'plaintext-http',
    want: { kind: 'allowed', as: 'plaintext-http' },
  },
  {
    name: 'a 403 RBAC: access denied over plaintext is still allowed plaintext-http (authz held, mTLS did not)',
    observed: { kind: 'http', status: 403, headers: { server: 'istio-envoy' }, body: 'RBAC: access denied' },
    ctx: ok,
    probeId: 'plaintext-http',
    want: { kind: 'allowed', as: 'plaintext-http', detail: 'HTTP status 403, server: istio-envoy' },
  },
  {
    name: 'a TCP connect that got bytes back is allowed as tcp-data',
    observed: { kind: 'connected', bytes: 12 },
    ctx: ok,
    want: { kind: 'allowed', as: 'tcp-data' },
  },
  {
    name: 'a TLS certificate followed by alert 116 is blocked: client certificate required',
    observed: {
      kind: 'tls',
      alert: 116,
      chain: ['-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----'],
      handshake: true,
    },
    ctx: noCanary,
    probeId: 'tls-handshake-istio-alpn',
    want: { kind: 'blocked', by: 'tls-client-cert-required' },
  },
  {
    name: 'a completed TLS handshake is allowed as tls-handshake',
    observed: { kind: 'tls' },
    ctx: ok,
    probeId: 'tls-handshake',
    want: { kind: 'allowed', as: 'tls-handshake' },
  },
  {
    name: 'an agent error is inconclusive',
    observed: { kind: 'agent-error' },
    ctx: ok,
    want: { kind: 'inconclusive', reason: 'agent-error' },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    // Given an attempt and what the agent observed
    const a = probeAttempt(c.probeId);
    // When it is classified in its batch context
    const outcome = classify(a, observe(a.id, c.observed), c.ctx);
    // Then the outcome is what MESH-NOTES §0 says
    t.match(outcome, c.want);
  });
}

t.test('a missing observation is inconclusive (no-observation)', async (t) => {
  t.match(classify(probeAttempt(), undefined, ok), { kind: 'inconclusive', reason: 'no-observation' });
});

t.test('any observation from a probe pod that found itself meshed is inconclusive (probe-meshed)', async (t) => {
  const a = probeAttempt('plaintext-http');
  t.match(classify(a, observe(a.id, { kind: 'http', status: 200 }), { ...ok, probeMeshed: true }), {
    kind: 'inconclusive',
    reason: 'probe-meshed',
  });
});

t.test(
  'an observation from a pod whose self-check is unknown (no done line) is inconclusive (no-self-check)',
  async (t) => {
    const a = probeAttempt();
    t.match(classify(a, observe(a.id, { kind: 'timeout' }), { ...ok, probeMeshed: undefined }), {
      kind: 'inconclusive',
      reason: 'no-self-check',
    });
  },
);

t.test(
  'a refusal by the canary echo pod itself is blocked without a control path (it is known to listen)',
  async (t) => {
    const a = attemptsOf([
      { probeId: 'tcp-reach', vantage: PROBE_NS, target: CANARY, port: 8080, observed: { kind: 'missing' } },
    ]).attempts[0]!;
    t.match(classify(a, observe(a.id, { kind: 'refused' }), noControl), { kind: 'blocked', by: 'refused' });
  },
);

t.test(
  'a timeout whose canary failed is blocked when the context carries a same-pod proof, and the detail names it',
  async (t) => {
    // Given a timeout from a pod whose canary failed but which connected to ns-b/api after its settle point
    const a = probeAttempt();
    const proof = { attemptId: '0123456789abcdef', reference: 'ns-b/api port 8080' };
    const outcome = classify(a, observe(a.id, { kind: 'timeout' }), {
      ...noCanary,
      controlPathOk: undefined,
      proof,
      afterSettle: true,
    });
    // Then it is blocked and says by what
    t.same(outcome, {
      kind: 'blocked',
      by: 'timeout',
      detail: 'no TCP connection before the timeout while the same pod connected to ns-b/api port 8080',
      proof,
    });
    // And without the proof it stays inconclusive, saying that no other connection was seen
    t.match(classify(a, observe(a.id, { kind: 'timeout' }), { ...noCanary, afterSettle: true }), {
      kind: 'inconclusive',
      reason: 'canary-failed',
      detail: /no other attempt of the same pod connected/,
    });
    // And a timeout that started before the settle point is never proven, by anything
    t.match(classify(a, observe(a.id, { kind: 'timeout' }), { ...ok, proof, afterSettle: false }), {
      kind: 'inconclusive',
      reason: 'before-settle',
    });
    // And a proof never turns a failed control path into a block
    t.match(
      classify(a, observe(a.id, { kind: 'unreachable' }), {
        canaryOk: false,
        controlPathOk: false,
        probeMeshed: false,
        proof,
        afterSettle: true,
      }),
      { kind: 'inconclusive', reason: 'control-path-failed' },
    );
  },
);
