import t from 'tap';
import { deployPods } from '../../../src/deploy/deploy.js';
import { FinalizerStack } from '../../../src/deploy/finalizers.js';
import type { RunPlan } from '../../../src/plan/plan.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { deployContext } from '../../fakes/deploy-context.js';

const RUN = '20261203-150000-id16';
const workload = {
  namespace: 'web',
  workload: 'front',
  ownerKind: 'Deployment',
  serviceAccount: 'front-sa',
  labels: { tier: 'web' },
  withheld: ['app'],
  enrolment: 'none' as const,
  admittedBy: ['pay/allow'],
};
const plan = (): RunPlan => ({
  runId: RUN,
  probeNamespace: `meshprobe-${RUN}`,
  controlIds: [],
  attempts: [],
  notRun: [],
  references: [],
  phaseTwo: 0,
  canary: { address: '198.19.0.9', port: 8080 },
  pods: [
    {
      name: `mp-${RUN}-id123456-0`,
      namespace: 'web',
      vantage: { kind: 'identity', namespace: 'web', workload: 'front', serviceAccount: 'front-sa' },
      identity: workload,
      batch: { v: 1, runId: RUN, podName: `mp-${RUN}-id123456-0`, concurrency: 4, deadlineMs: 10_000, attempts: [] },
    },
  ],
});

t.test('an identity pod is created after its batch ConfigMap and is controlled by it (uid from the API)', async (t) => {
  // Given a plan with one identity pod in namespace web
  const api = new FakeClusterApi([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }]);
  const finalizers = new FinalizerStack();
  // When its pods are deployed
  const out = await deployPods(deployContext(api, RUN, finalizers), plan());
  t.same(
    out.map((d) => d.kind),
    ['created'],
  );
  const cm = api.objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name?.endsWith('-batch'));
  const pod = api.objects.find((o) => o.kind === 'Pod');
  // Then the pod's only ownerReference is the ConfigMap, as controller, with the uid the API gave it
  t.ok(cm?.metadata?.uid, 'the ConfigMap got a uid');
  t.same(pod?.metadata?.ownerReferences, [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: cm?.metadata?.name,
      uid: cm?.metadata?.uid,
      controller: true,
      blockOwnerDeletion: false,
    },
  ]);
  t.equal((pod?.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName, 'front-sa');
  t.match(pod?.metadata?.labels, { tier: 'web', 'meshprobe.io/run-id': RUN });
  t.same(
    Object.keys(pod?.metadata?.labels ?? {}).filter(
      (k) => !k.includes('meshprobe') && !k.includes('istio') && k !== 'app.kubernetes.io/managed-by',
    ),
    ['tier'],
    'only the identity labels',
  );
  const creates = api.calls.filter((c) => c.op === 'create').map((c) => `${c.kind}/${c.name}`);
  t.ok(
    creates.indexOf(`configmaps/${cm?.metadata?.name}`) < creates.indexOf(`pods/${pod?.metadata?.name}`),
    'ConfigMap first',
  );
});

t.test('an identity pod is not created when the API returns its ConfigMap without a uid', async (t) => {
  const api = new FakeClusterApi([]);
  const create = api.create.bind(api);
  api.create = async (kind, ns, body) => {
    const made = await create(kind, ns, body);
    return kind === 'configmaps' ? { ...made, metadata: { ...made.metadata, uid: '' } } : made;
  };
  const out = await deployPods(deployContext(api, RUN), plan());
  t.equal(out[0]?.kind, 'failed');
  t.notOk(
    api.objects.some((o) => o.kind === 'Pod'),
    "no controller-less pod with the workload's labels",
  );
});
