/**
 * 7.2.2 (issue 16): least privilege between mesh identities, judged from mTLS requests that identity
 * vantages made with their own mesh certificates, on ports a TLS attempt without a certificate
 * showed to demand one. Pure judging over fixture evidence; the lab e2e (k16-mesh-*) runs it for real.
 */
import t from 'tap';
import { NO_MESH_IDENTITY } from '../../../probes/protocol.js';
import { findControl } from '../../../src/catalogue/index.js';
import { meshAccess } from '../../../src/catalogue/controls/mesh-access.js';
import type { Evidence } from '../../../src/domain/evidence.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { canaryStep, evidenceOf, judgeInput, PROBE_NS, svc, type Step } from '../../helpers/report-fixtures.js';

const c722 = findControl('7.2.2')!;
const vault = svc('payments', 'vault');
const checkout: Vantage = { kind: 'identity', namespace: 'shop', workload: 'checkout', serviceAccount: 'checkout-sa' };
const reports: Vantage = { kind: 'identity', namespace: 'shop', workload: 'reports', serviceAccount: 'reports-sa' };
const flows = { approvedFlows: [{ from: 'shop/sa:checkout-sa', to: 'payments/*', port: 8443, ref: 'FLOW-9' }] };

/** A TLS attempt without a client certificate met a certificate demand: the port is mesh-protected. */
const proof = (port = 8443): Step => ({
  probeId: 'tls-handshake',
  vantage: PROBE_NS,
  target: vault,
  port,
  observed: { kind: 'tls', alert: 116, chain: ['PEM'] },
});
const authz = (v: Vantage, observed: Step['observed'], port = 8443): Step => ({
  probeId: 'mesh-authz',
  technique: 'http',
  vantage: v,
  target: vault,
  port,
  observed,
  http: { method: 'GET', path: '', tls: true },
  tls: { clientIdentityDir: '/var/run/secrets/workload-spiffe-credentials' },
});
const ok = { kind: 'http', status: 200 } as const;
const refusedCert = { kind: 'tls', alert: 42, handshake: true } as const;

/** The server's certificate chained to the identity's mesh trust bundle (what the agent reports as authorized). */
function sameMesh(ev: readonly Evidence[]): Evidence[] {
  return ev.map((e) =>
    e.attempt.probeId !== 'mesh-authz' || e.observation?.tls === undefined
      ? e
      : { ...e, observation: { ...e.observation, tls: { ...e.observation.tls, authorized: true } } },
  );
}

function judge(steps: readonly Step[], context: Record<string, unknown> = flows) {
  return c722.judge(
    judgeInput(sameMesh(evidenceOf([canaryStep(PROBE_NS), canaryStep(checkout), canaryStep(reports), ...steps])), {
      context,
    }),
  );
}

t.test(
  '7.2.2 fails when mesh authorization lets an identity through that no approved flow gives the port, naming it',
  async (t) => {
    // Given a mesh-protected port that both the approved checkout and the unapproved reports identity are let through
    const j = judge([proof(), authz(checkout, ok), authz(reports, ok)]);
    // Then 7.2.2 fails, naming the workload, its ServiceAccount, the target and the port
    t.equal(j.status, 'fails');
    const failing = (j.findings ?? []).join(' ');
    t.match(
      failing,
      /payments\/vault port 8443, which refuses callers without a client certificate, authenticated by mTLS and let through \(HTTP 200\) for workload shop\/reports \(ServiceAccount reports-sa\)/,
    );
    t.match(failing, /no approved flow gives shop\/reports \(ServiceAccount reports-sa\) this port/);
    t.notMatch(failing, /checkout/);
    t.match(j.reasons.join(' '), /workload shop\/checkout .*an approved flow gives this identity the port \(FLOW-9\)/);
  },
);

t.test(
  '7.2.2 holds when the unapproved identity is refused after the handshake while the approved one is let through',
  async (t) => {
    const j = judge([proof(), authz(checkout, ok), authz(reports, refusedCert)]);
    t.equal(j.status, 'holds');
    t.match(
      j.reasons.join(' '),
      /refused the identity's certificate after the handshake \(TLS alert 42, bad_certificate\) for workload shop\/reports .*while workload shop\/checkout .* was let through on the same port/,
    );
  },
);

t.test('7.2.2 holds on an HTTP 403 over mTLS (authenticated, denied by authorization)', async (t) => {
  const denied = {
    kind: 'http',
    status: 403,
    headers: { server: 'istio-envoy' },
    body: 'RBAC: access denied',
  } as const;
  const j = judge([proof(), authz(reports, denied)]);
  t.equal(j.status, 'holds');
  t.match(
    j.reasons.join(' '),
    /the mesh authenticated workload shop\/reports .*refused \(HTTP 403, server: istio-envoy, "RBAC: access denied"\)/,
  );
});

t.test(
  'a refused certificate without an identity let through on the same port is inconclusive (authentication or authorization?)',
  async (t) => {
    const j = judge([proof(), authz(reports, refusedCert)]);
    t.equal(j.status, 'inconclusive');
    t.match(j.reasons.join(' '), /no identity was let through on that port/);
    t.match(j.reasons.join(' '), /No request as workload shop\/reports .* was authenticated by the mesh/);
  },
);

t.test('an identity whose certificate the mesh does not accept never makes 7.2.2 hold', async (t) => {
  // unknown_ca: the identity was not authenticated, so authorization was never exercised
  const j = judge([proof(), authz(checkout, ok), authz(reports, { kind: 'tls', alert: 48, handshake: true })]);
  t.equal(j.status, 'inconclusive');
  t.match(
    j.reasons.join(' '),
    /TLS alert 48 \(unknown_ca\): the mesh did not accept the identity's certificate of workload shop\/reports/,
  );
});

t.test('an identity pod that got no mesh identity leaves 7.2.2 inconclusive, naming the identity', async (t) => {
  const ev = evidenceOf([canaryStep(PROBE_NS), canaryStep(reports), proof(), authz(reports, { kind: 'agent-error' })]);
  const patched: Evidence[] = ev.map((e) =>
    e.attempt.probeId !== 'mesh-authz' || e.observation === undefined
      ? e
      : {
          ...e,
          observation: {
            ...e.observation,
            errorCode: NO_MESH_IDENTITY,
            detail: 'no mesh identity was injected into this pod',
          },
        },
  );
  t.equal(meshAccess(patched.find((e) => e.attempt.probeId === 'mesh-authz')!).kind, 'no-identity');
  const j = c722.judge(judgeInput(patched, { context: flows }));
  t.equal(j.status, 'inconclusive');
  t.match(
    j.reasons.join(' '),
    /The probe pod of workload shop\/reports \(ServiceAccount reports-sa\) got no mesh identity/,
  );
});

t.test('ports not shown to demand a client certificate are not judged, so nothing holds on them', async (t) => {
  // Given no TLS attempt without a certificate was refused on the port, the identity's success there is 1.3.1's question
  const j = judge([authz(reports, ok)]);
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons.join(' '), /No identity vantage made an mTLS request .* shown to demand a client certificate/);
  t.match(
    j.reasons.join(' '),
    /1 mTLS request as identity vantages went to CDE ports where no TLS attempt without a client certificate was refused/,
  );
});

t.test('without an approved-flows file what an identity was let through to is listed, not judged', async (t) => {
  const j = judge([proof(), authz(reports, ok)], {});
  t.equal(j.status, 'inconclusive');
  t.match(
    j.reasons.join(' '),
    /without an approved-flows file \(--approved-flows\) it is not known whether this identity needs the port/,
  );
});

t.test(
  'mesh-authz attempts are classified from raw facts: closed after mTLS, plaintext port, network drop',
  async (t) => {
    const ev = evidenceOf([
      canaryStep(reports),
      authz(reports, { kind: 'tls', handshake: true }),
      authz(reports, { kind: 'timeout' }, 9000),
    ]);
    const [closed, dropped] = sameMesh(ev)
      .filter((e) => e.attempt.probeId === 'mesh-authz')
      .sort((a, b) => a.attempt.port - b.attempt.port);
    t.equal(
      meshAccess({ ...closed!, observation: { ...closed!.observation!, bytesReceived: 0 } }).kind,
      'refused-after-handshake',
    );
    t.equal(meshAccess(dropped!).kind, 'not-mtls');
    const plain = {
      ...closed!,
      observation: {
        ...closed!.observation!,
        tls: { ...closed!.observation!.tls!, handshake: false },
        errorCode: 'ERR_SSL_WRONG_VERSION_NUMBER',
        transport: 'connected' as const,
      },
    };
    t.equal(meshAccess(plain).kind, 'not-mtls');
    // A close by a server that is not of the identity's mesh shows no authentication at all
    const foreign = {
      ...closed!,
      observation: {
        ...closed!.observation!,
        bytesReceived: 0,
        tls: { ...closed!.observation!.tls!, authorized: false },
      },
    };
    t.equal(meshAccess(foreign).kind, 'unknown');
    t.match(meshAccess(foreign).detail, /not from the identity's mesh trust bundle/);
  },
);
