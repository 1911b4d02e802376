/**
 * The package installs and works outside the clone (issue 18): `npm pack`, the tarball installed
 * with --omit=dev in an empty directory, then `npx meshprobe --version`, `controls`, a real run
 * against the lab and `verify` of its bundle. The same install is the kubectl plugin: with its
 * node_modules/.bin on PATH, the lab's kubectl finds `kubectl-meshprobe`; and the krew archive
 * (examples/krew/meshprobe.yaml) built from it runs under the name krew links it as.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import t from 'tap';
import { loadYaml } from '@kubernetes/client-node';
import { REPO_ROOT } from './helpers/lab.js';
import { e2eReady } from './helpers/skip.js';
import { applyTarget, deleteNamespaces, smallRunArgs } from './helpers/target-fixture.js';

const CDE = 'k18-pkg-cde';
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program (never through a shell), bounded in time. */
function run(
  cmd: string,
  args: readonly string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Ran {
  const r = spawnSync(cmd, args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 300_000,
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** The environment of a user outside the clone: no MESHPROBE_LAB_* / MESHPROBE_E2E_* names, no colours. */
function userEnv(extraPath?: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^MESHPROBE_(LAB|E2E)_/.test(k)));
  return {
    ...env,
    NO_COLOR: '1',
    ...(extraPath ? { PATH: `${extraPath}${delimiter}${process.env['PATH'] ?? ''}` } : {}),
  };
}

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  t.setTimeout(1_800_000);
  const work = mkdtempSync(join(tmpdir(), 'meshprobe-k18-pkg-'));
  t.teardown(() => {
    deleteNamespaces(lab, [CDE]);
    rmSync(work, { recursive: true, force: true });
  });
  const app = join(work, 'app');
  mkdirSync(app);
  let tarball = '';

  t.test('npm pack holds exactly what the runtime needs', async (t) => {
    // When the package is packed (prepare builds dist/)
    const packed = run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: REPO_ROOT });
    t.equal(packed.code, 0, packed.stderr);
    tarball = join(work, packed.stdout.trim().split('\n').pop() ?? '');
    // Then it lists the CLI and agent bundles, the schemas, README and LICENSE, and nothing else
    const files = run('tar', ['-tzf', tarball], { cwd: work }).stdout.trim().split('\n').sort();
    const schemas = readdirSync(join(REPO_ROOT, 'reports/schema')).map((f) => `package/reports/schema/${f}`);
    t.same(
      files,
      [
        'package/LICENSE',
        'package/README.md',
        'package/dist/agent.mjs',
        'package/dist/cli.mjs',
        'package/package.json',
        ...schemas,
      ].sort(),
    );
  });

  t.test(
    'the tarball installs with --omit=dev in an empty directory and runs: --version, controls, a lab run, verify',
    async (t) => {
      // Given the tarball installed in an empty directory without dev dependencies
      const installed = run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], {
        cwd: app,
        timeoutMs: 600_000,
      });
      t.equal(installed.code, 0, installed.code === 0 ? 'npm install exits 0' : installed.stderr);
      for (const dev of ['tap', 'esbuild', 'typescript'])
        t.notOk(existsSync(join(app, 'node_modules', dev)), `no ${dev}`);
      // When npx runs the installed CLI
      const version = run('npx', ['meshprobe', '--version'], { cwd: app, env: userEnv() });
      t.equal(version.code, 0, version.stderr);
      t.equal(version.stdout.trim(), pkg.version);
      const controls = run('npx', ['meshprobe', 'controls'], { cwd: app, env: userEnv() });
      t.equal(controls.code, 0, controls.stderr);
      t.match(controls.stdout, /^1\.3\.1\s+Inbound traffic to the CDE/m);
      // And it runs against the lab (a small namespace of this file's own, one control)
      applyTarget(lab, CDE);
      const out = join(work, 'bundle');
      const started = Date.now();
      const ran = run(
        'npx',
        ['meshprobe', 'run', '--kubeconfig', lab.kubeconfig, ...smallRunArgs(CDE), '--output-dir', out],
        { cwd: app, env: userEnv(), timeoutMs: 900_000 },
      );
      t.comment(`installed package: lab run exit ${ran.code} in ${Math.round((Date.now() - started) / 1000)} s`);
      // Then 1.3.1 fails for the known reason (exit 1) and the bundle verifies
      t.equal(ran.code, 1, `exit 1: ${ran.stderr.split('\n').slice(-5).join(' | ')}`);
      t.match(ran.stdout, /FAILS\s+1\.3\.1/);
      const verified = run('npx', ['meshprobe', 'verify', out], { cwd: app, env: userEnv() });
      t.equal(verified.code, 0, verified.stdout + verified.stderr);
    },
  );

  t.test("kubectl meshprobe runs the installed kubectl-meshprobe with the lab's kubectl", async (t) => {
    // Given the install's bin directory on PATH (where npm -g would put it)
    const env = userEnv(join(app, 'node_modules/.bin'));
    // When kubectl looks for plugins and runs one
    const list = run(lab.kubectl, ['plugin', 'list'], { cwd: work, env });
    t.match(list.stdout, /kubectl-meshprobe/, 'kubectl plugin list shows it');
    const version = run(lab.kubectl, ['meshprobe', '--version'], { cwd: work, env });
    t.equal(version.stdout.trim(), pkg.version, version.stderr);
    const help = run(lab.kubectl, ['meshprobe', '--help'], { cwd: work, env });
    t.match(help.stdout, /Usage: kubectl meshprobe <command>/);
    // Then a plan against the lab works through kubectl (read-only: creates nothing)
    const plan = run(
      lab.kubectl,
      [
        'meshprobe',
        'plan',
        '--kubeconfig',
        lab.kubeconfig,
        '--cde-namespace',
        CDE,
        '-n',
        CDE,
        '--control',
        '1.3.1',
        '--no-nodes',
      ],
      { cwd: work, env },
    );
    t.equal(plan.code, 0, plan.stderr);
    t.match(plan.stdout, new RegExp(`same-namespace:${CDE}`), 'the plan places a probe pod in the target namespace');
    t.match(plan.stdout, /^tcp-reach\s+probe\s+\d+$/m);
  });

  t.test('the krew archive built as the manifest says runs under the name krew links it as', async (t) => {
    // Given the manifest and the archive its recipe describes (the --omit=dev install, tarred)
    const manifest = loadYaml<{
      kind: string;
      metadata: { name: string };
      spec: { version: string; platforms: { bin: string; sha256: string }[] };
    }>(readFileSync(join(REPO_ROOT, 'examples/krew/meshprobe.yaml'), 'utf8'));
    t.equal(manifest.kind, 'Plugin');
    t.equal(manifest.metadata.name, 'meshprobe');
    t.equal(manifest.spec.version, `v${pkg.version}`, 'manifest version follows package.json');
    const archive = join(work, `meshprobe-kubectl-${pkg.version}.tar.gz`);
    t.equal(run('tar', ['czf', archive, 'node_modules'], { cwd: app }).code, 0);
    const store = join(work, 'krew-store');
    mkdirSync(store);
    t.equal(run('tar', ['xzf', archive], { cwd: store }).code, 0);
    const bin = join(store, manifest.spec.platforms[0]?.bin ?? 'missing');
    t.ok(existsSync(bin), `bin ${manifest.spec.platforms[0]?.bin} is in the archive`);
    t.match(manifest.spec.platforms[0]?.sha256, /^[0-9a-f]{64}$/);
    // When krew's layout is reproduced: a symlink named kubectl-<plugin> to bin, on PATH
    const krewBin = join(work, 'krew-bin');
    mkdirSync(krewBin);
    symlinkSync(bin, join(krewBin, 'kubectl-meshprobe'));
    const env = userEnv(krewBin);
    // Then kubectl runs it from the extracted archive alone
    const version = run(lab.kubectl, ['meshprobe', '--version'], { cwd: dirname(store), env });
    t.equal(version.stdout.trim(), pkg.version, version.stderr);
    const controls = run(lab.kubectl, ['meshprobe', 'controls', '-o', 'json'], { cwd: work, env });
    t.equal(controls.code, 0, controls.stderr);
    t.ok((JSON.parse(controls.stdout) as { controls: unknown[] }).controls.length > 10);
  });
}
