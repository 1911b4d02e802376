import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import type { TargetRef } from '../../../src/domain/target.js';
import { canaryStep, evidenceOf, judgeInput, PROBE_NS, same, svc, type Step } from '../../helpers/report-fixtures.js';

const node: TargetRef = { kind: 'Node', namespace: '', name: 'worker-1' };
const istiod = svc('istio-system', 'istiod');
const kubelet = (port: number, observed: Step['observed']): Step => ({
  probeId: 'kubelet-anonymous',
  vantage: PROBE_NS,
  target: node,
  port,
  http: { method: 'GET', path: '/pods', tls: port === 10250 },
  observed,
});
const syncz = (observed: Step['observed']): Step => ({
  probeId: 'istiod-debug',
  vantage: PROBE_NS,
  target: istiod,
  port: 15014,
  http: { method: 'GET', path: '/debug/syncz' },
  observed,
});
const metrics = (observed: Step['observed']): Step => ({
  probeId: 'http-unauthenticated',
  vantage: PROBE_NS,
  target: svc('payments', 'api'),
  port: 8080,
  http: { method: 'GET', path: '/metrics' },
  observed,
});

t.test('8.3.1 fails when the kubelet serves /pods anonymously on 10250', async (t) => {
  const j = findControl('8.3.1')!.judge(
    judgeInput(
      evidenceOf([canaryStep(PROBE_NS), kubelet(10250, { kind: 'http', status: 200, body: '{"kind":"PodList"}' })]),
    ),
  );
  t.equal(j.status, 'fails');
  t.match(
    j.reasons[0],
    'Node worker-1 port 10250 (GET /pods) accepted HTTP over TLS (status 200) from a new unlabelled pod outside the mesh (probe namespace) without credentials: the system component served data without any authentication.',
  );
});

t.test('8.3.1 holds when the kubelet answers 401 and 10255 is dropped', async (t) => {
  const j = findControl('8.3.1')!.judge(
    judgeInput(
      evidenceOf([
        canaryStep(PROBE_NS),
        kubelet(10250, { kind: 'http', status: 401 }),
        kubelet(10255, { kind: 'timeout' }),
      ]),
    ),
  );
  t.equal(j.status, 'holds');
});

t.test('8.3.1 is inconclusive when the kubelet attempt timed out and the canary failed', async (t) => {
  const j = findControl('8.3.1')!.judge(
    judgeInput(evidenceOf([canaryStep(PROBE_NS, false), kubelet(10250, { kind: 'timeout' })])),
  );
  t.equal(j.status, 'inconclusive');
});

t.test('2.2.7 fails when istiod debug answers over plaintext HTTP, holds when it is dropped', async (t) => {
  const fail = findControl('2.2.7')!.judge(
    judgeInput(evidenceOf([canaryStep(PROBE_NS), syncz({ kind: 'http', status: 200, body: '[]' })])),
  );
  t.equal(fail.status, 'fails');
  t.match(
    fail.reasons[0],
    'istio-system/istiod port 15014 (GET /debug/syncz) accepted plaintext HTTP (status 200) from a new unlabelled pod outside the mesh (probe namespace): an administrative interface answers over unencrypted HTTP.',
  );
  t.equal(
    findControl('2.2.7')!.judge(judgeInput(evidenceOf([canaryStep(PROBE_NS), syncz({ kind: 'timeout' })]))).status,
    'holds',
  );
  t.equal(findControl('2.2.7')!.judge(judgeInput(evidenceOf([syncz({ kind: 'timeout' })]))).status, 'inconclusive');
});

t.test('2.2.4 fails when /metrics is served, holds on 404, inconclusive on a missing observation', async (t) => {
  t.equal(
    findControl('2.2.4')!.judge(
      judgeInput(evidenceOf([metrics({ kind: 'http', status: 200, body: '# HELP go_goroutines' })])),
    ).status,
    'fails',
  );
  t.equal(
    findControl('2.2.4')!.judge(judgeInput(evidenceOf([metrics({ kind: 'http', status: 404 })]))).status,
    'holds',
  );
  t.equal(findControl('2.2.4')!.judge(judgeInput(evidenceOf([metrics({ kind: 'missing' })]))).status, 'inconclusive');
});

t.test('7.2.1 holds on 403 RBAC: access denied, fails on 200, inconclusive on 404 for a random path', async (t) => {
  const c = findControl('7.2.1')!;
  const plain = (observed: Step['observed']): Step => ({
    probeId: 'plaintext-http',
    vantage: same('payments'),
    target: svc('payments', 'api'),
    port: 8080,
    observed,
  });
  t.equal(
    c.judge(judgeInput(evidenceOf([plain({ kind: 'http', status: 403, body: 'RBAC: access denied' })]))).status,
    'holds',
  );
  t.equal(c.judge(judgeInput(evidenceOf([plain({ kind: 'http', status: 200 })]))).status, 'fails');
  t.equal(c.judge(judgeInput(evidenceOf([plain({ kind: 'http', status: 404 })]))).status, 'inconclusive');
});

t.test('1.2.5 is inconclusive without an approved-flows file and fails on an open tuple not in it', async (t) => {
  const c = findControl('1.2.5')!;
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    {
      probeId: 'tcp-reach',
      vantage: PROBE_NS,
      target: svc('payments', 'api'),
      port: 9090,
      observed: { kind: 'connected' },
    },
  ]);
  const none = c.judge(judgeInput(ev));
  t.equal(none.status, 'inconclusive');
  t.match(none.reasons[0], /1 open \(source, target, port\) tuples/);
  const fail = c.judge(judgeInput(ev, { context: { approvedFlows: [{ from: '*', to: 'payments/api', port: 8080 }] } }));
  t.equal(fail.status, 'fails');
  t.match(
    fail.reasons[0],
    'payments/api port 9090 accepted a TCP connection from a new unlabelled pod outside the mesh (probe namespace), but no approved flow covers it',
  );
  const ok = c.judge(judgeInput(ev, { context: { approvedFlows: [{ from: '*', to: 'payments/*', port: '*' }] } }));
  t.equal(ok.status, 'holds');
});

t.test(
  '7.2.1 holds on a plaintext reset only when a TLS attempt to the same port proves an mTLS client-certificate demand',
  async (t) => {
    const c = findControl('7.2.1')!;
    const plain = (observed: Step['observed']): Step => ({
      probeId: 'plaintext-http',
      vantage: same('payments'),
      target: svc('payments', 'api'),
      port: 8080,
      observed,
    });
    const tls: Step = {
      probeId: 'tls-handshake-istio-alpn',
      vantage: same('payments'),
      target: svc('payments', 'api'),
      port: 8080,
      observed: { kind: 'tls', alert: 116, chain: ['-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----'] },
    };
    for (const kind of ['reset', 'eof'] as const) {
      // Given a plaintext call that was closed after connect, without and then with the TLS proof
      const alone = c.judge(judgeInput(evidenceOf([canaryStep(same('payments')), plain({ kind })])));
      const proven = c.judge(judgeInput(evidenceOf([canaryStep(same('payments')), plain({ kind }), tls])));
      // Then alone it is inconclusive (the workload may have closed it), with the proof it holds and cites both attempts
      t.equal(alone.status, 'inconclusive', kind);
      t.match(
        alone.reasons[0],
        /^payments\/api port 8080 .* same namespace payments, but no TLS attempt showed a client-certificate demand on that port/,
      );
      t.equal(proven.status, 'holds', kind);
      t.match(proven.reasons[0], /demanded a client certificate: callers without identity are denied by mTLS/);
      t.equal(proven.evidenceIds.length, 2);
    }
  },
);

t.test('8.3.1 is inconclusive when the kubelet was reached and closed the connection without answering', async (t) => {
  for (const kind of ['reset', 'eof'] as const) {
    const j = findControl('8.3.1')!.judge(judgeInput(evidenceOf([canaryStep(PROBE_NS), kubelet(10255, { kind })])));
    t.equal(j.status, 'inconclusive', kind);
    t.match(
      j.reasons[0],
      /^Node worker-1 port 10255 \(GET \/pods\) .* without credentials: the component was reached and closed the connection/,
    );
  }
});

t.test('8.3.1 says "without credentials" of the request, before the canary that proves a drop', async (t) => {
  const j = findControl('8.3.1')!.judge(
    judgeInput(evidenceOf([canaryStep(PROBE_NS), kubelet(10255, { kind: 'timeout' })])),
  );
  t.equal(j.status, 'holds');
  t.match(
    j.reasons[0],
    '(probe namespace) without credentials, while the canary from the same pod connected: anonymous access is not possible from there.',
  );
});

t.test('1.2.5 counts a port that completed TCP and then reset as open, so an unapproved one fails', async (t) => {
  // Given a TCP connection to payments/api:8080 that the peer reset after the probe sent bytes
  const c = findControl('1.2.5')!;
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    {
      probeId: 'tcp-reach',
      vantage: PROBE_NS,
      target: svc('payments', 'api'),
      port: 8080,
      observed: { kind: 'reset' },
    },
  ]);
  // When no approved flow covers it, then 1.2.5 fails naming the port; when one does, it holds
  const fail = c.judge(judgeInput(ev, { context: { approvedFlows: [] } }));
  t.equal(fail.status, 'fails');
  t.match(fail.reasons[0], /^payments\/api port 8080 reset the connection .*, but no approved flow covers it/);
  t.equal(
    c.judge(judgeInput(ev, { context: { approvedFlows: [{ from: '*', to: 'payments/api', port: 8080 }] } })).status,
    'holds',
  );
});

t.test(
  '2.2.4 and 8.3.1 judge CDE workloads and cluster components, and only mention out-of-scope application workloads',
  async (t) => {
    // Given /metrics served anonymously by a workload in the out-of-scope namespace shop, and a 404 from the CDE
    const shopMetrics: Step = {
      probeId: 'http-unauthenticated',
      vantage: PROBE_NS,
      target: svc('shop', 'storefront'),
      port: 8080,
      http: { method: 'GET', path: '/metrics' },
      observed: { kind: 'http', status: 200, body: '# HELP x' },
    };
    const ev = evidenceOf([canaryStep(PROBE_NS), shopMetrics, metrics({ kind: 'http', status: 404 })]);
    for (const id of ['2.2.4', '8.3.1']) {
      const j = findControl(id)!.judge(judgeInput(ev));
      // Then the verdict rests on the CDE workload, and the reasons say the shop workload was not judged
      t.equal(j.status, 'holds', id);
      t.match(
        j.reasons.join(' '),
        /on 1 workload of out-of-scope namespaces \(shop\/storefront\) is not judged here/,
        id,
      );
    }
    // And a cluster component (istiod, in a namespace the inventory does not list) is still judged
    const istiodOpen = evidenceOf([canaryStep(PROBE_NS), syncz({ kind: 'http', status: 200, body: '[]' })]);
    t.equal(findControl('8.3.1')!.judge(judgeInput(istiodOpen)).status, 'fails');
  },
);
