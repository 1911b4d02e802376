/**
 * Building observation lines: the common fields every technique reports, and the
 * agent-error line used for bad specs, deadlines and bugs.
 */
import { PROTOCOL_VERSION, type AttemptSpec, type ObservationLine, type TransportResult } from '../protocol.js';

/** When an attempt started, on both clocks (wall for the report, monotonic for durations). */
export interface AttemptClock {
  readonly startedAt: string;
  readonly t0: number;
}

/** Start timing an attempt now. */
export function startClock(): AttemptClock {
  return { startedAt: new Date().toISOString(), t0: performance.now() };
}

/** Milliseconds since the clock started, rounded to whole ms. */
function elapsedMs(clock: AttemptClock): number {
  return Math.round(performance.now() - clock.t0);
}

/** Optional parts of an observation; undefined members are left out of the line. */
export interface ObservationParts {
  readonly errorCode?: string | undefined;
  readonly bytesReceived?: number;
  readonly dataPrefix?: string | undefined;
  readonly tls?: ObservationLine['tls'];
  readonly http?: ObservationLine['http'];
  readonly dns?: ObservationLine['dns'];
  readonly udp?: ObservationLine['udp'];
  readonly detail?: string | undefined;
}

/** An observation line for `spec` ending now with `transport`. */
export function observation(
  spec: Pick<AttemptSpec, 'id'>,
  clock: AttemptClock,
  transport: TransportResult,
  parts: ObservationParts = {},
): ObservationLine {
  return {
    v: PROTOCOL_VERSION,
    attemptId: spec.id,
    startedAt: clock.startedAt,
    durationMs: elapsedMs(clock),
    transport,
    ...(parts.errorCode !== undefined ? { errorCode: parts.errorCode } : {}),
    bytesReceived: parts.bytesReceived ?? 0,
    ...(parts.dataPrefix !== undefined ? { dataPrefix: parts.dataPrefix } : {}),
    ...(parts.tls !== undefined ? { tls: parts.tls } : {}),
    ...(parts.http !== undefined ? { http: parts.http } : {}),
    ...(parts.dns !== undefined ? { dns: parts.dns } : {}),
    ...(parts.udp !== undefined ? { udp: parts.udp } : {}),
    ...(parts.detail !== undefined ? { detail: parts.detail } : {}),
  };
}

/** The agent could not make the attempt: `code` says why (E_SPEC, E_DEADLINE, E_ABORTED, E_INTERNAL). */
export function agentErrorObservation(
  spec: Pick<AttemptSpec, 'id'>,
  clock: AttemptClock,
  code: string,
  detail: string,
): ObservationLine {
  return observation(spec, clock, 'agent-error', { errorCode: code, detail });
}

/** An abort reason carrying a stable code (what runBatch aborts attempts with). */
export interface AbortReason {
  readonly code: string;
  readonly message: string;
}

/** Make the reason to abort attempts with, e.g. `abortReason('E_DEADLINE', 'batch deadline of 30000 ms reached')`. */
export function abortReason(code: string, message: string): Error & AbortReason {
  return Object.assign(new Error(message), { code });
}

/** The code and sentence for an aborted attempt, from the signal's reason. */
export function describeAbort(signal: AbortSignal | undefined): AbortReason {
  const reason: unknown = signal?.reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, message } = reason as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code.startsWith('E_')) {
      return { code, message: typeof message === 'string' ? message : 'attempt aborted' };
    }
  }
  return { code: 'E_ABORTED', message: 'attempt aborted before it finished' };
}

/** At most `limit` bytes of `data` as UTF-8 (lossy). */
export function textPrefix(data: Buffer, limit = 512): string {
  return data.subarray(0, limit).toString('utf8');
}
