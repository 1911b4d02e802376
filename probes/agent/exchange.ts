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

/**
 * How long an exchange may run past its deadline when progress (the connect, the handshake or data)
 * was handled only after the deadline: it was waiting while the event loop was busy. Once per
 * exchange, so an attempt ends at most this long (plus the event loop's lateness) after its deadline.
 */
export const LATE_PROGRESS_GRACE_MS = 500;

interface ExchangeState {
  connected: boolean;
  ready: boolean;
  sent: boolean;
  bytes: number;
  /** performance.now() when the connect, the handshake or data was last handled. */
  progressAt: number;
  chunks: Buffer[];
  kept: number;
}

/** Drive `opts.socket` to its end and describe how it ended. Never rejects. */
export function exchange(opts: ExchangeOptions): Promise<ExchangeResult> {
  return new Promise((resolve) => new ExchangeRun(opts, resolve).start());
}

/** One exchange in progress: its state, timers and the socket's listeners. */
class ExchangeRun {
  private readonly state: ExchangeState = {
    connected: false,
    ready: false,
    sent: false,
    bytes: 0,
    progressAt: Number.NEGATIVE_INFINITY,
    chunks: [],
    kept: 0,
  };
  private readonly timers: NodeJS.Timeout[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private graced = false;
  private readonly onAbort = (): void => this.finish('aborted');

  constructor(
    private readonly opts: ExchangeOptions,
    private readonly resolve: (result: ExchangeResult) => void,
  ) {}

  start(): void {
    const { socket, signal } = this.opts;
    this.timers.push(setTimeout(() => this.onDeadline(), Math.max(0, this.opts.deadline - performance.now())));
    if (signal?.aborted === true) {
      this.finish('aborted');
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    socket.once('connect', () => {
      this.state.connected = true;
      this.state.progressAt = performance.now();
      // The TLS layer writes the ClientHello as soon as TCP is up.
      if (this.opts.secure) this.state.sent = true;
    });
    socket.once(this.opts.secure ? 'secureConnect' : 'connect', () => this.onReady());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('end', () => this.finish('end'));
    // `on`, not `once`: a second error after finish() must not become an uncaught exception.
    socket.on('error', (err: NodeJS.ErrnoException) => this.finish('error', err));
    // A close without 'end' or 'error' (should not happen) still ends the attempt.
    socket.once('close', () => this.finish('end'));
  }

  /**
   * The deadline timer fired. On a CPU-starved agent it can run before the I/O callbacks that were
   * already waiting (libuv runs overdue timers, then polls), so a connect the kernel completed in
   * time would be reported as a timeout. The verdict waits one turn (setImmediate runs after the
   * poll phase); if progress was handled after the deadline (in that turn, or late before it), it
   * had been waiting on a busy loop, and the exchange gets one short grace to finish what followed
   * (the payload's answer, the TLS handshake) instead of a false timeout. The observation's
   * duration stays the measured one, past the attempt's timeout.
   */
  private onDeadline(): void {
    setImmediate(() => {
      if (this.finished) return;
      if (!this.graced && this.state.progressAt >= this.opts.deadline) {
        this.graced = true;
        this.timers.push(setTimeout(() => this.onDeadline(), LATE_PROGRESS_GRACE_MS));
        return;
      }
      this.finish('timeout');
    });
  }

  private onReady(): void {
    this.state.ready = true;
    this.state.progressAt = performance.now();
    const payload = this.opts.payload();
    if (payload.length > 0) {
      this.opts.socket.write(payload);
      this.state.sent = true;
    }
    const window = this.opts.readyWindowMs;
    if (window !== undefined) this.timers.push(setTimeout(() => this.finish('settled'), window));
  }

  private onData(chunk: Buffer): void {
    this.state.bytes += chunk.length;
    this.state.progressAt = performance.now();
    keep(this.state, chunk, this.opts.keepBytes);
    if (this.opts.complete?.(Buffer.concat(this.state.chunks, this.state.kept)) === true) {
      this.finish('settled');
      return;
    }
    if (this.opts.idleAfterDataMs === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.finish('settled'), this.opts.idleAfterDataMs);
  }

  private finish(kind: SocketEnding['kind'], err?: NodeJS.ErrnoException): void {
    if (this.finished) return;
    this.finished = true;
    for (const timer of this.timers) clearTimeout(timer);
    clearTimeout(this.idleTimer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    const ending = endingOf(kind, this.state, err, this.opts.secure);
    try {
      this.opts.inspect?.(ending);
    } finally {
      this.opts.socket.destroy();
      this.resolve({ ending, received: Buffer.concat(this.state.chunks, this.state.kept), ready: this.state.ready });
    }
  }
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
