/**
 * `meshprobe schedule` (issue 18), the pure parts: run options given after `--` are read with the
 * CLI's own option table and come back unchanged through the `--config` loader; options that
 * cannot work in a pod are refused; the RBAC in the output is byte for byte what `meshprobe rbac`
 * prints; the Job's pod keeps the hygiene of probe pods. The lab run is test/e2e/schedule.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { loadAllYaml } from '@kubernetes/client-node';
import { scheduledRunOptions, scheduleFlagIssues, scheduleYaml } from '../../../../src/cli/commands/schedule.js';
import { renderRbac } from '../../../../src/cluster/rbac.js';
import { CONFIG_KEY, DEFAULT_SCHEDULE, scheduleRbac, type ScheduleSpec } from '../../../../src/cluster/schedule.js';
import { configSource } from '../../../../src/config/load.js';
import { parseYaml } from '../../../../src/cluster/yaml.js';
import { renderConfig } from '../../../../src/config/run-args.js';
import { validateOptions } from '../../../../src/config/validate.js';

const SPEC: ScheduleSpec = {
  name: 'meshprobe',
  namespace: 'pci-audit',
  schedule: DEFAULT_SCHEDULE,
  timeZone: 'Etc/UTC',
  image: 'example/meshprobe:1',
  imagePullPolicy: 'IfNotPresent',
  configYaml: 'scope: "pci.scope=cde"\n',
  files: {},
  storageSize: '1Gi',
  storageClass: undefined,
  envFromSecrets: ['upload-creds'],
  signKeySecret: undefined,
  activeDeadlineSeconds: 900,
};

t.test('run options after -- are read like the CLI reads them and survive the --config format unchanged', async (t) => {
  // Given run options in every shape the CLI accepts: lists, aliases, --x=y, booleans and --no-x
  const words = [
    '--scope',
    'pci.scope=cde',
    '-n',
    'shop',
    '--namespace=payments',
    '--attempt-timeout',
    '2000',
    '--no-nodes',
    '--inconclusive-ok',
    '-o',
    'junit',
    '--egress-target',
    '198.19.0.9:8080',
  ];
  const run = scheduledRunOptions(undefined, words);
  t.same(run.issues, []);
  // When they are written as a config file and loaded back through the config loader
  const text = renderConfig(run.options!, run.keys);
  const back = validateOptions([configSource('run.yaml', await parseYaml(text)).source]);
  // Then the loaded options are the given ones
  t.same(back.issues, []);
  for (const k of run.keys) t.same(back.options?.[k], run.options?.[k], k);
  t.match(text, /^namespace: \["shop","payments"\]$/m);
  t.match(text, /^nodes: false$/m);
});

t.test(
  'options that cannot work in a pod, unknown words and a missing scope are usage errors, all at once',
  async (t) => {
    const cases: [string[], RegExp][] = [
      [['--scope', 'a=b', '--kubeconfig', '/x'], /in-cluster service account/],
      [['--scope', 'a=b', '--output-dir', '/x'], /reports\/<run-id>\/ on the bundle volume/],
      [['--scope', 'a=b', '--sign-key', 'k.pem'], /--sign-key-secret/],
      [['--scope', 'a=b', '--frobnicate'], /is not an option of meshprobe run/],
      [['--scope', 'a=b', 'stray'], /is not an option/],
      [['--scope'], /needs a value/],
      [['-n', 'shop'], /--cde-namespace is required/],
      [['--scope', 'a=b', '--attempt-timeout', 'soon'], /must be a whole number/],
    ];
    for (const [words, message] of cases) {
      const run = scheduledRunOptions(undefined, words);
      t.equal(run.options, undefined, words.join(' '));
      t.match(run.issues.map((i) => `${i.option} ${i.message}`).join('\n'), message, words.join(' '));
    }
    t.match(
      scheduleFlagIssues({ schedule: 'quarterly', name: 'Bad_Name', 'storage-size': 'lots' }).map((i) => i.option),
      ['--name', '--schedule', '--storage-size'],
    );
    t.same(scheduleFlagIssues({}), []);
  },
);

t.test('a config file gives the run options and words after -- override them', async (t) => {
  const config = configSource('q.yaml', { scope: 'pci.scope=cde', 'attempt-timeout': 5000, namespace: ['a'] }).source;
  const run = scheduledRunOptions(config, ['--attempt-timeout', '1000']);
  t.same(run.issues, []);
  t.equal(run.options?.attemptTimeout, 1000);
  t.same(run.options?.namespaces, ['a']);
  t.notOk(run.keys.has('configFile'), 'the local config path does not travel');
});

t.test('the printed schedule carries the RBAC exactly as meshprobe rbac prints it, and a hygienic Job', async (t) => {
  // When the schedule is rendered
  const text = await scheduleYaml(SPEC);
  // Then the RBAC is the rbac command's text for the ServiceAccount, byte for byte
  const rbac = renderRbac({
    name: 'meshprobe-scheduled-pci-audit',
    for: ['plan', 'run', 'cleanup'],
    subject: { kind: 'ServiceAccount', name: 'meshprobe', namespace: 'pci-audit' },
  });
  t.equal(scheduleRbac(SPEC), rbac);
  t.ok(text.includes(rbac.trimEnd()), 'rbac text included verbatim');
  // And every document parses; the kinds are the ones a quarterly run needs
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML documents are walked freely in this test.
  const docs = JSON.parse(JSON.stringify(loadAllYaml(text))) as Record<string, any>[];
  t.same(
    docs.map((d) => d['kind']),
    [
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'PersistentVolumeClaim',
      'CronJob',
    ],
  );
  const cron = docs[6]!;
  t.equal(cron['spec'].schedule, '0 6 1 1,4,7,10 *');
  const pod = cron['spec'].jobTemplate.spec.template.spec;
  const c = pod.containers[0];
  t.same(c.args, ['run', '--config', `/etc/meshprobe/${CONFIG_KEY}`]);
  t.equal(pod.serviceAccountName, 'meshprobe');
  t.match(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  t.match(c.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  t.same(c.envFrom, [{ secretRef: { name: 'upload-creds' } }]);
  t.equal(cron['spec'].jobTemplate.spec.backoffLimit, 0, 'a failing control is a result, never retried');
  // And nothing carries the label `meshprobe cleanup` deletes
  t.notMatch(text, /app\.kubernetes\.io\/managed-by/);
});

t.test(
  'the built CLI refuses a schedule without a scope with exit 2 and prints nothing',
  { skip: existsSync(resolve('dist/cli.mjs')) ? false : 'dist/ not built' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'meshprobe-sched-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'flows.yaml'), '[]\n');
    const bad = spawnSync(process.execPath, ['dist/cli.mjs', 'schedule', '--', '-n', 'shop', '--kubeconfig', '/k'], {
      encoding: 'utf8',
    });
    t.equal(bad.status, 2);
    t.equal(bad.stdout, '');
    t.match(bad.stderr, /--cde-namespace is required/);
    t.match(bad.stderr, /kubeconfig does not apply/);
    // A file-valued option travels in the ConfigMap and the run reads the mounted copy
    const ok = spawnSync(
      process.execPath,
      ['dist/cli.mjs', 'schedule', '--', '--cde-all', '--approved-flows', join(dir, 'flows.yaml')],
      { encoding: 'utf8' },
    );
    t.equal(ok.status, 0, ok.stderr);
    t.match(ok.stdout, /approved-flows: "\/etc\/meshprobe\/approved-flows\.yaml"/);
    t.match(ok.stdout, /approved-flows\.yaml: \|\n\s+\[\]/);
  },
);
