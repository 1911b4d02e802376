/**
 * runBatch: every attempt of a batch through a bounded worker pool, one line per
 * attempt written as it finishes, then the done line. Used by the in-pod agent and,
 * in-process, by the host vantage.
 */
import { setMaxListeners } from 'node:events';
import { PROTOCOL_VERSION, type AttemptBatch, type AttemptSpec, type DoneLine, type ObservationLine, type SelfCheck } from '../protocol.js';
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

/** TLS handshakes in flight to one host:port, whatever the batch concurrency: polite to the server. */
export const TLS_PER_ENDPOINT = 4;

/** Slots per key: at most `max` holders at once; release() hands the slot to the next waiter. */
function keyedSlots(max: number): (key: string) => Promise<() => void> {
  const held = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();
  const release = (key: string) => (): void => {
    const next = waiting.get(key)?.shift();
    if (next !== undefined) return next();
    held.set(key, (held.get(key) ?? 1) - 1);
  };
  return async (key) => {
    if ((held.get(key) ?? 0) < max) held.set(key, (held.get(key) ?? 0) + 1);
    else await new Promise<void>((resolve) => (waiting.get(key) ?? waiting.set(key, []).get(key)!).push(resolve));
    return release(key);
  };
}

/** Run one attempt; TLS attempts wait for a slot of their endpoint. */
async function runBounded(spec: AttemptSpec, signal: AbortSignal, slot: (key: string) => Promise<() => void>): Promise<ObservationLine> {
  if (spec.technique !== 'tls') return runAttempt(spec, signal);
  const release = await slot(`${spec.host}|${spec.port}`);
  try {
    return await runAttempt(spec, signal);
  } finally {
    release();
  }
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
    let next = 0;
    let count = 0;
    const slot = keyedSlots(TLS_PER_ENDPOINT);
    const worker = async (): Promise<void> => {
      for (let spec = batch.attempts[next++]; spec !== undefined; spec = batch.attempts[next++]) {
        const line = signal.aborted
          ? agentErrorObservation(spec, startClock(), describeAbort(signal).code, describeAbort(signal).message)
          : await runBounded(spec, signal, slot);
        write(JSON.stringify(line));
        count += 1;
      }
    };
    await Promise.all(Array.from({ length: workerCount(batch) }, worker));
    const done: DoneLine = { v: PROTOCOL_VERSION, done: true, count, selfCheck };
    write(JSON.stringify(done));
    return done;
  } finally {
    clearTimeout(timer);
  }
}
