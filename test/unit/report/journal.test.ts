/**
 * The evidence journal (issue 14): each collected batch is on disk when appendBatch resolves,
 * a batch counts only once its committing line is written, a finished run removes the journal,
 * and `verify` calls a directory that still holds one an incomplete bundle.
 */
import t from 'tap';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attempt } from '../../../src/domain/attempt.js';
import type { Observation } from '../../../src/domain/observation.js';
import {
  describeIncomplete,
  EVIDENCE_JOURNAL,
  journalLines,
  openEvidenceJournal,
  readJournalText,
  type JournalBatch,
} from '../../../src/report/journal.js';
import { verifyBundleDir } from '../../../src/report/write.js';

function attempt(id: string): Attempt {
  return {
    id,
    probeId: 'tcp-reach',
    technique: 'tcp',
    role: 'probe',
    timeoutMs: 1000,
    port: 80,
    vantage: { kind: 'probe-namespace' },
    target: { kind: 'Service', namespace: 'payments', name: 'api', address: '10.0.0.1' },
  } as unknown as Attempt;
}

function observation(id: string): Observation {
  return {
    attemptId: id,
    startedAt: '2026-12-03T18:00:00.000Z',
    durationMs: 2,
    transport: 'connected',
    bytesReceived: 10,
    http: { status: 200, headers: { authorization: 'Bearer hunter2' }, bodyPrefix: 'ok' },
  } as unknown as Observation;
}

function batch(pod: string, ids: readonly string[]): JournalBatch {
  return {
    round: 'main',
    pod,
    vantage: 'probe-namespace',
    expected: ids.length,
    observations: ids.map((id) => ({ attempt: attempt(id), observation: observation(id) })),
  };
}

function tmp(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a batch is committed by the line written after its observations', async (t) => {
  // Given a batch of two observations
  const lines = journalLines(batch('ns/p-0', ['a1', 'a2']), 1);
  // Then the observation lines come first and the batch line last, marked as not classified
  t.equal(lines.length, 3);
  t.match(JSON.parse(lines[0]!), {
    kind: 'observation',
    batch: 1,
    attempt: { id: 'a1' },
    observation: { attemptId: 'a1' },
  });
  t.match(JSON.parse(lines[2]!), { kind: 'batch', seq: 1, pod: 'ns/p-0', expected: 2, observed: 2, classified: false });
  t.notOk('observations' in JSON.parse(lines[2]!), 'the batch line does not repeat the observations');
});

t.test('a journal read back counts committed batches, and a batch cut off mid-write as uncommitted', async (t) => {
  // Given a journal with a header, one committed batch, and a second cut off after one observation and half a line
  const dir = tmp(t);
  const j = await openEvidenceJournal(dir, { runId: '20261203-180000-abcd', startedAt: '2026-12-03T18:00:00.000Z' });
  await j.appendBatch(batch('ns/p-0', ['a1', 'a2']));
  t.equal(j.committed, 1);
  const second = journalLines(batch('ns/p-1', ['b1', 'b2']), 2);
  appendFileSync(join(dir, EVIDENCE_JOURNAL), second[0]! + second[1]!.slice(0, 20));
  // When it is read
  const s = readJournalText(readFileSync(join(dir, EVIDENCE_JOURNAL), 'utf8'));
  // Then it names the run and holds exactly the committed batch
  t.equal(s.runId, '20261203-180000-abcd');
  t.same(s.batches, [{ seq: 1, round: 'main', pod: 'ns/p-0', observed: 2 }]);
  t.equal(s.observations, 2);
  t.equal(s.uncommitted, 1);
  t.equal(s.damaged, 1);
  t.match(
    describeIncomplete(s),
    /run 20261203-180000-abcd stopped before it finished.*1 collected batch\(es\) with 2 observation\(s\).*meshprobe cleanup --run-id 20261203-180000-abcd/,
  );
});

t.test('each appended batch is on disk when its promise resolves, in call order', async (t) => {
  // Given an open journal
  const dir = tmp(t);
  const j = await openEvidenceJournal(dir, { runId: 'r', startedAt: 'x' });
  // When three batches are appended without waiting in between, then the last is awaited
  const p1 = j.appendBatch(batch('ns/p-0', ['a1']));
  const p2 = j.appendBatch(batch('ns/p-1', []));
  await Promise.all([p1, p2, j.appendBatch(batch('ns/p-2', ['c1', 'c2']))]);
  // Then the file (read by another handle) holds all three, in order
  const s = readJournalText(readFileSync(join(dir, EVIDENCE_JOURNAL), 'utf8'));
  t.same(
    s.batches.map((b) => [b.seq, b.pod, b.observed]),
    [
      [1, 'ns/p-0', 1],
      [2, 'ns/p-1', 0],
      [3, 'ns/p-2', 2],
    ],
  );
  t.equal(j.committed, 3);
  // And discarding removes the file (the run finished; evidence.jsonl is the evidence of record)
  await j.discard();
  t.notOk(existsSync(join(dir, EVIDENCE_JOURNAL)));
});

t.test('opening a journal replaces a stale one and writes the header at once', async (t) => {
  // Given a directory holding an older journal
  const dir = tmp(t);
  writeFileSync(join(dir, EVIDENCE_JOURNAL), '{"kind":"batch","seq":9,"pod":"old","observed":5}\n');
  // When a new run opens its journal
  await openEvidenceJournal(dir, { runId: 'new-run', startedAt: 'x' });
  // Then only the new header is there
  const s = readJournalText(readFileSync(join(dir, EVIDENCE_JOURNAL), 'utf8'));
  t.equal(s.runId, 'new-run');
  t.same(s.batches, []);
});

t.test('verify calls a directory with a journal an incomplete bundle, with or without SHA256SUMS', async (t) => {
  // Given the directory of a run that died after one batch (no SHA256SUMS, no report)
  const dir = tmp(t);
  const j = await openEvidenceJournal(dir, { runId: '20261203-181500-beef', startedAt: 'x' });
  await j.appendBatch(batch('ns/p-0', ['a1']));
  writeFileSync(join(dir, 'evidence.jsonl'), '');
  // When it is verified
  const r = await verifyBundleDir(dir);
  // Then it is not ok, and says why and how to clean up
  t.equal(r.ok, false);
  t.match(r.incomplete, /incomplete bundle: run 20261203-181500-beef .*1 collected batch/);
  t.match(r.problems[0], { file: EVIDENCE_JOURNAL });
  // And a journal slipped into a sealed bundle also makes it incomplete (a finished run never leaves one)
  writeFileSync(join(dir, 'SHA256SUMS'), '');
  t.equal((await verifyBundleDir(dir)).ok, false);
});

t.test('redaction happens before the journal: secrets in observations never reach it', async (t) => {
  // Given the redacted batch the pipeline builds (journal-pods.ts redacts before appending)
  const { journalBatchOf } = await import('../../../src/pipeline/journal-pods.js');
  const { collectObservations } = await import('../../../src/collect/collect.js');
  const log = `${JSON.stringify({
    v: 1,
    attemptId: 'a1',
    startedAt: '2026-12-03T18:00:00.000Z',
    durationMs: 1,
    transport: 'connected',
    bytesReceived: 5,
    http: { status: 200, headers: { 'set-cookie': 'session=hunter2' }, bodyPrefix: '{"password":"hunter2"}' },
  })}\n`;
  const c = collectObservations(log, ['a1']);
  const b = journalBatchOf(
    { namespace: 'ns', name: 'p-0', vantageId: 'probe-namespace', expectedIds: ['a1'], log },
    c,
    'main',
    new Map([['a1', attempt('a1')]]),
  );
  // Then the journal lines hold the observation but not the secret
  const text = journalLines(b, 1).join('');
  t.match(text, /"attemptId":"a1"/);
  t.notMatch(text, /hunter2/);
});
