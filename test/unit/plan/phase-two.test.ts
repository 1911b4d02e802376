/**
 * Two-phase runs and listener-sweep planning (issue 13), pure: which application attempts wait
 * for an L4 connection, how they travel with it, and which pods are swept over which ports.
 */
import t from 'tap';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory, type DiscoveredInventory } from '../../../src/discover/targets.js';
import { declaredPortsOf } from '../../../src/discover/declared-ports.js';
import type { ScopeOptions } from '../../../src/discover/namespaces.js';
import { targetKey } from '../../../src/domain/target.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { batchDeadlineMs, chunkSpecs, toSpec } from '../../../src/plan/batch.js';
import { planRun, type PlanInput } from '../../../src/plan/plan.js';
import { PHASE_TWO_PROBES, withPhaseOneL4 } from '../../../src/plan/phase-two.js';
import { compressPorts, defaultSweepPorts, planSweep, sweepPortsFor, sweepWanted } from '../../../src/plan/sweep.js';
import { CONTROLS, PROBES } from '../../../src/catalogue/index.js';
import { renderPlanText } from '../../../src/cli/commands/plan.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import DEFAULT_PORT_LIST from '../../../src/catalogue/ports/default-tcp-ports.json' with { type: 'json' };

const RUN = '20261203-150000-a1b2';
const SCOPE: ScopeOptions = {
  scope: undefined,
  cdeNamespaces: ['payments'],
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [],
  untrustedPaths: [],
};
const OPTS = { controls: [], skipProbes: [], foreignPods: true, attemptTimeout: 3000, concurrency: 64, timeout: 600 };
const FIXTURE = new URL('../../fixtures/cluster/istio.json', import.meta.url);

async function inventory(listeners?: ReadonlyMap<string, readonly number[]>): Promise<DiscoveredInventory> {
  return buildInventory(await discover(FakeClusterApi.fromFixture(FIXTURE)), SCOPE, listeners);
}

function input(inv: DiscoveredInventory, over: Partial<PlanInput['options']> = {}): PlanInput {
  return { runId: RUN, inventory: inv, probes: PROBES, controls: CONTROLS, options: { ...OPTS, ...over } };
}

t.test(
  'every from-namespace L4 attempt to a CDE port gets the application probes as phase-2 attempts that wait for it',
  async (t) => {
    // Given the Istio fixture with payments as the CDE and the whole catalogue
    const plan = planRun(input(await inventory()));
    const byId = new Map(plan.attempts.map((a) => [a.id, a]));
    const phase2 = plan.attempts.filter((a) => a.after !== undefined);
    // Then phase-2 attempts exist, are counted, and each waits for a tcp-reach from the same vantage to the same target and port
    t.ok(phase2.length > 0);
    t.equal(plan.phaseTwo, phase2.length);
    for (const a of phase2) {
      const l4 = byId.get(a.after ?? '');
      t.equal(l4?.probeId, 'tcp-reach', `${a.probeId} waits for tcp-reach`);
      t.same(
        [vantageId(l4!.vantage), targetKey(l4!.target), l4!.port],
        [vantageId(a.vantage), targetKey(a.target), a.port],
      );
      t.ok(PHASE_TWO_PROBES.has(a.probeId));
    }
    // And plaintext HTTP is tried from namespace shop toward the payments api pod's 8080 only when shop connects
    t.ok(
      phase2.some(
        (a) =>
          a.probeId === 'plaintext-http' &&
          vantageId(a.vantage) === 'from-namespace:shop' &&
          a.target.name === 'api-7d9f8c6b5d-x2x4q' &&
          a.port === 8080,
      ),
    );
    // And a probe that already runs from a vantage is never planned again as phase 2 (no duplicate ids)
    t.equal(new Set(plan.attempts.map((a) => a.id)).size, plan.attempts.length);
    t.notOk(phase2.some((a) => a.vantage.kind === 'probe-namespace' && a.probeId === 'plaintext-http'));
  },
);

t.test(
  'selecting only an application control still plans the L4 attempts phase 2 waits for, unless tcp-reach is skipped',
  async (t) => {
    const apps = PROBES.filter((p) => p.id === 'plaintext-http');
    t.same(
      withPhaseOneL4(apps, PROBES, []).map((p) => `${p.id}:${p.vantages.join('+')}`),
      ['plaintext-http:same-namespace+probe-namespace', 'tcp-reach:from-namespace'],
    );
    t.same(
      withPhaseOneL4(
        PROBES.filter((p) => p.id === 'tls-handshake'),
        PROBES,
        [],
      ).map((p) => p.id),
      ['tls-handshake'],
      'a TLS-only selection adds nothing',
    );
    t.same(
      withPhaseOneL4(apps, PROBES, ['tcp-reach']).map((p) => p.id),
      ['plaintext-http'],
    );
    const plan = planRun(input(await inventory(), { controls: ['7.2.1'] }));
    t.ok(
      plan.attempts.some(
        (a) => a.probeId === 'plaintext-http' && a.vantage.kind === 'from-namespace' && a.after !== undefined,
      ),
    );
    t.notOk(
      plan.attempts.some((a) => a.probeId === 'tcp-reach' && a.vantage.kind !== 'from-namespace'),
      'the added L4 attempts come only from other namespaces',
    );
    t.notOk(
      plan.notRun.some((n) => n.probeId === 'tcp-reach'),
      'an unselected prerequisite adds no not-run noise',
    );
  },
);

t.test('a phase-2 spec is never cut from its prerequisite when a vantage is split into several pods', async (t) => {
  // Given one vantage's specs with phase-2 attempts listed before their L4 attempt (plan order sorts by probe id)
  const plan = planRun(input(await inventory()));
  const specs = plan.attempts.filter((a) => vantageId(a.vantage) === 'from-namespace:shop').map(toSpec);
  // When they are chunked into tiny batches
  const chunks = chunkSpecs(specs, 10_000, 3);
  // Then every phase-2 spec is in the same chunk as the attempt it waits for, and nothing is lost
  for (const chunk of chunks) {
    const ids = new Set(chunk.map((s) => s.id));
    for (const s of chunk) if (s.after !== undefined) t.ok(ids.has(s.after), `${s.id} travels with ${s.after}`);
  }
  t.equal(chunks.flat().length, specs.length);
});

t.test('phase-2 attempts are their own waves in the batch deadline', async (t) => {
  const timing = { concurrency: 64, attemptTimeoutMs: 1000, maxDeadlineMs: 1_000_000 };
  t.equal(batchDeadlineMs(20, timing), 2000 + 5000);
  t.equal(batchDeadlineMs(20, timing, 10), 2 * 2000 + 5000);
});

t.test('meshprobe plan says how phase 2 and the listener sweep bound the cost', async (t) => {
  const text = renderPlanText(planRun(input(await inventory())), false);
  t.match(text, /Phase 2: up to \d+ app attempts .* from vantages whose L4 attempt connects/);
  t.match(
    text,
    /Listener sweep \(before the pods above\): 1 CDE pod\(s\) from 1 probe pod\(s\) in their own namespaces, 1112 well-known ports/,
  );
});

t.test(
  'the default sweep list has at least 1 000 ports, including databases, caches, admin/debug and mesh ports',
  async (t) => {
    const ports = defaultSweepPorts();
    t.ok(ports.length >= 1000, `${ports.length} ports`);
    t.ok(ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65_535));
    for (const p of [5432, 3306, 27017, 6379, 11211, 9092, 6060, 9090, 10250, 15000, 15006, 15090, 4191])
      t.ok(ports.includes(p), `port ${p}`);
    t.equal(DEFAULT_PORT_LIST.top1000.length, 1000);
  },
);

t.test('sweep ports are compressed into runs and --ports all is one range', async (t) => {
  t.same(compressPorts([5, 1, 2, 3, 9, 10, 3]), [[1, 3], 5, 9, 10]);
  t.same(sweepPortsFor('all', [8080]), [[1, 65_535]]);
  t.ok(
    JSON.stringify(sweepPortsFor('default', [61_999])).includes('61999'),
    'declared ports are added to the default list',
  );
});

t.test('the sweep is planned from the same namespace for CDE pods only, and not with --ports none', async (t) => {
  const inv = await inventory();
  const sweep = planSweep({
    runId: RUN,
    inventory: inv,
    options: {
      ports: 'default',
      sweepConcurrency: 256,
      sweepTimeout: 60,
      attemptTimeout: 3000,
      skipProbes: [],
      timeout: 600,
    },
  });
  t.same(
    sweep.attempts.map((a) => `${targetKey(a.target)} ${vantageId(a.vantage)} ${a.technique}`),
    ['Pod/payments/api-7d9f8c6b5d-x2x4q same-namespace:payments sweep'],
  );
  const snapshot = await discover(FakeClusterApi.fromFixture(FIXTURE));
  const pod = snapshot.pods.find((p) => p.metadata?.name === 'api-7d9f8c6b5d-x2x4q')!;
  t.same(sweep.attempts[0]?.sweep?.declared, declaredPortsOf(pod, snapshot.services));
  t.ok(
    sweep.attempts[0]?.sweep?.declared.includes(8080) && sweep.attempts[0]?.sweep?.declared.includes(15090),
    'containerPorts of every container are declared',
  );
  t.equal(sweep.pods.length, 1);
  t.equal(sweep.pods[0]?.namespace, 'payments');
  t.equal(sweep.pods[0]?.batch.concurrency, 1, 'one sweep at a time per pod; each sweep has its own connect pool');
  t.notOk(sweepWanted(PROBES, { ports: 'none', skipProbes: [] }));
  t.notOk(sweepWanted(PROBES, { ports: 'all', skipProbes: ['listener-sweep'] }));
  t.notOk(planRun(input(inv, { ports: 'none' })).sweep);
  t.equal(planRun(input(inv, { ports: 'all' })).sweep?.portCount, 65_535);
});

t.test('a listener the sweep found becomes a target port, marked undeclared unless a Service targets it', async (t) => {
  // Given the sweep found 8080 (declared), 7070 (declared nowhere) on the CDE pod
  const key = 'Pod/payments/api-7d9f8c6b5d-x2x4q';
  const inv = await inventory(new Map([[key, [7070, 8080]]]));
  const pod = inv.targets.find((x) => targetKey(x.ref) === key);
  // Then 7070 is a port of the pod target, undeclared, with the workload's mTLS mode; 8080 is unchanged
  t.match(
    pod?.ports.find((p) => p.port === 7070),
    { port: 7070, protocol: 'TCP', discovered: 'undeclared' },
  );
  t.equal(pod?.ports.find((p) => p.port === 8080)?.discovered, undefined);
  // And the plan tries it with every probe: plaintext from the probe namespace, and tcp-reach from other namespaces
  const plan = planRun(input(inv));
  t.ok(
    plan.attempts.some(
      (a) => a.probeId === 'plaintext-http' && a.port === 7070 && a.vantage.kind === 'probe-namespace',
    ),
  );
  t.ok(
    plan.attempts.some(
      (a) => a.probeId === 'tcp-reach' && a.port === 7070 && vantageId(a.vantage) === 'from-namespace:shop',
    ),
  );
});

t.test(
  'declared ports are containerPorts of every container, Service targetPorts (by number or name) and, when meshed, the proxy ports',
  async (t) => {
    const pod = {
      metadata: { name: 'p', namespace: 'n', labels: { app: 'a' } },
      spec: {
        containers: [
          { name: 'app', ports: [{ name: 'web', containerPort: 8080 }] },
          { name: 'side', ports: [{ containerPort: 9000 }] },
        ],
      },
    };
    const services = [
      {
        metadata: { name: 's', namespace: 'n' },
        spec: {
          selector: { app: 'a' },
          ports: [
            { port: 80, targetPort: 'web' },
            { port: 81, targetPort: 7000 },
          ],
        },
      },
      {
        metadata: { name: 'other', namespace: 'n' },
        spec: { selector: { app: 'b' }, ports: [{ port: 82, targetPort: 6000 }] },
      },
    ];
    // An unmeshed pod: its containers' ports and what selecting Services target; not another Service's port
    t.same(declaredPortsOf(pod, services), [7000, 8080, 9000]);
    // A sidecar pod also declares the mesh proxy's own ports
    const meshed = {
      ...pod,
      metadata: { ...pod.metadata, annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } },
    };
    t.ok(declaredPortsOf(meshed, services).includes(15090));
  },
);
