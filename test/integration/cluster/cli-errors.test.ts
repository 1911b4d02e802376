/**
 * The cluster error paths as a user meets them: the bundled CLI (`plan`, `cleanup`,
 * `rbac`) against a fake API server on 127.0.0.1 — one line + hint on stderr, the
 * documented exit code, never a stack trace, and nothing created by `plan`.
 */
import t from 'tap';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';
import { mintCa, mintCert } from '../../helpers/certs.js';
import { closedPort, listOf, startApiServer, status, type FakeApiServer, type Route } from './api-server.js';

// Each CLI run is a fresh node process loading client-node: slow on a busy 2-core machine.
t.setTimeout(480_000);
let cli: CliBundle;
t.before(async () => {
  cli = await buildCliBundle();
});
t.teardown(() => cli?.remove());

const noStack = (t: Pick<typeof import('tap').default, 'notMatch'>, text: string): void =>
  void t.notMatch(text, /\n\s+at .+:\d+:\d+/, 'no stack trace');

async function api(t: { teardown(fn: () => Promise<void>): void }, route: Route): Promise<FakeApiServer> {
  const s = await startApiServer(route);
  t.teardown(() => s.close());
  return s;
}

/** An empty but healthy cluster: every list answers with no items, CRDs 404. */
const healthy: Route = (r) => {
  if (r.path === '/version') return { status: 200, json: { gitVersion: 'v1.34.4' } };
  if (
    r.path.startsWith('/apis/') &&
    !r.path.startsWith('/apis/discovery.k8s.io') &&
    !r.path.startsWith('/apis/networking.k8s.io')
  )
    return undefined;
  if (r.method === 'GET')
    return listOf(
      'List',
      r.path === '/api/v1/namespaces' && !r.query.includes('labelSelector') ? [{ metadata: { name: 'default' } }] : [],
    );
  return status(405, 'MethodNotAllowed', 'not in this test');
};

t.test('plan against an empty cluster prints the plan and sends only reads', async (t) => {
  const s = await api(t, healthy);
  const r = await cli.run(['plan', '--scope', 'pci.scope=cde', '--kubeconfig', s.kubeconfig()]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Nothing was created/);
  t.same(
    s.seen.filter((x) => x.method !== 'GET'),
    [],
    'plan never writes',
  );
});

t.test(
  'plan and run without --scope/--cde-namespace are a usage error (exit 2) naming both flags, before any request',
  async (t) => {
    // Given a healthy cluster that records every request
    const s = await api(t, healthy);
    for (const command of ['plan', 'run']) {
      // When the command names no CDE
      const r = await cli.run([command, '--kubeconfig', s.kubeconfig()]);
      // Then it exits 2 with one line naming --scope, --cde-namespace and --cde-all, and the cluster saw nothing
      t.equal(r.code, 2, command);
      t.match(r.stderr, /^meshprobe: --scope or --cde-namespace is required: .*--cde-all/m, command);
      noStack(t, r.stderr);
    }
    t.same(s.seen, [], 'no request reached the API server');
  },
);

const cases = [
  {
    name: '401',
    route: (() => status(401, 'Unauthorized', 'Unauthorized')) as Route,
    exit: 3,
    line: /meshprobe: the API server http:\/\/127\.0\.0\.1:\d+ rejected the credentials of context "fake" \(401\)/,
    hint: /hint: .*log in again/,
  },
  {
    name: '403',
    route: ((r) =>
      r.path === '/api/v1/pods'
        ? status(
            403,
            'Forbidden',
            'pods is forbidden: User "bob" cannot list resource "pods" in API group "" at the cluster scope',
          )
        : healthy(r)) as Route,
    exit: 3,
    line: /meshprobe: forbidden to list pods at cluster scope: pods is forbidden: User "bob"/,
    hint: /hint: Run `meshprobe rbac`/,
  },
  {
    name: '500',
    route: ((r) =>
      r.path === '/api/v1/services' ? status(500, 'InternalError', 'etcdserver: leader changed') : healthy(r)) as Route,
    exit: 3,
    line: /meshprobe: the API server answered 500 InternalError to list services at cluster scope: etcdserver: leader changed/,
    hint: /hint: .*internal problem/,
  },
] as const;

for (const c of cases) {
  t.test(`plan: ${c.name} is one clear line, a hint and exit ${c.exit}`, async (t) => {
    const s = await api(t, c.route);
    const r = await cli.run(['plan', '--scope', 'pci.scope=cde', '--kubeconfig', s.kubeconfig()]);
    t.equal(r.code, c.exit);
    t.match(r.stderr, c.line);
    t.match(r.stderr, c.hint);
    t.notMatch(r.stderr, /test-token/, 'no token');
    noStack(t, r.stderr);
  });
}

t.test('plan: connection refused is E_CLUSTER_UNREACHABLE, exit 3', async (t) => {
  const port = await closedPort();
  const s = await api(t, healthy);
  const r = await cli.run([
    'plan',
    '--scope',
    'pci.scope=cde',
    '--kubeconfig',
    s.kubeconfig({ server: `http://127.0.0.1:${port}` }),
  ]);
  t.equal(r.code, 3);
  t.match(
    r.stderr,
    new RegExp(`meshprobe: cannot reach the API server http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
  );
  t.match(r.stderr, /hint: Check that the cluster is running/);
  noStack(t, r.stderr);
});

t.test('plan: an untrusted API server certificate is E_CLUSTER_TLS, exit 3', async (t) => {
  const ca = mintCa('real CA');
  const s = await startApiServer(healthy, mintCert({ cn: 'apiserver', issuer: ca, ips: ['127.0.0.1'] }));
  t.teardown(() => s.close());
  const r = await cli.run([
    'plan',
    '--scope',
    'pci.scope=cde',
    '--kubeconfig',
    s.kubeconfig({ caPem: mintCa('other CA').certPem }),
  ]);
  t.equal(r.code, 3);
  t.match(r.stderr, /meshprobe: the API server https:\/\/127\.0\.0\.1:\d+ presented a certificate that is not trusted/);
  t.match(r.stderr, /hint: Check certificate-authority-data/);
  noStack(t, r.stderr);
});

t.test('a missing kubeconfig is a usage error (exit 2)', async (t) => {
  const r = await cli.run(['plan', '--scope', 'pci.scope=cde', '--kubeconfig', '/nonexistent/kubeconfig']);
  t.equal(r.code, 2);
  t.match(r.stderr, /meshprobe: cannot read kubeconfig \/nonexistent\/kubeconfig \(ENOENT\)/);
  noStack(t, r.stderr);
});

t.test('cleanup against a cluster with nothing labelled says so and exits 0; a bad --run-id exits 2', async (t) => {
  const s = await api(t, healthy);
  const ok = await cli.run(['cleanup', '--kubeconfig', s.kubeconfig()]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /Nothing to clean up/);
  t.ok(
    s.seen.every((x) => x.query.includes('labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmeshprobe')),
    'lists only meshprobe-labelled objects',
  );
  const bad = await cli.run(['cleanup', '--kubeconfig', s.kubeconfig(), '--run-id', 'Not_A_Run']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--run-id "Not_A_Run" is not a meshprobe run id/);
});

t.test(
  'cleanup never deletes an object without meshprobe labels, even if the server ignores the selector',
  async (t) => {
    // Given a (broken) server that answers every list with an unlabelled namespace
    const s = await api(t, (r) =>
      r.method === 'GET'
        ? listOf('List', [{ metadata: { name: 'default' } }])
        : status(500, 'InternalError', 'must not be called'),
    );
    const r = await cli.run(['cleanup', '--kubeconfig', s.kubeconfig()]);
    t.equal(r.code, 0, r.stderr);
    t.same(
      s.seen.filter((x) => x.method === 'DELETE'),
      [],
      'no delete sent',
    );
  },
);

t.test('rbac prints a ClusterRole with a binding, without touching any cluster', async (t) => {
  const r = await cli.run(['rbac', '--user', 'alice']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /kind: ClusterRole\n/);
  t.match(r.stdout, /kind: ClusterRoleBinding/);
  t.match(r.stdout, /name: "alice"/);
  const plan = await cli.run(['rbac', '--for', 'plan']);
  t.notMatch(plan.stdout, /"create"|"delete"/);
});
