/**
 * The benchmark's synthetic matrix is what the benchmark says it is: meshprobe plans exactly
 * C × S × 2 × (V + 1) tcp-reach attempts on it, and its NetworkPolicy admits two thirds of the
 * target ports (meshprobe's own policy reasoning plans control paths only for those).
 */
import t from 'tap';
import { CONTROLS, PROBES } from '../../../src/catalogue/index.js';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory } from '../../../src/discover/targets.js';
import { planRun } from '../../../src/plan/plan.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { CDE_LABEL, matrixObjects, matrixProbeAttempts, serviceDenied, type MatrixShape } from '../../bench/matrix.js';
import { strideSample } from '../../bench/cluster.js';
import { attemptWindow } from '../../bench/timed-cluster.js';

const SHAPE: MatrixShape = { prefix: 'bench-', cdeNamespaces: 2, servicesPerNamespace: 6, vantageNamespaces: 3 };

async function planOf(shape: MatrixShape): Promise<ReturnType<typeof planRun>> {
  const api = new FakeClusterApi(matrixObjects(shape, { synthetic: true, image: 'lab.local/workload:1' }));
  const options: Options = { ...DEFAULTS, scope: `${CDE_LABEL.key}=${CDE_LABEL.value}`, controls: ['1.3.1'] };
  const inventory = buildInventory(await discover(api), options);
  return planRun({ runId: 'bench', inventory, probes: PROBES, controls: CONTROLS, options });
}

t.test('meshprobe plans C × S × 2 × (V + 1) tcp-reach attempts on the matrix', async (t) => {
  // Given 2 CDE namespaces × 6 Services × 2 ports and 3 out-of-scope namespaces
  const plan = await planOf(SHAPE);
  // When the probe attempts are counted
  const probes = plan.attempts.filter((a) => a.role === 'probe');
  // Then every one is tcp-reach and there are as many as the formula says (24 ports × 4 vantages)
  t.equal(probes.length, matrixProbeAttempts(SHAPE));
  t.equal(probes.length, 96);
  t.ok(probes.every((a) => a.probeId === 'tcp-reach'));
  t.same([...new Set(probes.map((a) => a.vantage.kind))].sort(), ['from-namespace', 'probe-namespace']);
});

t.test('policy admits two thirds of the target ports: control paths exist only for admitted Services', async (t) => {
  // Given the matrix where every third Service points at the ports the policy does not admit
  const plan = await planOf(SHAPE);
  // When control-path attempts are listed by Service
  const controlled = new Set(plan.attempts.filter((a) => a.role === 'control').map((a) => a.target.name));
  // Then exactly the admitted Services have one, and a third of all Services are denied
  const names = Array.from({ length: SHAPE.servicesPerNamespace }, (_, i) => ({
    name: `svc-${String(i).padStart(3, '0')}`,
    denied: serviceDenied(i),
  }));
  for (const s of names) t.equal(controlled.has(s.name), !s.denied, `${s.name} ${s.denied ? 'denied' : 'admitted'}`);
  t.equal(names.filter((s) => s.denied).length, SHAPE.servicesPerNamespace / 3);
});

t.test('the baseline sample is spread evenly over the plan and never larger than asked', (t) => {
  const list = Array.from({ length: 30 }, (_, i) => i);
  t.same(strideSample(list, 5), [0, 6, 12, 18, 24]);
  t.same(strideSample(list, 50), list, 'a short list is taken whole');
  t.end();
});

t.test('the agent activity window spans the first attempt start to the last attempt end', (t) => {
  // Given agent output with stderr noise, two attempts and the done line
  const log = [
    'warning: something on stderr',
    JSON.stringify({
      v: 1,
      attemptId: 'a',
      startedAt: '2026-11-23T20:00:01.000Z',
      durationMs: 2000,
      transport: 'timeout',
      bytesReceived: 0,
    }),
    JSON.stringify({
      v: 1,
      attemptId: 'b',
      startedAt: '2026-11-23T20:00:00.500Z',
      durationMs: 5,
      transport: 'connected',
      bytesReceived: 3,
    }),
    JSON.stringify({ v: 1, done: true, count: 2 }),
  ].join('\n');
  // Then the window is 0.5 s → 3.0 s over two lines
  t.same(attemptWindow(log), { first: '2026-11-23T20:00:00.500Z', lastEnd: '2026-11-23T20:00:03.000Z', lines: 2 });
  t.end();
});
