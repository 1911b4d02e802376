/**
 * Coverage of every verdict (evaluate/coverage.ts): what was tried, what was left out and why,
 * and the one place that keeps a control whose required slice was not tried from holding.
 */
import t from 'tap';
import { CONTROLS, controlById } from '../../../src/catalogue/index.js';
import type { NotRunAttempt } from '../../../src/domain/attempt.js';
import type { Control } from '../../../src/domain/control.js';
import type { TargetRef } from '../../../src/domain/target.js';
import { coverageIndex, coverageOf, enforceCoverage } from '../../../src/evaluate/coverage.js';
import { evaluate } from '../../../src/evaluate/evaluate.js';
import { NO_NODES_REASON } from '../../../src/plan/plan.js';
import { coverageLine } from '../../../src/report/reporters/common.js';
import {
  PROBE_NS,
  canaryStep,
  evidenceOf,
  from,
  inventory,
  judgeInput,
  ns,
  same,
  svc,
  type Step,
} from '../../helpers/report-fixtures.js';

const NODE: TargetRef = { kind: 'Node', namespace: '', name: 'worker-1' };
const API: TargetRef = { kind: 'ApiServer', namespace: 'default', name: 'kubernetes' };
const NAMESPACES = [ns('payments', 'cde'), ns('shop', 'out-of-scope'), ns('meshprobe-run', 'probe', 1)];
const INVENTORY = inventory(NAMESPACES);

/** A control that runs a probe no control knows yet (a kind of attempt added later). */
const futureControl: Control = {
  id: 'pci-dss-4.0.1/9.9.9',
  requirement: '9.9.9',
  title: 'future',
  holdsMeans: 'x',
  probeIds: ['udp-reach'],
  requires: [{ label: 'UDP attempts to CDE ports', cdeTargets: true }],
  judge: () => ({ status: 'holds', reasons: ['every UDP attempt was blocked'], evidenceIds: [] }),
};

t.test(
  'coverage counts the tried attempts of the control probes by vantage, target and port, including a new kind of attempt',
  async (t) => {
    // Given attempts of a probe that did not exist when coverage was written, from two vantages, one without observation
    const steps: Step[] = [
      canaryStep(PROBE_NS),
      {
        probeId: 'udp-reach',
        vantage: PROBE_NS,
        target: svc('payments', 'dns'),
        port: 53,
        observed: { kind: 'timeout' },
      },
      {
        probeId: 'udp-reach',
        vantage: from('shop'),
        target: svc('payments', 'dns'),
        port: 53,
        observed: { kind: 'timeout' },
      },
      {
        probeId: 'udp-reach',
        vantage: from('shop'),
        target: svc('payments', 'ntp'),
        port: 123,
        observed: { kind: 'missing' },
      },
      {
        probeId: 'tcp-reach',
        vantage: PROBE_NS,
        target: svc('payments', 'api'),
        port: 8080,
        observed: { kind: 'timeout' },
      },
    ];
    const index = coverageIndex(evidenceOf(steps), INVENTORY, {
      vantageProblems: [{ vantage: 'from-namespace:shop', problem: 'pod mp-x cannot start (ImagePullBackOff)' }],
    });
    // When its coverage is computed
    const c = coverageOf(futureControl, index);
    // Then only its own probe's attempts count, and the silent one is left out with the pod's problem
    t.equal(c.planned, 3);
    t.equal(c.tried, 2);
    t.same([c.vantages, c.targets, c.ports], [2, 1, 1]);
    t.same(c.byVantageKind, { 'from-namespace': 1, 'probe-namespace': 1 });
    t.same(c.leftOut, [
      {
        kind: 'no-observation',
        count: 1,
        reason: 'from-namespace:shop could not start or report: pod mp-x cannot start (ImagePullBackOff)',
      },
    ]);
    t.same(c.required, [{ label: 'UDP attempts to CDE ports', tried: 2 }]);
  },
);

t.test(
  'not-run attempts, --skip-probe and --namespace are each left out with the reason, inapplicable ones only counted',
  async (t) => {
    // Given a plan that left out node attempts (--no-nodes), found no vantage for one, and could not apply another
    const notRun: NotRunAttempt[] = [
      {
        probeId: 'kubelet-anonymous',
        vantage: PROBE_NS,
        target: NODE,
        port: 10250,
        reason: NO_NODES_REASON,
        cause: 'left-out',
      },
      {
        probeId: 'kubelet-anonymous',
        vantage: PROBE_NS,
        target: NODE,
        port: 10255,
        reason: NO_NODES_REASON,
        cause: 'left-out',
      },
      {
        probeId: 'http-unauthenticated',
        vantage: same('kube-system'),
        target: svc('kube-system', 'dns'),
        port: 9153,
        reason: 'no probe pod is placed in kube-system',
        cause: 'no-vantage',
      },
      {
        probeId: 'http-unauthenticated',
        vantage: PROBE_NS,
        target: svc('payments', 'db'),
        port: 5432,
        reason: 'port 5432 is named tcp-postgres, not HTTP',
        cause: 'inapplicable',
      },
    ];
    const steps: Step[] = [
      {
        probeId: 'http-unauthenticated',
        vantage: PROBE_NS,
        target: svc('payments', 'api'),
        port: 8080,
        observed: { kind: 'timeout' },
      },
    ];
    const index = coverageIndex(evidenceOf(steps), INVENTORY, {
      notRun,
      skippedProbes: ['istiod-debug'],
      excludedNamespaces: [
        { name: 'cde-old', inScope: true, by: '--namespace' },
        { name: 'shop2', inScope: false, by: '--namespace' },
      ],
    });
    // When 2.2.4's coverage is computed
    const c = coverageOf(controlById.get('pci-dss-4.0.1/2.2.4')!, index);
    // Then each reason is a gap with its count, and the inapplicable attempt is only counted
    t.same(c.leftOut, [
      { kind: 'not-run', count: 2, reason: NO_NODES_REASON },
      { kind: 'not-run', count: 1, reason: 'no probe pod is placed in kube-system' },
      { kind: 'skip-probe', count: 1, reason: '--skip-probe istiod-debug' },
      {
        kind: 'namespace-filter',
        count: 2,
        reason: '2 namespaces left out by --namespace (cde-old, shop2), of which in the CDE: cde-old',
      },
    ]);
    t.equal(c.inapplicable, 1);
    // And the node slice is missing because of --no-nodes
    const nodes = c.required.find((s) => /kubelet/.test(s.label));
    t.equal(nodes?.tried, 0);
    t.match(nodes?.missing, /not run: node targets are left out of this run \(--no-nodes\) \(2 attempts\)/);
    t.match(
      coverageLine(c, 'inconclusive'),
      /^1 attempt tried: 1 vantage × 1 target × 1 port \(probe-namespace 1\); not probed: anonymous requests to the kubelet ports of the nodes; left out: 2 not-run: node targets/,
    );
  },
);

t.test('a control whose required slice was not tried is inconclusive with the reason, never holds', async (t) => {
  // Given only CDE workload and API server attempts (no node attempt: --no-nodes), all refused
  const steps: Step[] = [
    canaryStep(PROBE_NS),
    {
      probeId: 'http-unauthenticated',
      vantage: PROBE_NS,
      target: svc('payments', 'api'),
      port: 8080,
      http: { method: 'GET', path: '/metrics' },
      observed: { kind: 'http', status: 404 },
    },
    {
      probeId: 'apiserver-anonymous',
      vantage: PROBE_NS,
      target: API,
      port: 443,
      http: { method: 'GET', path: '/api/v1/namespaces', tls: true },
      observed: { kind: 'http', status: 403 },
    },
  ];
  const notRun: NotRunAttempt[] = [
    {
      probeId: 'kubelet-anonymous',
      vantage: PROBE_NS,
      target: NODE,
      port: 10255,
      reason: NO_NODES_REASON,
      cause: 'left-out',
    },
  ];
  const input = judgeInput(evidenceOf(steps), { namespaces: NAMESPACES });
  // When the node-dependent controls are evaluated
  const verdicts = evaluate(
    CONTROLS.filter((c) => ['2.2.4', '8.3.1', '2.2.7'].includes(c.requirement)),
    { ...input, coverage: { notRun } },
  );
  // Then none holds, and each says the node was not probed and why
  for (const v of verdicts) {
    t.equal(v.status, 'inconclusive', v.controlId);
    t.match(
      v.reasons[0],
      /^Not probed: anonymous requests to the kubelet ports of the nodes \(not run: node targets are left out of this run \(--no-nodes\)/,
      v.controlId,
    );
    t.ok(v.coverage, `${v.controlId} carries its coverage`);
  }
  // And without the left-out entry, the same evidence plus a node attempt lets 2.2.4 hold
  const withNode = evidenceOf([
    ...steps,
    {
      probeId: 'kubelet-anonymous',
      vantage: PROBE_NS,
      target: NODE,
      port: 10255,
      http: { method: 'GET', path: '/pods', tls: false },
      observed: { kind: 'timeout' },
    },
  ]);
  const [v224] = evaluate([controlById.get('pci-dss-4.0.1/2.2.4')!], {
    ...judgeInput(withNode, { namespaces: NAMESPACES }),
  });
  t.equal(v224?.status, 'holds');
});

t.test(
  'enforcement keeps a failure and a not-applicable verdict, and adds the gap to an inconclusive one',
  async (t) => {
    const c = coverageOf(
      futureControl,
      coverageIndex([], INVENTORY, { stopped: 'the run stopped at deploy (E_POD_TIMEOUT)' }),
    );
    t.match(c.required[0]?.missing, /the run stopped at deploy \(E_POD_TIMEOUT\)/, 'an aborted run says so');
    const base = { controlId: futureControl.id, reasons: ['judged'], evidenceIds: [] };
    t.same(enforceCoverage({ ...base, status: 'fails' }, c).status, 'fails');
    t.same(enforceCoverage({ ...base, status: 'not-applicable' }, c).status, 'not-applicable');
    const held = enforceCoverage({ ...base, status: 'holds' }, c);
    t.equal(held.status, 'inconclusive');
    t.match(held.reasons[0], /^Not probed: UDP attempts to CDE ports/);
    const unsure = enforceCoverage({ ...base, status: 'inconclusive' }, c);
    t.same(unsure.reasons[0], 'judged', "the judge's own reason stays first");
    t.match(unsure.reasons[1], /^Not probed/);
  },
);

t.test(
  '1.3.1 counts a connect from another tenant into a tenant that is CDE (--cde-all) as inbound, like A1.1.2',
  async (t) => {
    // Given two tenants that are both CDE, one reaching the other, and a fresh pod blocked
    const tenants = [
      { ...ns('red', 'tenant'), inScope: true },
      { ...ns('blue', 'tenant'), inScope: true },
      ns('meshprobe-run', 'probe', 1),
    ];
    const steps: Step[] = [
      canaryStep(PROBE_NS),
      canaryStep(from('red')),
      canaryStep(from('blue')),
      {
        probeId: 'tcp-reach',
        vantage: PROBE_NS,
        target: svc('blue', 'app'),
        port: 8080,
        observed: { kind: 'timeout' },
      },
      {
        probeId: 'tenant-reach',
        vantage: from('red'),
        target: svc('blue', 'app'),
        port: 8080,
        observed: { kind: 'connected' },
      },
      {
        probeId: 'tenant-reach',
        vantage: from('blue'),
        target: svc('red', 'app'),
        port: 8080,
        observed: { kind: 'timeout' },
      },
    ];
    const input = judgeInput(evidenceOf(steps), { namespaces: tenants, context: { tenants: ['red', 'blue'] } });
    // When 1.3.1 and A1.1.2 are evaluated
    const verdicts = evaluate(
      CONTROLS.filter((c) => ['1.3.1', 'A1.1.2'].includes(c.requirement)),
      input,
    );
    // Then both fail on the same path
    for (const v of verdicts) {
      t.equal(v.status, 'fails', v.controlId);
      t.ok(
        v.reasons.some((r) => r.includes('blue/app port 8080') && r.includes('from namespace red')),
        `${v.controlId} names the path`,
      );
    }
  },
);

t.test('an application control cannot hold while the listener sweep of a CDE pod did not complete', async (t) => {
  // Given node, API server and CDE workload attempts that would let 8.3.1 hold, and a sweep of payments/api-0 whose pod was lost
  const steps: Step[] = [
    canaryStep(PROBE_NS),
    {
      probeId: 'http-unauthenticated',
      vantage: PROBE_NS,
      target: svc('payments', 'api'),
      port: 8080,
      http: { method: 'GET', path: '/metrics' },
      observed: { kind: 'http', status: 401 },
    },
    {
      probeId: 'apiserver-anonymous',
      vantage: PROBE_NS,
      target: API,
      port: 443,
      http: { method: 'GET', path: '/api/v1/namespaces', tls: true },
      observed: { kind: 'http', status: 403 },
    },
    {
      probeId: 'kubelet-anonymous',
      vantage: PROBE_NS,
      target: NODE,
      port: 10255,
      http: { method: 'GET', path: '/pods', tls: false },
      observed: { kind: 'timeout' },
    },
  ];
  const sweep: Step = {
    probeId: 'listener-sweep',
    technique: 'sweep',
    vantage: same('payments'),
    target: { kind: 'Pod', namespace: 'payments', name: 'api-0' },
    port: 0,
    observed: { kind: 'missing' },
  };
  const control = controlById.get('pci-dss-4.0.1/8.3.1')!;
  const [before] = evaluate([control], judgeInput(evidenceOf(steps), { namespaces: NAMESPACES }));
  t.equal(before?.status, 'holds', 'without the lost sweep it holds');
  // When it is evaluated with the lost sweep (its pod could not report)
  const input = judgeInput(evidenceOf([...steps, sweep]), { namespaces: NAMESPACES });
  const problem = {
    vantage: 'same-namespace:payments',
    problem: 'pod payments/mp-x-sw-0 disappeared while meshprobe was waiting for it',
  };
  const [v] = evaluate([control], { ...input, coverage: { vantageProblems: [problem] } });
  // Then it is inconclusive, and its coverage says which sweep did not complete and why
  t.equal(v?.status, 'inconclusive');
  t.match(
    v?.reasons[0],
    /^Not probed: a finished listener sweep of payments\/api-0 \(listener sweep of payments\/api-0 did not complete \(same-namespace:payments could not start or report: pod payments\/mp-x-sw-0 disappeared/,
  );
  t.match(v?.coverage?.required.at(-1), { label: 'a finished listener sweep of payments/api-0', tried: 0 });
  // And the L4 reachability controls wait for it too: the sweep's listeners are tcp-reach's ports
  // (an undeclared listener on that pod was tried from nowhere)
  const index = coverageIndex(evidenceOf([...steps, sweep]), INVENTORY);
  for (const id of ['1.3.1', '11.4.5', '11.4.6'])
    t.ok(
      coverageOf(controlById.get(`pci-dss-4.0.1/${id}`)!, index).required.some((s) =>
        /finished listener sweep of payments\/api-0/.test(s.label),
      ),
      id,
    );
  // But a control that tries no target port (1.3.2: egress to named destinations) does not
  t.notOk(
    coverageOf(controlById.get('pci-dss-4.0.1/1.3.2')!, index).required.some((s) => /listener sweep/.test(s.label)),
  );
});

t.test('lost listener sweeps beyond five are summed into one slice', async (t) => {
  // Given seven CDE pods whose sweeps all came back without observation
  const sweeps: Step[] = Array.from({ length: 7 }, (_, i) => ({
    probeId: 'listener-sweep',
    technique: 'sweep' as const,
    vantage: same('payments'),
    target: { kind: 'Pod' as const, namespace: 'payments', name: `api-${i}` },
    port: 0,
    observed: { kind: 'missing' as const },
  }));
  // When an application control's coverage is computed
  const c = coverageOf(controlById.get('pci-dss-4.0.1/8.3.1')!, coverageIndex(evidenceOf(sweeps), INVENTORY));
  // Then five pods are named and two summed
  const gaps = c.required.filter((s) => /listener sweep/.test(s.label));
  t.same(
    gaps.map((s) => s.label),
    [
      ...[0, 1, 2, 3, 4].map((i) => `a finished listener sweep of payments/api-${i}`),
      'finished listener sweeps of 2 more CDE pod(s)',
    ],
  );
});

t.test(
  'a listener sweep that ran to its end with every port filtered does not hold application controls back',
  async (t) => {
    // Given a sweep of payments/api-0 whose agent reported every swept port filtered (a policy drops the sweep)
    const filtered: Step = {
      probeId: 'listener-sweep',
      technique: 'sweep',
      vantage: same('payments'),
      target: { kind: 'Pod', namespace: 'payments', name: 'api-0' },
      port: 0,
      observed: { kind: 'sweep', open: [], closed: 0, filtered: 1112 },
    };
    const evidence = evidenceOf([filtered]);
    t.match(evidence[0]?.outcome, { kind: 'inconclusive', reason: 'ambiguous' }, 'the sweep itself is undecided');
    // When an application control's coverage is computed
    const c = coverageOf(controlById.get('pci-dss-4.0.1/8.3.1')!, coverageIndex(evidence, INVENTORY));
    // Then no listener-sweep slice is required of it (1.2.5 and 2.2.4 report the sweep's limit)
    t.same(
      c.required.filter((s) => /listener sweep/.test(s.label)),
      [],
    );
  },
);
