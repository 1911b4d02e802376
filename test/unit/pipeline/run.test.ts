import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { runConformance, type RunDeps } from '../../../src/pipeline/run.js';
import { RecordingProgress } from '../../../src/shared/progress.js';
import { MeshprobeError } from '../../../src/shared/errors.js';
import type { KubeObject } from '../../../src/cluster/ports.js';
import type { AttemptBatch } from '../../../probes/protocol.js';
import { FakeClusterApi, type FakeHooks } from '../../fakes/cluster-api.js';

const FIXTURE = new URL('../../fixtures/cluster/istio.json', import.meta.url);

/** What an agent prints for a batch: every attempt connected (HTTP 200 for HTTP), then done. */
function agentLog(batch: AttemptBatch): string {
  const lines = batch.attempts.map((a) =>
    JSON.stringify({
      v: 1,
      attemptId: a.id,
      startedAt: '2026-11-23T19:00:00.000Z',
      durationMs: 3,
      transport: 'connected',
      bytesReceived: 20,
      ...(a.technique === 'http' ? { http: { status: 200, headers: {}, bodyPrefix: 'ok' } } : {}),
    }),
  );
  lines.push(
    JSON.stringify({
      v: 1,
      done: true,
      count: batch.attempts.length,
      selfCheck: { meshListeners: [], meshed: false, nodeVersion: 'v20.20.0' },
    }),
  );
  return `${lines.join('\n')}\n`;
}

function batchOf(api: FakeClusterApi, pod: KubeObject): AttemptBatch {
  const cm = api.objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata?.name === `${pod.metadata?.name}-batch` &&
      o.metadata?.namespace === pod.metadata?.namespace,
  );
  return JSON.parse(cm?.data?.['batch.json'] ?? '{}') as AttemptBatch;
}

const running = { phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] };
const succeeded = {
  phase: 'Succeeded',
  containerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
};

function fake(hooks: Partial<FakeHooks> = {}): FakeClusterApi {
  const api: FakeClusterApi = FakeClusterApi.fromFixture(FIXTURE, {
    hooks: {
      podStatus: (pod) => (pod.metadata?.name === 'meshprobe-echo' ? running : succeeded),
      podLog: (pod) => agentLog(batchOf(api, pod)),
      ...hooks,
    },
  });
  return api;
}

function setup(t: { teardown(fn: () => void): void }, over: Partial<Options> = {}): { options: Options; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { options: { ...DEFAULTS, scope: 'pci.scope=cde', outputDir: dir, podReadyTimeout: 2, ...over }, dir };
}

function deps(api: FakeClusterApi, signal = new AbortController().signal): RunDeps & { progress: RecordingProgress } {
  return {
    cluster: api,
    progress: new RecordingProgress(),
    signal,
    clock: () => new Date('2026-11-23T19:00:00Z'),
    random: () => 'abcd',
    agentSource: async () => '/* agent */',
    pollMs: 5,
  };
}

const RUN = '20261123-190000-abcd';
const mine = (api: FakeClusterApi): KubeObject[] =>
  api.leftovers().filter((o) => o.metadata?.labels?.['meshprobe.io/run-id'] === RUN);

t.test('a run creates its namespace, ConfigMaps and pods, collects evidence and leaves nothing behind', async (t) => {
  // Given the Istio fixture cluster where every attempt connects
  const api = fake();
  const { options, dir } = setup(t);
  // When the whole pipeline runs
  const result = await runConformance(options, deps(api));
  // Then it created the namespace first, the echo pod and Service, and one pod per batch
  const creates = api.calls.filter((c) => c.op === 'create');
  t.match(creates[0], { kind: 'namespaces', name: `meshprobe-${RUN}` });
  t.ok(creates.some((c) => c.kind === 'services' && c.name === 'meshprobe-echo'));
  t.ok(
    creates.some((c) => c.kind === 'pods' && c.namespace === 'shop'),
    'a foreign probe pod',
  );
  t.ok(
    creates.some((c) => c.kind === 'configmaps' && c.namespace === 'shop' && c.name === `meshprobe-agent-${RUN}`),
    'agent ConfigMap in the foreign namespace',
  );
  // And every attempt has evidence, written to the log and the report
  t.equal(result.report.evidence.length, result.report.summary.attempts);
  t.ok(result.report.evidence.length > 10);
  t.equal(readFileSync(join(dir, 'evidence.jsonl'), 'utf8').trim().split('\n').length, result.report.evidence.length);
  t.ok(result.files.some((f) => f.endsWith('report.json')));
  t.notOk(result.report.aborted);
  t.ok(result.report.verdicts.length > 0, 'controls were evaluated');
  // And cleanup deleted foreign objects individually, the namespace last, leaving nothing of this run
  t.equal(result.report.cleanup.ok, true);
  const deletes = api.calls.filter((c) => c.op === 'delete');
  t.match(deletes.at(-1), { kind: 'namespaces', name: `meshprobe-${RUN}` });
  t.same(mine(api), []);
});

t.test(
  'an image that cannot be pulled aborts with E_IMAGE_PULL naming the image and --agent-image; cleanup still runs',
  async (t) => {
    const api = fake({
      podStatus: () => ({
        phase: 'Pending',
        containerStatuses: [
          {
            image: 'registry.invalid/node:20',
            state: {
              waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.invalid/node:20"' },
            },
          },
        ],
      }),
    });
    const { options } = setup(t, { agentImage: 'registry.invalid/node:20' });
    const result = await runConformance(options, deps(api));
    t.match(result.report.aborted, {
      code: 'E_IMAGE_PULL',
      // The echo pod starts beside the sweep's pods, so its failure ends the run in the sweep stage.
      stage: 'sweep',
      message: /registry\.invalid\/node:20.*--agent-image/,
    });
    t.equal(result.exitCode, 3);
    t.equal(result.report.cleanup.attempted, true);
    t.same(mine(api), []);
  },
);

t.test(
  'missing permissions are found before anything is created (E_FORBIDDEN, points at meshprobe rbac)',
  async (t) => {
    const api = fake({ allowed: (perm, ns) => !(perm === 'create-pods' && ns === 'shop') });
    const { options } = setup(t);
    const result = await runConformance(options, deps(api));
    t.match(result.report.aborted, {
      code: 'E_FORBIDDEN',
      stage: 'preflight',
      message: /create pods in shop.*meshprobe rbac/,
    });
    t.same(
      api.calls.filter((c) => c.op === 'create'),
      [],
      'nothing created',
    );
    t.equal(result.exitCode, 3);
  },
);

t.test(
  'a Pod Security rejection in the probe namespace is E_DEPLOY with the API message; the namespace is deleted',
  async (t) => {
    const api = fake({
      onCreate: (kind, ns, body) => {
        if (kind === 'pods' && body.metadata?.name !== 'meshprobe-echo' && ns === `meshprobe-${RUN}`) {
          throw new MeshprobeError(
            'E_FORBIDDEN',
            `forbidden to create pods in namespace ${ns}: pods "x" is forbidden: violates PodSecurity "restricted:latest": seccompProfile`,
          );
        }
      },
    });
    const { options } = setup(t, { foreignPods: false });
    const result = await runConformance(options, deps(api));
    t.match(result.report.aborted, { code: 'E_DEPLOY', message: /violates PodSecurity "restricted:latest"/ });
    t.same(mine(api), []);
  },
);

t.test('a rejection in a foreign namespace loses only that vantage; the run continues', async (t) => {
  const api = fake({
    onCreate: (kind, ns) => {
      if (kind === 'pods' && ns === 'legacy')
        throw new MeshprobeError('E_API', 'admission webhook "deny.example" denied the request');
    },
  });
  const { options } = setup(t);
  const run = deps(api);
  const result = await runConformance(options, run);
  t.notOk(result.report.aborted);
  t.ok(run.progress.events.some((e) => e.kind === 'warn' && /legacy.*denied the request/.test(e.text)));
  const fromLegacy = result.report.evidence.filter(
    (e) => e.attempt.vantage.kind === 'from-namespace' && e.attempt.vantage.namespace === 'legacy',
  );
  t.ok(fromLegacy.length > 0 && fromLegacy.every((e) => e.observation === undefined));
  t.same(mine(api), []);
});

t.test("an unschedulable pod ends the run with E_POD_TIMEOUT and the scheduler's reason", async (t) => {
  const api = fake({
    podStatus: () => ({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient cpu.',
        },
      ],
    }),
  });
  const { options } = setup(t, { podReadyTimeout: 0 });
  const result = await runConformance(options, deps(api));
  t.match(result.report.aborted, {
    code: 'E_POD_TIMEOUT',
    message: /not scheduled within 0s: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu\./,
  });
  t.same(mine(api), []);
});

t.test('SIGINT during the run stops waiting, cleans up, and exits 130', async (t) => {
  const controller = new AbortController();
  const api = fake({
    podStatus: (pod) => {
      if (pod.metadata?.name === 'meshprobe-echo') return running;
      controller.abort('SIGINT');
      return running;
    },
  });
  // (no listener sweep: this is about the run stage)
  const { options } = setup(t, { ports: 'none' });
  const result = await runConformance(options, deps(api, controller.signal));
  t.equal(result.report.interrupted, true);
  t.match(result.report.aborted, { code: 'E_INTERRUPTED', stage: 'run' });
  t.equal(result.exitCode, 130);
  t.equal(result.report.cleanup.ok, true);
  t.same(mine(api), []);
});

t.test(
  "SIGINT after one pod finished keeps that pod's evidence (report and evidence.jsonl); the rest is inconclusive; cleanup runs",
  async (t) => {
    // Given a run where the first probe pod looked at finishes and is collected, and the user
    // presses Ctrl-C right after its log was read, while every other agent is still running
    // (it printed one line and no done line yet)
    const controller = new AbortController();
    let finished: string | undefined;
    let finishedIds: readonly string[] = [];
    const api: FakeClusterApi = fake({
      podStatus: (pod) => {
        const name = pod.metadata?.name ?? '';
        if (name === 'meshprobe-echo') return running;
        finished ??= name;
        return name === finished ? succeeded : running;
      },
      podLog: (pod) => {
        const batch = batchOf(api, pod);
        const full = agentLog(batch);
        if (pod.metadata?.name !== finished) return `${full.split('\n')[0] ?? ''}\n`;
        finishedIds = batch.attempts.map((a) => a.id);
        controller.abort('SIGINT');
        return full;
      },
    });
    const { options, dir } = setup(t, { ports: 'none' });
    // When the run is interrupted
    const result = await runConformance(options, deps(api, controller.signal));
    // Then the report says so, and cleanup ran and left nothing behind
    t.equal(result.report.interrupted, true);
    t.match(result.report.aborted, { code: 'E_INTERRUPTED', stage: 'run' });
    t.equal(result.exitCode, 130);
    t.match(result.report.cleanup, { attempted: true, ok: true });
    t.same(mine(api), []);
    // And every attempt of the finished pod keeps its observation and a real outcome, in report.json too
    t.ok(finishedIds.length > 0, 'one probe pod finished and was read');
    t.equal(result.report.evidence.length, result.report.summary.attempts, 'every planned attempt has evidence');
    const byId = new Map(result.report.evidence.map((e) => [e.id, e]));
    const lost = finishedIds.filter(
      (id) => byId.get(id)?.observation === undefined || byId.get(id)?.outcome.kind === 'inconclusive',
    );
    t.same(lost, [], "the finished pod's attempts keep their observations and outcomes");
    const written = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      evidence: { id: string; observation?: unknown }[];
    };
    t.same(
      written.evidence.filter((e) => e.observation !== undefined && finishedIds.includes(e.id)).length,
      finishedIds.length,
    );
    // And everything else is inconclusive: no observation, or a partial log without the agent's self-check
    const rest = result.report.evidence.filter((e) => !finishedIds.includes(e.id));
    t.ok(rest.length > 0);
    const decided = rest.filter(
      (e) => !(e.outcome.kind === 'inconclusive' && ['no-observation', 'no-self-check'].includes(e.outcome.reason)),
    );
    t.same(
      decided.map((e) => e.id),
      [],
      'attempts of unfinished pods are inconclusive',
    );
    t.ok(
      rest.some((e) => e.observation !== undefined),
      "a still-running pod's partial log was read once",
    );
    // And evidence.jsonl holds the same evidence, the finished pod's included
    const lines = readFileSync(join(dir, 'evidence.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { id: string; observation?: unknown });
    t.equal(lines.length, result.report.evidence.length);
    t.same(
      finishedIds.filter((id) => lines.find((l) => l.id === id)?.observation === undefined),
      [],
      "evidence.jsonl has the finished pod's observations",
    );
  },
);

t.test('an unreachable cluster aborts in discover with nothing to clean up and a report still written', async (t) => {
  const api = fake({
    onList: () => {
      throw new MeshprobeError('E_CLUSTER_UNREACHABLE', 'cannot reach the API server https://x (ECONNREFUSED)');
    },
  });
  const { options, dir } = setup(t);
  const result = await runConformance(options, deps(api));
  t.match(result.report.aborted, { code: 'E_CLUSTER_UNREACHABLE', stage: 'discover' });
  t.equal(result.report.cleanup.attempted, false);
  t.ok(readFileSync(join(dir, 'report.json'), 'utf8').includes('E_CLUSTER_UNREACHABLE'));
  t.equal(result.exitCode, 3);
});

t.test('a fatal pod failure also stops the host batch at once (it does not wait for its own deadline)', async (t) => {
  // Given an --untrusted-path to a local server that accepts and never answers, so every host TLS attempt would hang 20 s
  const { startTcpServer } = await import('../../helpers/servers.js');
  const silent = await startTcpServer('silent');
  t.teardown(silent.close);
  // And probe pods that start, then hit an image pull failure during the run stage (fatal), while the echo pod runs
  const polls = new Map<string, number>();
  const api = fake({
    podStatus: (pod) => {
      const name = pod.metadata?.name ?? '';
      if (name === 'meshprobe-echo') return running;
      polls.set(name, (polls.get(name) ?? 0) + 1);
      return (polls.get(name) ?? 0) <= 3
        ? running
        : {
            phase: 'Pending',
            containerStatuses: [
              {
                image: 'registry.invalid/node:20',
                state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
              },
            ],
          };
    },
  });
  const { options } = setup(t, { untrustedPaths: [`127.0.0.1:${silent.port}`], attemptTimeout: 20_000, ports: 'none' });
  // When the run goes
  const started = Date.now();
  const result = await runConformance(options, deps(api));
  // Then it aborts on the pod failure well before the host attempts' 20 s, keeps the host attempts, and cleans up
  t.match(result.report.aborted, { code: 'E_IMAGE_PULL', stage: 'run' });
  t.ok(Date.now() - started < 10_000, `ended after ${Date.now() - started} ms`);
  t.ok(silent.accepted() > 0, 'the host batch had started');
  t.ok(
    result.report.evidence.some((e) => e.attempt.vantage.kind === 'host'),
    'host attempts are in the evidence',
  );
  t.same(mine(api), []);
});
