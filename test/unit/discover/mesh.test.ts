import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { discover } from '../../../src/discover/discover.js';
import { istioMtlsMode } from '../../../src/discover/mesh.js';
import { buildInventory } from '../../../src/discover/targets.js';
import type { ScopeOptions } from '../../../src/discover/namespaces.js';
import type { Target } from '../../../src/domain/target.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';

const fixture = (name: string): URL => new URL(`../../fixtures/cluster/${name}.json`, import.meta.url);

const SCOPE: ScopeOptions = {
  scope: 'pci.scope=cde',
  cdeNamespaces: [],
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [],
  untrustedPaths: [],
};

function pa(namespace: string, spec: object, created = '2026-11-01T00:00:00Z', name = 'p'): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace, creationTimestamp: created },
    spec,
  };
}

t.test('Istio mTLS precedence: mesh → namespace → workload → port, UNSET inherits', async (t) => {
  const app = { app: 'web' };
  const cases: { name: string; pas: KubeObject[]; ambient?: boolean; want: string }[] = [
    { name: 'nothing set is PERMISSIVE', pas: [], want: 'permissive' },
    { name: 'mesh-wide STRICT applies', pas: [pa('istio-system', { mtls: { mode: 'STRICT' } })], want: 'strict' },
    {
      name: 'namespace overrides mesh',
      pas: [pa('istio-system', { mtls: { mode: 'STRICT' } }), pa('shop', { mtls: { mode: 'PERMISSIVE' } })],
      want: 'permissive',
    },
    {
      name: 'workload overrides namespace',
      pas: [
        pa('shop', { mtls: { mode: 'PERMISSIVE' } }),
        pa('shop', { selector: { matchLabels: app }, mtls: { mode: 'STRICT' } }, undefined, 'w'),
      ],
      want: 'strict',
    },
    {
      name: 'workload UNSET inherits namespace',
      pas: [
        pa('shop', { mtls: { mode: 'STRICT' } }),
        pa('shop', { selector: { matchLabels: app }, mtls: { mode: 'UNSET' } }, undefined, 'w'),
      ],
      want: 'strict',
    },
    {
      name: 'port-level overrides workload',
      pas: [
        pa('shop', {
          selector: { matchLabels: app },
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '8080': { mode: 'DISABLE' } },
        }),
      ],
      want: 'disable',
    },
    {
      name: 'port-level for another port does not apply',
      pas: [
        pa('shop', {
          selector: { matchLabels: app },
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '9090': { mode: 'DISABLE' } },
        }),
      ],
      want: 'strict',
    },
    {
      name: 'a workload selector that does not match is ignored',
      pas: [pa('shop', { selector: { matchLabels: { app: 'other' } }, mtls: { mode: 'STRICT' } })],
      want: 'permissive',
    },
    {
      name: 'a policy in another namespace is ignored',
      pas: [pa('payments', { mtls: { mode: 'STRICT' } })],
      want: 'permissive',
    },
    {
      name: 'root-namespace policies with a selector are ignored',
      pas: [pa('istio-system', { selector: { matchLabels: app }, mtls: { mode: 'STRICT' } })],
      want: 'permissive',
    },
    {
      name: 'the oldest of two mesh-wide policies wins',
      pas: [
        pa('istio-system', { mtls: { mode: 'STRICT' } }, '2026-02-01T00:00:00Z', 'b'),
        pa('istio-system', { mtls: { mode: 'DISABLE' } }, '2026-01-01T00:00:00Z', 'a'),
      ],
      want: 'disable',
    },
    {
      name: 'ambient ignores DISABLE and keeps the parent mode',
      pas: [pa('istio-system', { mtls: { mode: 'STRICT' } }), pa('shop', { mtls: { mode: 'DISABLE' } })],
      ambient: true,
      want: 'strict',
    },
  ];
  for (const c of cases) {
    // Given these PeerAuthentications, When the mode of shop/web:8080 is derived, Then it is as Istio defines
    t.equal(
      istioMtlsMode({
        namespace: 'shop',
        podLabels: app,
        port: 8080,
        peerAuthentications: c.pas,
        ambient: c.ambient ?? false,
      }),
      c.want,
      c.name,
    );
  }
});

function port(targets: readonly Target[], key: string, p: number): Target['ports'][number] | undefined {
  return targets.find((x) => `${x.ref.kind}/${x.ref.namespace}/${x.ref.name}` === key)?.ports.find((x) => x.port === p);
}

t.test('Istio fixture: enrolment, effective modes and by-design plaintext ports per workload', async (t) => {
  // Given the Istio fixture cluster read through the ClusterApi port
  const snapshot = await discover(FakeClusterApi.fromFixture(fixture('istio')));
  // When the inventory is built
  const inv = buildInventory(snapshot, SCOPE);
  const pod = (ns: string, name: string): Target | undefined =>
    inv.targets.find((x) => x.ref.kind === 'Pod' && x.ref.namespace === ns && x.ref.name === name);
  // Then one pod per workload, with the sidecar/ambient/none enrolment actually present
  t.equal(
    inv.targets.filter((x) => x.ref.kind === 'Pod' && x.ref.namespace === 'payments').length,
    1,
    'two api replicas, one target',
  );
  t.match(pod('payments', 'api-7d9f8c6b5d-x2x4q'), {
    mesh: 'istio',
    enrolment: 'sidecar',
    workload: 'api',
    inScope: true,
  });
  t.match(pod('ambient-apps', 'reviews-77f9d5c6c8-k2l3m'), { mesh: 'istio', enrolment: 'ambient', inScope: false });
  t.match(pod('legacy', 'old-db-0'), { mesh: 'none', enrolment: 'none' });
  // And the effective mode per port follows the precedence
  const cases: [string, number, string, string | undefined][] = [
    ['Pod/payments/api-7d9f8c6b5d-x2x4q', 8080, 'strict', undefined],
    [
      'Pod/payments/api-7d9f8c6b5d-x2x4q',
      15020,
      'disable',
      'Istio sidecar status/merged-metrics port (plaintext by design)',
    ],
    ['Pod/payments/api-7d9f8c6b5d-x2x4q', 15021, 'disable', 'Istio sidecar health port (plaintext by design)'],
    ['Pod/payments/api-7d9f8c6b5d-x2x4q', 15090, 'disable', 'Istio Envoy Prometheus port (plaintext by design)'],
    ['Pod/shop/cart-5c8d7f9b4-abcde', 8080, 'disable', undefined],
    [
      'Pod/shop/cart-5c8d7f9b4-abcde',
      9090,
      'disable',
      'excluded from sidecar capture by traffic.sidecar.istio.io/excludeInboundPorts',
    ],
    ['Pod/shop/web-6b7c8d9e0-fghij', 80, 'strict', undefined],
    ['Pod/legacy/old-db-0', 5432, 'not-meshed', undefined],
    ['Pod/ambient-apps/reviews-77f9d5c6c8-k2l3m', 9080, 'permissive', undefined],
    ['Pod/ambient-apps/reviews-77f9d5c6c8-k2l3m', 15008, 'strict', undefined],
    ['Service/payments/api', 80, 'strict', undefined],
    [
      'Service/shop/cart',
      9090,
      'disable',
      'excluded from sidecar capture by traffic.sidecar.istio.io/excludeInboundPorts',
    ],
  ];
  for (const [key, p, mtls, bypass] of cases) {
    const got = port(inv.targets, key, p);
    t.equal(got?.mtls, mtls, `${key}:${p} is ${mtls}`);
    t.equal(got?.meshBypass, bypass, `${key}:${p} bypass`);
  }
});

t.test('Istio fixture: namespaces, API server, nodes, and what is left out', async (t) => {
  const inv = buildInventory(await discover(FakeClusterApi.fromFixture(fixture('istio'))), SCOPE);
  const role = (n: string): string | undefined => inv.namespaces.find((x) => x.name === n)?.role;
  t.equal(role('payments'), 'cde');
  t.equal(role('shop'), 'out-of-scope');
  t.equal(role('kube-system'), 'system');
  t.equal(role('istio-system'), 'mesh');
  t.equal(role('meshprobe-old'), 'probe');
  t.notOk(
    inv.summary.namespaces.some((n) => n.name === 'meshprobe-old'),
    "meshprobe's own namespaces are not reported",
  );
  t.notOk(
    inv.targets.some((x) => x.ref.namespace === 'meshprobe-old'),
    'no targets in probe namespaces',
  );
  t.notOk(
    inv.targets.some((x) => x.ref.name === 'finished-job-abc'),
    'finished pods are not targets',
  );
  t.notOk(
    inv.targets.some((x) => x.ref.kind === 'Service' && x.ref.name === 'old-db'),
    'headless services are not targets',
  );
  t.match(
    inv.targets.find((x) => x.ref.kind === 'ApiServer'),
    { address: '10.96.0.1', ports: [{ port: 443 }] },
  );
  t.match(
    inv.targets.find((x) => x.ref.kind === 'Node'),
    { address: '192.0.2.15', ports: [{ port: 10250 }, { port: 10255 }] },
  );
  t.match(
    inv.targets.find((x) => x.workload === 'istiod'),
    { ref: { namespace: 'istio-system' }, inScope: false },
  );
  t.same(inv.summary.meshes, ['istio']);
  t.match(
    inv.summary.namespaces.find((n) => n.name === 'payments'),
    { inScope: true, workloads: 1, networkPolicies: 2 },
  );
});

t.test(
  '--namespace and --exclude-namespace limit the workload targets; nodes and the API server are always targets',
  async (t) => {
    const snapshot = await discover(FakeClusterApi.fromFixture(fixture('istio')));
    const only = buildInventory(snapshot, { ...SCOPE, namespaces: ['payments'] });
    // Given -n payments, Then workloads come from payments only, but the node and the API server stay (issue 13)
    t.same(
      [
        ...new Set(
          only.targets.filter((x) => x.ref.kind === 'Pod' || x.ref.kind === 'Service').map((x) => x.ref.namespace),
        ),
      ],
      ['payments'],
    );
    t.ok(
      only.targets.some((x) => x.ref.kind === 'Node'),
      'the node is a target under -n',
    );
    t.match(
      only.targets.find((x) => x.ref.kind === 'ApiServer'),
      { ref: { namespace: 'default', name: 'kubernetes' }, inScope: false },
      'the API server is a target under -n, never CDE',
    );
    // And --no-nodes keeps the node in the inventory: the plan reports it as not run (plan.test.ts)
    t.ok(
      buildInventory(snapshot, { ...SCOPE, namespaces: ['payments'], nodes: false }).targets.some(
        (x) => x.ref.kind === 'Node',
      ),
    );
    t.same(
      only.summary.namespaces.map((n) => n.name),
      ['payments'],
      'the summary covers the namespaces of this run',
    );
    const without = buildInventory(snapshot, { ...SCOPE, excludeNamespaces: ['shop'] });
    t.notOk(without.targets.some((x) => x.ref.namespace === 'shop'));
    t.ok(without.targets.some((x) => x.ref.kind === 'Node'));
  },
);

t.test('control paths: allowed where policy admits a fresh pod of the same namespace', async (t) => {
  const inv = buildInventory(await discover(FakeClusterApi.fromFixture(fixture('istio'))), SCOPE);
  // payments allows any pod of the namespace to api:8080 but denies other ports by default
  t.equal(inv.sameNamespaceAllowed['Pod/payments/api-7d9f8c6b5d-x2x4q|8080'], true);
  t.equal(inv.sameNamespaceAllowed['Pod/payments/api-7d9f8c6b5d-x2x4q|15020'], false);
  t.equal(inv.sameNamespaceAllowed['Service/payments/api|80'], true, 'service port 80 → pod port 8080 (named http)');
  // shop denies all ingress and egress
  t.equal(inv.sameNamespaceAllowed['Pod/shop/web-6b7c8d9e0-fghij|80'], false);
  // legacy has no policy at all
  t.equal(inv.sameNamespaceAllowed['Pod/legacy/old-db-0|5432'], true);
});

t.test('Linkerd fixture: default policy, namespace and pod overrides, Servers and authorizations', async (t) => {
  // Given the Linkerd fixture
  const inv = buildInventory(await discover(FakeClusterApi.fromFixture(fixture('linkerd'))), SCOPE);
  const cases: [string, number, string, string | undefined][] = [
    // a Server selects the named port "http" and only meshed clients are authorized: unauthenticated denied
    ['Pod/books/web-5f6d7c8b9-aaaaa', 7000, 'strict', undefined],
    // a Server on 7001 opened to unauthenticated clients by a ServerAuthorization
    ['Pod/books/authors-7c8d9e0f1-bbbbb', 7001, 'permissive', undefined],
    // skipped port bypasses the proxy
    [
      'Pod/books/authors-7c8d9e0f1-bbbbb',
      7002,
      'disable',
      'skipped by config.linkerd.io/skip-inbound-ports, so not handled by the proxy',
    ],
    // pod annotation deny overrides the cluster default
    ['Pod/books/books-db-0', 5432, 'strict', undefined],
    // Server accessPolicy all-unauthenticated
    ['Pod/books/open-api-1', 8000, 'permissive', undefined],
    // namespace annotation all-authenticated
    ['Pod/vault/secret-store-0', 8200, 'strict', undefined],
    // pod annotation audit allows plaintext
    ['Pod/vault/audited-0', 8300, 'permissive', undefined],
    // admin port under the default (all-unauthenticated) policy is an exposure
    ['Pod/books/web-5f6d7c8b9-aaaaa', 4191, 'permissive', 'Linkerd proxy admin port (/metrics, /env.json)'],
  ];
  for (const [key, p, mtls, bypass] of cases) {
    const got = port(inv.targets, key, p);
    t.equal(got?.mtls, mtls, `${key}:${p} is ${mtls}`);
    t.equal(got?.meshBypass, bypass, `${key}:${p} bypass`);
  }
  // And enrolment is detected from a native-sidecar init container too
  t.match(
    inv.targets.find((x) => x.ref.name === 'authors-7c8d9e0f1-bbbbb'),
    { mesh: 'linkerd', enrolment: 'sidecar' },
  );
  t.same(inv.summary.meshes, ['linkerd']);
});

t.test('a cluster without mesh CRDs reads as "not installed" and still inventories workloads', async (t) => {
  const api = new FakeClusterApi([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'app' },
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running', podIP: '10.244.0.2' },
    },
  ]);
  const snapshot = await discover(api);
  t.same(snapshot.mesh, {});
  const inv = buildInventory(snapshot, SCOPE);
  t.match(inv.targets, [
    { ref: { kind: 'Pod', name: 'p' }, mesh: 'none', ports: [{ port: 80, mtls: 'not-meshed', protocol: 'TCP' }] },
  ]);
  t.same(inv.summary.meshes, []);
});

t.test('user-named endpoints become Endpoint targets tagged egress or untrusted', async (t) => {
  const inv = buildInventory(await discover(new FakeClusterApi([])), {
    ...SCOPE,
    egressTargets: ['outside.example:443'],
    untrustedPaths: ['[2001:db8::1]:8443'],
  });
  t.match(
    inv.targets.find((x) => x.ref.name === 'outside.example:443'),
    {
      ref: { kind: 'Endpoint' },
      address: 'outside.example',
      ports: [{ port: 443 }],
      labels: { 'meshprobe.io/endpoint': 'egress' },
    },
  );
  t.match(
    inv.targets.find((x) => x.ref.name === '[2001:db8::1]:8443'),
    { address: '2001:db8::1', labels: { 'meshprobe.io/endpoint': 'untrusted' } },
  );
});

t.test(
  '--cde-all makes every application namespace CDE; tenants keep their role and are CDE too; system and mesh stay out',
  async (t) => {
    const snapshot = await discover(FakeClusterApi.fromFixture(fixture('istio')));
    // Given no selector but --cde-all, and one tenant
    const inv = buildInventory(snapshot, { ...SCOPE, scope: undefined, cdeAll: true, tenants: ['shop'] });
    const byName = new Map(inv.namespaces.map((n) => [n.name, n]));
    // Then apps are CDE, the tenant is a tenant in scope, and the control plane is not CDE
    t.match(byName.get('payments'), { role: 'cde', inScope: true });
    t.match(byName.get('legacy'), { role: 'cde', inScope: true });
    t.match(byName.get('shop'), { role: 'tenant', inScope: true });
    t.match(byName.get('kube-system'), { role: 'system', inScope: false });
    t.match(byName.get('istio-system'), { role: 'mesh', inScope: false });
    t.equal(
      inv.targets.find((x) => x.ref.kind === 'ApiServer')?.inScope,
      false,
      'the API server is never a CDE workload',
    );
  },
);
