/**
 * The finalizer stack (DESIGN §1 step 9, §5): every create pushes its undo FIRST, cleanup
 * runs the undos in reverse order on a fresh AbortSignal with its own timeout, and never
 * throws — failures become problems in the report's cleanup section.
 */
import type { CleanupResult } from '../domain/report.js';
import { raceAbort } from '../shared/race-abort.js';

/** One undo step. `label` names what it removes, e.g. "namespace meshprobe-abc". */
export interface Finalizer {
  readonly label: string;
  run(signal: AbortSignal): Promise<void>;
}

/**
 * What running the stack did: labels removed (in run order) and one "<label>: <message>"
 * per failure. The same shape as the report's cleanup section, so it goes there unchanged.
 */
export type FinalizerResult = CleanupResult;

/** Options for {@link FinalizerStack.runAll}. */
export interface RunAllOptions {
  /** Whole-cleanup budget; each finalizer sees a signal aborted after it. Default 60 s. */
  readonly timeoutMs?: number;
  /** Called before each finalizer runs (progress output). */
  readonly onStep?: (label: string) => void;
  /** A budget shared with other cleanup work: steps stop when it aborts (as when the timeout passes). */
  readonly signal?: AbortSignal;
  /** Runs each step (cleanup retries transient failures through it); must end when the signal aborts. Default: the step once. */
  readonly attempt?: (label: string, run: (signal: AbortSignal) => Promise<void>, signal: AbortSignal) => Promise<void>;
}

/** Default budget for cleanup: long enough for a namespace delete request, short enough to not hang. */
const DEFAULT_CLEANUP_TIMEOUT_MS = 60_000;

/**
 * A LIFO stack of undo steps. Push before the create it undoes, so an interrupted or
 * half-failed create is still cleaned up (deleting something absent is a success).
 */
export class FinalizerStack {
  readonly #steps: Finalizer[] = [];
  #running: Promise<FinalizerResult> | undefined;

  /** Register an undo step. Returns the stack for chaining. */
  push(label: string, run: (signal: AbortSignal) => Promise<void>): this {
    this.#steps.push({ label, run });
    return this;
  }

  /** Number of steps still to run. */
  get size(): number {
    return this.#steps.length;
  }

  /** Labels of pending steps, most recent first (the order they will run). */
  pending(): readonly string[] {
    return this.#steps.map((s) => s.label).reverse();
  }

  /**
   * Run every step in reverse order, each on a fresh signal (the caller's may already be
   * aborted by SIGINT), sharing one timeout. Never throws. A second call while running
   * returns the same promise; later calls run only steps pushed since.
   */
  runAll(options: RunAllOptions = {}): Promise<FinalizerResult> {
    if (this.#running) return this.#running;
    const run = this.#drain(options).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #drain(options: RunAllOptions): Promise<FinalizerResult> {
    const attempted = this.#steps.length > 0;
    const deleted: string[] = [];
    const problems: string[] = [];
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS;
    const controller = new AbortController();
    // Not unref'd: the process must stay alive until cleanup finished or gave up.
    const timer = setTimeout(() => controller.abort(new Error(`cleanup timed out after ${timeoutMs} ms`)), timeoutMs);
    const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
    try {
      for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
        if (signal.aborted) {
          problems.push(`${step.label}: not attempted, ${messageOf(signal.reason)}`);
          continue;
        }
        const outcome = await runOne(step, signal, options);
        if (outcome === undefined) deleted.push(step.label);
        else problems.push(`${step.label}: ${outcome}`);
      }
    } finally {
      clearTimeout(timer);
    }
    return { attempted, ok: problems.length === 0, deleted, problems };
  }
}

/** Run one step; returns undefined on success or the failure message. Never throws. */
async function runOne(step: Finalizer, signal: AbortSignal, options: RunAllOptions): Promise<string | undefined> {
  try {
    options.onStep?.(step.label);
    // An `attempt` wrapper is bounded by the signal itself and throws the step's own last error at the
    // deadline (more telling than "timed out"); a bare step is raced against the signal here.
    await (options.attempt ? options.attempt(step.label, step.run, signal) : raceAbort(step.run(signal), signal));
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

/** An error as one problem line: "E_CODE: message" when it has a code, else its message. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
