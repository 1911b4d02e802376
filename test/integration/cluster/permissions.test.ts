import t from 'tap';
import { createKubeClient } from '../../../src/cluster/kube-client.js';
import { PERMISSIONS, type Permission, type PermissionId } from '../../../src/cluster/permissions.js';
import type { CustomKind, ListKind, WriteKind } from '../../../src/cluster/ports.js';
import { rbacRules } from '../../../src/cluster/rbac.js';
import { listOf, startApiServer, type SeenRequest } from './api-server.js';

/** The RBAC (verb, group, resource) a request needs, derived from method and path as the apiserver does. */
function rbacOf(r: SeenRequest): string {
  if (r.path === '/version') return 'get||/version';
  const parts = r.path.split('/').filter(Boolean);
  const [prefix, ...rest] = parts;
  const group = prefix === 'api' ? '' : (rest.shift() ?? '');
  rest.shift(); // version
  let namespaced = false;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespaced = true;
    rest.splice(0, 2);
  }
  const [resource = '', name, sub] = rest;
  const full = sub ? `${resource}/${sub}` : resource;
  void namespaced;
  const verb = r.method === 'POST' ? 'create' : r.method === 'DELETE' ? 'delete' : name === undefined ? 'list' : 'get';
  return `${verb}|${group}|${full}`;
}

const ALL_LISTS: readonly ListKind[] = [
  'namespaces',
  'pods',
  'services',
  'nodes',
  'endpointslices',
  'networkpolicies',
  'configmaps',
  ...([
    'peerauthentications',
    'authorizationpolicies.istio',
    'sidecars',
    'destinationrules',
    'servers',
    'serverauthorizations',
    'authorizationpolicies.linkerd',
    'meshtlsauthentications',
    'networkauthentications',
    'ciliumnetworkpolicies',
  ] satisfies CustomKind[]),
];
const ALL_WRITES: readonly WriteKind[] = ['namespaces', 'configmaps', 'pods', 'services'];

t.test('every request the adapter sends is covered by the permission list, and every entry is used', async (t) => {
  // Given an API server that answers every call successfully
  const api = await startApiServer((r) => {
    if (r.path === '/version') return { status: 200, json: { gitVersion: 'v1.34.4', major: '1', minor: '34' } };
    if (r.path.endsWith('/log')) return { status: 200, text: '{"v":1}\n' };
    if (r.method === 'POST' && r.path.includes('selfsubjectaccessreviews')) {
      return { status: 201, json: { ...(JSON.parse(r.body) as object), status: { allowed: true } } };
    }
    if (r.method === 'POST') return { status: 201, json: JSON.parse(r.body) as object };
    if (r.method === 'DELETE')
      return { status: 200, json: { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} } };
    if (r.path.split('/').length === 7 && r.path.includes('/pods/'))
      return { status: 200, json: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' } } };
    return listOf('List', []);
  });
  t.teardown(() => api.close());
  const client = createKubeClient({ kubeconfig: api.kubeconfig() });
  // When every method is called for every kind
  t.equal(await client.version(), 'v1.34.4');
  for (const kind of ALL_LISTS) await client.list(kind);
  await client.list('pods', { namespace: 'n', labelSelector: 'a=b' });
  for (const kind of ALL_WRITES) {
    await client.create(kind, kind === 'namespaces' ? undefined : 'n', {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'x' },
    });
    await client.delete(kind, kind === 'namespaces' ? undefined : 'n', 'x');
  }
  t.ok(await client.readPod('n', 'p'));
  t.equal(await client.readPodLog('n', 'p', 'agent'), '{"v":1}\n');
  const access = await client.checkAccess([{ permission: 'create-pods', namespace: 'n' }]);
  t.same(access, [{ permission: 'create-pods', namespace: 'n', allowed: true }]);
  // Then each request maps to a listed permission, and each listed permission was needed
  const listed = new Set((Object.values(PERMISSIONS) as Permission[]).map((p) => `${p.verb}|${p.group}|${p.resource}`));
  const used = new Set(api.seen.map(rbacOf));
  for (const u of used) t.ok(listed.has(u), `request needing ${u} is in PERMISSIONS`);
  for (const l of listed) t.ok(used.has(l), `permission ${l} is used by the adapter`);
  // And the SSAR asked about exactly the permission's attributes
  const ssar = api.seen.find((r) => r.path.includes('selfsubjectaccessreviews'));
  t.match(JSON.parse(ssar?.body ?? '{}'), {
    spec: { resourceAttributes: { verb: 'create', group: '', resource: 'pods', namespace: 'n' } },
  });
});

t.test('the rendered RBAC rules cover every permission the run needs and plan needs only reads', async (t) => {
  const ids = Object.keys(PERMISSIONS) as PermissionId[];
  const runRules = rbacRules(['run', 'cleanup']);
  for (const id of ids) {
    const p: Permission = PERMISSIONS[id];
    const covered = runRules.some(
      (r) =>
        (r.nonResourceURLs?.includes(p.resource) ?? false) ||
        ((r.apiGroups?.includes(p.group) ?? false) &&
          (r.resources?.includes(p.resource) ?? false) &&
          r.verbs.includes(p.verb)),
    );
    t.ok(covered, `${id} is granted by the run/cleanup role`);
  }
  const planVerbs = new Set(rbacRules(['plan']).flatMap((r) => r.verbs));
  t.same([...planVerbs].sort(), ['get', 'list']);
});
