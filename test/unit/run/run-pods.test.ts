/** RUN: waiting for many probe pods and reading their logs, also when the run stops early. */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { gatherPods, type GatherPod } from '../../../src/run/run-pods.js';
import { FakeClusterApi, type FakeHooks } from '../../fakes/cluster-api.js';

const NS = 'meshprobe-20261123-190000-abcd';
const running = { phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] };
const succeeded = {
  phase: 'Succeeded',
  containerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
};
const logOf = (name: string): string => `{"pod":"${name}"}\n`;

/** A fake cluster holding `count` probe pods named p0, p1, ... in the probe namespace. */
async function clusterWith(count: number, hooks: FakeHooks): Promise<{ api: FakeClusterApi; pods: GatherPod[] }> {
  const api = new FakeClusterApi([], { hooks });
  const pods: GatherPod[] = [];
  for (let i = 0; i < count; i++) {
    const name = `p${i}`;
    await api.create('pods', NS, { metadata: { name, namespace: NS } });
    pods.push({
      namespace: NS,
      name,
      vantageId: 'probe-namespace',
      expectedIds: [`a${i}`],
      deadlineMs: 10_000,
      fatal: true,
    });
  }
  return { api, pods };
}

/** The same fake, with a log read that never answers (and ignores its signal) for some pods. */
class HungLogApi extends FakeClusterApi {
  constructor(
    hooks: FakeHooks,
    readonly hung: ReadonlySet<string>,
  ) {
    super([], { hooks });
  }

  override readPodLog(namespace: string, name: string, container: string): Promise<string> {
    return this.hung.has(name) ? new Promise<string>(() => undefined) : super.readPodLog(namespace, name, container);
  }
}

const nameOf = (pod: KubeObject): string => pod.metadata?.name ?? '';

t.test('twelve pods polled at once print no MaxListenersExceededWarning', async (t) => {
  // Given 12 pods that each run for a few polls before they finish
  const reads = new Map<string, number>();
  const { api, pods } = await clusterWith(12, {
    podStatus: (pod) => {
      const n = (reads.get(nameOf(pod)) ?? 0) + 1;
      reads.set(nameOf(pod), n);
      return n < 5 ? running : succeeded;
    },
    podLog: (pod) => logOf(nameOf(pod)),
  });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  // When they are gathered on one run signal
  const result = await gatherPods(api, pods, {
    readyTimeoutMs: 5000,
    signal: new AbortController().signal,
    image: 'node:20',
    pollMs: 2,
  });
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  // Then every log was read, and Node warned about nothing
  t.equal(result.stoppedBy, undefined);
  t.same(
    result.outcomes.map((o) => o.log),
    pods.map((p) => logOf(p.name)),
  );
  t.same(
    warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
    [],
  );
});

t.test(
  'a stop keeps the logs already read and reads each unfinished pod once, within the salvage budget even when a read hangs',
  async (t) => {
    // Given p0 finished, p1 still running (its log readable), and p2 running with a log read that never answers
    const controller = new AbortController();
    const hooks: FakeHooks = {
      podStatus: (pod) => (nameOf(pod) === 'p0' ? succeeded : running),
      podLog: (pod) => {
        // The user presses Ctrl-C right after p0's log was read
        if (nameOf(pod) === 'p0') controller.abort('SIGINT');
        return logOf(nameOf(pod));
      },
    };
    const api = new HungLogApi(hooks, new Set(['p2']));
    const pods: GatherPod[] = [];
    for (const name of ['p0', 'p1', 'p2']) {
      await api.create('pods', NS, { metadata: { name, namespace: NS } });
      pods.push({
        namespace: NS,
        name,
        vantageId: 'probe-namespace',
        expectedIds: [],
        deadlineMs: 60_000,
        fatal: true,
      });
    }
    // When the run is interrupted while gathering
    const started = Date.now();
    const result = await gatherPods(api, pods, {
      readyTimeoutMs: 5000,
      signal: controller.signal,
      image: 'node:20',
      pollMs: 2,
      salvageMs: 100,
    });
    // Then gathering ended within the salvage budget (not the pods' 60 s deadline) and says why it stopped
    t.ok(Date.now() - started < 2000, `ended after ${Date.now() - started} ms`);
    t.match(result.stoppedBy, { code: 'E_INTERRUPTED' });
    const [p0, p1, p2] = result.outcomes;
    // And p0 keeps its log with no problem, p1 was read once, p2 has no log and says so
    t.same(p0, { namespace: NS, name: 'p0', vantageId: 'probe-namespace', expectedIds: [], log: logOf('p0') });
    t.match(p1, {
      log: logOf('p1'),
      problem: /run stopped before pod .*\/p1 was seen to finish; its log was read once/,
    });
    t.equal(p2?.log, undefined);
    t.match(p2, {
      problem: /run stopped before pod .*\/p2 finished, and its log could not be read \(no answer within 100 ms\)/,
    });
  },
);

t.test('a fatal pod failure stops the others but keeps what finished pods printed', async (t) => {
  // Given p0 finished, p1 cannot pull its image, p2 is still running
  const { api, pods } = await clusterWith(3, {
    podStatus: (pod) => {
      if (nameOf(pod) === 'p0') return succeeded;
      if (nameOf(pod) === 'p1')
        return {
          phase: 'Pending',
          containerStatuses: [
            { image: 'node:20', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } } },
          ],
        };
      return running;
    },
    podLog: (pod) => logOf(nameOf(pod)),
  });
  // When gathered
  const result = await gatherPods(api, pods, {
    readyTimeoutMs: 5000,
    signal: new AbortController().signal,
    image: 'node:20',
    pollMs: 2,
    salvageMs: 100,
  });
  // Then the image-pull failure is why it stopped, and p0's log is kept
  t.match(result.stoppedBy, { code: 'E_IMAGE_PULL' });
  t.equal(result.outcomes[0]?.log, logOf('p0'));
  t.match(result.outcomes[1], { problem: /cannot pull image/ });
  t.equal(result.outcomes[1]?.log, undefined);
});
