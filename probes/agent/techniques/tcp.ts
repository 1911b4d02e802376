/**
 * Technique `tcp`: connect, send a few bytes first (MESH-NOTES §A.2: a captured port
 * waits for the client), read what comes back.
 */
import { connect } from 'node:net';
import type { AttemptSpec, ObservationLine } from '../../protocol.js';
import { classifyTransport } from '../classify-error.js';
import { exchange } from '../exchange.js';
import { observation, startClock, textPrefix, type AttemptClock } from '../observation.js';
import { redactText } from '../redact.js';

/**
 * Sent when the spec names no payload: not valid in any common protocol, so HTTP
 * servers answer 400 and proxies decide (reset/close) instead of waiting for more.
 */
const DEFAULT_TCP_PAYLOAD = 'MESHPROBE\r\n\r\n';

/** Stop reading this long after the last data: enough to see a close that follows a banner. */
const IDLE_AFTER_DATA_MS = 150;
const PREFIX_BYTES = 512;

/** Make a `tcp` attempt. Never rejects. */
export async function tcpAttempt(
  spec: AttemptSpec,
  signal?: AbortSignal,
  clock: AttemptClock = startClock(),
): Promise<ObservationLine> {
  const socket = connect({ host: spec.host, port: spec.port });
  const result = await exchange({
    socket,
    secure: false,
    payload: () => spec.payload ?? DEFAULT_TCP_PAYLOAD,
    deadline: clock.t0 + spec.timeoutMs,
    signal,
    keepBytes: PREFIX_BYTES,
    complete: (received) => received.length >= PREFIX_BYTES,
    idleAfterDataMs: IDLE_AFTER_DATA_MS,
  });
  const { ending, received } = result;
  return observation(spec, clock, classifyTransport(ending), {
    errorCode: ending.code,
    bytesReceived: ending.bytesReceived,
    dataPrefix: received.length > 0 ? redactText(textPrefix(received, PREFIX_BYTES)) : undefined,
  });
}
