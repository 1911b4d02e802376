/**
 * Issue 14: evidence is journaled as each pod's batch is collected, so a SIGKILL of the CLI
 * loses only batches not yet collected. A real run (real files, fdatasync, a real SIGKILL) over
 * the fake cluster of the Istio fixture, held mid-way: pods in `payments` keep running while
 * the others finish. The lab e2e test (test/e2e/journal-kill.test.ts) does the same against
 * the real cluster and then checks that `meshprobe cleanup` removes every object.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { EVIDENCE_JOURNAL, readJournalText } from '../../../src/report/journal.js';
import { verifyBundleDir } from '../../../src/report/write.js';

const SLOW = 'payments';
const FIXTURE = join(import.meta.dirname, '../../fixtures/cluster/istio.json');

async function bundle(dir: string): Promise<string> {
  const out = join(dir, 'journal-child.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, '../../fixtures/journal-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'warning',
    loader: { '.json': 'json' },
  });
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

t.test(
  'a CLI killed with SIGKILL after some batches were collected leaves a journal holding exactly those batches',
  async (t) => {
    // Given a run whose probe pods outside `payments` finish at once and those in `payments` keep running
    const work = mkdtempSync(join(import.meta.dirname, '../../../.tap', 'journal-'));
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    const out = mkdtempSync(join(tmpdir(), 'meshprobe-journal-kill-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    const child = spawn(process.execPath, [await bundle(work)], {
      env: { ...process.env, JOURNAL_OUTPUT_DIR: out, JOURNAL_SLOW_NAMESPACE: SLOW, JOURNAL_FIXTURE: FIXTURE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on('close', (code, signal) => {
        exited = true;
        r({ code, signal });
      }),
    );
    const hard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    t.teardown(() => clearTimeout(hard));
    // When every fast pod's batch is in the journal (read from outside while the run goes), the CLI is killed
    const journal = join(out, EVIDENCE_JOURNAL);
    const pods = (): string[] => [...stdout.matchAll(/^pod (\S+)$/gm)].map((m) => m[1]!);
    const slow = (p: string): boolean => p.startsWith(`${SLOW}/`) && !p.includes('-sw-');
    const fast = (): string[] => pods().filter((p) => !slow(p));
    let before = readJournalText('');
    const until = Date.now() + 90_000;
    while (Date.now() < until && !exited) {
      before = existsSync(journal) ? readJournalText(readFileSync(journal, 'utf8')) : before;
      // A main-round batch is collected only after every pod was created, so fast() is complete by then.
      if (before.batches.some((x) => x.round === 'main') && before.batches.length >= fast().length) break;
      await sleep(25);
    }
    child.kill('SIGKILL');
    const ended = await closed;
    // Then the process died by SIGKILL before finishing: no report, evidence.jsonl not yet written
    t.equal(ended.signal, 'SIGKILL', stderr.slice(-2000));
    t.notOk(stdout.includes('finished'), 'the run was still going');
    t.notOk(existsSync(join(out, 'report.json')), 'no report was written');
    t.equal(
      readFileSync(join(out, 'evidence.jsonl'), 'utf8'),
      '',
      'evidence.jsonl is written only when the run finishes',
    );
    // And the journal holds every batch collected before the kill: the fast pods, not the slow ones
    const text = readFileSync(journal, 'utf8');
    const after = readJournalText(text);
    t.ok(pods().some(slow), 'some pods were still running');
    t.ok(fast().length >= 2, `several batches were collected (${fast().length})`);
    t.same(after.batches.map((b) => b.pod).sort(), fast().sort(), 'exactly the finished pods are journaled');
    t.match(after.runId, /-c0de$/);
    t.equal(after.uncommitted, 0);
    t.equal(after.damaged, 0);
    // And each batch holds one observation per attempt, with the attempt it answers, redacted
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    t.ok(
      lines.some((l) => l['kind'] === 'batch' && l['round'] === 'sweep'),
      'the listener-sweep batch is journaled too',
    );
    for (const b of lines.filter((l) => l['kind'] === 'batch')) {
      t.equal(b['observed'], b['expected'], `${String(b['pod'])}: every attempt observed`);
      t.equal(b['classified'], false);
    }
    const obs = lines.filter((l) => l['kind'] === 'observation') as {
      attempt: { id: string };
      observation: { attemptId: string };
    }[];
    t.ok(
      obs.length > 0 && obs.every((o) => o.attempt.id === o.observation.attemptId),
      'observations carry their attempts',
    );
    t.notMatch(text, /journal-secret-0001/, 'the authorization header never reached the journal');
    // And verify calls the directory an incomplete bundle and names the cleanup command
    const v = await verifyBundleDir(out);
    t.equal(v.ok, false);
    t.match(
      v.incomplete,
      new RegExp(`${fast().length} collected batch\\(es\\).*meshprobe cleanup --run-id ${after.runId}`),
    );
  },
);

t.test('a run that finishes leaves no journal, and its bundle verifies', async (t) => {
  // Given the same run with no slow namespace
  const work = mkdtempSync(join(import.meta.dirname, '../../../.tap', 'journal-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const out = mkdtempSync(join(tmpdir(), 'meshprobe-journal-done-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  // When it runs to the end
  const child = spawn(process.execPath, [await bundle(work)], {
    env: { ...process.env, JOURNAL_OUTPUT_DIR: out, JOURNAL_SLOW_NAMESPACE: 'none', JOURNAL_FIXTURE: FIXTURE },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  // Then the journal is gone, evidence.jsonl holds every attempt, and the bundle verifies
  t.equal(code, 0);
  t.match(stdout, /finished/);
  t.notOk(existsSync(join(out, EVIDENCE_JOURNAL)), 'the journal was removed before the bundle was sealed');
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { summary: { attempts: number } };
  t.equal(readFileSync(join(out, 'evidence.jsonl'), 'utf8').trim().split('\n').length, report.summary.attempts);
  const v = await verifyBundleDir(out);
  t.equal(v.ok, true, JSON.stringify(v.problems));
  t.equal(v.incomplete, undefined);
});
