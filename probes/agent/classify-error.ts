/**
 * How an attempt's socket ended → transport result (MESH-NOTES §0, §D.2, §G.2).
 *
 * Decided from socket events and `err.code` (plus `err.syscall`, which tells a real
 * kernel error from one Node synthesised), never from message text. Pure.
 */
import type { TransportResult } from '../protocol.js';

/** What finished an attempt's socket. */
type EndingKind =
  /** an 'error' event (or a rejected DNS/connect call) carrying `code` */
  | 'error'
  /** the peer closed its side cleanly (FIN) */
  | 'end'
  /** the attempt's own timer fired */
  | 'timeout'
  /** the agent had what it needed (read window over, response complete) and closed */
  | 'settled'
  /** the batch deadline or a signal stopped the attempt */
  | 'aborted';

/** Everything the classification needs to know about one finished socket. */
export interface SocketEnding {
  readonly kind: EndingKind;
  readonly code?: string;
  /** `err.syscall` ('connect', 'read', 'write'); absent when Node made the error up itself. */
  readonly syscall?: string;
  /** The TCP connection was established. */
  readonly connected: boolean;
  /** The agent wrote bytes (for TLS: the ClientHello counts). */
  readonly sent: boolean;
  /** Bytes received from the peer (for TLS: application data after the handshake). */
  readonly bytesReceived: number;
  /** A TLS handshake completed (the peer spoke TLS to the end). */
  readonly handshake?: boolean;
}

/** getaddrinfo failures: the name did not resolve. */
const DNS_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/** The network said "no route" (ICMP host/net unreachable or admin-prohibited). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);

/** The peer tore the connection down. */
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** True for errors raised by the TLS layer: the peer answered, the TLS facts say how. */
function isTlsErrorCode(code: string): boolean {
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO';
}

/** The peer sent something or completed TLS: whatever came next, it answered. */
function peerAnswered(e: SocketEnding): boolean {
  return e.bytesReceived > 0 || e.handshake === true;
}

/**
 * Classification table (first matching row wins):
 *
 * | ending | condition | result |
 * |---|---|---|
 * | aborted | | agent-error |
 * | error | getaddrinfo code (ENOTFOUND, EAI_AGAIN, …) | dns-failure |
 * | error | ECONNREFUSED (nothing listening, REJECT icmp-port-unreachable, or an RST answering the SYN) | refused |
 * | error | EHOSTUNREACH / ENETUNREACH | unreachable |
 * | any | the peer sent data or completed a TLS handshake | connected (errorCode keeps how it ended) |
 * | error | TLS-layer code (ERR_SSL_*, e.g. WRONG_VERSION_NUMBER, alert 40) | connected |
 * | error | ECONNRESET without syscall (Node's "disconnected before secure TLS connection" = a FIN) | eof |
 * | error | ECONNRESET / EPIPE / ECONNABORTED | reset |
 * | error | ETIMEDOUT (kernel gave up) | timeout before connect, silent after |
 * | error | anything else (EADDRNOTAVAIL, EMFILE, …) | agent-error |
 * | end | no data | eof |
 * | timeout | not connected | timeout |
 * | timeout | connected, nothing back | silent |
 * | settled | | connected |
 */
export function classifyTransport(e: SocketEnding): TransportResult {
  switch (e.kind) {
    case 'aborted':
      return 'agent-error';
    case 'error':
      return classifyError(e);
    case 'end':
      return peerAnswered(e) ? 'connected' : 'eof';
    case 'timeout':
      if (peerAnswered(e)) return 'connected';
      return e.connected ? 'silent' : 'timeout';
    case 'settled':
      return 'connected';
    default: {
      const never: never = e.kind;
      throw new Error(`unhandled ending ${String(never)}`);
    }
  }
}

function classifyError(e: SocketEnding): TransportResult {
  const code = e.code ?? '';
  if (DNS_CODES.has(code)) return 'dns-failure';
  if (code === 'ECONNREFUSED') return 'refused';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (peerAnswered(e)) return 'connected';
  if (isTlsErrorCode(code)) return 'connected';
  if (RESET_CODES.has(code)) return code === 'ECONNRESET' && e.syscall === undefined ? 'eof' : 'reset';
  if (code === 'ETIMEDOUT') return e.connected ? 'silent' : 'timeout';
  return 'agent-error';
}
