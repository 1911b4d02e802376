/**
 * When an upload request is tried again (pure): 5xx answers, 429, and connections that were
 * reset, refused or timed out are transient; every other answer is final. Attempts and waiting
 * are both bounded, so an upload ends by itself.
 */

/** Bounds of the retry loop of one file. */
export interface RetryPolicy {
  /** Attempts per file, the first included. */
  readonly attempts: number;
  /** Wait before the second attempt; doubles after each, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Limit of one request (connect, headers and body), ms. */
  readonly requestTimeoutMs: number;
}

/** 4 attempts, 1 s → 2 s → 4 s apart, 60 s per request: at most ≈ 4 min 7 s per file. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 8000,
  requestTimeoutMs: 60_000,
};

/** What one attempt ended with. */
export type AttemptResult =
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  | { readonly kind: 'network'; readonly code: string; readonly message: string };

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** True when the attempt may succeed if made again. */
export function isTransient(r: AttemptResult): boolean {
  if (r.kind === 'status') return r.status >= 500 || r.status === 429;
  return TRANSIENT_CODES.has(r.code);
}

/** Wait before attempt number `next` (2 = the first retry). */
export function delayBefore(next: number, p: RetryPolicy): number {
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.max(0, next - 2));
}
