/**
 * The reference each vantage uses (issue 19): the echo pod where the NetworkPolicies allow it;
 * where they deny it, an endpoint they allow (cluster DNS first, then a Service of the run), as an
 * extra role-canary TCP attempt; none when nothing is allowed. `meshprobe plan` prints the choice.
 */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import type { ClusterSnapshot } from '../../../src/discover/snapshot.js';
import { buildInventory } from '../../../src/discover/targets.js';
import type { ScopeOptions } from '../../../src/discover/namespaces.js';
import { planRun, CANARY_REFERENCE_PROBE_ID, type RunPlan } from '../../../src/plan/plan.js';
import { renderPlanText } from '../../../src/cli/commands/plan.js';
import { PROBES, CONTROLS } from '../../../src/catalogue/index.js';

const RUN = '20261203-150000-ab12';
const EGRESS = '198.18.0.9:8080';
const SCOPE: ScopeOptions = {
  scope: 'pci.scope=cde',
  cdeNamespaces: [],
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [EGRESS],
  untrustedPaths: [],
};
const OPTS = {
  controls: ['1.3.2'],
  skipProbes: [],
  foreignPods: true,
  attemptTimeout: 2000,
  concurrency: 16,
  timeout: 600,
};

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});
const pod = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ports: object[],
  ip: string,
): KubeObject => ({
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'app', ports }] },
  status: { phase: 'Running', podIP: ip },
});
const service = (
  namespace: string,
  name: string,
  selector: Record<string, string>,
  ports: object[],
  ip: string,
  labels: Record<string, string> = {},
): KubeObject => ({
  kind: 'Service',
  metadata: { name, namespace, labels },
  spec: { clusterIP: ip, selector, ports },
});
const policy = (namespace: string, name: string, spec: object): KubeObject => ({
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});

const DENY_EGRESS = policy('cde-egress-lock', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
const ALLOW_API = policy('cde-egress-lock', 'allow-egress-to-api', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'egress-lock-api' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    },
  ],
});
const ALLOW_DNS = policy('cde-egress-lock', 'allow-dns', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
      ports: [{ protocol: 'TCP', port: 53 }],
    },
  ],
});
const ALLOW_MESHPROBE = policy('cde-egress-lock', 'allow-assessment', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ to: [{ namespaceSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'meshprobe' } } }] }],
});

function snapshot(policies: readonly KubeObject[]): ClusterSnapshot {
  return {
    cluster: { server: 'https://198.18.0.1:6443', context: 'unit' },
    namespaces: [ns('cde-egress-lock', { 'pci.scope': 'cde' }), ns('egress-lock-api'), ns('kube-system')],
    pods: [
      pod('egress-lock-api', 'api-7c9d-x1', { app: 'api' }, [{ name: 'http', containerPort: 8080 }], '198.18.1.10'),
      pod(
        'cde-egress-lock',
        'settlement-5f-y2',
        { app: 'settlement' },
        [{ name: 'http', containerPort: 8080 }],
        '198.18.1.11',
      ),
      pod(
        'kube-system',
        'coredns-1',
        { 'k8s-app': 'kube-dns' },
        [{ name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }],
        '198.18.1.2',
      ),
    ],
    services: [
      service(
        'egress-lock-api',
        'api',
        { app: 'api' },
        [{ name: 'http', port: 8080, targetPort: 8080 }],
        '198.18.2.10',
      ),
      service(
        'cde-egress-lock',
        'settlement',
        { app: 'settlement' },
        [{ name: 'http', port: 8080, targetPort: 8080 }],
        '198.18.2.11',
      ),
      service(
        'kube-system',
        'kube-dns',
        { 'k8s-app': 'kube-dns' },
        [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
        '198.18.2.2',
        { 'k8s-app': 'kube-dns' },
      ),
    ],
    nodes: [],
    endpointSlices: [],
    networkPolicies: policies,
    mesh: {},
  };
}

function plan(policies: readonly KubeObject[], scope: Partial<ScopeOptions> = {}): RunPlan {
  const inventory = buildInventory(snapshot(policies), {
    ...SCOPE,
    namespaces: ['cde-egress-lock', 'egress-lock-api'],
    ...scope,
  });
  return planRun({ runId: RUN, inventory, probes: PROBES, controls: CONTROLS, options: OPTS });
}

const LOCK = 'from-namespace:cde-egress-lock';

t.test(
  'where the egress policy denies the echo pod but allows one Service, that Service becomes the vantage reference and gets a TCP attempt',
  async (t) => {
    // Given default-deny egress plus egress to egress-lock-api:8080
    const p = plan([DENY_EGRESS, ALLOW_API]);
    // Then the plan names egress-lock-api/api port 8080 as the reference of the CDE vantage
    t.match(
      p.references.find((r) => r.vantageId === LOCK),
      {
        kind: 'policy-allowed',
        reference: 'egress-lock-api/api port 8080',
        why: /deny the echo pod; this Service is allowed/,
      },
    );
    // And adds one role-canary TCP attempt to it from that vantage, next to the echo canary
    const refs = p.attempts.filter((a) => a.probeId === CANARY_REFERENCE_PROBE_ID);
    t.equal(refs.length, 1);
    t.match(refs[0], {
      role: 'canary',
      technique: 'tcp',
      address: '198.18.2.10',
      port: 8080,
      target: { kind: 'Service', namespace: 'egress-lock-api', name: 'api' },
      vantage: { kind: 'from-namespace', namespace: 'cde-egress-lock' },
    });
    t.ok(
      p.attempts.some((a) => a.role === 'canary' && a.target.kind === 'Canary' && a.vantage.kind === 'from-namespace'),
      'the echo canary is still tried',
    );
    // And the reference runs in the vantage's pod before its probes
    const batch = p.pods.find((x) => x.namespace === 'cde-egress-lock')?.batch.attempts.map((a) => a.id) ?? [];
    t.ok(
      batch.indexOf(refs[0]!.id) >= 0 &&
        batch.indexOf(refs[0]!.id) <
          batch.findIndex((id) => p.attempts.find((a) => a.id === id)?.probeId === 'egress-reach'),
    );
    // And `meshprobe plan` prints which reference each vantage uses
    t.match(
      renderPlanText(p, false),
      /VANTAGE\s+REFERENCE\s+WHY\nfrom-namespace:cde-egress-lock\s+egress-lock-api\/api port 8080\s+the NetworkPolicies of cde-egress-lock deny the echo pod/,
    );
  },
);

t.test('the cluster DNS Service is preferred when the policy allows it', async (t) => {
  const p = plan([DENY_EGRESS, ALLOW_API, ALLOW_DNS]);
  t.match(
    p.references.find((r) => r.vantageId === LOCK),
    { kind: 'cluster-dns', reference: 'kube-system/kube-dns port 53' },
  );
  t.match(
    p.attempts.find((a) => a.probeId === CANARY_REFERENCE_PROBE_ID),
    { address: '198.18.2.2', port: 53 },
  );
});

t.test('with default-deny egress and nothing allowed there is no reference and no extra attempt', async (t) => {
  const p = plan([DENY_EGRESS]);
  t.match(
    p.references.find((r) => r.vantageId === LOCK),
    { kind: 'none', reference: 'none', why: /allow no candidate the plan knows/ },
  );
  t.equal(p.attempts.filter((a) => a.probeId === CANARY_REFERENCE_PROBE_ID).length, 0);
});

t.test(
  'where policy allows the assessment namespace (or there is no egress policy) the echo pod stays the reference',
  async (t) => {
    for (const policies of [[DENY_EGRESS, ALLOW_MESHPROBE], []]) {
      const p = plan(policies);
      t.match(
        p.references.find((r) => r.vantageId === LOCK),
        { kind: 'echo', reference: /^the canary echo pod in meshprobe-20261203-150000-ab12 port 8080$/ },
      );
      t.equal(p.attempts.filter((a) => a.probeId === CANARY_REFERENCE_PROBE_ID).length, 0);
    }
  },
);

t.test('an allowed Service with no running pod behind it is not a reference (nothing proves it listens)', async (t) => {
  const snap = snapshot([DENY_EGRESS, ALLOW_API]);
  const inventory = buildInventory(
    { ...snap, pods: snap.pods.filter((x) => x.metadata?.namespace !== 'egress-lock-api') },
    { ...SCOPE, namespaces: ['cde-egress-lock', 'egress-lock-api'] },
  );
  const p = planRun({ runId: RUN, inventory, probes: PROBES, controls: CONTROLS, options: OPTS });
  t.match(
    p.references.find((r) => r.vantageId === LOCK),
    { kind: 'none' },
  );
});
