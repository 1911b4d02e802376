import t from 'tap';
import { cleanupLabelled } from '../../../src/deploy/cleanup.js';
import type { KubeObject, WriteKind } from '../../../src/cluster/ports.js';
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
    t.same(await cleanupLabelled(api, { runId: 'r1' }), { attempted: false, ok: true, deleted: [], problems: [] });
  },
);

t.test('cleanup without a run id removes every run', async (t) => {
  const api = new FakeClusterApi(objects());
  await cleanupLabelled(api);
  t.same(api.leftovers(), []);
  t.ok(api.objects.some((o) => o.metadata?.name === 'app'));
});

t.test('a failed delete is reported, the others still happen', async (t) => {
  const api = new FakeClusterApi(objects());
  const del = api.delete.bind(api);
  api.delete = async (kind: WriteKind, ns: string | undefined, name: string) => {
    if (name === 'foreign')
      throw Object.assign(new Error('forbidden to delete pods in namespace shop'), { code: 'E_FORBIDDEN' });
    return del(kind, ns, name);
  };
  const r = await cleanupLabelled(api, { runId: 'r1' });
  t.equal(r.ok, false);
  t.same(r.problems, ['pod shop/foreign: E_FORBIDDEN: forbidden to delete pods in namespace shop']);
  t.same(r.deleted, ['configmap shop/foreign-batch', 'namespace meshprobe-r1']);
});
