/**
 * The plan, cleanup and rbac commands in-process (a CliContext as main.ts builds it) against
 * a fake API server on 127.0.0.1: what they print and return.
 */
import t from 'tap';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import type { CliContext } from '../../../src/cli/command.js';
import { RecordingProgress } from '../../../src/shared/progress.js';
import { planCliCommand, renderPlanText, table } from '../../../src/cli/commands/plan.js';
import { cleanupCliCommand } from '../../../src/cli/commands/cleanup.js';
import { rbacCliCommand } from '../../../src/cli/commands/rbac.js';
import { listOf, startApiServer, status, type Route } from './api-server.js';

function ctx(
  options: Partial<Options>,
  args: Record<string, unknown> = {},
): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    options: { ...DEFAULTS, ...options },
    args,
    progress: new RecordingProgress(),
    signal: new AbortController().signal,
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    setForcedExitHint: () => undefined,
    out,
    err,
  };
}

const ns = (name: string, labels: Record<string, string> = {}): object => ({ metadata: { name, labels } });
const pod = (namespace: string, name: string, ip: string): object => ({
  metadata: { name, namespace, labels: { app: name } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080, name: 'http' }] }] },
  status: { phase: 'Running', podIP: ip },
});

/** A small cluster: payments (CDE) with one pod, shop with one pod. Writes are refused. */
const cluster: Route = (r) => {
  if (r.method !== 'GET') return status(405, 'MethodNotAllowed', 'read-only fake');
  if (r.path === '/version') return { status: 200, json: { gitVersion: 'v1.34.4' } };
  if (r.path === '/api/v1/namespaces')
    return listOf(
      'NamespaceList',
      r.query.includes('labelSelector') ? [] : [ns('payments', { 'pci.scope': 'cde' }), ns('shop')],
    );
  if (r.path === '/api/v1/pods')
    return listOf(
      'PodList',
      r.query.includes('labelSelector') ? [] : [pod('payments', 'api', '10.244.1.2'), pod('shop', 'web', '10.244.2.2')],
    );
  if (r.path.startsWith('/apis/') && !/^\/apis\/(discovery|networking)\.k8s\.io/.test(r.path)) return undefined;
  return listOf('List', []);
};

t.test('plan prints pods, attempts per probe and not-run reasons, and writes nothing', async (t) => {
  const api = await startApiServer(cluster);
  t.teardown(() => api.close());
  const c = ctx({ kubeconfig: api.kubeconfig(), scope: 'pci.scope=cde' });
  t.equal(await planCliCommand.run(c), 0);
  const text = c.out.join('\n');
  t.match(text, /Plan for run \d{8}-\d{6}-[0-9a-f]{4}: \d+ attempts in \d+ probe pod\(s\)/);
  t.match(text, /from-namespace:shop/);
  t.match(text, /tcp-reach\s+probe\s+\d+/);
  t.match(text, /Not run \(\d+\), by probe/);
  t.same(
    api.seen.filter((x) => x.method !== 'GET'),
    [],
  );
  const json = ctx({ kubeconfig: api.kubeconfig(), scope: 'pci.scope=cde', output: 'json' });
  t.equal(await planCliCommand.run(json), 0);
  const doc = JSON.parse(json.out.join('')) as {
    inventory: { namespaces: { name: string; inScope: boolean }[] };
    plan: { attempts: unknown[] };
  };
  t.match(doc.inventory.namespaces, [
    { name: 'payments', inScope: true },
    { name: 'shop', inScope: false },
  ]);
  t.ok(doc.plan.attempts.length > 0);
  await t.rejects(planCliCommand.run(ctx({ kubeconfig: api.kubeconfig(), output: 'junit' })), { code: 'E_USAGE' });
});

t.test('cleanup on a clean cluster says nothing to clean up; a bad run id is a usage error', async (t) => {
  const api = await startApiServer(cluster);
  t.teardown(() => api.close());
  const c = ctx({ kubeconfig: api.kubeconfig() }, { 'run-id': '20261123-185612-a1b2' });
  t.equal(await cleanupCliCommand.run(c), 0);
  t.same(c.out, ['Nothing to clean up for run 20261123-185612-a1b2.']);
  t.ok(api.seen.every((x) => decodeURIComponent(x.query).includes('meshprobe.io/run-id=20261123-185612-a1b2')));
  await t.rejects(cleanupCliCommand.run(ctx({ kubeconfig: api.kubeconfig() }, { 'run-id': 'x_y' })), {
    code: 'E_USAGE',
  });
});

t.test('cleanup lists what it deleted and exits 3 when a delete fails', async (t) => {
  const labels = { 'app.kubernetes.io/managed-by': 'meshprobe', 'meshprobe.io/run-id': 'r1' };
  const api = await startApiServer((r) => {
    if (r.method === 'DELETE')
      return r.path.includes('/pods/')
        ? status(403, 'Forbidden', 'no')
        : { status: 200, json: { kind: 'Status', status: 'Success' } };
    if (r.path === '/api/v1/namespaces')
      return listOf('NamespaceList', [{ metadata: { name: 'meshprobe-r1', labels } }]);
    if (r.path === '/api/v1/pods') return listOf('PodList', [{ metadata: { name: 'p', namespace: 'shop', labels } }]);
    return listOf('List', []);
  });
  t.teardown(() => api.close());
  const c = ctx({ kubeconfig: api.kubeconfig() });
  t.equal(await cleanupCliCommand.run(c), 3);
  t.match(
    c.out.join('\n'),
    /deleted namespace meshprobe-r1\nFAILED pod shop\/p: E_FORBIDDEN: forbidden to delete pods in namespace shop/,
  );
});

t.test('rbac prints the role for run or plan, with an optional binding', async (t) => {
  const run = ctx({}, { for: 'run', 'service-account': 'ci/meshprobe' });
  t.equal(await rbacCliCommand.run(run), 0);
  t.match(run.out.join(''), /kind: ServiceAccount\n\s+name: "meshprobe"\n\s+namespace: "ci"/);
  const plan = ctx({}, { for: 'plan' });
  await rbacCliCommand.run(plan);
  t.match(plan.out.join(''), /name: meshprobe-plan/);
  await t.rejects(rbacCliCommand.run(ctx({}, { user: 'a', group: 'b' })), { code: 'E_USAGE' });
  await t.rejects(rbacCliCommand.run(ctx({}, { 'service-account': 'nope' })), { code: 'E_USAGE' });
});

t.test('the plan table aligns columns', async (t) => {
  t.equal(table(['A', 'BB'], [['xxx', 'y']]), 'A    BB\nxxx  y');
  t.type(renderPlanText, 'function');
});

t.test('warnings reach stderr when the spinner is off, and only then', async (t) => {
  const { withVisibleWarnings } = await import('../../../src/cli/commands/run.js');
  const lines: string[] = [];
  const recorded = new RecordingProgress();
  withVisibleWarnings(recorded, (l) => void lines.push(l), false).warn('pod shop/p was rejected');
  t.same(lines, ['meshprobe: warning: pod shop/p was rejected']);
  t.same(recorded.events, [{ kind: 'warn', text: 'pod shop/p was rejected' }]);
  const quiet: string[] = [];
  withVisibleWarnings(recorded, (l) => void quiet.push(l), true).warn('x');
  t.same(quiet, [], 'the spinner shows it instead');
});
