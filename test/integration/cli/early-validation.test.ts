/**
 * Every id and file given to `run` or `plan` is checked before the cluster is contacted: the
 * bundled CLI against an API server stand-in that records every request. Each bad input is
 * one line naming it, all of them together, exit 2, and the stand-in saw nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';
import { startFaultServer, type FaultServer } from '../faults/fault-server.js';

t.setTimeout(600_000);
let cli: CliBundle;
let api: FaultServer;
let dir: string;
t.before(async () => {
  cli = await buildCliBundle();
  api = await startFaultServer({ kind: 'status', status: 500 });
  dir = mkdtempSync(join(tmpdir(), 'meshprobe-early-'));
});
t.teardown(async () => {
  cli?.remove();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const cases = [
  {
    name: 'an unknown --control id',
    args: () => ['--control', '9.9.9'],
    line: /^meshprobe: --control 9\.9\.9 is not a control id/m,
  },
  {
    name: 'an unknown --skip-probe id',
    args: () => ['--skip-probe', 'no-such-probe'],
    line: /^meshprobe: --skip-probe no-such-probe is not a probe/m,
  },
  {
    name: 'a malformed approved-flows entry, with its line',
    args: () => [
      '--approved-flows',
      file(
        'flows.yaml',
        '- from: shop\n  to: payments/api\n  port: 8080\n- from: shop\n  to: payments/api\n  port: http\n',
      ),
    ],
    line: /^meshprobe: --approved-flows \S+flows\.yaml line 4: entry 2: "port" must be 1-65535 or "\*"$/m,
  },
  {
    name: 'a misspelt "from" in an approved-flows entry (never read as "from anywhere")',
    args: () => [
      '--approved-flows',
      file(
        'typo.yaml',
        '- from: shop\n  to: payments/api\n  port: 8080\n- form: shop\n  to: payments/api\n  port: 8080\n',
      ),
    ],
    line: /^meshprobe: --approved-flows \S+typo\.yaml line 4: entry 2: unknown key "form"/m,
  },
  {
    name: 'an approved-flows file that is not YAML',
    args: () => ['--approved-flows', file('bad.yaml', 'flows: [\n  {from: a\n')],
    line: /^meshprobe: --approved-flows \S+bad\.yaml line \d+ is not valid YAML or JSON$/m,
  },
  {
    name: 'a signing key that is not a key',
    args: () => ['--sign-key', file('key.pem', 'not a key\n')],
    line: /^meshprobe: --sign-key \S+key\.pem is not an RSA private key in PEM form/m,
  },
  {
    name: 'an output dir that is a file',
    args: () => ['--output-dir', file('plain-file', 'x')],
    line: /^meshprobe: --output-dir \S+plain-file exists and is not a directory$/m,
  },
  {
    name: 'an output dir under /proc',
    args: () => ['--output-dir', '/proc/meshprobe-x'],
    line: /^meshprobe: --output-dir \/proc\/meshprobe-x is under \/proc/m,
  },
  {
    name: 'an output dir under /sys',
    args: () => ['--output-dir', '/sys/meshprobe-x'],
    line: /^meshprobe: --output-dir \/sys\/meshprobe-x is under \/sys/m,
  },
] as const;

for (const c of cases) {
  t.test(`run: ${c.name} is exit 2 with one line, before any API request`, async (t) => {
    // Given a bad input and an API server that records requests
    const before = api.seen.length;
    // When run is started with it
    const r = await cli.run(['run', '--kubeconfig', api.kubeconfig, '--cde-namespace', 'pay', '-q', ...c.args()]);
    // Then it is a usage error naming the input, and the cluster was never contacted
    t.equal(r.code, 2, r.stderr);
    t.match(r.stderr, c.line);
    t.equal(api.seen.length, before, 'no API request was made');
    t.notMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  });
}

// One value per option: a second --approved-flows or --output-dir would replace the first.
const together = cases.filter((c) => !/\/sys|\/proc|not YAML|misspelt/.test(c.name));

t.test('run: every problem is reported together', async (t) => {
  const before = api.seen.length;
  const r = await cli.run([
    'run',
    '--kubeconfig',
    api.kubeconfig,
    '--cde-namespace',
    'pay',
    '-q',
    ...together.flatMap((c) => c.args()),
  ]);
  t.equal(r.code, 2, r.stderr);
  for (const c of together) t.match(r.stderr, c.line, c.name);
  t.equal(api.seen.length, before, 'no API request was made');
});

t.test('plan: an unknown --control is exit 2 before any API request', async (t) => {
  const before = api.seen.length;
  const r = await cli.run(['plan', '--kubeconfig', api.kubeconfig, '--cde-namespace', 'pay', '--control', '9.9.9']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /--control 9\.9\.9 is not a control id/);
  t.equal(api.seen.length, before);
});

t.test('plan: a bad approved-flows entry is exit 2 naming its line, before any API request', async (t) => {
  // Given a flows file whose second entry has no "from"
  const flows = file(
    'plan-flows.yaml',
    '- from: shop\n  to: payments/api\n  port: 8080\n- to: payments/api\n  port: 8080\n',
  );
  const before = api.seen.length;
  // When plan is started with it
  const r = await cli.run([
    'plan',
    '--kubeconfig',
    api.kubeconfig,
    '--cde-namespace',
    'pay',
    '--approved-flows',
    flows,
  ]);
  // Then it is a usage error naming the line and what is wrong, and the cluster was never contacted
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /--approved-flows \S+plan-flows\.yaml line 4: entry 2: "from" must be a namespace/);
  t.equal(api.seen.length, before);
});

t.test('run: a good signing key and a new output dir pass the checks (the dir is created)', async (t) => {
  // Given a real RSA key and an output dir that does not exist yet
  const key = join(dir, 'sign.pem');
  execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
  const out = join(dir, 'new', 'bundle');
  // When run starts (the stand-in answers 500, so the run aborts in discover)
  const r = await cli.run([
    'run',
    '--kubeconfig',
    api.kubeconfig,
    '--cde-namespace',
    'pay',
    '-q',
    '--sign-key',
    key,
    '--output-dir',
    out,
    '--control',
    '1.3.1',
  ]);
  // Then the inputs were accepted: the cluster was contacted and the signed bundle written
  t.equal(r.code, 3, r.stderr);
  t.ok(existsSync(join(out, 'SHA256SUMS.sig')), 'signed');
});

t.test('no command names the commands instead of pointing at a list that is not there', async (t) => {
  const r = await cli.run([]);
  t.equal(r.code, 2);
  t.match(
    r.stderr,
    /^meshprobe: Name a command: cleanup, controls, diff, plan, rbac, run, schedule, tls, upload, verify\.$/m,
  );
  t.notMatch(r.stderr, /see the list above/);
});
