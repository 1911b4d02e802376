import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import {
  canaryStep,
  evidenceOf,
  from,
  judgeInput,
  ns,
  PROBE_NS,
  svc,
  type Step,
} from '../../helpers/report-fixtures.js';

const api = svc('payments', 'api');
const c131 = findControl('1.3.1')!;
const c1145 = findControl('11.4.5')!;
const c132 = findControl('1.3.2')!;
const a112 = findControl('A1.1.2')!;

const reach = (vantage: Step['vantage'], observed: Step['observed'], target = api, port = 8080): Step => ({
  probeId: 'tcp-reach',
  vantage,
  target,
  port,
  observed,
});

t.test('1.3.1 holds when a fresh pod and namespace shop time out while canaries connect', async (t) => {
  // Given timeouts from the probe namespace and from shop, with working canaries
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    canaryStep(from('shop')),
    reach(PROBE_NS, { kind: 'timeout' }),
    reach(from('shop'), { kind: 'timeout' }),
  ]);
  // When 1.3.1 is judged
  const j = c131.judge(judgeInput(ev));
  // Then it holds, and the reasons name target, port and vantage
  t.equal(j.status, 'holds');
  t.match(
    j.reasons.join(' '),
    /payments\/api port 8080 did not answer the connection \(timed out: dropped\) from namespace shop, while the canary from the same pod connected: blocked at L3\/L4/,
  );
});

t.test('1.3.1 fails when namespace shop completes a TCP connection to payments/api', async (t) => {
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    canaryStep(from('shop')),
    reach(PROBE_NS, { kind: 'timeout' }),
    reach(from('shop'), { kind: 'connected', bytes: 20 }),
  ]);
  const j = c131.judge(judgeInput(ev));
  t.equal(j.status, 'fails');
  t.match(
    j.reasons[0],
    'payments/api port 8080 accepted a TCP connection and sent 20 bytes back from namespace shop: inbound traffic to the CDE is not restricted',
  );
});

t.test('1.3.1 is inconclusive when the timeout came from a pod whose canary failed', async (t) => {
  // Given a timeout and a failed canary from the same vantage
  const ev = evidenceOf([canaryStep(PROBE_NS, false), reach(PROBE_NS, { kind: 'timeout' })]);
  const j = c131.judge(judgeInput(ev));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons[0], /canary-failed/);
});

t.test('1.3.1 is inconclusive when a refusal has no control path (REJECT looks like nothing listening)', async (t) => {
  const ev = evidenceOf([canaryStep(PROBE_NS), reach(PROBE_NS, { kind: 'refused' })]);
  const j = c131.judge(judgeInput(ev));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons[0], /no-control-path/);
});

t.test('1.3.1 holds for a refusal when the allowed control path to the same port connected', async (t) => {
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    {
      probeId: 'tcp-reach',
      role: 'control',
      vantage: from('gateway'),
      target: api,
      port: 8080,
      observed: { kind: 'connected', bytes: 5 },
    },
    reach(PROBE_NS, { kind: 'refused' }),
  ]);
  t.equal(c131.judge(judgeInput(ev)).status, 'holds');
});

t.test('1.3.1 honours an approved flow for an allowed connection', async (t) => {
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    reach(PROBE_NS, { kind: 'timeout' }),
    reach(from('shop'), { kind: 'connected' }),
  ]);
  const j = c131.judge(
    judgeInput(ev, { context: { approvedFlows: [{ from: 'shop', to: 'payments/api', port: 8080, ref: 'CHG-42' }] } }),
  );
  t.equal(j.status, 'holds');
  t.match(j.reasons.join(' '), /approved-flows file allows \(CHG-42\)/);
});

for (const kind of ['reset', 'eof', 'silent'] as const) {
  t.test(
    `1.3.1 holds when an approved source reaches the port at L4 and is then closed (${kind}), e.g. plaintext into STRICT mTLS`,
    async (t) => {
      const flows = [{ from: 'gateway', to: 'payments/*', port: 8080, ref: 'CHG-7' }];
      const ev = evidenceOf([
        canaryStep(PROBE_NS),
        canaryStep(from('gateway')),
        reach(PROBE_NS, { kind: 'timeout' }),
        reach(from('gateway'), { kind }),
      ]);
      const j = c131.judge(judgeInput(ev, { context: { approvedFlows: flows } }));
      t.equal(j.status, 'holds');
      t.match(j.reasons.join(' '), /from namespace gateway.*approved-flows file allows \(CHG-7\)/);
      // But the same close from a source the file does not approve stays inconclusive
      const other = evidenceOf([
        canaryStep(PROBE_NS),
        canaryStep(from('shop')),
        reach(PROBE_NS, { kind: 'timeout' }),
        reach(from('shop'), { kind }),
      ]);
      t.equal(c131.judge(judgeInput(other, { context: { approvedFlows: flows } })).status, 'inconclusive');
    },
  );
}

for (const kind of ['reset', 'eof'] as const) {
  t.test(
    `1.3.1 and 11.4.5 never hold on a ${kind} after connect (the workload itself may have closed it), and say L4 was reachable`,
    async (t) => {
      // Given a TCP connection from shop to payments/api that was then closed (${kind})
      const namespaces = [ns('payments', 'cde'), ns('shop', 'out-of-scope')];
      const ev = evidenceOf([
        canaryStep(PROBE_NS),
        canaryStep(from('shop')),
        reach(PROBE_NS, { kind: 'timeout' }),
        reach(from('shop'), { kind }),
      ]);
      for (const control of [c131, c1145]) {
        // When segmentation is judged
        const j = control.judge(judgeInput(ev, { namespaces }));
        // Then it is inconclusive, and the reason names the path and both layers
        t.equal(j.status, 'inconclusive', control.requirement);
        t.match(
          j.reasons[0],
          /^payments\/api port 8080 .* from namespace shop: TCP was reachable \(L4 open\) .*the mesh or the workload itself may have done/,
        );
      }
    },
  );
}

t.test('11.4.5 holds when every out-of-scope namespace was tried against every CDE target and blocked', async (t) => {
  const namespaces = [
    ns('payments', 'cde'),
    ns('shop', 'out-of-scope'),
    ns('analytics', 'out-of-scope'),
    ns('meshprobe-run', 'probe', 1),
  ];
  const ev = evidenceOf([
    canaryStep(from('shop')),
    canaryStep(from('analytics')),
    reach(from('shop'), { kind: 'timeout' }),
    reach(from('analytics'), { kind: 'timeout' }),
  ]);
  const j = c1145.judge(judgeInput(ev, { namespaces }));
  t.equal(j.status, 'holds');
  t.match(j.reasons.join(' '), 'Out-of-scope namespaces enumerated from the live API: analytics, shop.');
});

t.test(
  '11.4.5 does not count control-plane and mesh namespaces as coverage gaps, and says they were not vantages',
  async (t) => {
    const namespaces = [
      ns('payments', 'cde'),
      ns('shop', 'out-of-scope'),
      ns('kube-system', 'system'),
      ns('istio-system', 'mesh'),
      ns('meshprobe-run', 'probe', 1),
    ];
    const ev = evidenceOf([canaryStep(from('shop')), reach(from('shop'), { kind: 'timeout' })]);
    const j = c1145.judge(judgeInput(ev, { namespaces }));
    t.equal(j.status, 'holds');
    t.match(
      j.reasons.join(' '),
      'Control-plane and mesh namespaces (istio-system, kube-system) are not used as vantages',
    );
    t.notMatch(j.reasons.join(' '), /Coverage is incomplete/);
  },
);

t.test('11.4.5 is inconclusive and lists the gap when one out-of-scope namespace was never tried', async (t) => {
  const namespaces = [ns('payments', 'cde'), ns('shop', 'out-of-scope'), ns('analytics', 'out-of-scope')];
  const ev = evidenceOf([canaryStep(from('shop')), reach(from('shop'), { kind: 'timeout' })]);
  const j = c1145.judge(judgeInput(ev, { namespaces }));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons.join(' '), 'analytics → payments/api');
});

t.test('11.4.5 fails when an out-of-scope namespace reaches a CDE target even though others are blocked', async (t) => {
  const namespaces = [ns('payments', 'cde'), ns('shop', 'out-of-scope')];
  const ev = evidenceOf([
    canaryStep(from('shop')),
    reach(from('shop'), { kind: 'connected' }),
    reach(from('shop'), { kind: 'timeout' }, svc('payments', 'db'), 5432),
  ]);
  const j = c1145.judge(judgeInput(ev, { namespaces }));
  t.equal(j.status, 'fails');
  t.match(
    j.reasons[0],
    /payments\/api port 8080 accepted a TCP connection from namespace shop: segmentation does not isolate/,
  );
});

t.test('1.3.2 is inconclusive when no egress target was named, and says nothing outside is contacted', async (t) => {
  const j = c132.judge(judgeInput([]));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons[0], /contacts nothing outside the cluster/);
});

t.test('1.3.2 fails when the CDE namespace reaches a named egress target, and holds when it is dropped', async (t) => {
  const target = { kind: 'Endpoint' as const, namespace: '', name: 'example.test:443' };
  const step = (observed: Step['observed']): Step => ({
    probeId: 'egress-reach',
    vantage: from('payments'),
    target,
    port: 443,
    observed,
  });
  const fail = c132.judge(
    judgeInput(evidenceOf([canaryStep(from('payments')), step({ kind: 'connected' })]), {
      context: { egressTargets: ['example.test:443'] },
    }),
  );
  t.equal(fail.status, 'fails');
  t.match(fail.reasons[0], 'Egress target example.test:443 accepted a TCP connection from namespace payments');
  const hold = c132.judge(
    judgeInput(evidenceOf([canaryStep(from('payments')), step({ kind: 'timeout' })]), {
      context: { egressTargets: ['example.test:443'] },
    }),
  );
  t.equal(hold.status, 'holds');
});

t.test(
  'A1.1.2 is not applicable with fewer than two tenants, fails on cross-tenant reach, holds when blocked',
  async (t) => {
    t.equal(a112.judge(judgeInput([])).status, 'not-applicable');
    const namespaces = [ns('tenant-a', 'tenant'), ns('tenant-b', 'tenant')];
    const step = (f: string, to: string, observed: Step['observed']): Step => ({
      probeId: 'tenant-reach',
      vantage: from(f),
      target: svc(to, 'web'),
      port: 80,
      observed,
    });
    const context = { tenants: ['tenant-a', 'tenant-b'] };
    const open = evidenceOf([
      canaryStep(from('tenant-a')),
      canaryStep(from('tenant-b')),
      step('tenant-a', 'tenant-b', { kind: 'connected' }),
      step('tenant-b', 'tenant-a', { kind: 'timeout' }),
    ]);
    t.equal(a112.judge(judgeInput(open, { namespaces, context })).status, 'fails');
    const shut = evidenceOf([
      canaryStep(from('tenant-a')),
      canaryStep(from('tenant-b')),
      step('tenant-a', 'tenant-b', { kind: 'timeout' }),
      step('tenant-b', 'tenant-a', { kind: 'timeout' }),
    ]);
    t.equal(a112.judge(judgeInput(shut, { namespaces, context })).status, 'holds');
    const half = evidenceOf([canaryStep(from('tenant-a')), step('tenant-a', 'tenant-b', { kind: 'timeout' })]);
    const j = a112.judge(judgeInput(half, { namespaces, context }));
    t.equal(j.status, 'inconclusive');
    t.match(j.reasons.join(' '), 'tenant-b → tenant-a');
  },
);

t.test(
  '11.4.6 judges like 11.4.5 (holds, fails, inconclusive) and states the six-month interval for service providers',
  async (t) => {
    const c1146 = findControl('11.4.6')!;
    const namespaces = [ns('payments', 'cde'), ns('shop', 'out-of-scope')];
    const hold = c1146.judge(
      judgeInput(evidenceOf([canaryStep(from('shop')), reach(from('shop'), { kind: 'timeout' })]), { namespaces }),
    );
    t.equal(hold.status, 'holds');
    t.match(hold.reasons.join(' '), /must not exceed six months/);
    t.equal(
      c1146.judge(
        judgeInput(evidenceOf([canaryStep(from('shop')), reach(from('shop'), { kind: 'connected' })]), { namespaces }),
      ).status,
      'fails',
    );
    t.equal(
      c1146.judge(
        judgeInput(evidenceOf([canaryStep(from('shop'), false), reach(from('shop'), { kind: 'timeout' })]), {
          namespaces,
        }),
      ).status,
      'inconclusive',
    );
  },
);
