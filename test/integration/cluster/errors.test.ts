import t from 'tap';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKubeClient } from '../../../src/cluster/kube-client.js';
import { exitCodeForError } from '../../../src/shared/exit-codes.js';
import { isMeshprobeError, type MeshprobeError } from '../../../src/shared/errors.js';
import { mintCert, mintCa } from '../../helpers/certs.js';
import { closedPort, listOf, startApiServer, status } from './api-server.js';

/** Run `fn`, expect a MeshprobeError, return it. */
async function failure(fn: () => Promise<unknown>): Promise<MeshprobeError> {
  try {
    await fn();
  } catch (err) {
    if (isMeshprobeError(err)) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

function oneLine(t: Pick<typeof import('tap').default, 'notMatch'>, err: MeshprobeError): void {
  t.notMatch(err.message, /\n\s+at /, 'no stack trace in the message');
  t.notMatch(err.message, /test-token/, 'no credentials in the message');
}

t.test('connection refused is E_CLUSTER_UNREACHABLE naming the server, exit 3', async (t) => {
  // Given a port that was open and is now closed
  const port = await closedPort();
  const api = await startApiServer(() => undefined);
  t.teardown(() => api.close());
  // When meshprobe lists namespaces against the closed port
  const kc = api.kubeconfig({ server: `http://127.0.0.1:${port}` });
  const err = await failure(() => createKubeClient({ kubeconfig: kc }).list('namespaces'));
  // Then the error says the cluster is unreachable and where
  t.equal(err.code, 'E_CLUSTER_UNREACHABLE');
  t.match(err.message, `127.0.0.1:${port}`);
  t.match(err.message, /ECONNREFUSED/);
  t.match(err.hint ?? '', /context "fake"/);
  t.equal(exitCodeForError(err.code), 3);
  oneLine(t, err);
});

t.test('an API server certificate from an unknown CA is E_CLUSTER_TLS, exit 3', async (t) => {
  // Given a TLS API server whose certificate is signed by a CA the kubeconfig does not trust
  const realCa = mintCa('real CA');
  const otherCa = mintCa('other CA');
  const leaf = mintCert({ cn: 'apiserver', issuer: realCa, ips: ['127.0.0.1'] });
  const api = await startApiServer(() => listOf('NamespaceList', []), leaf);
  t.teardown(() => api.close());
  // When listing with the wrong CA in the kubeconfig
  const err = await failure(() =>
    createKubeClient({ kubeconfig: api.kubeconfig({ caPem: otherCa.certPem }) }).list('namespaces'),
  );
  // Then it is a TLS trust failure, not "unreachable"
  t.equal(err.code, 'E_CLUSTER_TLS');
  t.match(err.message, api.url);
  t.equal(exitCodeForError(err.code), 3);
  oneLine(t, err);
  // And with the right CA the same server works
  const ok = await createKubeClient({ kubeconfig: api.kubeconfig({ caPem: realCa.certPem }) }).list('namespaces');
  t.same(ok, { kind: 'items', items: [] });
});

const statusCases = [
  {
    name: '401 is E_UNAUTHORIZED asking for fresh credentials',
    reply: status(401, 'Unauthorized', 'Unauthorized'),
    code: 'E_UNAUTHORIZED',
    message: /rejected the credentials of context "fake" \(401\)/,
    hint: /log in again/,
    exit: 3,
  },
  {
    name: '403 is E_FORBIDDEN naming the verb and resource and pointing at meshprobe rbac',
    reply: status(
      403,
      'Forbidden',
      'pods is forbidden: User "bob" cannot list resource "pods" in API group "" at the cluster scope',
      { kind: 'pods' },
    ),
    code: 'E_FORBIDDEN',
    message: /forbidden to list pods at cluster scope: pods is forbidden: User "bob"/,
    hint: /meshprobe rbac/,
    exit: 3,
  },
  {
    name: '500 is E_API with the server message',
    reply: status(500, 'InternalError', 'etcdserver: request timed out'),
    code: 'E_API',
    message: /answered 500 InternalError to list pods at cluster scope: etcdserver: request timed out/,
    hint: /internal problem/,
    exit: 3,
  },
] as const;

for (const c of statusCases) {
  t.test(c.name, async (t) => {
    // Given an API server that answers the pod list with this status
    const api = await startApiServer((r) => (r.path === '/api/v1/pods' ? c.reply : listOf('List', [])));
    t.teardown(() => api.close());
    // When discovery lists pods
    const err = await failure(() => createKubeClient({ kubeconfig: api.kubeconfig() }).list('pods'));
    // Then the error is classified by status code with a clear message and hint
    t.equal(err.code, c.code);
    t.match(err.message, c.message);
    t.match(err.hint ?? '', c.hint);
    t.equal(exitCodeForError(err.code), c.exit);
    oneLine(t, err);
  });
}

t.test('a 404 for a custom resource means the mesh is not installed, not an error', async (t) => {
  // Given a server without Istio CRDs (the apiserver answers "404 page not found")
  const api = await startApiServer(() => undefined);
  t.teardown(() => api.close());
  // When PeerAuthentications are listed
  const result = await createKubeClient({ kubeconfig: api.kubeconfig() }).list('peerauthentications');
  // Then the result says not-installed, after trying each known version
  t.same(result, { kind: 'not-installed', resource: 'peerauthentications.security.istio.io' });
  t.same(
    api.seen.map((r) => r.path),
    ['/apis/security.istio.io/v1/peerauthentications', '/apis/security.istio.io/v1beta1/peerauthentications'],
  );
});

t.test('an older served version of a custom resource is used when the newest is absent', async (t) => {
  // Given a cluster serving Linkerd Servers only at v1beta1
  const item = {
    apiVersion: 'policy.linkerd.io/v1beta1',
    kind: 'Server',
    metadata: { name: 'web-http', namespace: 'shop' },
    spec: { port: 8080 },
  };
  const api = await startApiServer((r) =>
    r.path === '/apis/policy.linkerd.io/v1beta1/servers' ? listOf('ServerList', [item]) : undefined,
  );
  t.teardown(() => api.close());
  const result = await createKubeClient({ kubeconfig: api.kubeconfig() }).list('servers');
  t.same(result, { kind: 'items', items: [item] });
});

t.test('a 404 on a core list is an API error, not "not installed"', async (t) => {
  const api = await startApiServer(() => status(404, 'NotFound', 'the server could not find the requested resource'));
  t.teardown(() => api.close());
  const err = await failure(() => createKubeClient({ kubeconfig: api.kubeconfig() }).list('namespaces'));
  t.equal(err.code, 'E_API');
  t.match(err.message, /404 NotFound/);
});

t.test('deleting something already gone is reported as absent (cleanup is idempotent)', async (t) => {
  const api = await startApiServer((r) =>
    r.method === 'DELETE' ? status(404, 'NotFound', 'pods "x" not found') : undefined,
  );
  t.teardown(() => api.close());
  const client = createKubeClient({ kubeconfig: api.kubeconfig() });
  t.equal(await client.delete('pods', 'shop', 'x'), 'absent');
  t.equal(await client.readPod('shop', 'x'), undefined);
});

t.test('a missing kubeconfig file is E_KUBECONFIG, a usage error (exit 2)', async (t) => {
  const err = await failure(async () => createKubeClient({ kubeconfig: '/nonexistent/meshprobe-kubeconfig' }));
  t.equal(err.code, 'E_KUBECONFIG');
  t.match(err.message, '/nonexistent/meshprobe-kubeconfig');
  t.match(err.hint ?? '', /--kubeconfig/);
  t.equal(exitCodeForError(err.code), 2);
});

t.test('an unknown --context is E_KUBECONFIG listing the known contexts', async (t) => {
  const api = await startApiServer(() => undefined);
  t.teardown(() => api.close());
  const err = await failure(async () => createKubeClient({ kubeconfig: api.kubeconfig(), context: 'prod' }));
  t.equal(err.code, 'E_KUBECONFIG');
  t.match(err.message, 'context "prod"');
  t.match(err.hint ?? '', 'fake');
});

t.test('an aborted request stops waiting and is reported as interrupted', async (t) => {
  // Given an HTTP server that accepts and never answers
  const silent = createHttpServer(() => undefined);
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.teardown(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const api = await startApiServer(() => undefined);
  t.teardown(() => api.close());
  const kc = api.kubeconfig({ server: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
  // When the caller aborts (SIGINT)
  const controller = new AbortController();
  setTimeout(() => controller.abort('SIGINT'), 50);
  const err = await failure(() =>
    createKubeClient({ kubeconfig: kc }).list('namespaces', { signal: controller.signal }),
  );
  // Then the call ends with E_INTERRUPTED
  t.equal(err.code, 'E_INTERRUPTED');
});

t.test(
  'lists come back exactly as the server sent them (no model renames like from → _from, timestamps as text)',
  async (t) => {
    // Given a server sending a NetworkPolicy with ingress.from and a Pod with a creation timestamp
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-gateway', namespace: 'cde', creationTimestamp: '2026-11-23T19:00:00Z' },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } }],
            ports: [{ protocol: 'TCP', port: 8080 }],
          },
        ],
      },
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'cde', creationTimestamp: '2026-11-23T19:00:00Z' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
      status: { phase: 'Running', podIP: '10.244.0.9' },
    };
    const api = await startApiServer((r) =>
      r.path === '/apis/networking.k8s.io/v1/networkpolicies'
        ? listOf('NetworkPolicyList', [policy])
        : r.path === '/api/v1/pods'
          ? listOf('PodList', [pod])
          : r.path === '/api/v1/namespaces/cde/pods/p'
            ? { status: 200, json: pod }
            : undefined,
    );
    t.teardown(() => api.close());
    const client = createKubeClient({ kubeconfig: api.kubeconfig() });
    // When discovery lists them, Then the objects are the server's JSON (timestamps as ISO text, millis added)
    const iso = <T extends { metadata: object }>(o: T): T => ({
      ...o,
      metadata: { ...o.metadata, creationTimestamp: '2026-11-23T19:00:00.000Z' },
    });
    const policies = await client.list('networkpolicies');
    t.same(policies, { kind: 'items', items: [iso(policy)] });
    t.match(
      policies,
      { items: [{ spec: { ingress: [{ from: [{ namespaceSelector: {} }] }] } }] },
      'ingress.from keeps its wire name',
    );
    t.same(await client.list('pods'), { kind: 'items', items: [iso(pod)] });
    t.same(await client.readPod('cde', 'p'), iso(pod));
  },
);
