/**
 * Cleanup's own bounded retry loop. A delete or list that fails because the API server is
 * unreachable, overloaded (429) or failing (5xx) is made again after a growing pause, until it
 * succeeds, fails for good (403, 404-as-error, bad request) or the cleanup budget is spent. So a
 * cleanup that starts while the API server restarts waits for it, and still ends by itself.
 */
import { isTransientClusterError } from '../cluster/api-errors.js';
import { type Backoff, backoffDelay } from '../cluster/retry.js';
import { MeshprobeError } from '../shared/errors.js';
import { pause, raceAbort } from '../shared/race-abort.js';

/** 0.5 s, 1 s, 2 s, 4 s, then every 5 s: an API server that is back is noticed within 5 s. */
export const CLEANUP_BACKOFF: Backoff = { firstDelayMs: 500, maxDelayMs: 5_000 };

/** The budget every cleanup call shares, and what the loop reports. */
export interface CleanupScope {
  /** Aborted when the budget is spent (or the user stopped `meshprobe cleanup`). */
  readonly signal: AbortSignal;
  readonly backoff: Backoff;
  /** Called before each pause: what is retried, why, and for how long it waits. */
  readonly onRetry?: (what: string, error: MeshprobeError, delayMs: number) => void;
  /** Calls made again so far (all calls of this cleanup). */
  retries: number;
}

/** The budget: a signal aborted with E_TIMEOUT after `timeoutMs`, or with E_INTERRUPTED when `outer` aborts. */
export function openBudget(timeoutMs: number, outer?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const c = new AbortController();
  const seconds = Math.round(timeoutMs / 100) / 10;
  // Not unref'd: the process must stay alive until cleanup finished or gave up.
  const timer = setTimeout(
    () => c.abort(new MeshprobeError('E_TIMEOUT', `cleanup gave up: its budget of ${seconds}s was spent`)),
    timeoutMs,
  );
  const onOuter = (): void =>
    c.abort(new MeshprobeError('E_INTERRUPTED', `cleanup interrupted by ${String(outer?.reason ?? 'a signal')}`));
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: c.signal,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/**
 * `call` on the scope's signal, made again after a pause while it fails transiently. Throws the
 * last error when it fails for good, or once the budget is spent (the last error then says why
 * the calls failed, which is what the user needs to know).
 */
export async function retrying<T>(
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
  scope: CleanupScope,
): Promise<T> {
  let last: unknown;
  for (let retry = 1; ; retry++) {
    if (scope.signal.aborted) throw last ?? scope.signal.reason;
    try {
      return await raceAbort(call(scope.signal), scope.signal);
    } catch (err) {
      // Budget spent during a call: the failure before it says more than "timed out".
      if (scope.signal.aborted) throw last ?? err;
      if (!isTransientClusterError(err)) throw err;
      last = err;
      const delayMs = backoffDelay(retry, scope.backoff);
      scope.onRetry?.(what, err, delayMs);
      scope.retries++;
      await pause(delayMs, scope.signal).catch(() => {
        throw err;
      });
    }
  }
}
