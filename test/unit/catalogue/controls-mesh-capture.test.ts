/**
 * A probe pod the mesh captured (issue 16, MESH-NOTES §G.3): its plaintext call may have been
 * upgraded to mTLS and its "unauthenticated" or identity request sent under the mesh identity, so
 * what it saw backs no verdict. 7.2.1 and 7.2.2 are inconclusive saying why, never "holds". Pure
 * judging over evidence made by the real classifier (buildEvidence with the pods' captures).
 */
import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { type Evidence, evidenceRecord } from '../../../src/domain/evidence.js';
import type { SelfCheck } from '../../../src/domain/observation.js';
import { vantageId, type Vantage } from '../../../src/domain/vantage.js';
import { meshCaptureOf } from '../../../src/run/mesh-capture.js';
import { attemptsOf, canaryStep, from, judgeInput, PROBE_NS, svc, type Step } from '../../helpers/report-fixtures.js';

const c721 = findControl('7.2.1')!;
const c722 = findControl('7.2.2')!;
const vault = svc('payments', 'vault');
const checkout: Vantage = { kind: 'identity', namespace: 'shop', workload: 'checkout', serviceAccount: 'checkout-sa' };
const reports: Vantage = { kind: 'identity', namespace: 'shop', workload: 'reports', serviceAccount: 'reports-sa' };
const flows = { approvedFlows: [{ from: 'shop/sa:checkout-sa', to: 'payments/*', port: 8443, ref: 'FLOW-9' }] };
/** What the spec reader says of a pod that got an Istio sidecar it did not ask for. */
const ISTIO = meshCaptureOf({ spec: { containers: [{ name: 'agent' }, { name: 'istio-proxy' }] } }) ?? '';

const proof: Step = {
  probeId: 'tls-handshake',
  vantage: PROBE_NS,
  target: vault,
  port: 8443,
  observed: { kind: 'tls', alert: 116, chain: ['PEM'] },
};
const alpnProof: Step = { ...proof, probeId: 'tls-handshake-istio-alpn' };
const authz = (v: Vantage, observed: Step['observed']): Step => ({
  probeId: 'mesh-authz',
  technique: 'http',
  vantage: v,
  target: vault,
  port: 8443,
  observed,
  http: { method: 'GET', path: '', tls: true },
  tls: { clientIdentityDir: '/var/run/secrets/workload-spiffe-credentials' },
});
const rbac403 = { kind: 'http', status: 403, headers: { server: 'istio-envoy' }, body: 'RBAC: access denied' } as const;
const plaintext = (v: Vantage, observed: Step['observed']): Step => ({
  probeId: 'plaintext-http',
  vantage: v,
  target: vault,
  port: 8443,
  observed,
});

/**
 * Evidence through the real classifier. Every pod's self-check saw no proxy port (the sidecar came
 * up after the agent's check); `captured` vantages' pods showed a mesh in their spec.
 */
function evidence(steps: readonly Step[], captured: readonly Vantage[]): Evidence[] {
  const { attempts, observations } = attemptsOf(steps);
  const unmeshed: SelfCheck = { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' };
  const selfChecks = new Map(attempts.map((a) => [vantageId(a.vantage), unmeshed]));
  const captures = new Map(captured.map((v) => [vantageId(v), ISTIO]));
  const ev = buildEvidence({ attempts, observations, selfChecks, captures });
  // The server's certificate chained to the identity's mesh trust bundle (as the agent reports it).
  return ev.map((e) =>
    e.attempt.probeId !== 'mesh-authz' || e.observation?.tls === undefined
      ? e
      : { ...e, observation: { ...e.observation, tls: { ...e.observation.tls, authorized: true } } },
  );
}

t.test('every attempt of a captured pod is inconclusive (probe-meshed), saying the mesh captured it', async (t) => {
  // Given a pod whose self-check saw nothing but whose spec shows an injected Istio sidecar
  const ev = evidence(
    [canaryStep(from('shop')), plaintext(from('shop'), { kind: 'http', status: 403 })],
    [from('shop')],
  );
  // Then its canary and its plaintext call are inconclusive with the capture as the reason
  for (const e of ev) {
    t.equal(e.outcome.kind, 'inconclusive');
    t.match(e.outcome, { reason: 'probe-meshed', detail: /Istio mesh .*container istio-proxy/ });
    t.match(evidenceRecord(e).why, /upgraded to mTLS/);
  }
});

t.test('7.2.2: a captured identity pod refused by RBAC does not hold; it is inconclusive and says why', async (t) => {
  // Given a mesh-protected port where reports is denied (403 RBAC) — from a pod the mesh captured
  const steps = [canaryStep(PROBE_NS), canaryStep(checkout), canaryStep(reports), proof, authz(reports, rbac403)];
  const captured = c722.judge(judgeInput(evidence(steps, [reports]), { context: flows }));
  // Then 7.2.2 is inconclusive, naming the identity and the capture
  t.equal(captured.status, 'inconclusive');
  const text = captured.reasons.join(' ');
  t.match(text, /payments\/vault port 8443, mTLS request as workload shop\/reports \(ServiceAccount reports-sa\)/);
  t.match(text, /Istio mesh .*upgraded to mTLS/);
  t.match(text, /whether the mesh authenticated and authorized this identity is not known/);
  t.notMatch(text, /authorization denies this identity/);
  // And the same evidence from an uncaptured pod holds (the capture is what changed the verdict)
  const clean = c722.judge(judgeInput(evidence(steps, []), { context: flows }));
  t.equal(clean.status, 'holds');
});

t.test('7.2.2: a captured identity let through is no positive control for another identity refused', async (t) => {
  // Given checkout let through (200) from a captured pod, and reports refusing the certificate after the handshake
  const steps = [
    canaryStep(PROBE_NS),
    canaryStep(checkout),
    canaryStep(reports),
    proof,
    authz(checkout, { kind: 'http', status: 200 }),
    authz(reports, { kind: 'tls', alert: 42, handshake: true }),
  ];
  const captured = c722.judge(judgeInput(evidence(steps, [checkout]), { context: flows }));
  // Then nothing holds: the refusal cannot be told from an unaccepted certificate without a trusted let-through
  t.equal(captured.status, 'inconclusive');
  t.notOk((captured.reasons ?? []).some((r) => /authorization denies this identity/.test(r)));
  // And without the capture the same refusal counts as authorization (control)
  t.equal(c722.judge(judgeInput(evidence(steps, []), { context: flows })).status, 'holds');
});

t.test('7.2.1: a plaintext call from a captured pod never holds, even with a certificate demand shown', async (t) => {
  // Given plaintext reset on a port that demanded a client certificate (STRICT mTLS), from a captured pod
  const steps = [canaryStep(from('shop')), canaryStep(PROBE_NS), alpnProof, plaintext(from('shop'), { kind: 'reset' })];
  const captured = c721.judge(judgeInput(evidence(steps, [from('shop')])));
  // Then 7.2.1 is inconclusive, saying the mesh captured the caller
  t.equal(captured.status, 'inconclusive');
  t.match(captured.reasons.join(' '), /probe-meshed: the probe pod was enrolled in the Istio mesh/);
  // And the uncaptured pod's reset, proven by the certificate demand, holds (control)
  t.equal(c721.judge(judgeInput(evidence(steps, []))).status, 'holds');
});

t.test(
  '7.2.1: a 403 to a captured pod (perhaps sent with a mesh identity) is not "callers without identity denied"',
  async (t) => {
    const steps = [canaryStep(from('shop')), plaintext(from('shop'), rbac403)];
    t.equal(c721.judge(judgeInput(evidence(steps, [from('shop')]))).status, 'inconclusive');
    t.equal(c721.judge(judgeInput(evidence(steps, []))).status, 'holds');
  },
);

t.test('7.2.2: an identity pod that never reported its self-check cannot back a holds either', async (t) => {
  // Given a 403 RBAC to reports, whose agent stopped before its done line (no self-check)
  const steps = [canaryStep(PROBE_NS), canaryStep(reports), proof, authz(reports, rbac403)];
  const { attempts, observations } = attemptsOf(steps);
  const unmeshed: SelfCheck = { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' };
  const selfChecks = new Map([[vantageId(PROBE_NS), unmeshed]]);
  const ev = buildEvidence({ attempts, observations, selfChecks });
  // Then 7.2.2 is inconclusive and says the pod may have been meshed
  const j = c722.judge(judgeInput(ev, { context: flows }));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons.join(' '), /never reported its mesh self-check/);
});
