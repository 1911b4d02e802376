/**
 * One socket's life: wait for connect (and the TLS handshake), send first, read until
 * the peer answers, closes, resets or the attempt runs out of time. The socket is always
 * destroyed before the promise resolves, so no handle outlives an attempt.
 *
 * Records what happened as a SocketEnding (see classify-error.ts); it judges nothing.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SocketEnding } from './classify-error.js';

/** How to drive one exchange. */
export interface ExchangeOptions {
  /** A socket just returned by net.connect or tls.connect (listeners are attached synchronously). */
  readonly socket: Socket | TLSSocket;
  /** Wait for 'secureConnect' (TLS) instead of 'connect' before sending. */
  readonly secure: boolean;
  /** Bytes to write once ready; empty means write nothing. */
  readonly payload: () => string;
  /** Absolute time (performance.now() clock) at which the attempt times out. */
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  /** Keep at most this many received bytes (more are counted, not kept). */
  readonly keepBytes: number;
  /** Stop reading when this returns true for the bytes kept so far. */
  readonly complete?: (received: Buffer) => boolean;
  /** Stop this long after the socket became ready, even if the peer says nothing (TLS read window). */
  readonly readyWindowMs?: number;
  /** Stop this long after the last data arrived. */
  readonly idleAfterDataMs?: number;
  /** Called once, before the socket is destroyed, to read facts that destroy() would erase. */
  readonly inspect?: (ending: SocketEnding) => void;
}

/** What an exchange saw. */
export interface ExchangeResult {
  readonly ending: SocketEnding;
  /** The first `keepBytes` bytes received. */
  readonly received: Buffer;
  /** The socket became ready (connected; for TLS: handshake completed). */
  readonly ready: boolean;
}

interface ExchangeState {
  connected: boolean;
  ready: boolean;
  sent: boolean;
  bytes: number;
  chunks: Buffer[];
  kept: number;
}

/** Drive `opts.socket` to its end and describe how it ended. Never rejects. */
export function exchange(opts: ExchangeOptions): Promise<ExchangeResult> {
  const { socket } = opts;
  const state: ExchangeState = { connected: false, ready: false, sent: false, bytes: 0, chunks: [], kept: 0 };
  return new Promise((resolve) => {
    let finished = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let windowTimer: NodeJS.Timeout | undefined;
    const finish = (kind: SocketEnding['kind'], err?: NodeJS.ErrnoException): void => {
      if (finished) return;
      finished = true;
      clearTimeout(attemptTimer);
      clearTimeout(idleTimer);
      clearTimeout(windowTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const ending = endingOf(kind, state, err, opts.secure);
      try {
        opts.inspect?.(ending);
      } finally {
        socket.destroy();
        resolve({ ending, received: Buffer.concat(state.chunks, state.kept), ready: state.ready });
      }
    };
    const onAbort = (): void => finish('aborted');
    const attemptTimer = setTimeout(() => finish('timeout'), Math.max(0, opts.deadline - performance.now()));
    if (opts.signal?.aborted) return finish('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    socket.once('connect', () => {
      state.connected = true;
      // The TLS layer writes the ClientHello as soon as TCP is up.
      if (opts.secure) state.sent = true;
    });
    socket.once(opts.secure ? 'secureConnect' : 'connect', () => {
      state.ready = true;
      const payload = opts.payload();
      if (payload.length > 0) {
        socket.write(payload);
        state.sent = true;
      }
      if (opts.readyWindowMs !== undefined) windowTimer = setTimeout(() => finish('settled'), opts.readyWindowMs);
    });
    socket.on('data', (chunk: Buffer) => {
      state.bytes += chunk.length;
      keep(state, chunk, opts.keepBytes);
      if (opts.complete?.(Buffer.concat(state.chunks, state.kept)) === true) return finish('settled');
      if (opts.idleAfterDataMs !== undefined) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => finish('settled'), opts.idleAfterDataMs);
      }
    });
    socket.once('end', () => finish('end'));
    // `on`, not `once`: a second error after finish() must not become an uncaught exception.
    socket.on('error', (err: NodeJS.ErrnoException) => finish('error', err));
    // A close without 'end' or 'error' (should not happen) still ends the attempt.
    socket.once('close', () => finish('end'));
  });
}

function keep(state: ExchangeState, chunk: Buffer, limit: number): void {
  const room = limit - state.kept;
  if (room <= 0) return;
  const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
  state.chunks.push(part);
  state.kept += part.length;
}

function endingOf(
  kind: SocketEnding['kind'],
  state: ExchangeState,
  err: NodeJS.ErrnoException | undefined,
  secure: boolean,
): SocketEnding {
  const base = {
    kind,
    connected: state.connected,
    sent: state.sent,
    bytesReceived: state.bytes,
    ...(secure ? { handshake: state.ready } : {}),
  };
  if (err === undefined) return base;
  return {
    ...base,
    ...(typeof err.code === 'string' ? { code: err.code } : {}),
    ...(typeof err.syscall === 'string' ? { syscall: err.syscall } : {}),
  };
}
