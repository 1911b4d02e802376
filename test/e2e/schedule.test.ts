/**
 * Scheduled in-cluster runs on the real lab (issue 18): `meshprobe schedule --apply` installs the
 * CronJob, ServiceAccount + RBAC, options ConfigMap and bundle PVC in a namespace of its own; the
 * CronJob is triggered with `kubectl create job --from=cronjob/…`; the Job runs the CLI image
 * (lab.local/meshprobe:dev, test/e2e/lab/cli-image.sh) with in-cluster config; its bundle is
 * read from the PVC's volume (a hostPath PersistentVolume this test creates: the lab has no
 * StorageClass) and checked with `meshprobe verify`. Everything it created is removed.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadAllYaml } from '@kubernetes/client-node';
import { kubectl, kubectlJson, kubectlOk, sleep } from './helpers/kubectl.js';
import { describeLeftovers, findLeftovers, leftoverProblem } from './helpers/leftovers.js';
import { CLI } from './helpers/meshprobe.js';
import { e2eReady } from './helpers/skip.js';
import { applyTarget, buildCliImage, deleteNamespaces, K18_LABEL, smallRunArgs } from './helpers/target-fixture.js';

const INSTALL_NS = 'k18-sched';
const CDE = 'k18-sched-cde';
const NAME = 'k18q';
const ROLE = `${NAME}-scheduled-${INSTALL_NS}`;
const STORAGE_CLASS = 'k18-sched-hostpath';
const PV = 'k18-sched-bundles';

interface JobStatus {
  succeeded?: number;
  failed?: number;
  conditions?: { type: string; status: string; reason?: string }[];
}
type PodList = { items: { status: { containerStatuses?: { state: { terminated?: { exitCode: number } } }[] } }[] };

function cli(args: readonly string[], timeoutMs = 120_000): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, env });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A hostPath PersistentVolume of the test's own StorageClass name, writable by the Job's uid 65532. */
function persistentVolume(dir: string): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: PV, labels: { ...K18_LABEL } },
    spec: {
      storageClassName: STORAGE_CLASS,
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      hostPath: { path: dir, type: 'Directory' },
    },
  };
}

/** Rules as comparable strings (order-free). */
function ruleSet(rules: readonly Record<string, unknown>[]): string[] {
  return rules
    .map((r) =>
      JSON.stringify({
        apiGroups: r['apiGroups'] ?? null,
        resources: r['resources'] ?? null,
        nonResourceURLs: r['nonResourceURLs'] ?? null,
        verbs: r['verbs'],
      }),
    )
    .sort();
}

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  t.setTimeout(2_400_000);
  const hostDir = mkdtempSync(join(tmpdir(), 'meshprobe-k18-pv-'));
  chownSync(hostDir, 65532, 65532);

  const removeAll = (): void => {
    deleteNamespaces(lab, [INSTALL_NS, CDE]);
    kubectl(lab, ['delete', 'clusterrole,clusterrolebinding', ROLE, '--ignore-not-found']);
    kubectl(lab, ['delete', 'pv', PV, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 140_000 });
  };
  t.teardown(() => {
    removeAll();
    rmSync(hostDir, { recursive: true, force: true });
  });

  const title =
    'a CronJob installed by meshprobe schedule --apply runs in the cluster ' + 'and leaves a bundle that verifies';
  t.test(title, async (t) => {
    // Given a clean slate, the CLI image in the lab, a target namespace and a hostPath volume for the bundles
    removeAll();
    const image = buildCliImage();
    t.equal(image, 'lab.local/meshprobe:dev', 'the CLI image was built and imported');
    applyTarget(lab, CDE);
    kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify(persistentVolume(hostDir)) });

    // When the schedule is applied with the run's options after --
    const applied = cli([
      'schedule',
      '--apply',
      '--kubeconfig',
      lab.kubeconfig,
      '--install-namespace',
      INSTALL_NS,
      '--name',
      NAME,
      '--image',
      image,
      '--image-pull-policy',
      'Never',
      '--storage-class',
      STORAGE_CLASS,
      '--',
      ...smallRunArgs(CDE),
    ]);
    t.equal(applied.code, 0, `schedule --apply exits 0 (stderr: ${applied.stderr.trim()})`);
    const kinds = [
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'PersistentVolumeClaim',
      'CronJob',
    ];
    for (const kind of kinds) {
      t.match(applied.stdout, new RegExp(`^applied ${kind} `, 'm'), `${kind} applied`);
    }

    // Then the ServiceAccount's role has exactly the rules `meshprobe rbac` prints
    const printed = loadAllYaml(cli(['rbac', '--name', ROLE]).stdout)[0] as { rules: Record<string, unknown>[] };
    const live = kubectlJson<{ rules: Record<string, unknown>[] }>(lab, ['get', 'clusterrole', ROLE]);
    const printedRules = JSON.parse(JSON.stringify(printed.rules)) as Record<string, unknown>[];
    t.same(ruleSet(live.rules), ruleSet(printedRules), 'same rules as meshprobe rbac');
    const binding = kubectlJson<{ subjects: unknown[] }>(lab, ['get', 'clusterrolebinding', ROLE]);
    t.same(binding.subjects, [{ kind: 'ServiceAccount', name: NAME, namespace: INSTALL_NS }]);
    const cm = kubectlJson<{ data: Record<string, string> }>(lab, ['get', 'configmap', NAME, '-n', INSTALL_NS]);
    const cfg = cm.data['run.yaml'] ?? '';
    t.match(cfg, /^cde-namespace: \["k18-sched-cde"\]$/m, 'the run options are in the ConfigMap in --config format');

    // When the CronJob is triggered by hand
    const job = `${NAME}-now-${Date.now().toString(36)}`;
    kubectlOk(lab, ['create', 'job', '-n', INSTALL_NS, `--from=cronjob/${NAME}`, job]);
    const started = Date.now();
    let status: JobStatus = {};
    while (Date.now() - started < 1_200_000) {
      status = kubectlJson<{ status: JobStatus }>(lab, ['get', 'job', job, '-n', INSTALL_NS]).status ?? {};
      if ((status.succeeded ?? 0) > 0 || (status.failed ?? 0) > 0) break;
      await sleep(5_000);
    }
    const logs = kubectl(lab, ['logs', '-n', INSTALL_NS, `job/${job}`, '--tail=400']).stdout;
    const conditions = JSON.stringify(status.conditions?.map((c) => `${c.type}/${c.reason ?? ''}`));
    t.comment(`job ${job} finished after ${Math.round((Date.now() - started) / 1000)} s: ${conditions}`);
    const pods = kubectlJson<PodList>(lab, ['get', 'pods', '-n', INSTALL_NS, '-l', `job-name=${job}`]);
    const exitCode = pods.items[0]?.status.containerStatuses?.[0]?.state.terminated?.exitCode;
    // Then the run ended with exit 1: 1.3.1 fails (the target has no NetworkPolicy), a result rather than a crash
    if (exitCode !== 1) t.comment(`job log tail:\n${logs.split('\n').slice(-30).join('\n')}`);
    t.equal(exitCode, 1, 'the in-cluster run exits 1 (a control fails)');
    const inCluster = /cluster inClusterContext \(https:\/\/198\.19\.0\.1:443\)/;
    t.match(logs, inCluster, 'the run used the in-cluster service account');

    // And its bundle is on the PVC's volume and verifies
    const pvc = kubectlJson<{ spec: { volumeName?: string } }>(lab, ['get', 'pvc', NAME, '-n', INSTALL_NS]);
    t.equal(pvc.spec.volumeName, PV, 'the PVC is bound to the test volume');
    const reportsDir = join(hostDir, 'reports');
    const runs = existsSync(reportsDir) ? readdirSync(reportsDir) : [];
    t.equal(runs.length, 1, `one bundle on the volume: ${runs.join(', ')}`);
    const fetched = mkdtempSync(join(tmpdir(), 'meshprobe-k18-bundle-'));
    t.teardown(() => rmSync(fetched, { recursive: true, force: true }));
    cpSync(join(reportsDir, runs[0] ?? 'none'), fetched, { recursive: true });
    const verified = cli(['verify', fetched]);
    t.equal(verified.code, 0, `meshprobe verify exits 0: ${verified.stdout.trim()} ${verified.stderr.trim()}`);
    t.match(verified.stdout, /^OK \d+ files match SHA256SUMS/m);
    type Verdicts = { verdicts: { controlId: string; status: string }[] };
    const report = JSON.parse(readFileSync(join(fetched, 'report.json'), 'utf8')) as Verdicts;
    const v131 = report.verdicts.find((v) => /1\.3\.1$/.test(v.controlId));
    t.match(v131, { status: 'fails' }, "1.3.1 fails in the scheduled run's report");

    // And the run cleaned up after itself: no object of its run id is left. Deletion is asynchronous
    // (the probe namespace and its pods may still be terminating when the Job ends; a single look once
    // failed CI on that), so wait, bounded; an object nobody is deleting fails after 30 s stable.
    const runId = runs[0] ?? '';
    const ofRun = `meshprobe.io/run-id=${runId}`;
    const atEnd = findLeftovers(lab, ofRun);
    if (atEnd.length > 0) t.comment(`when the Job ended, still there:\n${describeLeftovers(atEnd)}`);
    const left = await leftoverProblem(lab, 120_000, ofRun);
    t.equal(left, undefined, `no object of run ${runId} left`);
  });
}
