/**
 * However a run ends, it leaves a report on disk and nothing in the cluster: SIGINT during
 * deploy, while agents run and during collection; a probe pod deleted mid-run; an agent image
 * that does not exist (E_IMAGE_PULL, exit 3); and a run as the least-privilege identity that
 * `meshprobe rbac` prints (works) and as one missing a permission (a message naming it).
 */
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirementOf } from './helpers/compare.js';
import { loadExpectations } from './helpers/expectations.js';
import { kubectl } from './helpers/kubectl.js';
import { leftoverProblem, MANAGED_BY_SELECTOR } from './helpers/leftovers.js';
import { attemptCount, runCli, withoutFlags, type CliRun } from './helpers/meshprobe.js';
import { createRbacUser, removeRbacUser } from './helpers/rbac-user.js';
import { applyScenarios, fillPlaceholders, type Applied } from './helpers/scenarios.js';
import { e2eReady } from './helpers/skip.js';

/** An image reference that can only fail, without any traffic leaving the machine (loopback port 1). */
const MISSING_IMAGE = '127.0.0.1:1/meshprobe-e2e/does-not-exist:0';

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  const expectations = loadExpectations();
  const base = expectations.scenarios.find((s) => s.name === 'strict-mtls')!;
  let applied: Applied;
  t.before(async () => {
    applied = await applyScenarios(lab, (l) => t.comment(l));
  });

  /** The strict-mtls scenario's run, with `extra` flags replacing the defaults of the same name. */
  const args = (extra: readonly string[] = [], kubeconfig = lab.kubeconfig): string[] => [
    'run',
    '--kubeconfig',
    kubeconfig,
    ...withoutFlags(
      expectations.runDefaults,
      extra.filter((a) => a.startsWith('--')),
    ),
    ...base.namespaces.flatMap((n) => ['--namespace', n]),
    ...Object.keys(base.expect).flatMap((id) => ['--control', requirementOf(id)]),
    ...base.args.map((a) => fillPlaceholders(a, applied)),
    ...extra,
  ];

  // Only objects of a run that started after `since` count: other engineers' runs on the shared lab,
  // or a namespace still terminating, must not trigger the interrupt before this CLI is even up.
  // Run ids start with the UTC start time (YYYYMMDD-HHMMSS-xxxx), carried in meshprobe.io/run-id.
  let since = new Date();
  const runStamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const ours = (runId: string): boolean => runId.slice(0, 15) >= runStamp(new Date(since.getTime() - 1000));
  const objects = (kind: string): { runId: string; phase: string; component: string }[] =>
    kubectl(
      lab,
      [
        'get',
        kind,
        '-A',
        '-l',
        MANAGED_BY_SELECTOR,
        '-o',
        'jsonpath={range .items[*]}{.metadata.labels.meshprobe\\.io/run-id} {.status.phase} {.metadata.labels.meshprobe\\.io/component}{"\\n"}{end}',
      ],
      { timeoutMs: 10_000 },
    )
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => ({ runId: l.split(' ')[0] ?? '', phase: l.split(' ')[1] ?? '', component: l.split(' ')[2] ?? '' }))
      .filter((o) => ours(o.runId));
  const snapshot = (): void => {
    since = new Date();
  };
  // Probe pods only: the canary echo pod runs from the start of deploy.
  const phases = (): string[] =>
    objects('pods')
      .filter((o) => o.component === 'probe')
      .map((o) => o.phase);
  const probeNamespaceExists = (): boolean => objects('namespaces').length > 0;

  const outDir = (name: string): string => mkdtempSync(join(tmpdir(), `meshprobe-e2e-fault-${name}-`));

  async function endsClean(t: Test, run: CliRun, what: string): Promise<void> {
    t.comment(
      `${what}: exit ${run.code ?? run.signal}, wall ${(run.wallMs / 1000).toFixed(1)} s, ${attemptCount(run.report) ?? '?'} attempts`,
    );
    t.ok(run.report, `${what}: a report is on disk${run.report ? '' : `\nstderr: ${run.stderr.slice(-1500)}`}`);
    t.notMatch(run.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `${what}: no stack trace on stderr`);
    t.equal(await leftoverProblem(lab), undefined, `${what}: zero meshprobe-labelled objects remain`);
  }

  const interrupts: { stage: string; when: () => boolean }[] = [
    { stage: 'during deploy', when: () => probeNamespaceExists() },
    { stage: 'while agents run', when: () => phases().includes('Running') },
    { stage: 'during collection', when: () => phases().includes('Succeeded') },
  ];
  for (const i of interrupts) {
    t.test(`SIGINT ${i.stage} exits 130 with an interrupted report and nothing left behind`, async (t) => {
      // Given a run of the strict scenario, When SIGINT arrives at that stage
      snapshot();
      const run = await runCli({ args: args(), outputDir: outDir('sigint'), interruptWhen: i.when });
      if (!run.interrupted)
        t.comment(`the run ended (exit ${run.code}) before the stage "${i.stage}" was observed; nothing to interrupt`);
      // Then exit 130 and the report says it was interrupted
      if (run.interrupted) {
        t.equal(run.code, 130, 'exit code 130');
        t.ok(
          run.report?.['interrupted'] === true || run.report?.['aborted'] !== undefined,
          'the report records the interruption',
        );
        // Once the run stage began, every planned attempt is in the evidence (observed, or inconclusive)
        const stage = (run.report?.['aborted'] as { stage?: string } | undefined)?.stage;
        if (stage === 'run' || stage === 'collect')
          t.ok(
            (attemptCount(run.report) ?? 0) > 0,
            `interrupted at ${stage}: the evidence of the planned attempts is kept`,
          );
      }
      await endsClean(t, run, `SIGINT ${i.stage}`);
    });
  }

  t.test('a probe pod deleted mid-run still ends with a report and no leftovers', async (t) => {
    // Given a run, When one of its Running probe pods is deleted
    let deleted = '';
    const run = await runCli({
      args: args(),
      outputDir: outDir('pod-deleted'),
      interruptWhen: () => {
        if (deleted) return false;
        const r = kubectl(
          lab,
          [
            'get',
            'pods',
            '-A',
            '-l',
            MANAGED_BY_SELECTOR,
            '--field-selector=status.phase=Running',
            '-o',
            'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
          ],
          { timeoutMs: 10_000 },
        );
        // A probe pod of the main round (mp-<run>-…), not the canary echo pod nor a listener-sweep pod
        // (mp-<run>-sw-…, which runs before it): its observations are what gets lost.
        const first = r.stdout.split('\n').find((l) => /\/mp-/.test(l) && !/\/mp-[^/]*-sw-/.test(l));
        if (!first) return false;
        const [ns, name] = first.split('/') as [string, string];
        kubectl(lab, ['delete', 'pod', name, '-n', ns, '--grace-period=0', '--wait=false']);
        deleted = first;
        return false;
      },
    });
    t.comment(`deleted probe pod: ${deleted || '(none was Running long enough)'}`);
    // Then the run still reports, never claims everything held on lost evidence, and cleans up
    t.not(run.code, 2, 'not a usage error');
    if (deleted && run.code === 0)
      t.fail('exit 0 although a probe pod was deleted before it reported: lost evidence cannot prove a control holds');
    await endsClean(t, run, 'probe pod deleted');
  });

  t.test('an agent image that does not exist aborts with E_IMAGE_PULL and exit 3', async (t) => {
    // Given --agent-image naming an image no node has and no registry serves
    const run = await runCli({
      args: args(['--agent-image', MISSING_IMAGE, '--pod-ready-timeout', '90']),
      outputDir: outDir('image'),
    });
    // Then exit 3, the report is aborted with E_IMAGE_PULL, and the message names the image and the option
    t.equal(run.code, 3, 'exit code 3');
    const aborted = run.report?.['aborted'] as { code?: string; message?: string } | undefined;
    t.equal(aborted?.code, 'E_IMAGE_PULL', 'report.aborted.code is E_IMAGE_PULL');
    t.match(`${run.stderr}\n${aborted?.message ?? ''}`, MISSING_IMAGE, 'the message names the image');
    t.match(run.stderr, /--agent-image/, 'the message points at --agent-image');
    await endsClean(t, run, 'missing agent image');
  });

  t.test('the least-privilege identity from `meshprobe rbac` can run', async (t) => {
    // Given a ServiceAccount bound to exactly the printed ClusterRole
    const kubeconfig = lab.leastPrivilegeKubeconfig ?? createRbacUser(lab, 'meshprobe-e2e-lp');
    t.teardown(() => removeRbacUser(lab, 'meshprobe-e2e-lp'));
    // When it runs the strict scenario
    const run = await runCli({ args: args([], kubeconfig), outputDir: outDir('lp') });
    // Then the run completes (not aborted) with the same exit code an admin gets
    t.notOk(
      run.report?.['aborted'],
      `not aborted${run.report?.['aborted'] ? `: ${JSON.stringify(run.report['aborted'])}` : ''}`,
    );
    t.ok([0, 1, 4].includes(run.code ?? -1), `exit ${run.code} is a verdict exit code (0/1/4), not an abort`);
    const verdicts = (run.report?.['verdicts'] ?? []) as { controlId: string }[];
    t.same(
      verdicts.map((v) => v.controlId).sort(),
      Object.keys(base.expect).sort(),
      'every selected control got a verdict',
    );
    await endsClean(t, run, 'least-privilege run');
  });

  t.test('an identity missing one permission gets a message naming it and exit 3', async (t) => {
    // Given the printed role without "create pods"
    const kubeconfig = createRbacUser(lab, 'meshprobe-e2e-lp-missing', { verb: 'create', resource: 'pods' });
    t.teardown(() => removeRbacUser(lab, 'meshprobe-e2e-lp-missing'));
    // When it runs
    const run = await runCli({ args: args([], kubeconfig), outputDir: outDir('forbidden') });
    // Then exit 3, E_FORBIDDEN, and the message names the missing permission and `meshprobe rbac`
    t.equal(run.code, 3, 'exit code 3');
    const aborted = run.report?.['aborted'] as { code?: string; message?: string } | undefined;
    t.equal(aborted?.code, 'E_FORBIDDEN', 'report.aborted.code is E_FORBIDDEN');
    t.match(
      `${run.stderr}\n${aborted?.message ?? ''}`,
      /create.{0,40}pods|pods.{0,40}create/i,
      'the message names "create pods"',
    );
    t.match(run.stderr, /meshprobe rbac/, 'the message points at `meshprobe rbac`');
    await endsClean(t, run, 'missing permission');
  });
}
