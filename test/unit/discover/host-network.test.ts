/**
 * CDE pods on their node's network (hostNetwork): not targets, named by discovery, and 1.3.1,
 * 11.4.5 and 11.4.6 stay inconclusive beside them instead of holding.
 */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { findControl } from '../../../src/catalogue/index.js';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory } from '../../../src/discover/targets.js';
import {
  canaryStep,
  evidenceOf,
  from,
  judgeInput,
  ns,
  PROBE_NS,
  svc,
  tenantsApart,
  type Step,
} from '../../helpers/report-fixtures.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { cdeScope, namespaceObject, tenantScope } from '../../helpers/plan-fixtures.js';

function pod(namespace: string, name: string, hostNetwork: boolean, ip: string): KubeObject {
  const app = name.replace(/-\d+$/, '');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app },
      uid: `${namespace}-${name}`,
      // A DaemonSet's pods: one workload, one line
      ...(hostNetwork
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: app, controller: true }] }
        : {}),
    },
    spec: {
      ...(hostNetwork ? { hostNetwork: true } : {}),
      containers: [{ name: 'app', image: 'x', ports: [{ containerPort: hostNetwork ? 9400 : 8080, protocol: 'TCP' }] }],
    },
    status: { phase: 'Running', podIP: ip, hostIP: '10.0.0.5' },
  };
}

t.test(
  'discovery names running hostNetwork pods of the CDE, one line per workload, and makes no target of them',
  async (t) => {
    // Given pay (CDE) with api and a hostNetwork hsm-agent (two pods), and a hostNetwork pod in shop (out of scope)
    const objects = [
      namespaceObject('pay'),
      namespaceObject('shop'),
      pod('pay', 'api-0', false, '10.244.0.7'),
      pod('pay', 'hsm-agent-0', true, '10.0.0.5'),
      pod('pay', 'hsm-agent-1', true, '10.0.0.5'),
      pod('shop', 'exporter-0', true, '10.0.0.5'),
    ];
    const inventory = buildInventory(await discover(new FakeClusterApi(objects)), cdeScope('pay'));
    t.same(inventory.hostNetworkCde, ['pay/hsm-agent (node address 10.0.0.5; declared TCP 9400)']);
    t.same(inventory.hostNetworkTenants, [], 'shop is no tenant');
    t.notOk(
      inventory.targets.some((x) => x.ref.name.startsWith('hsm-agent')),
      'no target for a pod on the node network',
    );
  },
);

t.test('1.3.1, 11.4.5 and 11.4.6 do not hold beside a CDE workload on the node network', async (t) => {
  // Given every tried connection into pay was dropped with working canaries
  const reach = (vantage: Step['vantage']): Step => ({
    probeId: 'tcp-reach',
    vantage,
    target: svc('pay', 'api'),
    port: 8080,
    observed: { kind: 'timeout' },
  });
  const ev = evidenceOf([canaryStep(PROBE_NS), canaryStep(from('shop')), reach(PROBE_NS), reach(from('shop'))]);
  const namespaces = [ns('pay', 'cde'), ns('shop', 'out-of-scope'), ns('meshprobe-run', 'probe', 1)];
  const line = 'pay/hsm-agent (node address 10.0.0.5; declared TCP 9400)';
  for (const id of ['1.3.1', '11.4.5', '11.4.6']) {
    const control = findControl(id)!;
    // Then without such a workload each holds, and with one each is inconclusive and names it
    t.equal(control.judge(judgeInput(ev, { namespaces })).status, 'holds', id);
    const j = control.judge(judgeInput(ev, { namespaces, context: { hostNetworkCde: [line] } }));
    t.equal(j.status, 'inconclusive', id);
    t.match(
      j.reasons.map(String).join('\n'),
      `CDE workloads run on their node's network (hostNetwork) and were not probed: ${line}.`,
    );
  }
});

t.test('a hostNetwork workload of a --tenant namespace keeps A1.1.2 from holding', async (t) => {
  // Given tenants red and blue, blue running a hostNetwork agent
  const objects = [namespaceObject('red'), namespaceObject('blue'), pod('blue', 'agent-0', true, '10.0.0.5')];
  const inventory = buildInventory(await discover(new FakeClusterApi(objects)), tenantScope(['red', 'blue']));
  t.same(inventory.hostNetworkTenants, ['blue/agent (node address 10.0.0.5; declared TCP 9400)']);
  // When A1.1.2 judges blocked connects both ways
  const ev = tenantsApart('red', 'blue');
  const namespaces = [ns('red', 'tenant'), ns('blue', 'tenant')];
  const a112 = findControl('A1.1.2')!;
  t.equal(a112.judge(judgeInput(ev, { namespaces, context: { tenants: ['red', 'blue'] } })).status, 'holds');
  const context = { tenants: ['red', 'blue'], hostNetworkTenants: inventory.hostNetworkTenants ?? [] };
  const j = a112.judge(judgeInput(ev, { namespaces, context }));
  // Then it is inconclusive and names the agent
  t.equal(j.status, 'inconclusive');
  t.match(
    j.reasons.join('\n'),
    "Tenant workloads run on their node's network (hostNetwork) and were not probed: blue/agent",
  );
});
