import t from 'tap';
import { cleanupLabelled } from '../../../src/deploy/cleanup.js';
import type { KubeObject, ListKind, ListOptions, WriteKind } from '../../../src/cluster/ports.js';
import { isTransientClusterError } from '../../../src/cluster/api-errors.js';
import { backoffDelay } from '../../../src/cluster/retry.js';
import { CLEANUP_BACKOFF } from '../../../src/deploy/cleanup-retry.js';
import { FinalizerStack } from '../../../src/deploy/finalizers.js';
import { MeshprobeError } from '../../../src/shared/errors.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';

const L = (run: string): Record<string, string> => ({
  'app.kubernetes.io/managed-by': 'meshprobe',
  'meshprobe.io/run-id': run,
});
const objects = (): KubeObject[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'meshprobe-r1', labels: L('r1') } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'in-own-ns', namespace: 'meshprobe-r1', labels: L('r1') } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'foreign', namespace: 'shop', labels: L('r1') } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign-batch', namespace: 'shop', labels: L('r1') } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other-run', namespace: 'shop', labels: L('r2') } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'shop', labels: { app: 'web' } } },
];

t.test(
  'cleanup deletes foreign pods before their ConfigMaps, namespaces last, and only meshprobe objects',
  async (t) => {
    // Given objects of two runs and an application pod
    const api = new FakeClusterApi(objects());
    // When one run is cleaned up
    const r = await cleanupLabelled(api, { runId: 'r1' });
    // Then its foreign objects go one by one, pod first, and its namespace (with contents) last
    t.same(r.deleted, ['pod shop/foreign', 'configmap shop/foreign-batch', 'namespace meshprobe-r1']);
    t.equal(r.ok, true);
    t.same(
      api.objects.map((o) => o.metadata?.name).sort(),
      ['app', 'other-run', 'shop'],
      'the other run and the app are untouched',
    );
    // And a second cleanup finds nothing
    t.same(await cleanupLabelled(api, { runId: 'r1' }), {
      attempted: false,
      ok: true,
      deleted: [],
      problems: [],
      verified: true,
    });
  },
);

t.test('cleanup without a run id removes every run', async (t) => {
  const api = new FakeClusterApi(objects());
  await cleanupLabelled(api);
  t.same(api.leftovers(), []);
  t.ok(api.objects.some((o) => o.metadata?.name === 'app'));
});

t.test(
  'a failed delete is reported with what is still there and the command to finish, the others still happen',
  async (t) => {
    const api = new FakeClusterApi(objects());
    const del = api.delete.bind(api);
    api.delete = async (kind: WriteKind, ns: string | undefined, name: string) => {
      if (name === 'foreign')
        throw Object.assign(new Error('forbidden to delete pods in namespace shop'), { code: 'E_FORBIDDEN' });
      return del(kind, ns, name);
    };
    const r = await cleanupLabelled(api, { runId: 'r1' });
    t.equal(r.ok, false);
    t.same(r.problems, [
      'pod shop/foreign: E_FORBIDDEN: forbidden to delete pods in namespace shop',
      'pod shop/foreign: still present',
    ]);
    t.same(r.deleted, ['configmap shop/foreign-batch', 'namespace meshprobe-r1']);
    t.equal(r.verified, false);
    t.equal(r.retries, undefined, 'a 403 is final: not retried');
    t.equal(r.finishCommand, 'meshprobe cleanup --run-id r1');
  },
);

const FAST = { firstDelayMs: 5, maxDelayMs: 20 };
const down = (): Error =>
  new MeshprobeError('E_CLUSTER_UNREACHABLE', 'cannot reach the API server https://api:6443 (ECONNREFUSED)');

/** A fake whose every call fails with `fault()` while `isDown()` is true. */
function outage(api: FakeClusterApi, isDown: () => boolean, fault: () => Error = down): { calls: number } {
  const seen = { calls: 0 };
  const del = api.delete.bind(api);
  const list = api.list.bind(api);
  api.delete = async (kind: WriteKind, ns: string | undefined, name: string) => {
    seen.calls++;
    if (isDown()) throw fault();
    return del(kind, ns, name);
  };
  api.list = async (kind: ListKind, o?: ListOptions) => {
    seen.calls++;
    if (isDown()) throw fault();
    return list(kind, o);
  };
  return seen;
}

t.test('while the API server is away, cleanup retries and deletes everything once it answers again', async (t) => {
  // Given an API server that refuses the first 7 calls, then serves
  const api = new FakeClusterApi(objects());
  let calls = 0;
  outage(api, () => ++calls <= 7);
  // When run r1 is cleaned up
  const r = await cleanupLabelled(api, { runId: 'r1', backoff: FAST, timeoutMs: 10_000 });
  // Then it waited, retried and removed everything of r1, verified by listing
  t.equal(r.ok, true);
  t.equal(r.verified, true);
  t.ok((r.retries ?? 0) >= 7, `retried ${r.retries} call(s)`);
  t.same(r.problems, []);
  t.same(
    api.leftovers().map((o) => o.metadata?.name),
    ['other-run'],
  );
});

t.test('429 and 5xx answers are retried like an unreachable server', async (t) => {
  for (const status of [429, 500, 503]) {
    const api = new FakeClusterApi(objects());
    let calls = 0;
    const fault = (): Error =>
      new MeshprobeError('E_API', `the API server answered ${status}`, { cause: { code: status, body: '{}' } });
    outage(api, () => ++calls <= 3, fault);
    const r = await cleanupLabelled(api, { runId: 'r1', backoff: FAST, timeoutMs: 10_000 });
    t.equal(r.ok, true, `${status}: ok`);
    t.ok((r.retries ?? 0) >= 3, `${status}: retried`);
  }
});

t.test('a run cleanup runs its finalizers first, then deletes what only the labels show, then verifies', async (t) => {
  // Given a run whose finalizer stack knows the namespace but not the foreign pod (its create answer was lost)
  const api = new FakeClusterApi(objects());
  const stack = new FinalizerStack().push('namespace meshprobe-r1', async () => {
    await api.delete('namespaces', undefined, 'meshprobe-r1');
  });
  let calls = 0;
  outage(api, () => ++calls <= 2);
  // When it is cleaned up with its finalizers
  const r = await cleanupLabelled(api, { runId: 'r1', finalizers: stack, backoff: FAST, timeoutMs: 10_000 });
  // Then the finalizer ran first and the labelled leftovers were found and deleted
  t.equal(r.ok, true);
  t.same(r.deleted, ['namespace meshprobe-r1', 'pod shop/foreign', 'configmap shop/foreign-batch']);
  t.same(
    api.leftovers().map((o) => o.metadata?.name),
    ['other-run'],
  );
});

t.test('when the API server never comes back, cleanup gives up at its budget and names the command', async (t) => {
  // Given an API server that is down for good
  const api = new FakeClusterApi(objects());
  const seen = outage(api, () => true);
  const stack = new FinalizerStack().push('namespace meshprobe-r1', async () => {
    await api.delete('namespaces', undefined, 'meshprobe-r1');
  });
  // When a run cleanup with a 300 ms budget runs
  const started = Date.now();
  const r = await cleanupLabelled(api, { runId: 'r1', finalizers: stack, backoff: FAST, timeoutMs: 300 });
  // Then it ends near the budget, not ok, with the reason first and the command to finish it
  const ms = Date.now() - started;
  t.ok(ms >= 290 && ms < 5_000, `ended after ${ms} ms`);
  t.equal(r.ok, false);
  t.equal(r.verified, false);
  t.equal(r.finishCommand, 'meshprobe cleanup --run-id r1');
  t.match(r.problems[0], /^E_TIMEOUT: cleanup gave up: its budget of 0\.3s was spent$/);
  t.match(r.problems.join('\n'), /namespace meshprobe-r1: E_CLUSTER_UNREACHABLE: cannot reach the API server/);
  t.match(r.problems.join('\n'), /could not list what is left: E_TIMEOUT/);
  t.ok(seen.calls > 3, 'it kept trying');
  t.equal(api.leftovers().length, 5, 'nothing was deleted');
});

t.test('a forbidden list is final: not retried, and with nothing deleted it is not ok', async (t) => {
  const api = new FakeClusterApi(objects());
  const seen = outage(
    api,
    () => true,
    () => new MeshprobeError('E_FORBIDDEN', 'forbidden to list namespaces at cluster scope'),
  );
  const r = await cleanupLabelled(api, { runId: 'r1', backoff: FAST, timeoutMs: 10_000 });
  t.equal(seen.calls, 4, 'one list per kind, none repeated');
  t.equal(r.ok, false);
  t.same(r.problems, ['could not list what is left: E_FORBIDDEN: forbidden to list namespaces at cluster scope']);
});

t.test('a run whose finalizers all succeeded stays ok when the check is forbidden, but unverified', async (t) => {
  const api = new FakeClusterApi(objects());
  const stack = new FinalizerStack().push('namespace meshprobe-r1', async () => undefined);
  api.list = async () => {
    throw new MeshprobeError('E_FORBIDDEN', 'forbidden to list pods at cluster scope');
  };
  const r = await cleanupLabelled(api, { runId: 'r1', finalizers: stack, backoff: FAST });
  t.match(r, { ok: true, verified: false, problems: [], deleted: ['namespace meshprobe-r1'] });
});

t.test('stopping `meshprobe cleanup` (its signal) ends the retries at once and says it was interrupted', async (t) => {
  const api = new FakeClusterApi(objects());
  outage(api, () => true);
  const user = new AbortController();
  setTimeout(() => user.abort('SIGINT'), 50);
  const started = Date.now();
  const r = await cleanupLabelled(api, { signal: user.signal, backoff: FAST, timeoutMs: 60_000 });
  t.ok(Date.now() - started < 5_000, 'ended soon after the signal');
  t.equal(r.ok, false);
  t.equal(r.finishCommand, 'meshprobe cleanup');
  t.match(r.problems[0], /E_INTERRUPTED: cleanup interrupted by SIGINT/);
});

t.test('the pause between retries doubles from the first up to the cap', async (t) => {
  t.same(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, CLEANUP_BACKOFF)),
    [500, 1000, 2000, 4000, 5000, 5000],
  );
});

t.test('only unreachable, 429 and 5xx cluster errors are transient', async (t) => {
  const api = (status: number) => new MeshprobeError('E_API', 'x', { cause: { code: status, body: '' } });
  t.equal(isTransientClusterError(new MeshprobeError('E_CLUSTER_UNREACHABLE', 'x')), true);
  t.equal(isTransientClusterError(api(429)), true);
  t.equal(isTransientClusterError(api(500)), true);
  t.equal(isTransientClusterError(api(503)), true);
  t.equal(isTransientClusterError(api(409)), false);
  t.equal(isTransientClusterError(new MeshprobeError('E_API', 'no status')), false);
  t.equal(isTransientClusterError(new MeshprobeError('E_FORBIDDEN', 'x')), false);
  t.equal(isTransientClusterError(new Error('plain')), false);
});
