/**
 * runBatch: every attempt of a batch through a bounded worker pool, one line per
 * attempt written as it finishes, then the done line. Used by the in-pod agent and,
 * in-process, by the host vantage.
 */
import { setMaxListeners } from 'node:events';
import { PROTOCOL_VERSION, type AttemptBatch, type DoneLine, type SelfCheck } from '../protocol.js';
import { runAttempt } from './attempt.js';
import { abortReason, agentErrorObservation, describeAbort, startClock } from './observation.js';
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
    // The named point from which connections count as proof (DoneLine.settledAt); read before any attempt starts.
    const settledAt = new Date().toISOString();
    let next = 0;
    let count = 0;
    const worker = async (): Promise<void> => {
      for (let spec = batch.attempts[next++]; spec !== undefined; spec = batch.attempts[next++]) {
        const line = signal.aborted
          ? agentErrorObservation(spec, startClock(), describeAbort(signal).code, describeAbort(signal).message)
          : await runAttempt(spec, signal);
        write(JSON.stringify(line));
        count += 1;
      }
    };
    await Promise.all(Array.from({ length: workerCount(batch) }, worker));
    const done: DoneLine = { v: PROTOCOL_VERSION, done: true, count, selfCheck, settledAt };
    write(JSON.stringify(done));
    return done;
  } finally {
    clearTimeout(timer);
  }
}
