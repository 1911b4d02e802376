/**
 * The CI recipes in examples/ci/ (issue 18) parse, and their commands work on the lab exactly as
 * written: every GitHub Actions `run:` and every GitLab `before_script`/`script`/`after_script`
 * line runs in bash with the runner's conventions (GITHUB_ENV, GITHUB_OUTPUT, `if: always()`;
 * GitLab's after_script after a failed script). Swapped, and only these: the cluster-credentials
 * step/line for the lab's kubeconfig; NPM_MESHPROBE for a packed tarball (nothing is published);
 * the job's MESHPROBE_* settings for a small namespace of this file's own; npm's global prefix for
 * a temp dir. The files the publishing steps (`uses:`, `artifacts:`) name must exist afterwards,
 * and the JUnit and SARIF in them must say that 1.3.1 fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import t, { type Test } from 'tap';
import { parseYaml } from '../../src/cluster/yaml.js';
import { REPO_ROOT } from './helpers/lab.js';
import { e2eReady } from './helpers/skip.js';
import { applyTarget, deleteNamespaces, LAB_NODE_IMAGE } from './helpers/target-fixture.js';

const require = createRequire(import.meta.url);
const junitReader = require('test-results-parser') as {
  parse(o: { type: 'junit'; files: string[] }): { status: string; failed: number };
};
const CDE = 'k18-ci-cde';

interface GhStep {
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface GlJob {
  variables: Record<string, string>;
  before_script: string[];
  script: string[];
  after_script: string[];
  artifacts: { paths: string[]; reports: { junit: string } };
}

/** The job's settings for the lab: the CDE is this file's namespace, one control, lab images. */
function labSettings(jobEnv: Record<string, string>, tarball: string): Record<string, string> {
  const { MESHPROBE_SCOPE: _scope, ...rest } = jobEnv;
  return {
    ...rest,
    NPM_MESHPROBE: tarball,
    MESHPROBE_CDE_NAMESPACE: CDE,
    MESHPROBE_NAMESPACE: CDE,
    MESHPROBE_CONTROL: '1.3.1',
    MESHPROBE_NODES: 'false',
    MESHPROBE_AGENT_IMAGE: LAB_NODE_IMAGE,
    MESHPROBE_POD_READY_TIMEOUT: '240',
  };
}

/** bash as the runners start it (-e, pipefail), never through a user's profile. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): number {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 900_000,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    process.stdout.write(`# step exited ${r.status}: ${(r.stderr ?? '').split('\n').slice(-4).join(' | ')}\n`);
  return r.status ?? -1;
}

/** A clean environment plus npm's global prefix on PATH (what a fresh runner image gives). */
function runnerEnv(prefix: string, lab: { kubeconfig: string }, settings: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^MESHPROBE_/.test(k) && k !== 'KUBECONFIG'),
  );
  return {
    ...base,
    ...settings,
    npm_config_prefix: prefix,
    PATH: `${join(prefix, 'bin')}${delimiter}${process.env['PATH'] ?? ''}`,
    KUBECONFIG: lab.kubeconfig,
  };
}

/** Lines `KEY=value` a step appended to a GITHUB_ENV / GITHUB_OUTPUT file. */
function keyValues(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The published reports say 1.3.1 fails: JUnit through a JUnit reader, SARIF as JSON. */
function checkReports(t: Test, dir: string): void {
  const junit = junitReader.parse({ type: 'junit', files: [join(dir, 'junit.xml')] });
  t.equal(junit.status, 'FAIL', 'JUnit: failed');
  const sarif = JSON.parse(readFileSync(join(dir, 'report.sarif'), 'utf8')) as {
    runs: { results: { ruleId: string; level: string }[] }[];
  };
  t.ok(
    sarif.runs[0]?.results.some((r) => /1\.3\.1/.test(r.ruleId) && r.level === 'error'),
    'SARIF: a 1.3.1 error',
  );
}

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  t.setTimeout(2_400_000);
  const work = mkdtempSync(join(tmpdir(), 'meshprobe-k18-ci-'));
  t.teardown(() => {
    deleteNamespaces(lab, [CDE]);
    rmSync(work, { recursive: true, force: true });
  });
  let tarball = '';
  t.before(() => {
    const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', work], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (packed.status !== 0) throw new Error(`npm pack: ${packed.stderr}`);
    tarball = join(work, packed.stdout.trim().split('\n').pop() ?? '');
    applyTarget(lab, CDE);
  });

  t.test('the GitHub Actions recipe parses and its run steps work on the lab as written', async (t) => {
    // Given the workflow, a fresh "checkout" directory and runner files
    const doc = (await parseYaml(readFileSync(join(REPO_ROOT, 'examples/ci/github-actions.yml'), 'utf8'))) as {
      jobs: Record<string, { env: Record<string, string>; steps: GhStep[] }>;
    };
    const job = doc.jobs['meshprobe']!;
    t.ok(
      job.steps.some((s) => s.id === 'cluster-credentials'),
      'has the cluster-credentials step that the test swaps',
    );
    const ws = join(work, 'gh');
    mkdirSync(join(ws, 'runner-temp'), { recursive: true });
    const files = {
      GITHUB_ENV: join(ws, 'runner-temp/env'),
      GITHUB_OUTPUT: join(ws, 'runner-temp/output'),
      RUNNER_TEMP: join(ws, 'runner-temp'),
    };
    let env = runnerEnv(join(ws, 'npm-global'), lab, { ...labSettings(job.env, tarball), ...files });
    // When every step runs in order, later steps only `if: always()` once one failed
    let failed = false;
    const codes: Record<string, number> = {};
    for (const step of job.steps) {
      if (step.id === 'cluster-credentials' || (failed && !/always\(\)/.test(step.if ?? ''))) continue;
      if (step.uses !== undefined) {
        // A publishing action: the files it names exist
        for (const key of ['report_paths', 'sarif_file', 'path']) {
          const p = step.with?.[key];
          if (typeof p === 'string') t.ok(existsSync(join(ws, p)), `${step.uses} ${key}: ${p} exists`);
        }
        continue;
      }
      writeFileSync(files.GITHUB_OUTPUT, '');
      const code = bash(step.run ?? '', ws, { ...env, ...(step.env ?? {}) });
      codes[step.name ?? step.id ?? '?'] = code;
      if (step.id === 'meshprobe')
        t.equal(keyValues(files.GITHUB_OUTPUT)['exit-code'], '1', 'the run step records exit-code=1');
      env = { ...env, ...keyValues(files.GITHUB_ENV) };
      failed ||= code !== 0;
    }
    // Then install and rbac worked, the run failed with 1 (1.3.1 fails on the target), verify passed
    t.same(codes, {
      'Install meshprobe': 0,
      'Least-privilege role (for the record; apply it once with cluster-admin)': 0,
      'Run meshprobe': 1,
      'Verify the evidence bundle': 0,
    });
    t.match(readFileSync(join(ws, 'meshprobe-rbac.yaml'), 'utf8'), /kind: ClusterRole/);
    checkReports(t, join(ws, 'meshprobe-report'));
  });

  t.test('the GitLab CI recipe parses and its script lines work on the lab as written', async (t) => {
    const doc = (await parseYaml(readFileSync(join(REPO_ROOT, 'examples/ci/gitlab-ci.yml'), 'utf8'))) as Record<
      string,
      GlJob
    >;
    const job = doc['meshprobe:staging']!;
    const ws = join(work, 'gl');
    mkdirSync(ws, { recursive: true });
    const env = runnerEnv(join(ws, 'npm-global'), lab, labSettings(job.variables, tarball));
    // Given the credentials line swapped for the lab's kubeconfig, everything else as written
    const credentials = job.before_script.filter((l) => l.includes('STAGING_KUBECONFIG'));
    t.equal(credentials.length, 1, 'one credentials line to swap');
    const before = job.before_script.map((l) =>
      l.includes('STAGING_KUBECONFIG') ? `export KUBECONFIG='${lab.kubeconfig}'` : l,
    );
    // When before_script + script run in one shell (as GitLab does), then after_script in another
    const code = bash([...before, ...job.script].join('\n'), ws, env);
    const after = bash(job.after_script.join('\n'), ws, env);
    // Then the job's exit is 1 (not allowed to fail: only 4 is), and the bundle verifies
    t.equal(code, 1, 'script exits 1: 1.3.1 fails');
    t.notOk(
      (
        doc['meshprobe:staging'] as unknown as { allow_failure: { exit_codes: number[] } }
      ).allow_failure.exit_codes.includes(code),
    );
    t.equal(after, 0, 'after_script: meshprobe verify exits 0');
    for (const p of [...job.artifacts.paths, job.artifacts.reports.junit])
      t.ok(existsSync(join(ws, p)), `artifact ${p} exists`);
    checkReports(t, join(ws, 'meshprobe-report'));
  });
}
