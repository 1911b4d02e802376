/**
 * runBatch: every attempt of a batch through a bounded worker pool, one line per
 * attempt written as it finishes, then the done line. Used by the in-pod agent and,
 * in-process, by the host vantage.
 */
import { setMaxListeners } from 'node:events';
import { PROTOCOL_VERSION, type AttemptBatch, type AttemptSpec, type DoneLine, type ObservationLine, type SelfCheck, type TransportResult } from '../protocol.js';
import { runAttempt } from './attempt.js';
import { abortReason, agentErrorObservation, describeAbort, observation, startClock } from './observation.js';
import { meshSelfCheck } from './self-check.js';

/** Optional hooks; the agent uses the defaults. */
export interface RunBatchOptions {
  /** Stops the batch early (e.g. SIGTERM); attempts not finished get agent-error with its reason's code. */
  readonly signal?: AbortSignal;
  /** Replaces the mesh self-check (the host vantage is never meshed; tests use fixed ports). */
  readonly selfCheck?: () => Promise<SelfCheck>;
}

/** The pool size actually used: at least 1, at most one worker per attempt. */
export function workerCount(batch: Pick<AttemptBatch, 'concurrency' | 'attempts'>): number {
  const wanted = Number.isInteger(batch.concurrency) && batch.concurrency > 0 ? batch.concurrency : 1;
  return Math.max(1, Math.min(wanted, batch.attempts.length));
}

/** Wait `ms` unless `signal` aborts first (the attempts then become agent-error lines as usual). */
function settle(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Results that prove the TCP handshake completed: what a phase-2 attempt waits for. */
const TCP_COMPLETED: ReadonlySet<TransportResult> = new Set<TransportResult>(['connected', 'silent', 'reset', 'eof']);

/** The phase-2 line for an attempt whose prerequisite did not complete TCP (or is not in the batch). */
export function skippedObservation(spec: AttemptSpec, prerequisite: TransportResult | undefined): ObservationLine {
  const why = prerequisite === undefined
    ? `its prerequisite attempt ${spec.after ?? '?'} is not in this batch`
    : `its prerequisite attempt ${spec.after ?? '?'} did not complete a TCP connection (${prerequisite})`;
  return observation(spec, startClock(), 'skipped', { detail: `phase 2 not run: ${why}` });
}

/**
 * Run `batch`, calling `write` with one JSON document (no newline) per attempt and
 * then the done line, which is also returned. Exactly one line per attempt, also when
 * the batch deadline or `opts.signal` stops it: attempts cut short or never started
 * become agent-error lines with errorCode E_DEADLINE (or the signal's code).
 * Throws only if `write` throws.
 */
export async function runBatch(
  batch: AttemptBatch,
  write: (line: string) => void,
  opts: RunBatchOptions = {},
): Promise<DoneLine> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(abortReason('E_DEADLINE', `the batch deadline of ${batch.deadlineMs} ms was reached before this attempt finished`)),
    batch.deadlineMs,
  );
  const signal = opts.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, opts.signal]);
  // Every in-flight attempt listens on this one signal.
  setMaxListeners(0, signal);
  try {
    const selfCheck = await (opts.selfCheck ?? meshSelfCheck)();
    await settle(batch.settleMs ?? 0, signal);
    let count = 0;
    // Phase 1: attempts without `after`; phase 2: those that wait for a phase-1 TCP connection.
    const first = batch.attempts.filter((a) => a.after === undefined);
    const second = batch.attempts.filter((a) => a.after !== undefined);
    // Only the transport of each phase-1 attempt is kept (memory budget), and only when phase 2 exists.
    const seen = new Map<string, TransportResult>();
    const runList = async (list: readonly AttemptSpec[], phase2: boolean): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let spec = list[next++]; spec !== undefined; spec = list[next++]) {
          const line = signal.aborted
            ? agentErrorObservation(spec, startClock(), describeAbort(signal).code, describeAbort(signal).message)
            : phase2 && !TCP_COMPLETED.has(seen.get(spec.after ?? '') ?? 'skipped')
              ? skippedObservation(spec, seen.get(spec.after ?? ''))
              : await runAttempt(spec, signal);
          if (!phase2 && second.length > 0) seen.set(spec.id, line.transport);
          write(JSON.stringify(line));
          count += 1;
        }
      };
      await Promise.all(Array.from({ length: workerCount({ concurrency: batch.concurrency, attempts: list }) }, worker));
    };
    await runList(first, false);
    if (second.length > 0) await runList(second, true);
    const done: DoneLine = { v: PROTOCOL_VERSION, done: true, count, selfCheck };
    write(JSON.stringify(done));
    return done;
  } finally {
    clearTimeout(timer);
  }
}
