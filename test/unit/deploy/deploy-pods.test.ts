/**
 * deployPods creates pods side by side (DEPLOY_CONCURRENCY at a time): the agent ConfigMap of a
 * namespace is still made once, a pod's batch ConfigMap still comes before it, results stay in plan
 * order, a foreign namespace's failure costs only its pods, and a probe-namespace failure is thrown
 * only after every create already started has settled.
 */
import t from 'tap';
import { DEPLOY_CONCURRENCY, deployPods } from '../../../src/deploy/deploy.js';
import { FinalizerStack } from '../../../src/deploy/finalizers.js';
import type { KubeObject, WriteKind } from '../../../src/cluster/ports.js';
import type { PlannedPod } from '../../../src/plan/plan.js';
import { MeshprobeError } from '../../../src/shared/errors.js';
import { FakeClusterApi, type FakeHooks } from '../../fakes/cluster-api.js';
import { deployContext } from '../../fakes/deploy-context.js';

const RUN = '20261204-150000-dp01';
const PROBE_NS = `meshprobe-${RUN}`;

/** A fake whose creates take a few ms, counting how many are in flight. */
class SlowApi extends FakeClusterApi {
  inFlight = 0;
  maxInFlight = 0;
  constructor(hooks: FakeHooks = {}) {
    super(
      ['a', 'b', 'c'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      { hooks },
    );
  }
  override async create(kind: WriteKind, namespace: string | undefined, body: KubeObject): Promise<KubeObject> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 3));
      return await super.create(kind, namespace, body);
    } finally {
      this.inFlight -= 1;
    }
  }
}

function pods(namespaces: readonly string[]): PlannedPod[] {
  return namespaces.map((namespace, i) => {
    const name = `mp-${RUN}-p${String(i).padStart(2, '0')}`;
    return {
      name,
      namespace,
      vantage: { kind: 'from-namespace', namespace },
      batch: { v: 1, runId: RUN, podName: name, concurrency: 4, deadlineMs: 10_000, attempts: [] },
    } as PlannedPod;
  });
}

const forbidden = (what: string): MeshprobeError => new MeshprobeError('E_FORBIDDEN', `${what} denied by a webhook`);

t.test(
  '20 pods in 3 namespaces: side by side, one agent ConfigMap per namespace, batch before pod, plan order',
  async (t) => {
    // Given 20 planned pods spread over a, b, c and the probe namespace
    const namespaces = Array.from({ length: 20 }, (_, i) => ['a', 'b', 'c', PROBE_NS][i % 4] as string);
    const planned = pods(namespaces);
    const api = new SlowApi();
    // When they are deployed
    const out = await deployPods(deployContext(api, RUN), { pods: planned, probeNamespace: PROBE_NS });
    // Then several creates were in flight at once, never more than the bound
    t.ok(api.maxInFlight > 1, `creates overlapped (${api.maxInFlight} at most)`);
    t.ok(api.maxInFlight <= DEPLOY_CONCURRENCY, `at most one create per worker in flight`);
    // And each foreign namespace got exactly one agent ConfigMap (the probe namespace's comes with deployBase)
    const agentMaps = api.calls.filter((c) => c.kind === 'configmaps' && c.name.startsWith('meshprobe-agent'));
    t.same(agentMaps.map((c) => c.namespace).sort(), ['a', 'b', 'c']);
    // And every pod was created after its batch ConfigMap, and after its namespace's agent ConfigMap
    for (const p of planned) {
      const at = (name: string, ns: string): number =>
        api.calls.findIndex((c) => c.op === 'create' && c.name === name && c.namespace === ns);
      t.ok(at(`${p.name}-batch`, p.namespace) < at(p.name, p.namespace), `${p.name}: batch before pod`);
      if (p.namespace !== PROBE_NS)
        t.ok(at(`meshprobe-agent-${RUN}`, p.namespace) < at(p.name, p.namespace), `${p.name}: agent before pod`);
    }
    // And the result is in plan order
    t.same(
      out.map((d) => [d.kind, d.pod.name]),
      planned.map((p) => ['created', p.name]),
    );
  },
);

t.test("a foreign namespace's failures cost only its pods; its agent ConfigMap is tried once", async (t) => {
  // Given admission refuses pods in b and the agent ConfigMap in c
  let agentAsksInC = 0;
  const api = new SlowApi({
    onCreate(kind, ns, body) {
      const name = body.metadata?.name ?? '';
      if (kind === 'pods' && ns === 'b') throw forbidden(`pod ${name}`);
      if (ns === 'c' && name.startsWith('meshprobe-agent')) {
        agentAsksInC += 1;
        throw forbidden('agent ConfigMap');
      }
    },
  });
  const planned = pods(['a', 'b', 'c', 'a', 'b', 'c', 'c', 'a']);
  // When they are deployed
  const out = await deployPods(deployContext(api, RUN), { pods: planned, probeNamespace: PROBE_NS });
  // Then a's pods are created, b's and c's failed with the API's message, in plan order
  t.same(
    out.map((d) => `${d.pod.namespace}:${d.kind}`),
    ['a:created', 'b:failed', 'c:failed', 'a:created', 'b:failed', 'c:failed', 'c:failed', 'a:created'],
  );
  for (const d of out) if (d.kind === 'failed') t.equal(d.error.code, 'E_DEPLOY');
  // And c's agent ConfigMap was asked for once, though three of its pods started side by side
  t.equal(agentAsksInC, 1, 'one create of the agent ConfigMap in c');
  t.same(
    api.calls.filter((c) => c.namespace === 'c'),
    [],
    'nothing stored in c',
  );
  t.equal(out.filter((d) => d.kind === 'failed' && /agent ConfigMap/.test(d.error.message)).length, 3);
});

t.test(
  'a probe-namespace failure is thrown after every create in flight has settled, each with its finalizer',
  async (t) => {
    // Given the 5th pod, in the probe namespace, is refused
    const planned = pods(['a', 'b', 'c', 'a', PROBE_NS, 'b', 'c', 'a', 'b', 'c', 'a', 'b']);
    const api = new SlowApi({
      onCreate(kind, _ns, body) {
        if (kind === 'pods' && body.metadata?.name === planned[4]?.name) throw forbidden('probe pod');
      },
    });
    const finalizers = new FinalizerStack();
    // When they are deployed
    const thrown = await deployPods(deployContext(api, RUN, finalizers), {
      pods: planned,
      probeNamespace: PROBE_NS,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    // Then the run's deploy fails with the admission error
    t.match(thrown, { code: 'E_DEPLOY' });
    // And nothing was still being created when it did, and no pod after the failing one's worker stopped was begun
    t.equal(api.inFlight, 0, 'no create in flight');
    const created = api.calls.filter((c) => c.op === 'create' && c.kind === 'pods').length;
    t.ok(created < planned.length - 1, `workers stopped taking pods (${created} of ${planned.length - 1} others)`);
    // And every foreign object that was created has a finalizer to delete it
    const result = await finalizers.runAll({ timeoutMs: 5_000, signal: new AbortController().signal });
    t.ok(result.ok);
    const left = api.objects.filter((o) => o.kind !== 'Namespace' && o.metadata?.namespace !== PROBE_NS);
    t.same(left, [], 'cleanup left nothing in a, b, c');
  },
);
