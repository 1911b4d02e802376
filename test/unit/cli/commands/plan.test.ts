/**
 * `meshprobe plan` names what discovery already knows will keep controls inconclusive (hostNetwork
 * workloads, tenant rules that admit by labels), so users see it before a run, not first in a report.
 */
import t from 'tap';
import type { KubeObject } from '../../../../src/cluster/ports.js';
import { knownGapLines } from '../../../../src/cli/commands/plan.js';
import { discover } from '../../../../src/discover/discover.js';
import { buildInventory, knownGaps } from '../../../../src/discover/targets.js';
import { FakeClusterApi } from '../../../fakes/cluster-api.js';
import { cdeScope, namespaceObject } from '../../../helpers/plan-fixtures.js';

function pod(namespace: string, name: string, hostNetwork: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name }, uid: `${namespace}-${name}` },
    spec: {
      ...(hostNetwork ? { hostNetwork: true } : {}),
      containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 8080, protocol: 'TCP' }] }],
    },
    status: { phase: 'Running', podIP: hostNetwork ? '10.0.0.5' : '10.244.0.9', hostIP: '10.0.0.5' },
  };
}

const labelRule: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-gateways', namespace: 'blue' },
  spec: {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'gateway' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ],
  },
};

t.test(
  'the plan lists hostNetwork workloads and label-admitting tenant rules, with the controls they keep inconclusive',
  async (t) => {
    // Given a CDE namespace with a hostNetwork agent, and tenants red and blue, blue admitting any pod labelled role=gateway
    const objects = [
      namespaceObject('pay'),
      namespaceObject('red'),
      namespaceObject('blue'),
      pod('pay', 'api', false),
      pod('pay', 'hsm-agent', true),
      pod('red', 'web', false),
      pod('blue', 'web', false),
      pod('blue', 'exporter', true),
      labelRule,
    ];
    const scope = { ...cdeScope('pay'), tenants: ['red', 'blue'] };
    const inventory = buildInventory(await discover(new FakeClusterApi(objects)), scope);
    // When the plan's known gaps are rendered
    const text = knownGapLines(knownGaps(inventory)).join('\n');
    // Then each group names its controls and its items, as discovery found them
    t.match(text, /^Known before any attempt/);
    t.match(
      text,
      /node's network \(not tried at the node address; 1\.3\.1, 11\.4\.5 and 11\.4\.6 stay inconclusive\):\n {4}- pay\/hsm-agent/,
    );
    t.match(text, /Tenant workloads on their node's network \(A1\.1\.2 stays inconclusive\):\n {4}- blue\/exporter/);
    t.match(
      text,
      /pod labels it sets itself \(A1\.1\.2 stays inconclusive\):\n {4}- blue\/allow-gateways admits pods of red labelled role=gateway on TCP 8080/,
    );
    t.same(knownGaps(inventory).hostNetworkCde, inventory.hostNetworkCde, 'the json output carries the same lists');
  },
);

t.test('nothing is printed when discovery found no such gap', async (t) => {
  const objects = [namespaceObject('pay'), pod('pay', 'api', false)];
  const inventory = buildInventory(await discover(new FakeClusterApi(objects)), cdeScope('pay'));
  t.same(knownGapLines(knownGaps(inventory)), []);
});
