/**
 * Issue 14 on the real lab: `meshprobe run` is killed with SIGKILL after its first probe-pod
 * batches were collected; the evidence journal (evidence.partial.jsonl) then holds those
 * batches, `meshprobe verify` calls the directory an incomplete bundle and prints the cleanup
 * command, and `meshprobe cleanup --run-id` removes every object the run created. Namespaces
 * are this test's own (mp-k14-jk-*); leftovers are counted by this run's id only (shared lab).
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, sleep } from './helpers/kubectl.js';
import { CLI } from './helpers/meshprobe.js';
import { e2eReady } from './helpers/skip.js';
import { applyAndWaitForWeb, LAB_NODE_IMAGE, objectsOfRun, waitRunGone, webWorkload } from './helpers/web-workload.js';
import { EVIDENCE_JOURNAL, readJournalText, type JournalSummary } from '../../src/report/journal.js';

const CDE = 'mp-k14-jk-cde';
const NEAR = 'mp-k14-jk-near';
const FAR = 'mp-k14-jk-far';
const IMAGE = LAB_NODE_IMAGE;

/** A CDE web workload that admits NEAR but not FAR (FAR's attempts time out, so its pod finishes last). */
function fixture(): object[] {
  const ns = (name: string, labels: Record<string, string> = {}): object => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels },
  });
  return [
    ns(CDE, { 'pci.scope': 'cde' }),
    ns(NEAR),
    ns(FAR),
    ...webWorkload(CDE),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'only-near', namespace: CDE },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NEAR } } },
              { podSelector: {} },
            ],
          },
        ],
      },
    },
  ];
}

function journalOf(dir: string): JournalSummary | undefined {
  const f = join(dir, EVIDENCE_JOURNAL);
  return existsSync(f) ? readJournalText(readFileSync(f, 'utf8')) : undefined;
}

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  t.setTimeout(1_200_000);
  t.before(async () => {
    applyAndWaitForWeb(lab, fixture(), CDE);
  });
  t.teardown(() => {
    kubectl(lab, ['delete', 'namespace', CDE, NEAR, FAR, '--ignore-not-found', '--wait=false']);
  });

  t.test(
    'a run killed with SIGKILL after its first batches keeps them in the journal, and cleanup removes every object',
    async (t) => {
      // Given a run of the three namespaces, its journal watched from outside
      const dir = mkdtempSync(join(tmpdir(), 'mp-e2e-journal-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const args = [
        'run',
        '--kubeconfig',
        lab.kubeconfig,
        '--cde-namespace',
        CDE,
        '-n',
        CDE,
        '-n',
        NEAR,
        '-n',
        FAR,
        '--no-nodes',
        '--agent-image',
        IMAGE,
        '--pod-ready-timeout',
        '180',
        '--timeout',
        '900',
        '--output-dir',
        dir,
      ];
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      const closed = new Promise<void>((r) =>
        child.on('close', (code, signal) => {
          exit = { code, signal };
          r();
        }),
      );
      const hard = setTimeout(() => child.kill('SIGKILL'), 900_000);
      t.teardown(() => clearTimeout(hard));
      // When a main-round batch is on disk (and the run has not written its report), the CLI is SIGKILLed
      let seen: JournalSummary | undefined;
      while (exit === undefined) {
        seen = journalOf(dir) ?? seen;
        if (seen?.batches.some((b) => b.round === 'main') && !existsSync(join(dir, 'report.json'))) break;
        await sleep(100);
      }
      child.kill('SIGKILL');
      await closed;
      t.equal(exit?.signal, 'SIGKILL', `killed mid-run: ${stderr.slice(-1500)}`);
      t.notOk(existsSync(join(dir, 'report.json')), 'no report was written');
      // Then the journal holds at least every batch seen before the kill, all committed and whole
      const after = journalOf(dir);
      t.ok(after, 'the journal is there');
      const runId = after?.runId ?? '';
      t.match(runId, /^\d{8}-\d{6}-[0-9a-f]{4}$/);
      t.ok(
        (after?.batches.length ?? 0) >= (seen?.batches.length ?? 1),
        `journal: ${after?.batches.length} batch(es), ${after?.observations} observation(s)`,
      );
      t.same(
        after?.batches.slice(0, seen?.batches.length).map((b) => b.pod),
        seen?.batches.map((b) => b.pod),
        'nothing seen before the kill was lost',
      );
      t.equal(after?.damaged, 0);
      t.ok((after?.observations ?? 0) > 0, 'observations were journaled');
      t.comment(
        `killed with ${after?.batches.length} batch(es) journaled: ${after?.batches.map((b) => `${b.round} ${b.pod} (${b.observed})`).join('; ')}`,
      );
      // And the run's objects are still in the cluster (nothing cleaned up after a SIGKILL)
      t.ok(objectsOfRun(lab, runId).length > 0, 'the killed run left objects behind');
      // And verify calls the directory an incomplete bundle, naming the cleanup command
      const v = spawnSync(process.execPath, [CLI, 'verify', dir], { encoding: 'utf8', timeout: 60_000 });
      t.equal(v.status, 1);
      t.match(
        v.stdout,
        new RegExp(
          `^INCOMPLETE incomplete bundle: run ${runId} stopped before it finished.*meshprobe cleanup --run-id ${runId}`,
        ),
      );
      // And `meshprobe cleanup --run-id` removes every object of that run
      const c = spawnSync(process.execPath, [CLI, 'cleanup', '--kubeconfig', lab.kubeconfig, '--run-id', runId], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      t.equal(c.status, 0, c.stderr);
      t.same(await waitRunGone(lab, runId, 180_000), [], 'zero objects labelled with this run remain');
    },
  );
}
