/**
 * When one API call is made again (the way client-go does it): a control plane that is starting
 * or overloaded answers 429 ("storage is (re)initializing", priority-and-fairness throttling) and,
 * for reads, 5xx; a namespace created a moment ago has no `default` ServiceAccount until the
 * controller manager makes it, and the ServiceAccount admission plugin refuses pods until then
 * (seen on the lab after an API-server restart: every run aborted at deploy for about a minute).
 * Each of these answers means the server did nothing, so making the call again is safe, bounded
 * in count here and in time by the caller's signal. Pure.
 */

/** What the retry decision needs from a failed call. */
export interface FailedCall {
  readonly verb: 'get' | 'list' | 'create' | 'delete';
  /** HTTP status of the answer; undefined = no answer (network error, request timeout). */
  readonly status: number | undefined;
  /** The API server's Status message ('' when none). */
  readonly message: string;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfterS?: number | undefined;
}

/** Calls made at most, first one included, for throttling and server errors (client-go: 10). */
export const MAX_TRIES_THROTTLED = 6;
/** For the missing-ServiceAccount race: the controller manager may need tens of seconds after a restart. */
export const MAX_TRIES_SERVICE_ACCOUNT = 10;
const MAX_DELAY_MS = 4_000;

/** Pauses between calls: the first, doubled after each retry up to the cap. */
export interface Backoff {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/** A call's own retries: 0.5, 1, 2, 4, 4 … s. */
export const CALL_BACKOFF: Backoff = { firstDelayMs: 500, maxDelayMs: MAX_DELAY_MS };

/** Pause before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, b: Backoff): number {
  return Math.min(b.maxDelayMs, b.firstDelayMs * 2 ** Math.max(0, retry - 1));
}

/** The ServiceAccount admission plugin's refusal while a new namespace has no `default` ServiceAccount yet. */
export function isServiceAccountRace(c: FailedCall): boolean {
  return c.verb === 'create' && c.status === 403 && /service ?account "[^"]*" not found/i.test(c.message);
}

/**
 * How long to wait before calling again after `tries` calls failed, the last with `c`; undefined =
 * do not call again (the error stands). Writes are retried only on answers that say the server did
 * nothing (429, the ServiceAccount race); reads also on 5xx.
 */
export function retryDelayMs(c: FailedCall, tries: number): number | undefined {
  if (isServiceAccountRace(c)) return tries < MAX_TRIES_SERVICE_ACCOUNT ? backoffDelay(tries, CALL_BACKOFF) : undefined;
  const read = c.verb === 'get' || c.verb === 'list';
  const throttled = c.status === 429 || (read && c.status !== undefined && c.status >= 500 && c.status !== 501);
  if (!throttled || tries >= MAX_TRIES_THROTTLED) return undefined;
  return c.retryAfterS !== undefined && c.retryAfterS > 0
    ? Math.min(MAX_DELAY_MS, c.retryAfterS * 1000)
    : backoffDelay(tries, CALL_BACKOFF);
}
