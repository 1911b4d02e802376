/**
 * The peer benchmark (issue 20) compares what it says it compares: cyclonus' printed truth
 * table is read cell by cell, meshprobe plans an attempt for every cross-namespace cell of the
 * same matrix, self cells are left out, and a disagreement is counted, not hidden.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CONTROLS, PROBES } from '../../../src/catalogue/index.js';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory } from '../../../src/discover/targets.js';
import { planRun } from '../../../src/plan/plan.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import type { KubeObject } from '../../../src/cluster/ports.js';
import {
  agreement,
  cyclonusSelfCheck,
  DEFAULT_PEER,
  LARGE_PEER,
  meshprobeCells,
  meshprobeResult,
  parseCyclonusTable,
  peerNamespaces,
  peerPolicies,
  type CyclonusCell,
  type PeerShape,
} from '../../bench/peer-matrix.js';
import { CDE_LABEL, matrixObjects, type MatrixShape } from '../../bench/matrix.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/bench');

/** cyclonus' pods and Services as its probe command creates them, with status as the lab would report. */
function cyclonusObjects(s: PeerShape): KubeObject[] {
  let ip = 10;
  const out: KubeObject[] = [...peerNamespaces(s), ...peerPolicies(s)];
  for (const ns of s.namespaces) {
    for (const pod of s.pods) {
      ip += 1;
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace: ns, labels: { pod } },
        spec: {
          containers: s.ports.map((port) => ({
            name: `cont-${port}-tcp`,
            image: 'agnhost',
            ports: [{ containerPort: port, name: `serve-${port}-tcp`, protocol: 'TCP' }],
          })),
        },
        status: { phase: 'Running', podIP: `198.18.0.${ip}` },
      });
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `s-${ns}-${pod}`, namespace: ns },
        spec: {
          clusterIP: `198.19.0.${ip}`,
          selector: { pod },
          ports: s.ports.map((port) => ({ name: `service-port-tcp-${port}`, port, protocol: 'TCP' })),
        },
      });
    }
  }
  return out;
}

async function peerPlan(s: PeerShape): Promise<ReturnType<typeof planRun>> {
  const api = new FakeClusterApi(cyclonusObjects(s));
  const options: Options = {
    ...DEFAULTS,
    cdeAll: true,
    tenants: s.namespaces,
    namespaces: s.namespaces,
    controls: ['A1.1.2'],
    ports: 'none',
    nodes: false,
  };
  const inventory = buildInventory(await discover(api), options);
  return planRun({ runId: 'peer', inventory, probes: PROBES, controls: CONTROLS, options });
}

t.test('meshprobe plans tenant-reach from every namespace to every pod and port of the others', async (t) => {
  // Given cyclonus' default matrix (3 namespaces × 3 pods × 2 ports) with the peer bench's options
  const plan = await peerPlan(DEFAULT_PEER);
  // When its tenant-reach attempts to Pod targets are turned into cells
  const tenantReach = plan.attempts.filter((a) => a.probeId === 'tenant-reach');
  const cells = meshprobeCells(tenantReach.map((attempt) => ({ attempt })));
  // Then every cross-namespace cell is there: 3 sources × 6 pods elsewhere × 2 ports, through pods and Services
  t.equal(cells.pod.size, 3 * 6 * 2);
  t.equal(cells.service.size, 3 * 6 * 2);
  t.ok(cells.pod.has('bench-peer-x→bench-peer-y/a:80'));
  t.notOk(cells.pod.has('bench-peer-x→bench-peer-x/a:80'), 'a namespace is not its own tenant');
  t.ok(
    [...cells.pod.values()].every((r) => r === 'undecided'),
    'not run yet: no observation',
  );
});

t.test('the larger matrix is 10 namespaces × 4 pods × 2 ports; policies select sources by namespace only', (t) => {
  const policies = peerPolicies(LARGE_PEER);
  t.equal(LARGE_PEER.namespaces.length * LARGE_PEER.pods.length * LARGE_PEER.ports.length, 80);
  t.equal(policies.length, 6);
  const peers = JSON.stringify(policies.map((p) => (p.spec as { ingress: unknown[] }).ingress));
  // A podSelector inside `from` may only be the empty one (own namespace, any pod): a source pod's labels never matter
  t.notOk(/"podSelector":\{"matchLabels"/.test(peers));
  const distinctive = (n: KubeObject): boolean =>
    n.metadata?.name?.startsWith('bench-peer-') === true && n.metadata.labels?.['meshprobe.io/bench'] === 'peer';
  t.ok(peerNamespaces(LARGE_PEER).every(distinctive));
  t.equal(peerPolicies(DEFAULT_PEER).length, 1, 'the default matrix gets one policy: bench-peer-x admits port 80 only');
  t.end();
});

t.test("cyclonus' truth table is read after its discrepancy tables: one cell per source, destination, port", (t) => {
  // Given the stdout of cyclonus probe on the lab (default matrix; bench-peer-x admits only port 80), which
  // reports its self cells on port 81 as wrong (a pod reaches its own IP whatever the policy says)
  const stdout = readFileSync(join(FIXTURES, 'cyclonus-probe-default.txt'), 'utf8');
  const cells = parseCyclonusTable(stdout);
  // Then 9 × 9 × 2 cells, with x's port 81 blocked from other pods and open to itself
  t.equal(cells.length, 162);
  const find = (f: string, to: string, port: number): CyclonusCell | undefined =>
    cells.find((c) => `${c.fromNs}/${c.fromPod}` === f && `${c.toNs}/${c.toPod}` === to && c.port === port);
  t.equal(find('bench-peer-y/a', 'bench-peer-x/b', 81)?.result, 'blocked');
  t.equal(find('bench-peer-y/a', 'bench-peer-x/b', 80)?.result, 'allowed');
  t.equal(find('bench-peer-x/a', 'bench-peer-x/a', 81)?.result, 'allowed', 'self: no policy applies');
  t.same(cyclonusSelfCheck(stdout), { wrong: 3, ignored: 0, correct: 78 });
  t.same(parseCyclonusTable('no table here'), []);
  t.end();
});

t.test('agreement leaves out self cells, counts cells only cyclonus tried, and counts each disagreement', (t) => {
  type Result = CyclonusCell['result'];
  const cell = (fromPod: string, toNs: string, toPod: string, port: number, result: Result): CyclonusCell => ({
    fromNs: 'n1',
    fromPod,
    toNs,
    toPod,
    port,
    result,
  });
  // Given five cyclonus cells: a self cell, two meshprobe agrees with, one it contradicts, one it never tried
  const cyclonus = [
    cell('a', 'n1', 'a', 80, 'allowed'),
    cell('a', 'n2', 'a', 80, 'allowed'),
    cell('b', 'n2', 'a', 80, 'allowed'),
    cell('a', 'n2', 'b', 81, 'blocked'),
    cell('a', 'n1', 'b', 81, 'blocked'),
  ];
  const meshprobe = new Map([
    ['n1→n2/a:80', 'allowed' as const],
    ['n1→n2/b:81', 'allowed' as const],
  ]);
  // When they are compared
  const a = agreement(cyclonus, meshprobe);
  // Then both source pods of n1 count against meshprobe's one cell for n1 → n2/a:80
  t.same(a, {
    cyclonusCells: 5,
    selfCells: 1,
    compared: 3,
    agree: 2,
    disagree: 1,
    undecided: 0,
    cyclonusOnly: 1,
    differences: { 'cyclonus blocked / meshprobe allowed': 1 },
  });
  t.end();
});

t.test('meshprobe transports as cells: TCP completed is allowed, a drop or refusal blocked, else undecided', (t) => {
  t.equal(meshprobeResult('connected'), 'allowed');
  t.equal(meshprobeResult('eof'), 'allowed');
  t.equal(meshprobeResult('timeout'), 'blocked');
  t.equal(meshprobeResult('timeout', 'blocked'), 'blocked');
  // A timeout meshprobe could not confirm (no time-local reference) is no "blocked" cell
  t.equal(meshprobeResult('timeout', 'inconclusive'), 'undecided');
  t.equal(meshprobeResult('refused'), 'blocked');
  t.equal(meshprobeResult('dns-failure'), 'undecided');
  t.equal(meshprobeResult(undefined), 'undecided');
  t.end();
});

t.test('identity clients in the cluster matrix give one identity vantage each (issue 16 row)', async (t) => {
  // Given the cluster bench's matrix with and without label-admitted clients
  const planOf = async (shape: MatrixShape, identityVantages: boolean): Promise<ReturnType<typeof planRun>> => {
    const api = new FakeClusterApi(matrixObjects(shape, { synthetic: true, image: 'lab.local/workload:1' }));
    const options: Options = {
      ...DEFAULTS,
      scope: `${CDE_LABEL.key}=${CDE_LABEL.value}`,
      controls: ['1.3.1'],
      identityVantages,
    };
    const inventory = buildInventory(await discover(api), options);
    return planRun({ runId: 'bench', inventory, probes: PROBES, controls: CONTROLS, options });
  };
  const shape: MatrixShape = {
    prefix: 'bench-',
    cdeNamespaces: 2,
    servicesPerNamespace: 3,
    vantageNamespaces: 3,
    identityClients: 2,
  };
  const identityPods = (p: Awaited<ReturnType<typeof planRun>>): number =>
    p.pods.filter((x) => x.vantage.kind === 'identity').length;
  // Then the default run has one identity pod per client, --no-identity-vantages none, and no clients none
  t.equal(identityPods(await planOf(shape, true)), 2);
  t.equal(identityPods(await planOf(shape, false)), 0);
  t.equal(identityPods(await planOf({ ...shape, identityClients: 0 }, true)), 0);
});
