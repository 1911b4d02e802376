/**
 * Tenant isolation over UDP (A1.1.2): a tenant whose TCP is locked but whose UDP port answers
 * every namespace must fail A1.1.2, not hold on TCP evidence alone; UDP silence between tenants
 * blocks only beside the same pod's answered UDP canary and the port's UDP control path.
 * The plan half builds a real inventory (discover + buildInventory over a fake API's objects).
 */
import t from 'tap';
import { findControl, PROBES, CONTROLS } from '../../../src/catalogue/index.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import type { TargetRef } from '../../../src/domain/target.js';
import { vantageId, type Vantage } from '../../../src/domain/vantage.js';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory } from '../../../src/discover/targets.js';
import { planRun, UDP_CANARY_PROBE_ID } from '../../../src/plan/plan.js';
import { judgeInput, ns } from '../../helpers/report-fixtures.js';
import { attemptMaker, evidenceFrom, type Transport } from '../../helpers/udp-evidence.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { tenantScope } from '../../helpers/plan-fixtures.js';

const a112 = findControl('A1.1.2')!;
const red: Vantage = { kind: 'from-namespace', namespace: 'red' };
const blue: Vantage = { kind: 'from-namespace', namespace: 'blue' };
const own: Vantage = { kind: 'same-namespace', namespace: 'blue' };
const metrics: TargetRef = { kind: 'Service', namespace: 'blue', name: 'metrics' };
const web: TargetRef = { kind: 'Service', namespace: 'red', name: 'web' };
const echo: TargetRef = { kind: 'Canary', namespace: 'meshprobe-run', name: 'meshprobe-echo' };
const namespaces = [ns('red', 'tenant'), ns('blue', 'tenant'), ns('meshprobe-run', 'probe', 1)];
const context = { tenants: ['red', 'blue'] };

const attempt = attemptMaker(new Set(['tenant-reach-udp', 'canary-udp', 'control-path-udp']));
const evidence = (pairs: readonly (readonly [Attempt, Transport])[]) => evidenceFrom([red, blue, own], pairs);
/** Both tenants' canaries answered, every TCP port of the other tenant dropped: the TCP side holds. */
function tcpLocked(): [Attempt, Transport][] {
  return [
    ...[red, blue].flatMap((v): [Attempt, Transport][] => [
      [attempt('canary', 'canary', v, echo, 8080), 'connected'],
      [attempt('canary-udp', 'canary', v, echo, 8080), 'connected'],
    ]),
    [attempt('tenant-reach', 'probe', red, metrics, 8080), 'timeout'],
    [attempt('tenant-reach', 'probe', blue, web, 8080), 'timeout'],
  ];
}
const udpFromRed = attempt('tenant-reach-udp', 'probe', red, metrics, 8125);

t.test(
  'A1.1.2 fails when another tenant answers UDP while all its TCP is dropped (a TCP-only test holds)',
  async (t) => {
    // Given: without the UDP attempt A1.1.2 holds on TCP evidence
    t.equal(a112.judge(judgeInput(evidence(tcpLocked()), { namespaces, context })).status, 'holds');
    // When red's datagram to blue's UDP 8125 is answered
    const j = a112.judge(judgeInput(evidence([...tcpLocked(), [udpFromRed, 'connected']]), { namespaces, context }));
    // Then A1.1.2 fails, naming the UDP port, the datagram answered and the vantage
    t.equal(j.status, 'fails');
    t.match(
      j.reasons.map(String).join('\n'),
      'blue/metrics port 8125 answered a datagram over UDP/8125 (a reply came back) from namespace red: one tenant can reach another tenant.',
    );
  },
);

t.test(
  'UDP silence between tenants holds A1.1.2 only with the UDP canary and the UDP control path answered',
  async (t) => {
    const control = attempt('control-path-udp', 'control', own, metrics, 8125);
    // Given the collector answered its own namespace, and red got no reply
    const shut = a112.judge(
      judgeInput(evidence([...tcpLocked(), [control, 'connected'], [udpFromRed, 'timeout']]), { namespaces, context }),
    );
    t.equal(shut.status, 'holds', shut.reasons.map(String).join('\n'));
    t.match(
      shut.reasons.map(String).join('\n'),
      /blue\/metrics port 8125 did not answer a datagram over UDP\/8125 .*while the UDP canary from the same pod was answered: blocked at L3\/L4 \(UDP\)/,
    );
    // And when the port did not answer its own namespace either, silence from red proves nothing
    const unknown = a112.judge(
      judgeInput(evidence([...tcpLocked(), [control, 'timeout'], [udpFromRed, 'timeout']]), { namespaces, context }),
    );
    t.equal(unknown.status, 'inconclusive');
  },
);

/** Two tenants: red (web on TCP 8080) and blue (metrics on TCP 8080 and UDP 8125); blue admits its own namespace. */
function tenantObjects(): KubeObject[] {
  const namespace = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
  });
  const workload = (namespace: string, name: string, ports: object[]): KubeObject[] => [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${name}-0`, namespace, labels: { app: name }, uid: `${namespace}-${name}` },
      spec: { containers: [{ name: 'app', image: 'lab.local/workload:1', ports }] },
      status: { phase: 'Running', podIP: namespace === 'red' ? '10.244.0.10' : '10.244.0.11' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: {
        selector: { app: name },
        clusterIP: namespace === 'red' ? '198.19.0.10' : '198.19.0.11',
        ports: ports.map((p) => ({ ...p, port: (p as { containerPort: number }).containerPort })),
      },
    },
  ];
  return [
    namespace('red'),
    namespace('blue'),
    ...workload('red', 'web', [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
    ...workload('blue', 'metrics', [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'statsd', containerPort: 8125, protocol: 'UDP' },
    ]),
  ];
}

t.test('the plan tries every UDP port of another tenant with tenant-reach-udp, beside a UDP canary', async (t) => {
  // Given two tenants, blue with a UDP port
  const inventory = buildInventory(await discover(new FakeClusterApi(tenantObjects())), tenantScope(['red', 'blue']));
  // When A1.1.2 is planned
  const plan = planRun({
    runId: '20261204-190000-tnu1',
    inventory,
    probes: PROBES,
    controls: CONTROLS,
    options: {
      controls: ['A1.1.2'],
      skipProbes: [],
      foreignPods: true,
      attemptTimeout: 2000,
      concurrency: 64,
      timeout: 600,
    },
  });
  // Then red tries blue's UDP 8125 over UDP (and blue has no UDP port of red to try)
  const udp = plan.attempts.filter((a) => a.probeId === 'tenant-reach-udp');
  t.ok(udp.length > 0, 'tenant-reach-udp attempts were planned');
  t.ok(
    udp.every(
      (a) =>
        a.technique === 'udp' &&
        a.port === 8125 &&
        a.target.namespace === 'blue' &&
        vantageId(a.vantage) === vantageId(red),
    ),
    JSON.stringify(udp.map((a) => [vantageId(a.vantage), a.target, a.port])),
  );
  // And tenant-reach keeps to TCP: 8080 both ways, 8125 left to the UDP probe as inapplicable (not a gap)
  const tcp = plan.attempts.filter((a) => a.probeId === 'tenant-reach');
  t.same([...new Set(tcp.map((a) => a.port))], [8080]);
  t.same(new Set(tcp.map((a) => a.vantage.kind === 'from-namespace' && a.vantage.namespace)), new Set(['red', 'blue']));
  t.match(
    plan.notRun.find((n) => n.probeId === 'tenant-reach' && n.port === 8125),
    { reason: 'port 8125 is UDP; probed by tenant-reach-udp', cause: 'inapplicable' },
  );
  // And every vantage with a UDP attempt has a UDP canary
  const canaries = new Set(
    plan.attempts.filter((a) => a.probeId === UDP_CANARY_PROBE_ID).map((a) => vantageId(a.vantage)),
  );
  t.ok(udp.every((a) => canaries.has(vantageId(a.vantage))));
});
