/**
 * A pod's workload name: a Deployment's pods are named by the Deployment (their ReplicaSet is
 * `<deployment>-<pod-template-hash>` and they carry that hash as a label); a bare ReplicaSet keeps
 * its whole name, whatever its last dash-separated token looks like. Targets (and so every report
 * surface keyed by workload) and identity vantages use the same rule.
 */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import type { ScopeOptions } from '../../../src/discover/namespaces.js';
import { buildInventory } from '../../../src/discover/targets.js';
import type { ClusterSnapshot } from '../../../src/discover/snapshot.js';
import { workloadOwner } from '../../../src/discover/workload.js';

const SCOPE: ScopeOptions = {
  scope: 'pci.scope=cde',
  cdeNamespaces: ['shop'],
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [],
  untrustedPaths: [],
};

function pod(
  name: string,
  labels: Record<string, string>,
  owner?: { kind: string; name: string; controller?: boolean },
): KubeObject {
  return {
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { containers: [{ name: 'app', image: 'app:1', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: '198.18.1.10' },
  };
}

function snapshot(pods: readonly KubeObject[]): ClusterSnapshot {
  return {
    cluster: { server: 'https://198.18.0.1:6443', context: 'test' },
    namespaces: [{ kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } }],
    pods,
    services: [],
    nodes: [],
    endpointSlices: [],
    networkPolicies: [],
    mesh: {},
  };
}

const DEPLOYMENT_POD = pod(
  'web-7d9f8c6b5d-x2x4q',
  { app: 'web', 'pod-template-hash': '7d9f8c6b5d' },
  { kind: 'ReplicaSet', name: 'web-7d9f8c6b5d', controller: true },
);
const BARE_RS_POD = pod(
  'web-cache-abcde',
  { app: 'cache' },
  { kind: 'ReplicaSet', name: 'web-cache', controller: true },
);
const FIVE_CHAR_RS_POD = pod(
  'api-b7x9k-qwert',
  { app: 'api' },
  { kind: 'ReplicaSet', name: 'api-b7x9k', controller: true },
);

t.test("a Deployment's pod is named by the Deployment", async (t) => {
  // Given a pod of ReplicaSet web-7d9f8c6b5d carrying pod-template-hash 7d9f8c6b5d
  // When its workload is read
  // Then it is Deployment web
  t.same(workloadOwner(DEPLOYMENT_POD), { kind: 'Deployment', name: 'web' });
});

t.test('a bare ReplicaSet named web-cache keeps its whole name', async (t) => {
  // Given a pod of a ReplicaSet made by hand ("web-cache"), without a pod-template-hash label
  // When its workload is read
  // Then it is ReplicaSet web-cache, not "web"
  t.same(workloadOwner(BARE_RS_POD), { kind: 'ReplicaSet', name: 'web-cache' });
});

t.test('a bare ReplicaSet whose name ends in a five-character token without the label is unchanged', async (t) => {
  // Given ReplicaSet api-b7x9k, whose suffix looks like a hash, and a pod without pod-template-hash
  // When its workload is read
  // Then the name stays api-b7x9k
  t.same(workloadOwner(FIVE_CHAR_RS_POD), { kind: 'ReplicaSet', name: 'api-b7x9k' });
});

t.test('a pod-template-hash that is not the suffix of the owner name cuts nothing', async (t) => {
  // Given a bare ReplicaSet "web-cache" whose pod carries someone else's hash label
  const p = pod('web-cache-abcde', { 'pod-template-hash': '7d9f8c6b5d' }, { kind: 'ReplicaSet', name: 'web-cache' });
  // When its workload is read
  // Then the name is kept
  t.same(workloadOwner(p), { kind: 'ReplicaSet', name: 'web-cache' });
});

t.test('the controlling owner names the workload; a pod without owners names itself', async (t) => {
  // Given a pod with a non-controller owner listed first, and one with no owner at all
  const p = pod('db-0', {}, { kind: 'ConfigMap', name: 'x' });
  const owned: KubeObject = {
    ...p,
    metadata: {
      ...p.metadata,
      ownerReferences: [
        { kind: 'ConfigMap', name: 'x' },
        { kind: 'StatefulSet', name: 'db', controller: true },
      ],
    },
  };
  // When their workloads are read
  // Then the StatefulSet names the first, the pod the second
  t.same(workloadOwner(owned), { kind: 'StatefulSet', name: 'db' });
  t.same(workloadOwner(pod('lonely', {})), { kind: 'Pod', name: 'lonely' });
});

t.test('targets name workloads by the same rule, so two ReplicaSets are not merged under one key', async (t) => {
  // Given a Deployment web's pod, a bare ReplicaSet web-cache and a bare ReplicaSet web-proxy
  const proxy = pod('web-proxy-zzzzz', { app: 'proxy' }, { kind: 'ReplicaSet', name: 'web-proxy', controller: true });
  // When discovery builds the inventory
  const inv = buildInventory(snapshot([DEPLOYMENT_POD, BARE_RS_POD, proxy, FIVE_CHAR_RS_POD]), SCOPE);
  // Then there is one Pod target per workload, each under its own name
  const pods = inv.targets.filter((x) => x.ref.kind === 'Pod');
  t.same(pods.map((x) => x.workload).sort(), ['api-b7x9k', 'web', 'web-cache', 'web-proxy']);
  t.same(pods.map((x) => x.ref.workload).sort(), ['api-b7x9k', 'web', 'web-cache', 'web-proxy']);
  t.equal(inv.summary.namespaces.find((n) => n.name === 'shop')?.workloads, 4, 'four workloads counted');
  // And identity vantages name them alike
  t.same(inv.identities?.map((i) => `${i.ownerKind}/${i.workload}`).sort() ?? [], [
    'Deployment/web',
    'ReplicaSet/api-b7x9k',
    'ReplicaSet/web-cache',
    'ReplicaSet/web-proxy',
  ]);
});

t.test('a pod declaring the same port over TCP and UDP is a target on both protocols', async (t) => {
  // Given a DNS pod that declares 53/TCP and 53/UDP (as CoreDNS does)
  const dns = pod('dns-0', { app: 'dns' });
  const spec = {
    containers: [
      {
        name: 'dns',
        image: 'dns:1',
        ports: [
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
        ],
      },
    ],
  };
  // When discovery builds the inventory
  const inv = buildInventory(snapshot([{ ...dns, spec }]), SCOPE);
  // Then the Pod target keeps both ports (one per protocol), so tcp-reach and udp-reach both try 53
  const target = inv.targets.find((x) => x.ref.kind === 'Pod');
  t.same(
    target?.ports.map((p) => `${p.port}/${p.protocol}`),
    ['53/TCP', '53/UDP'],
  );
});
