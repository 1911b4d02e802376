/**
 * runBatch: every attempt of a batch through a bounded worker pool, one line per
 * attempt written as it finishes, then the done line. Used by the in-pod agent and,
 * in-process, by the host vantage.
 */
import { setMaxListeners } from 'node:events';
import {
  PROTOCOL_VERSION,
  type AttemptBatch,
  type AttemptSpec,
  type DoneLine,
  type ObservationLine,
  type RepeatFacts,
  type SelfCheck,
  TCP_COMPLETED,
  type TimeoutRetryRequest,
  type TransportResult,
} from '../protocol.js';
import { runAttempt } from './attempt.js';
import { abortReason, agentErrorObservation, describeAbort, observation, startClock } from './observation.js';
import { openGate, type InFlightGate } from './in-flight-gate.js';
import { needsRepeat } from './repeat.js';
import { meshSelfCheck } from './self-check.js';
import {
  type Held,
  holdTimeout,
  referencePicker,
  referenceInterval,
  retriable,
  retryTimeouts,
  type ReferencePicker,
} from './timeout-retry.js';

/** Optional hooks; the agent uses the defaults. */
export interface RunBatchOptions {
  /** Stops the batch early (e.g. SIGTERM); attempts not finished get agent-error with its reason's code. */
  readonly signal?: AbortSignal;
  /** Replaces the mesh self-check (the host vantage is never meshed; tests use fixed ports). */
  readonly selfCheck?: () => Promise<SelfCheck>;
  /** Admits attempts into flight (the agent's memory budget); default: every worker at once. */
  readonly gate?: InFlightGate;
  /** Called after each try that wrote no line yet (a timeout held back for retries), as `write` is after a line. */
  readonly afterTry?: () => void;
  /**
   * Resolves once the lines written so far have left the process (the agent: stdout drained). Awaited
   * between chunks when many lines are written at once (the timeouts left after the retry rounds).
   */
  readonly drained?: () => Promise<void>;
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
    if (next !== undefined) next();
    else held.set(key, (held.get(key) ?? 1) - 1);
  };
  return async (key) => {
    if ((held.get(key) ?? 0) < max) held.set(key, (held.get(key) ?? 0) + 1);
    else await new Promise<void>((resolve) => (waiting.get(key) ?? waiting.set(key, []).get(key)!).push(resolve));
    return release(key);
  };
}

/** Run one attempt; TLS attempts wait for a slot of their endpoint. */
async function runBounded(
  spec: AttemptSpec,
  signal: AbortSignal,
  slot: (key: string) => Promise<() => void>,
): Promise<ObservationLine> {
  if (spec.technique !== 'tls') return runAttempt(spec, signal);
  const release = await slot(`${spec.host}|${spec.port}`);
  try {
    return await runAttempt(spec, signal);
  } finally {
    release();
  }
}

/** Wait until the monotonic time `at` unless `signal` aborts first. */
function waitUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - performance.now();
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

/** An attempt whose first try came too early, waiting to be made again after the point. */
interface Pending {
  readonly spec: AttemptSpec;
  readonly first: ObservationLine;
}

/** What one pass over a list of specs needs. */
interface Pass {
  readonly specs: readonly AttemptSpec[];
  readonly signal: AbortSignal;
  readonly gate: InFlightGate;
  /** Makes one attempt (TLS attempts wait for a slot of their endpoint). */
  readonly run: (spec: AttemptSpec, signal: AbortSignal) => Promise<ObservationLine>;
  /** Called with each finished line and when (monotonic ms) its attempt started. */
  readonly finish: (spec: AttemptSpec, line: ObservationLine, startMs: number) => void;
}

/** Run `pass.specs` through `workers` workers; each waits at the gate before starting. */
async function runPass(pass: Pass, workers: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let spec = pass.specs[next++]; spec !== undefined; spec = pass.specs[next++]) {
      const { signal } = pass;
      if (signal.aborted) {
        const { code, message } = describeAbort(signal);
        pass.finish(spec, agentErrorObservation(spec, startClock(), code, message), 0);
        continue;
      }
      await pass.gate.enter();
      const startMs = performance.now();
      try {
        pass.finish(spec, await pass.run(spec, signal), startMs);
      } finally {
        pass.gate.leave();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, pass.specs.length)) }, worker));
}

/** The later try's line, with the first try on record. */
function repeatedLine(later: ObservationLine, first: ObservationLine, policyReadyAt: string): ObservationLine {
  const repeated: RepeatFacts = {
    policyReadyAt,
    firstStartedAt: first.startedAt,
    firstDurationMs: first.durationMs,
    firstTransport: first.transport,
    ...(first.errorCode !== undefined ? { firstErrorCode: first.errorCode } : {}),
  };
  return { ...later, repeated };
}

/** The pod's policy-ready point on both clocks; `set` is false when the batch has none. */
interface ReadyPoint {
  readonly ms: number;
  readonly at: string;
  readonly set: boolean;
}

/**
 * One pass over every spec, holding back results that may have been decided before the
 * point; then, after the point, a second pass over those, whose lines carry `repeated`.
 * Returns how many were repeated.
 */
async function runWithRepeats(
  base: Omit<Pass, 'finish'>,
  workers: number,
  point: ReadyPoint,
  emit: (line: ObservationLine, spec: AttemptSpec) => void,
): Promise<number> {
  const later: Pending[] = [];
  await runPass(
    {
      ...base,
      finish: (spec, line, startMs) => {
        if (point.set && needsRepeat(spec, line.transport, startMs, point.ms)) later.push({ spec, first: line });
        else emit(line, spec);
      },
    },
    workers,
  );
  if (later.length === 0) return 0;
  await waitUntil(point.ms, base.signal);
  const firsts = new Map(later.map((p) => [p.spec.id, p.first]));
  await runPass(
    {
      ...base,
      specs: later.map((p) => p.spec),
      finish: (spec, line) => {
        const first = firsts.get(spec.id);
        emit(first === undefined ? line : repeatedLine(line, first, point.at), spec);
      },
    },
    workers,
  );
  return later.length;
}

/** What one phase (the attempts with or without `after`) runs with, besides its specs. */
interface PhaseContext {
  readonly base: Omit<Pass, 'finish' | 'specs'>;
  readonly workers: number;
  readonly point: ReadyPoint;
  readonly retry: TimeoutRetryRequest | undefined;
  readonly picker: ReferencePicker;
  /** The batch deadline on the monotonic clock. */
  readonly endMs: number;
  readonly afterTry: () => void;
  readonly drained: (() => Promise<void>) | undefined;
}

/** Counts for the done line. */
interface PhaseCounts {
  repeated: number;
  retried: number;
  rounds: number;
}

/**
 * One phase: the pass with its repeats (runWithRepeats), holding back TCP timeouts when the batch
 * asks for retries; then, after the policy-ready point, the retry rounds (timeout-retry.ts).
 */
async function runPhase(
  specs: readonly AttemptSpec[],
  c: PhaseContext,
  emit: (line: ObservationLine) => void,
  counts: PhaseCounts,
): Promise<void> {
  const held: Held[] = [];
  const retrying = c.retry !== undefined && c.retry.maxTries > 1;
  counts.repeated += await runWithRepeats({ ...c.base, specs }, c.workers, c.point, (line, spec) => {
    c.picker.offer(spec, line);
    if (retrying && retriable(spec, line)) {
      held.push(holdTimeout(spec, line));
      c.afterTry();
    } else emit(line);
  });
  if (held.length === 0 || c.retry === undefined) return;
  // A try counts only after the policy-ready point; the pass may have ended before it.
  if (c.point.set) await waitUntil(c.point.ms, c.base.signal);
  counts.retried += held.length;
  const deps = {
    maxTries: c.retry.maxTries,
    reference: c.picker.picked(),
    referenceEvery: referenceInterval(c.workers),
    runSpecs: (list: readonly AttemptSpec[], finish: (spec: AttemptSpec, line: ObservationLine) => void) =>
      runPass(
        {
          ...c.base,
          specs: list,
          finish: (spec, line) => {
            finish(spec, line);
            c.afterTry();
          },
        },
        c.workers,
      ),
    fits: (count: number, timeoutMs: number) =>
      performance.now() + Math.ceil(count / c.workers) * timeoutMs + 1000 < c.endMs,
    ...(c.drained !== undefined ? { drained: c.drained } : {}),
  };
  counts.rounds += await retryTimeouts(held, deps, emit);
}

/** The phase-2 line for an attempt whose prerequisite did not complete TCP (or is not in the batch). */
function skippedObservation(spec: AttemptSpec, prerequisite: TransportResult | undefined): ObservationLine {
  const why =
    prerequisite === undefined
      ? `its prerequisite attempt ${spec.after ?? '?'} is not in this batch`
      : `its prerequisite attempt ${spec.after ?? '?'} did not complete a TCP connection (${prerequisite})`;
  return observation(spec, startClock(), 'skipped', { detail: `phase 2 not run: ${why}` });
}

/**
 * Run `batch`, calling `write` with one JSON document (no newline) per attempt and
 * then the done line, which is also returned. Exactly one line per attempt, also when
 * the batch deadline or `opts.signal` stops it: attempts cut short or never started
 * become agent-error lines with errorCode E_DEADLINE (or the signal's code).
 * Attempts start at once; with `batch.policyReadyMs`, those whose result may have been
 * decided before that point (repeat.ts) are made again after it and only the later
 * result is written. With `batch.timeoutRetry`, TCP timeouts are tried again after the
 * pass (timeout-retry.ts). Throws only if `write` throws.
 */
export async function runBatch(
  batch: AttemptBatch,
  write: (line: string) => void,
  opts: RunBatchOptions = {},
): Promise<DoneLine> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () =>
      deadline.abort(
        abortReason(
          'E_DEADLINE',
          `the batch deadline of ${batch.deadlineMs} ms was reached before this attempt finished`,
        ),
      ),
    batch.deadlineMs,
  );
  const signal = opts.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, opts.signal]);
  // Every in-flight attempt listens on this one signal.
  setMaxListeners(0, signal);
  // Wall clock first, then the monotonic point: the point is never earlier than the date it is reported as,
  // so an attempt that starts at or after the point carries a startedAt at or after policyReadyAt.
  const policyReadyAt = new Date(Date.now() + (batch.policyReadyMs ?? 0)).toISOString();
  const readyMs = performance.now() + (batch.policyReadyMs ?? 0);
  const endMs = performance.now() + batch.deadlineMs;
  try {
    const selfCheck = await (opts.selfCheck ?? meshSelfCheck)();
    const gate = opts.gate ?? openGate();
    const workers = Math.min(workerCount(batch), gate.maxInFlight ?? Number.POSITIVE_INFINITY);
    let count = 0;
    const emit = (line: ObservationLine): void => {
      write(JSON.stringify(line));
      count += 1;
    };
    const point = { ms: readyMs, at: policyReadyAt, set: batch.policyReadyMs !== undefined };
    // Phase 1: attempts without `after`; phase 2: those that wait for a phase-1 TCP connection.
    const first = batch.attempts.filter((a) => a.after === undefined);
    const second = batch.attempts.filter((a) => a.after !== undefined);
    // Only the transport of each phase-1 attempt's counting line is kept (memory budget), and only when phase 2 exists.
    const seen = new Map<string, TransportResult>();
    const emitFirst = (line: ObservationLine): void => {
      if (second.length > 0) seen.set(line.attemptId, line.transport);
      emit(line);
    };
    const slot = keyedSlots(TLS_PER_ENDPOINT);
    const run = (spec: AttemptSpec, s: AbortSignal): Promise<ObservationLine> => runBounded(spec, s, slot);
    const phase: PhaseContext = {
      base: { signal, gate, run },
      workers,
      point,
      retry: batch.timeoutRetry,
      picker: referencePicker(batch.timeoutRetry?.referenceIds),
      endMs,
      afterTry: opts.afterTry ?? ((): void => undefined),
      drained: opts.drained,
    };
    const counts: PhaseCounts = { repeated: 0, retried: 0, rounds: 0 };
    await runPhase(first, phase, emitFirst, counts);
    if (second.length > 0) {
      const runnable: AttemptSpec[] = [];
      for (const spec of second) {
        const pre = seen.get(spec.after ?? '');
        if (pre !== undefined && TCP_COMPLETED.has(pre)) runnable.push(spec);
        else emit(skippedObservation(spec, pre));
      }
      await runPhase(runnable, phase, emit, counts);
    }
    const done: DoneLine = {
      v: PROTOCOL_VERSION,
      done: true,
      count,
      selfCheck,
      ...(point.set ? { policyReadyAt, repeatedCount: counts.repeated } : {}),
      ...(batch.timeoutRetry !== undefined
        ? { timeoutRetries: { attempts: counts.retried, rounds: counts.rounds } }
        : {}),
    };
    write(JSON.stringify(done));
    return done;
  } finally {
    clearTimeout(timer);
  }
}
