/**
 * RunDeps.onStage: the orchestrator reports each stage as it begins (the benchmark times
 * stages with it), in pipeline order, also when the run aborts, without changing the run.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { runConformance } from '../../../src/pipeline/run.js';
import { SILENT_PROGRESS } from '../../../src/shared/progress.js';
import { FakeClusterApi, type FakeHooks } from '../../fakes/cluster-api.js';
import { connectedLog, DONE, READY } from '../../fakes/connected-agent.js';

const FIXTURE = new URL('../../fixtures/cluster/istio.json', import.meta.url);

async function stagesOf(
  t: { teardown(fn: () => void): void },
  hooks: Partial<FakeHooks>,
  withObserver = true,
): Promise<{ stages: string[]; aborted: string | undefined; attempts: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-stages-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const api: FakeClusterApi = FakeClusterApi.fromFixture(FIXTURE, {
    hooks: {
      podStatus: (pod) => (pod.metadata?.name === 'meshprobe-echo' ? READY : DONE),
      podLog: (pod) => connectedLog(api, pod),
      ...hooks,
    },
  });
  const options: Options = { ...DEFAULTS, scope: 'pci.scope=cde', outputDir: dir, podReadyTimeout: 2 };
  const stages: string[] = [];
  const result = await runConformance(options, {
    cluster: api,
    progress: SILENT_PROGRESS,
    signal: new AbortController().signal,
    random: () => 'abcd',
    agentSource: async () => '/* agent */',
    pollMs: 5,
    ...(withObserver ? { onStage: (s: string) => stages.push(s) } : {}),
  });
  return { stages, aborted: result.report.aborted?.stage, attempts: result.report.evidence.length };
}

t.test('a full run reports every stage once, in pipeline order, ending with done', async (t) => {
  // Given a fake cluster where every pod runs and every attempt connects
  // When a run goes through with an onStage observer
  const { stages, aborted } = await stagesOf(t, {});
  // Then the stages come in the order of DESIGN §1, the pure ones included
  t.same(stages, [
    'discover',
    'plan',
    'preflight',
    'deploy',
    'sweep',
    'run',
    'collect',
    'cleanup',
    'evaluate',
    'report',
    'done',
  ]);
  t.equal(aborted, undefined);
});

t.test(
  'an aborted run still reports cleanup, evaluate, report and done, and the abort names the right stage',
  async (t) => {
    // Given a user who may not create pods in a foreign namespace (preflight refuses)
    // When the run aborts
    const { stages, aborted } = await stagesOf(t, {
      allowed: (perm, ns) => !(perm === 'create-pods' && ns === 'shop'),
    });
    // Then the observer saw the stages up to the abort and the closing ones; the report's stage is still read correctly
    t.same(stages, ['discover', 'plan', 'preflight', 'cleanup', 'evaluate', 'report', 'done']);
    t.equal(aborted, 'preflight');
  },
);

t.test('observing stages does not change what the run produces', async (t) => {
  // Given the same cluster run with and without an observer
  const observed = await stagesOf(t, {});
  const plain = await stagesOf(t, {}, false);
  // Then both produce the same amount of evidence and the unobserved run reported nothing
  t.equal(observed.attempts, plain.attempts);
  t.ok(observed.attempts > 0);
  t.same(plain.stages, []);
});

t.test(
  'the sweep pods start while the echo pod is still starting (one pod start less before the main round)',
  async (t) => {
    // Given a cluster where the echo pod becomes ready only once a sweep pod has been created
    let sweepPodCreated = false;
    const { aborted, stages } = await stagesOf(t, {
      onCreate: (kind, _ns, body) => {
        if (kind === 'pods' && /-sw-/.test(body.metadata?.name ?? '')) sweepPodCreated = true;
      },
      podStatus: (pod) => {
        if (pod.metadata?.name !== 'meshprobe-echo') return DONE;
        return sweepPodCreated ? READY : { phase: 'Pending' };
      },
    });
    // When the run goes through, Then it was not stopped waiting for the echo pod (--pod-ready-timeout 2 s)
    t.ok(sweepPodCreated, 'the fixture has a sweep');
    t.equal(aborted, undefined, 'the echo pod was waited for beside the sweep');
    t.ok(stages.includes('run'), 'the main round ran');
  },
);
