/**
 * Tenant rules that admit another tenant's pods by label (A1.1.2): the pure discovery over real
 * NetworkPolicy objects, through buildInventory (as a run sees them), and the judge's reading.
 */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { findControl } from '../../../src/catalogue/index.js';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory } from '../../../src/discover/targets.js';
import { selectorText, tenantLabelAdmissions } from '../../../src/discover/tenant-peers.js';
import type { NamespaceFacts } from '../../../src/discover/namespaces.js';
import {
  canaryStep,
  evidenceOf,
  from,
  judgeInput,
  ns,
  tenantsApart,
  tenantStep,
} from '../../helpers/report-fixtures.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { tenantScope } from '../../helpers/plan-fixtures.js';

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});
const policy = (namespace: string, name: string, spec: object): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec: { podSelector: {}, ...spec },
});
const facts = (name: string, role: NamespaceFacts['role']): NamespaceFacts => ({
  name,
  role,
  inScope: false,
  included: true,
  labels: {},
});
const NAMESPACES = [
  namespace('red', { tier: 'tenant' }),
  namespace('blue', { tier: 'tenant' }),
  namespace('green', { tier: 'tenant' }),
  namespace('ops'),
];
const FACTS = [facts('red', 'tenant'), facts('blue', 'tenant'), facts('green', 'tenant'), facts('ops', 'out-of-scope')];

t.test('a tenant rule admitting every namespace’s pods labelled app=gateway names the other tenant', async (t) => {
  // Given blue admits pods labelled app=gateway from every namespace on TCP 8080
  const policies = [
    policy('blue', 'allow-gateways', {
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'gateway' } } }],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ],
    }),
  ];
  // Then red and green (tenants) are named in one line: each only has to label a pod app=gateway; ops is no tenant
  t.same(tenantLabelAdmissions(policies, NAMESPACES, FACTS), [
    'blue/allow-gateways admits pods of green, red labelled app=gateway on TCP 8080',
  ]);
});

t.test('rules the fresh probe pod already tries, or that admit no other tenant, are not named', async (t) => {
  const policies = [
    // every pod of every namespace: the unlabelled probe pod of red is admitted and tried
    policy('blue', 'allow-all-ns', { ingress: [{ from: [{ namespaceSelector: {} }] }] }),
    // podSelector alone: blue's own pods only
    policy('blue', 'allow-same', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }] }] }),
    // a label that excludes: an unlabelled pod matches, so tenant-reach tries it
    policy('blue', 'allow-not-batch', {
      ingress: [
        {
          from: [
            {
              namespaceSelector: {},
              podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['batch'] }] },
            },
          ],
        },
      ],
    }),
    // only namespaces labelled tier=ops: no tenant
    policy('blue', 'allow-ops-agents', {
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } },
              podSelector: { matchLabels: { app: 'agent' } },
            },
          ],
        },
      ],
    }),
    // an egress-only policy's ingress list does nothing
    policy('blue', 'egress-only', {
      policyTypes: ['Egress'],
      ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'gateway' } } }] }],
    }),
  ];
  t.same(tenantLabelAdmissions(policies, NAMESPACES, FACTS), []);
  // And with fewer than two tenants nothing is named
  const one = [
    policy('blue', 'p', { ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { a: 'b' } } }] }] }),
  ];
  t.same(tenantLabelAdmissions(one, NAMESPACES, [facts('blue', 'tenant'), facts('red', 'out-of-scope')]), []);
});

t.test('selectorText spells matchLabels and matchExpressions', async (t) => {
  t.equal(
    selectorText({
      matchLabels: { app: 'gw' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['edge', 'dmz'] }],
    }),
    'app=gw, tier In (edge, dmz)',
  );
  t.equal(selectorText({ matchExpressions: [{ key: 'canary', operator: 'Exists' }] }), 'canary Exists');
});

t.test('buildInventory carries the admissions, and A1.1.2 does not hold beside one', async (t) => {
  // Given red and blue as --tenant namespaces, blue admitting red's pods labelled tier=edge on every port
  const objects: KubeObject[] = [
    namespace('red'),
    namespace('blue'),
    policy('blue', 'edge-in', {
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'red' } },
              podSelector: { matchLabels: { tier: 'edge' } },
            },
          ],
        },
      ],
    }),
  ];
  const inventory = buildInventory(await discover(new FakeClusterApi(objects)), tenantScope(['red', 'blue']));
  const admissions = inventory.tenantLabelAdmissions ?? [];
  t.same(admissions, ['blue/edge-in admits pods of red labelled tier=edge on every port']);
  // When A1.1.2 judges evidence where every unlabelled cross-tenant connect was dropped
  const ev = tenantsApart('red', 'blue');
  const namespaces = [ns('red', 'tenant'), ns('blue', 'tenant')];
  const a112 = findControl('A1.1.2')!;
  t.equal(a112.judge(judgeInput(ev, { namespaces, context: { tenants: ['red', 'blue'] } })).status, 'holds');
  const j = a112.judge(
    judgeInput(ev, { namespaces, context: { tenants: ['red', 'blue'], tenantLabelAdmissions: admissions } }),
  );
  // Then it is inconclusive and names the rule, the other tenant and the label
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons.join('\n'), "Tenant NetworkPolicies admit another tenant's pods by label");
  t.match(j.reasons.join('\n'), 'blue/edge-in admits pods of red labelled tier=edge on every port');
  // And a cross-tenant connect that got through still fails it
  const open = evidenceOf([canaryStep(from('red')), tenantStep('red', 'blue', { kind: 'connected' })]);
  t.equal(
    a112.judge(
      judgeInput(open, { namespaces, context: { tenants: ['red', 'blue'], tenantLabelAdmissions: admissions } }),
    ).status,
    'fails',
  );
});
