/**
 * UDP control paths (issue 13): where policy admits the target's own namespace over UDP, a fresh
 * pod there sends udp-reach's request to the UDP port; a TCP rule never counts for a UDP port
 * (nor a UDP rule for a TCP port), and no TCP connect is ever aimed at a UDP port as its control.
 */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { buildInventory } from '../../../src/discover/targets.js';
import type { ClusterSnapshot } from '../../../src/discover/snapshot.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { planRun, UDP_CONTROL_PATH_PROBE_ID } from '../../../src/plan/plan.js';
import { PROBES, CONTROLS } from '../../../src/catalogue/index.js';
import { cdeScope, namespaceObject, PLAN_OPTS_1_3_1 } from '../../helpers/plan-fixtures.js';

const RUN = '20261204-050000-udpc';
const SCOPE = cdeScope('stats');
const OPTS = PLAN_OPTS_1_3_1;
const ns = namespaceObject;
/** The s23 collector: UDP 8125 (statsd) and TCP 8080, as containerPorts and Service ports. */
const collector: KubeObject = {
  kind: 'Pod',
  metadata: { name: 'collector-0', namespace: 'stats', labels: { app: 'collector' } },
  spec: {
    containers: [
      {
        name: 'collector',
        image: 'node:24',
        ports: [
          { name: 'statsd', containerPort: 8125, protocol: 'UDP' },
          { name: 'http', containerPort: 8080 },
        ],
      },
    ],
  },
  status: { phase: 'Running', podIP: '198.18.1.7' },
};
const service: KubeObject = {
  kind: 'Service',
  metadata: { name: 'collector', namespace: 'stats' },
  spec: {
    clusterIP: '198.19.0.7',
    selector: { app: 'collector' },
    ports: [
      { name: 'statsd', port: 8125, targetPort: 8125, protocol: 'UDP' },
      { name: 'http', port: 8080, targetPort: 8080 },
    ],
  },
};
const client: KubeObject = {
  kind: 'Pod',
  metadata: { name: 'storefront-0', namespace: 'client', labels: { app: 'storefront' } },
  spec: { containers: [{ name: 'app', image: 'app:1' }] },
  status: { phase: 'Running', podIP: '198.18.1.8' },
};
/** stats admits its own namespace; `ports` limits the rule (none: every port and protocol). */
function sameNamespace(ports?: readonly object[]): KubeObject {
  return {
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-same-namespace', namespace: 'stats' },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }], ...(ports ? { ports } : {}) }],
    },
  };
}

function plan(policy: KubeObject) {
  const snapshot: ClusterSnapshot = {
    cluster: { server: 'https://lab', context: 'lab' },
    namespaces: [ns('stats'), ns('client')],
    pods: [collector, client],
    services: [service],
    nodes: [],
    endpointSlices: [],
    networkPolicies: [policy],
    mesh: {},
  };
  const inventory = buildInventory(snapshot, SCOPE);
  return { inventory, plan: planRun({ runId: RUN, inventory, probes: PROBES, controls: CONTROLS, options: OPTS }) };
}

/** "probeId technique/port target" of every control attempt, sorted. */
function controls(p: ReturnType<typeof plan>['plan']): string[] {
  return p.attempts
    .filter((a) => a.role === 'control')
    .map((a) => `${a.probeId} ${a.technique}/${a.port} ${a.target.kind} ${vantageId(a.vantage)}`)
    .sort();
}

t.test(
  'a namespace that admits itself on every port gets a UDP control path to its UDP port, with the request udp-reach sends',
  async (t) => {
    // Given stats admits its own namespace with no ports list (every port, TCP and UDP)
    const { inventory, plan: p } = plan(sameNamespace());
    // Then policy is read per protocol: 8125 is admitted over UDP, and over TCP (no ports list) too
    t.equal(inventory.sameNamespaceAllowed['Pod/stats/collector-0|8125/UDP'], true);
    t.equal(inventory.sameNamespaceAllowed['Service/stats/collector|8125/UDP'], true);
    t.equal(inventory.sameNamespaceAllowed['Pod/stats/collector-0|8080'], true);
    // When 1.3.1 is planned, Then UDP 8125 gets a UDP control path and TCP 8080 a TCP one; no TCP connect goes to 8125
    t.same(controls(p), [
      'control-path tcp/8080 Pod same-namespace:stats',
      'control-path tcp/8080 Service same-namespace:stats',
      `${UDP_CONTROL_PATH_PROBE_ID} udp/8125 Pod same-namespace:stats`,
      `${UDP_CONTROL_PATH_PROBE_ID} udp/8125 Service same-namespace:stats`,
    ]);
    // And the UDP control sends what udp-reach sends to that port (an echo line on 8125), so its reply vouches for it
    const udpControl = p.attempts.find((a) => a.probeId === UDP_CONTROL_PATH_PROBE_ID && a.target.kind === 'Pod');
    const udpProbe = p.attempts.find((a) => a.probeId === 'udp-reach' && a.target.kind === 'Pod');
    t.same(udpControl?.udp, { payload: 'echo' });
    t.same(udpProbe?.udp, udpControl?.udp);
    // And it reaches the same-namespace pod's batch as a UDP spec
    const spec = p.pods.flatMap((pod) => pod.batch.attempts).find((s) => s.id === udpControl?.id);
    t.match(spec, { technique: 'udp', port: 8125, udp: { payload: 'echo' } });
  },
);

t.test('a rule that names only TCP 8080 gives UDP 8125 no control path, not a TCP connect to a UDP port', async (t) => {
  // Given stats admits its own namespace on TCP 8080 only
  const { inventory, plan: p } = plan(sameNamespace([{ protocol: 'TCP', port: 8080 }]));
  // Then UDP 8125 is not admitted from the namespace (a TCP rule never counts for UDP)
  t.equal(inventory.sameNamespaceAllowed['Pod/stats/collector-0|8125/UDP'], false);
  // And only TCP 8080 gets a control path
  t.same(controls(p), [
    'control-path tcp/8080 Pod same-namespace:stats',
    'control-path tcp/8080 Service same-namespace:stats',
  ]);
});

t.test('a rule that names only UDP 8125 gives it a UDP control path and TCP 8080 none', async (t) => {
  // Given stats admits its own namespace on UDP 8125 only
  const { inventory, plan: p } = plan(sameNamespace([{ protocol: 'UDP', port: 8125 }]));
  // Then policy admits UDP 8125 and not TCP 8080 (a UDP rule never counts for TCP)
  t.equal(inventory.sameNamespaceAllowed['Pod/stats/collector-0|8125/UDP'], true);
  t.equal(inventory.sameNamespaceAllowed['Pod/stats/collector-0|8080'], false);
  t.same(controls(p), [
    `${UDP_CONTROL_PATH_PROBE_ID} udp/8125 Pod same-namespace:stats`,
    `${UDP_CONTROL_PATH_PROBE_ID} udp/8125 Service same-namespace:stats`,
  ]);
});
