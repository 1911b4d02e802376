import t from 'tap';
import type { V1PodSpec } from '@kubernetes/client-node';
import { MESH_IDENTITY_DIR } from '../../../probes/protocol.js';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { buildInventory } from '../../../src/discover/targets.js';
import type { ClusterSnapshot } from '../../../src/discover/snapshot.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { planRun, type PlanInput } from '../../../src/plan/plan.js';
import { identityGaps } from '../../../src/plan/identity.js';
import { NEVER_READY_CONDITION, probePodManifest } from '../../../src/plan/pods.js';
import { policyLabelKeys } from '../../../src/discover/identities.js';
import { PROBES, CONTROLS } from '../../../src/catalogue/index.js';
import { cdeScope, namespaceObject, PLAN_OPTS_1_3_1 } from '../../helpers/plan-fixtures.js';

const RUN = '20261203-150000-id16';
const SCOPE = cdeScope('pay');
const OPTS = PLAN_OPTS_1_3_1;
const ns = namespaceObject;
function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  o: { sa?: string; rs?: string; ports?: number[] } = {},
): KubeObject {
  return {
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels,
      ...(o.rs ? { ownerReferences: [{ kind: 'ReplicaSet', name: o.rs, controller: true }] } : {}),
    },
    spec: {
      ...(o.sa ? { serviceAccountName: o.sa } : {}),
      containers: [
        {
          name: 'app',
          image: 'app:1',
          ports: (o.ports ?? []).map((p) => ({ containerPort: p })),
          env: [{ name: 'DB_PASSWORD', value: 'secret' }],
        },
      ],
      volumes: [{ name: 'creds', secret: { secretName: 'db-creds' } }],
    },
    status: { phase: 'Running', podIP: '198.18.1.1' },
  };
}
const service = (
  namespace: string,
  name: string,
  selector: Record<string, string>,
  ports: number[],
  extra: object = {},
): KubeObject => ({
  kind: 'Service',
  metadata: { name, namespace },
  spec: { clusterIP: '198.19.0.1', selector, ports: ports.map((port) => ({ port, name: `p${port}` })), ...extra },
});
/** pay/allow-web admits pods labelled app=web from namespace web on ALL ports of pay/api (8080 needed, 9000 admin). */
const allowWeb: KubeObject = {
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-web', namespace: 'pay' },
  spec: {
    podSelector: { matchLabels: { app: 'api' } },
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } },
            podSelector: { matchLabels: { app: 'web' } },
          },
        ],
      },
    ],
  },
};

function snapshot(extra: { pods?: KubeObject[]; services?: KubeObject[] } = {}): ClusterSnapshot {
  return {
    cluster: { server: 'https://lab', context: 'lab' },
    namespaces: [ns('pay'), ns('web')],
    pods: [
      pod(
        'pay',
        'api-5d8f-abcde',
        { app: 'api', 'pod-template-hash': '5d8f' },
        { rs: 'api-5d8f', ports: [8080, 9000] },
      ),
      pod(
        'web',
        'frontend-7c9d-xyz12',
        { app: 'web', tier: 'front', 'pod-template-hash': '7c9d' },
        { rs: 'frontend-7c9d', sa: 'frontend' },
      ),
      pod('web', 'batch-0', {
        app: 'batch',
        'controller-revision-hash': 'batch-66',
        'statefulset.kubernetes.io/pod-name': 'batch-0',
      }),
      ...(extra.pods ?? []),
    ],
    services: [service('pay', 'api', { app: 'api' }, [8080, 9000]), ...(extra.services ?? [])],
    nodes: [],
    endpointSlices: [],
    networkPolicies: [allowWeb],
    mesh: {},
  };
}

function plan(snap: ClusterSnapshot, over: Partial<PlanInput['options']> = {}) {
  return planRun({
    runId: RUN,
    inventory: buildInventory(snap, SCOPE),
    probes: PROBES,
    controls: CONTROLS,
    options: { ...OPTS, ...over },
  });
}

t.test(
  'discovery finds the workload a CDE policy admits by label, with its ServiceAccount and without controller labels',
  async (t) => {
    // Given a policy in pay that admits app=web from namespace web
    const inv = buildInventory(snapshot(), SCOPE);
    // When identities are derived
    const frontend = inv.identities?.find((i) => i.workload === 'frontend');
    const batch = inv.identities?.find((i) => i.workload === 'batch-0');
    // Then the Deployment is named, its labels lack pod-template-hash, and only it is admitted
    t.same(frontend, {
      namespace: 'web',
      workload: 'frontend',
      ownerKind: 'Deployment',
      serviceAccount: 'frontend',
      labels: { app: 'web', tier: 'front' },
      withheld: [],
      enrolment: 'none',
      admittedBy: ['pay/allow-web'],
    });
    t.same(batch?.labels, { app: 'batch' }, 'controller-revision-hash and statefulset pod-name dropped');
    t.same(batch?.admittedBy, []);
    t.equal(batch?.serviceAccount, 'default');
  },
);

t.test(
  'identity vantages try every TCP port of the CDE targets from the admitted workload, in its namespace',
  async (t) => {
    const p = plan(snapshot());
    const fromId = p.attempts.filter((a) => a.vantage.kind === 'identity' && a.role === 'probe');
    t.same([...new Set(fromId.map((a) => vantageId(a.vantage)))], ['identity:web/frontend']);
    t.same([...new Set(fromId.map((a) => `${a.target.kind}/${a.target.name}:${a.port}`))].sort(), [
      'Pod/api-5d8f-abcde:8080',
      'Pod/api-5d8f-abcde:9000',
      'Service/api:8080',
      'Service/api:9000',
    ]);
    const pods = p.pods.filter((x) => x.vantage.kind === 'identity');
    t.equal(pods.length, 1);
    t.equal(pods[0]?.namespace, 'web');
    t.equal(pods[0]?.identity?.serviceAccount, 'frontend');
    t.ok(
      pods[0]?.batch.attempts.some(
        (a) => a.id === p.attempts.find((x) => x.role === 'canary' && x.vantage.kind === 'identity')?.id,
      ),
      'a canary from the identity pod',
    );
    t.same(
      p.identities?.map((c) => [vantageId(c.vantage), c.chosen, c.why]),
      [['identity:web/frontend', true, 'admitted by label into the CDE by NetworkPolicy pay/allow-web']],
    );
  },
);

t.test('identity vantages also make mTLS requests with their mesh identity (7.2.2), and only they do', async (t) => {
  const p = plan(snapshot(), { controls: ['1.3.1', '7.2.2'] });
  const authz = p.attempts.filter((a) => a.probeId === 'mesh-authz');
  t.same([...new Set(authz.map((a) => vantageId(a.vantage)))], ['identity:web/frontend']);
  t.same(authz.map((a) => `${a.target.kind}/${a.target.name}:${a.port}`).sort(), [
    'Pod/api-5d8f-abcde:8080',
    'Pod/api-5d8f-abcde:9000',
    'Service/api:8080',
    'Service/api:9000',
  ]);
  t.ok(
    authz.every(
      (a) => a.technique === 'http' && a.http?.tls === true && a.tls?.clientIdentityDir === MESH_IDENTITY_DIR,
    ),
  );
  t.equal(
    p.notRun.filter((n) => n.probeId === 'mesh-authz' && n.vantage.kind !== 'identity').length,
    0,
    'no not-run noise from other vantages',
  );
});

t.test('--no-identity-vantages and --no-foreign-pods plan no identity vantage', async (t) => {
  for (const over of [{ identityVantages: false }, { foreignPods: false }]) {
    const p = plan(snapshot(), over);
    t.equal(p.attempts.filter((a) => a.vantage.kind === 'identity').length, 0, JSON.stringify(over));
    t.equal(p.pods.filter((x) => x.vantage.kind === 'identity').length, 0);
  }
});

t.test('identities over --max-identity-vantages are listed as not run with the reason', async (t) => {
  const p = plan(snapshot(), { maxIdentityVantages: 0 });
  t.equal(p.attempts.filter((a) => a.vantage.kind === 'identity').length, 0);
  const skipped = p.notRun.filter((n) => n.vantage.kind === 'identity');
  t.equal(skipped.length, 4);
  t.match(skipped[0]?.reason, /not probed as web\/frontend: more than --max-identity-vantages=0/);
});

t.test('--as-workload replaces the automatic choice', async (t) => {
  const p = plan(snapshot(), { asWorkloads: ['web/batch-0'] });
  t.same(
    [...new Set(p.attempts.filter((a) => a.vantage.kind === 'identity').map((a) => vantageId(a.vantage)))],
    ['identity:web/batch-0'],
  );
});

t.test(
  'a label that only a Service selects is withheld, so no Service (and no EndpointSlice) selects the probe pod',
  async (t) => {
    // Given Service web/front selecting app=web,tier=front, where only app is used by a NetworkPolicy
    const inv = buildInventory(
      snapshot({ services: [service('web', 'front', { app: 'web', tier: 'front' }, [80])] }),
      SCOPE,
    );
    const frontend = inv.identities?.find((i) => i.workload === 'frontend');
    // Then tier is withheld, app kept, and the workload is still admitted
    t.same(frontend?.labels, { app: 'web' });
    t.same(frontend?.withheld, ['tier']);
    t.same(frontend?.admittedBy, ['pay/allow-web']);
    t.equal(frontend?.unsafe, undefined);
  },
);

t.test('a workload a Service selects only by policy-used labels is never impersonated', async (t) => {
  // Given a Service in web that selects app=web, the very label the CDE policy admits
  const p = plan(
    snapshot({
      services: [
        service('web', 'frontend-peers', { app: 'web' }, [7000], { clusterIP: 'None', publishNotReadyAddresses: true }),
      ],
    }),
  );
  t.equal(p.attempts.filter((a) => a.vantage.kind === 'identity').length, 0);
  t.match(
    p.identities?.[0]?.why,
    /Service web\/frontend-peers selects this workload only by labels NetworkPolicies use/,
  );
  t.ok(
    p.notRun.some((n) => n.vantage.kind === 'identity' && /EndpointSlices/.test(n.reason)),
    'listed as not run',
  );
});

t.test('the identity pod carries the workload identity and nothing else of it', async (t) => {
  const p = plan(snapshot());
  const planned = p.pods.find((x) => x.vantage.kind === 'identity');
  if (planned?.identity === undefined) return t.fail('no identity pod');
  const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: `${planned.name}-batch`, uid: 'uid-1' };
  const m = probePodManifest({
    runId: RUN,
    name: planned.name,
    namespace: planned.namespace,
    vantage: planned.vantage,
    image: 'node:20',
    activeDeadlineSeconds: 60,
    identity: { workload: planned.identity, owner },
  });
  const spec = m.spec as unknown as V1PodSpec;
  // Then: the workload's labels and ServiceAccount, meshprobe's labels, a controller that is the run's ConfigMap
  t.match(m.metadata?.labels, {
    app: 'web',
    tier: 'front',
    'app.kubernetes.io/managed-by': 'meshprobe',
    'meshprobe.io/run-id': RUN,
  });
  t.notOk('pod-template-hash' in (m.metadata?.labels ?? {}));
  t.equal(spec.serviceAccountName, 'frontend');
  t.same(m.metadata?.ownerReferences, [{ ...owner, controller: true, blockOwnerDeletion: false }]);
  // never Ready, no token, no volumes/env/secrets of the workload
  t.same(spec.readinessGates, [{ conditionType: NEVER_READY_CONDITION }]);
  t.equal(spec.automountServiceAccountToken, false);
  t.same(
    spec.volumes?.map((v) => v.name),
    ['meshprobe'],
  );
  t.notMatch(JSON.stringify(m), /db-creds|DB_PASSWORD|app:1/);
  t.equal(spec.activeDeadlineSeconds, 60);
});

t.test('only ingress peers and the own namespace\'s policies make a label "policy-used"', async (t) => {
  // Given a policy in pay selecting its pods by app (a destination selector) and admitting tier=web from web
  const policies: KubeObject[] = [
    {
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'pay' },
      spec: {
        podSelector: { matchLabels: { app: 'api' } },
        ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { role: 'db' } } }] }],
      },
    },
    {
      kind: 'NetworkPolicy',
      metadata: { name: 'q', namespace: 'web' },
      spec: { podSelector: { matchLabels: { team: 'a' } } },
    },
  ];
  // Then for a pod of web: tier (ingress peer) and team (own namespace) count; app and role (destinations) do not
  t.same([...policyLabelKeys(policies, 'web')].sort(), ['team', 'tier']);
});

t.test('label-admitted workloads not probed as themselves are listed with why (off, capped, not named)', async (t) => {
  const inv = buildInventory(snapshot(), SCOPE);
  const gaps = (over: Partial<PlanInput['options']>): string[] => {
    const options = { ...OPTS, ...over };
    return identityGaps(
      inv.identities ?? [],
      planRun({ runId: RUN, inventory: inv, probes: PROBES, controls: CONTROLS, options }).identities ?? [],
      inv.namespaces,
      options,
    );
  };
  t.same(gaps({}), [], 'the admitted workload was probed');
  t.same(gaps({ identityVantages: false }), [
    'web/frontend (identity vantages are switched off (--no-identity-vantages))',
  ]);
  t.match(gaps({ maxIdentityVantages: 0 }), [/^web\/frontend \(more than --max-identity-vantages=0/]);
  t.same(gaps({ asWorkloads: ['web/batch-0'] }), ['web/frontend (not named with --as-workload)']);
});
