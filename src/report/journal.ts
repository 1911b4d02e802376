/**
 * The evidence journal (issue 14): what each probe pod observed, appended and fdatasync'ed as
 * soon as the pod's batch is collected, so a CLI killed mid-run (SIGKILL, OOM, power loss)
 * loses only the batches it had not yet collected.
 *
 * Why a journal next to evidence.jsonl rather than evidence.jsonl itself: an attempt's outcome
 * depends on its whole vantage (the echo-pod canary run by one pod serves its sibling pods; self-
 * checks are merged per vantage; same-pod proof), so a pod's evidence is not final when the pod
 * is collected. The journal holds each pod's redacted observations with their attempts, marked as
 * not classified; evidence.jsonl is written, classified and complete, when the run finishes, and
 * the journal is then deleted before the bundle is sealed. A bundle directory that still holds a
 * journal is therefore the trace of a run that died, and `meshprobe verify` says so.
 *
 * Format (JSON lines): a header, then per batch its observation lines followed by one batch
 * line, which commits them (a batch cut off mid-write has observation lines but no batch line).
 */
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attempt } from '../domain/attempt.js';
import type { Observation, SelfCheck } from '../domain/observation.js';
import { MeshprobeError } from '../shared/errors.js';

/** Journal file name inside the output directory (present only while a run goes, or after it died). */
export const EVIDENCE_JOURNAL = 'evidence.partial.jsonl';
/** Schema name on the journal's header line. */
export const JOURNAL_SCHEMA = 'meshprobe.evidence-journal/v1';

/** One collected pod batch (or the host batch), as appended to the journal. */
export interface JournalBatch {
  /** 'sweep': the listener-sweep round; 'main': the probe round. */
  readonly round: 'sweep' | 'main';
  /** namespace/name of the pod ('host' for the CLI's own vantage). */
  readonly pod: string;
  readonly vantage: string;
  /** Attempts in the pod's batch. */
  readonly expected: number;
  /** Redacted observations, with the attempt each answers. */
  readonly observations: readonly { readonly attempt: Attempt; readonly observation: Observation }[];
  readonly selfCheck?: SelfCheck;
  readonly settledAt?: string;
  /** Why the pod's log is missing or partial. */
  readonly problem?: string;
  /** Why the pod's spec shows a mesh captured its traffic (its attempts are inconclusive). */
  readonly meshCapture?: string;
}

/** An open journal. appendBatch resolves once the batch is on disk (written and fdatasync'ed). */
export interface EvidenceJournal {
  appendBatch(batch: JournalBatch): Promise<void>;
  /** Batches committed so far. */
  readonly committed: number;
  /** The run finished and evidence.jsonl holds the evidence of record: close and delete the journal. */
  discard(): Promise<void>;
}

/** The journal's lines for one batch (pure): observation lines first, the committing batch line last. */
export function journalLines(batch: JournalBatch, seq: number): string[] {
  const lines = batch.observations.map(
    (o) => `${JSON.stringify({ kind: 'observation', batch: seq, attempt: o.attempt, observation: o.observation })}\n`,
  );
  const { observations, ...rest } = batch;
  lines.push(`${JSON.stringify({ kind: 'batch', seq, ...rest, observed: observations.length, classified: false })}\n`);
  return lines;
}

function ioError(action: string, path: string, err: unknown): MeshprobeError {
  const code = (err as { code?: string }).code ?? 'error';
  const hint = 'Check the path exists and is writable (--output-dir).';
  return new MeshprobeError('E_IO', `cannot ${action} ${path} (${code})`, { hint, cause: err });
}

async function writeText(handle: FileHandle, text: string): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length; ) off += (await handle.write(buf, off)).bytesWritten;
}

/** Characters gathered before one write(2) (as in write.ts: below V8's large-object size). */
const WRITE_CHUNK = 60 * 1024;

/**
 * Create dir/evidence.partial.jsonl (replacing a stale one) with its header line, on disk before
 * this resolves. Appends are serialised; after a failed write every later append rejects.
 */
export async function openEvidenceJournal(
  dir: string,
  header: { readonly runId: string; readonly startedAt: string },
): Promise<EvidenceJournal> {
  const path = join(dir, EVIDENCE_JOURNAL);
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw ioError('create', dir, err);
  });
  const handle = await open(path, 'w').catch((err: unknown) => {
    throw ioError('open', path, err);
  });
  let tail: Promise<void> = Promise.resolve();
  let failure: { err: unknown } | undefined;
  let committed = 0;
  let issued = 0;
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const next = tail.then(async () => {
      if (failure) throw failure.err;
      try {
        await work();
      } catch (err) {
        failure = { err };
        throw ioError('write', path, err);
      }
    });
    tail = next.catch(() => undefined);
    return next;
  };
  const write = (lines: readonly string[]): Promise<void> =>
    enqueue(async () => {
      let part = '';
      for (const l of lines) {
        part += l;
        if (part.length >= WRITE_CHUNK) {
          await writeText(handle, part);
          part = '';
        }
      }
      if (part !== '') await writeText(handle, part);
      await handle.datasync();
    });
  const note =
    'observations per collected batch, redacted, not classified; ' +
    'the run did not finish if this file is still here';
  await write([`${JSON.stringify({ journal: JOURNAL_SCHEMA, ...header, complete: false, note })}\n`]);
  let discarded = false;
  return {
    get committed() {
      return committed;
    },
    // The sequence number is taken at call time: appends made without waiting must not share one.
    appendBatch: (batch) =>
      write(journalLines(batch, ++issued)).then(() => {
        committed += 1;
      }),
    async discard() {
      if (discarded) return;
      discarded = true;
      await tail;
      await handle.close();
      await unlink(path).catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'ENOENT') throw ioError('remove', path, err);
      });
    },
  };
}

/** A committed batch as read back. */
export interface JournalBatchLine {
  readonly seq: number;
  readonly round: string;
  readonly pod: string;
  readonly observed: number;
}

/** What a journal holds, as `verify` describes an incomplete bundle. */
export interface JournalSummary {
  readonly runId?: string;
  /** Committed batches, in order. */
  readonly batches: readonly JournalBatchLine[];
  /** Observations of committed batches. */
  readonly observations: number;
  /** Observation lines with no batch line after them (the batch being written when the run died). */
  readonly uncommitted: number;
  /** Lines that do not parse (a line cut off mid-write). */
  readonly damaged: number;
}

/** Read journal text (pure). */
export function readJournalText(text: string): JournalSummary {
  let runId: string | undefined;
  const batches: JournalBatchLine[] = [];
  const pending = new Map<number, number>();
  let damaged = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      damaged += 1;
      continue;
    }
    if (v['journal'] === JOURNAL_SCHEMA && typeof v['runId'] === 'string') runId = v['runId'];
    else if (v['kind'] === 'observation' && typeof v['batch'] === 'number') {
      pending.set(v['batch'], (pending.get(v['batch']) ?? 0) + 1);
    } else if (v['kind'] === 'batch' && typeof v['seq'] === 'number') {
      const { seq } = v as { seq: number };
      batches.push({ seq, round: String(v['round']), pod: String(v['pod']), observed: Number(v['observed']) });
      pending.delete(v['seq']);
    } else damaged += 1;
  }
  const uncommitted = [...pending.values()].reduce((a, b) => a + b, 0);
  const observations = batches.reduce((n, b) => n + b.observed, 0);
  return { ...(runId !== undefined ? { runId } : {}), batches, observations, uncommitted, damaged };
}

/** One sentence for `verify`: the bundle is the trace of a run that died, and what its journal holds. */
export function describeIncomplete(s: JournalSummary): string {
  const run = s.runId ?? 'unknown';
  const rest = [
    s.uncommitted > 0 ? `${s.uncommitted} observation line(s) of a batch cut off mid-write` : '',
    s.damaged > 0 ? `${s.damaged} damaged line(s)` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const holds = `${s.batches.length} collected batch(es) with ${s.observations} observation(s), not classified`;
  return (
    `incomplete bundle: run ${run} stopped before it finished (no report, no SHA256SUMS); ` +
    `${EVIDENCE_JOURNAL} holds ${holds}${rest ? ` (and ${rest})` : ''}. ` +
    `Remove what the run left in the cluster with: meshprobe cleanup --run-id ${run}`
  );
}
