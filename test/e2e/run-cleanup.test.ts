/**
 * The happy path and cleanup on the real lab cluster (issue 6): `meshprobe plan` creates
 * nothing; `meshprobe run` creates its namespace, ConfigMaps and pods (seen from outside
 * while it runs), collects evidence for every attempt, and leaves zero meshprobe-labelled
 * objects behind; `meshprobe cleanup` is then a no-op. Skips with a clear message when the
 * lab is not up.
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlJson } from './helpers/kubectl.js';
import { MANAGED_BY_SELECTOR } from './helpers/leftovers.js';
import { attemptCount, CLI, runCli } from './helpers/meshprobe.js';
import { e2eReady } from './helpers/skip.js';
import {
  applyAndWaitForWeb,
  LAB_NODE_IMAGE,
  objectsOfRun,
  RUN_KINDS,
  waitRunGone,
  webWorkload,
} from './helpers/web-workload.js';
import { spawnSync } from 'node:child_process';

const CDE = 'mp-e2e-cde';
const OTHER = 'mp-e2e-other';
const IMAGE = LAB_NODE_IMAGE;

/** A CDE namespace with one small HTTP workload and Service, and an empty out-of-scope namespace. */
function fixture(): object[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: CDE, labels: { 'pci.scope': 'cde' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OTHER } },
    ...webWorkload(CDE),
  ];
}

type LabT = Parameters<typeof kubectl>[0];
function namespaces(lab: LabT): string[] {
  return kubectlJson<{ items: { metadata: { name: string } }[] }>(lab, ['get', 'namespaces', '-o', 'json'])
    .items.map((n) => n.metadata.name)
    .sort();
}

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  t.setTimeout(1_200_000);
  const common = [
    '--kubeconfig',
    lab.kubeconfig,
    '--cde-namespace',
    CDE,
    '--namespace',
    CDE,
    '--namespace',
    OTHER,
    '--agent-image',
    IMAGE,
    '--pod-ready-timeout',
    '180',
    '--timeout',
    '900',
  ];

  let lastRunId = '';
  t.before(async () => {
    applyAndWaitForWeb(lab, fixture(), CDE);
  });
  t.teardown(() => {
    kubectl(lab, ['delete', 'namespace', CDE, OTHER, '--ignore-not-found', '--wait=false']);
  });

  t.test('plan creates nothing', async (t) => {
    // When planning
    const r = spawnSync(process.execPath, [CLI, 'plan', ...common, '-o', 'json'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    // Then the plan names attempts from the other namespace, and nothing of that plan exists in the cluster
    t.equal(r.status, 0, r.stderr);
    const plan = (
      JSON.parse(r.stdout) as {
        plan: { runId: string; probeNamespace: string; attempts: { vantage: { kind: string; namespace?: string } }[] };
      }
    ).plan;
    t.ok(
      plan.attempts.some((a) => a.vantage.kind === 'from-namespace' && a.vantage.namespace === OTHER),
      'segmentation from the out-of-scope namespace is planned',
    );
    t.notOk(namespaces(lab).includes(plan.probeNamespace), `namespace ${plan.probeNamespace} was not created`);
    t.same(objectsOfRun(lab, plan.runId), [], "no object with the plan's run id exists");
  });

  t.test('run creates its namespace, ConfigMaps and pods, collects evidence and leaves nothing behind', async (t) => {
    // Given a clean cluster
    const seen = new Set<string>();
    const dir = mkdtempSync(join(tmpdir(), 'mp-e2e-run-'));
    // When meshprobe runs, watching from outside what it creates
    const r = await runCli({
      args: ['run', ...common],
      outputDir: dir,
      timeoutMs: 1_000_000,
      interruptWhen: () => {
        const got = kubectl(lab, [
          'get',
          RUN_KINDS,
          '-A',
          '-l',
          MANAGED_BY_SELECTOR,
          '-o',
          'jsonpath={range .items[*]}{.kind} {.metadata.namespace} {.metadata.labels.meshprobe\\.io/run-id}{"\\n"}{end}',
        ]);
        for (const line of got.stdout.split('\n').filter(Boolean)) seen.add(line.trim());
        return false;
      },
    });
    t.comment(`run: exit ${r.code}, ${Math.round(r.wallMs / 1000)} s wall, ${attemptCount(r.report) ?? '?'} attempts`);
    // Then it finished without aborting, with a report and an evidence log line per attempt
    t.ok(r.code === 0 || r.code === 1 || r.code === 4, `exit ${r.code}: ${r.stderr.slice(-2000)}`);
    const report = r.report as {
      run: { runId: string };
      aborted?: unknown;
      summary: { attempts: number };
      evidence: { observation?: unknown; attempt: { role: string } }[];
      cleanup: { ok: boolean; deleted: string[] };
    };
    t.notOk(report.aborted, 'not aborted');
    t.ok(report.summary.attempts > 0);
    t.equal(readFileSync(join(dir, 'evidence.jsonl'), 'utf8').trim().split('\n').length, report.summary.attempts);
    t.ok(
      report.evidence.filter((e) => e.attempt.role === 'canary').every((e) => e.observation !== undefined),
      'every canary was observed',
    );
    const observed = report.evidence.filter((e) => e.observation !== undefined).length;
    t.comment(`observations: ${observed}/${report.summary.attempts}`);
    t.ok(observed === report.summary.attempts, 'the agent reported every attempt');
    // And while running it had created its namespace, ConfigMaps and pods, also in the other namespace
    const ours = [...seen].map((s) => s.split(' ')).filter((p) => p[2] === report.run.runId);
    for (const k of ['Namespace', 'ConfigMap', 'Pod'])
      t.ok(
        ours.some((p) => p[0] === k),
        `saw a ${k} of this run`,
      );
    t.ok(
      ours.some((p) => p[0] === 'Pod' && p[1] === OTHER),
      'a probe pod of this run ran in the out-of-scope namespace',
    );
    // And cleanup ran and nothing with meshprobe labels remains
    t.equal(report.cleanup.ok, true, 'cleanup reported ok');
    t.same(await waitRunGone(lab, report.run.runId, 180_000), [], 'zero objects labelled with this run remain');
    lastRunId = report.run.runId;
  });

  t.test('cleanup of that run afterwards finds nothing (idempotent)', async (t) => {
    // Scoped to the run: a global cleanup would also remove other runs on a shared lab.
    t.ok(lastRunId, 'the run above reported its id');
    const r = spawnSync(process.execPath, [CLI, 'cleanup', '--kubeconfig', lab.kubeconfig, '--run-id', lastRunId], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout.trim(), `Nothing to clean up for run ${lastRunId}.`);
  });
}
