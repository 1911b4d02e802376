import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import { canaryStep, evidenceOf, judgeInput, PROBE_NS, same, svc, type Step } from '../../helpers/report-fixtures.js';

const api = svc('payments', 'api');
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';
const plain = (observed: Step['observed'], vantage: Step['vantage'] = same('payments')): Step => ({
  probeId: 'plaintext-http',
  vantage,
  target: api,
  port: 8080,
  observed,
});
const tls = (observed: Step['observed']): Step => ({
  probeId: 'tls-handshake-istio-alpn',
  vantage: same('payments'),
  target: api,
  port: 8080,
  observed,
});

for (const req of ['1.2.6', '2.2.5']) {
  const control = findControl(req)!;

  t.test(
    `${req} holds when plaintext is reset and TLS shows a mesh certificate demanding a client certificate`,
    async (t) => {
      // Given a STRICT port: plaintext reset, TLS alert 116 after the server certificate
      const ev = evidenceOf([
        canaryStep(same('payments')),
        plain({ kind: 'reset' }),
        tls({ kind: 'tls', alert: 116, chain: [CERT] }),
      ]);
      // When judged
      const j = control.judge(judgeInput(ev));
      // Then it holds and says mTLS is STRICT on the port
      t.equal(j.status, 'holds');
      t.match(
        j.reasons[0],
        /^payments\/api port 8080 reset the connection .* demanded a client certificate: mTLS is STRICT on this port\.$/,
      );
    },
  );

  t.test(
    `${req} fails when plaintext gets 403 "RBAC: access denied": authz holds but mTLS is not STRICT`,
    async (t) => {
      const ev = evidenceOf([
        plain({ kind: 'http', status: 403, headers: { server: 'istio-envoy' }, body: 'RBAC: access denied' }),
      ]);
      const j = control.judge(judgeInput(ev));
      t.equal(j.status, 'fails');
      t.match(
        j.reasons[0],
        'payments/api port 8080 accepted plaintext HTTP (status 403, server: istio-envoy) from an unmeshed pod in the same namespace payments: the Istio authorization policy denied the request ("RBAC: access denied"), so authorization holds, but plaintext was accepted and parsed, so mTLS is not STRICT on this port',
      );
    },
  );

  t.test(`${req} fails when plaintext HTTP gets 200 from the workload`, async (t) => {
    const j = control.judge(
      judgeInput(evidenceOf([plain({ kind: 'http', status: 200, headers: { server: 'istio-envoy' } })])),
    );
    t.equal(j.status, 'fails');
    t.match(j.reasons[0], /mTLS is not STRICT on this port/);
  });

  t.test(`${req} is inconclusive when plaintext is reset but no TLS evidence shows a mesh certificate`, async (t) => {
    const j = control.judge(judgeInput(evidenceOf([plain({ kind: 'reset' })])));
    t.equal(j.status, 'inconclusive');
    t.match(j.reasons[0], /could come from the application/);
  });

  t.test(
    `${req} is inconclusive when one vantage is blocked by the network but another saw an unexplained reset on the same port`,
    async (t) => {
      // Given a plaintext reset from the same namespace (no TLS proof) and a drop from the probe namespace
      const ev = evidenceOf([
        canaryStep(same('payments')),
        canaryStep(PROBE_NS),
        plain({ kind: 'reset' }),
        plain({ kind: 'timeout' }, PROBE_NS),
      ]);
      // When the port is judged
      const j = control.judge(judgeInput(ev));
      // Then the network block does not hide the reset: inconclusive, naming both
      t.equal(j.status, 'inconclusive');
      t.match(
        j.reasons[0],
        /^payments\/api port 8080 reset the connection .* same namespace payments, but no TLS attempt showed/,
      );
      t.match(j.reasons.join(' '), /blocked by the network/);
    },
  );

  t.test(`${req} is inconclusive when the probe pod found itself inside the mesh`, async (t) => {
    const j = control.judge(
      judgeInput(evidenceOf([plain({ kind: 'http', status: 200 })], ['same-namespace:payments'])),
    );
    t.equal(j.status, 'inconclusive');
    t.match(j.reasons[0], /probe-meshed/);
  });
}

t.test('1.2.6 ignores targets outside the CDE', async (t) => {
  const ev = evidenceOf([
    {
      probeId: 'plaintext-http',
      vantage: PROBE_NS,
      target: svc('shop', 'web'),
      port: 80,
      observed: { kind: 'http', status: 200 },
    },
  ]);
  const j = findControl('1.2.6')!.judge(judgeInput(ev));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons[0], /No plaintext attempt was made against a CDE workload port/);
});
