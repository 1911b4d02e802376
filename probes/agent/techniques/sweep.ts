/**
 * Technique `sweep`: which TCP ports of one host accept a connection (listener discovery,
 * issue 13). Connect-only: nothing is sent, an open socket is closed at once. A bounded pool
 * of connects, each bounded by its own timeout, the whole sweep by the attempt's timeoutMs.
 */
import { connect } from 'node:net';
import type { AttemptSpec, ObservationLine, SweepFacts } from '../../protocol.js';
import { observation, startClock, type AttemptClock } from '../observation.js';

/** How one port answered. */
type PortState = 'open' | 'closed' | 'filtered';

/** Error codes that mean "nothing came back in time" or "no route": counted as filtered. */
const CLOSED_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED']);

/** The ports of a sweep request, in order, each once (pure). */
function expandPorts(ports: ReadonlyArray<number | readonly [number, number]>): number[] {
  const seen = new Uint8Array(65_536);
  const out: number[] = [];
  const add = (p: number): void => {
    if (Number.isInteger(p) && p >= 1 && p <= 65_535 && seen[p] === 0) {
      seen[p] = 1;
      out.push(p);
    }
  };
  for (const item of ports) {
    if (typeof item === 'number') add(item);
    else for (let p = Math.max(1, item[0]); p <= Math.min(65_535, item[1]); p++) add(p);
  }
  return out;
}

/** Connect once to host:port and say how it answered. Never rejects. */
function probePort(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<PortState> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const finish = (state: PortState): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(state);
    };
    const onAbort = (): void => finish('filtered');
    const timer = setTimeout(() => finish('filtered'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish('open'));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish(CLOSED_CODES.has(err.code ?? '') ? 'closed' : 'filtered'),
    );
  });
}

/** Sweep `ports` of `host`; ports not started before `deadline` (performance.now) or an abort count as notSwept. */
async function sweepPorts(
  host: string,
  ports: readonly number[],
  o: {
    readonly concurrency: number;
    readonly connectTimeoutMs: number;
    readonly deadline: number;
    readonly signal?: AbortSignal;
  },
): Promise<SweepFacts> {
  const open: number[] = [];
  let closed = 0;
  let filtered = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ports.length && performance.now() < o.deadline && o.signal?.aborted !== true) {
      const port = ports[next++] as number;
      // A connect never outlives the sweep's budget.
      const limit = Math.max(1, Math.min(o.connectTimeoutMs, Math.floor(o.deadline - performance.now())));
      const state = await probePort(host, port, limit, o.signal);
      if (state === 'open') open.push(port);
      else if (state === 'closed') closed += 1;
      else filtered += 1;
    }
  };
  const workers = Math.max(1, Math.min(o.concurrency, ports.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return {
    open: open.sort((a, b) => a - b),
    closed,
    filtered,
    notSwept: ports.length - open.length - closed - filtered,
  };
}

/** Make a `sweep` attempt: one observation for the whole host. Never rejects. */
export async function sweepAttempt(
  spec: AttemptSpec,
  signal?: AbortSignal,
  clock: AttemptClock = startClock(),
): Promise<ObservationLine> {
  const request = spec.sweep;
  const ports = expandPorts(request?.ports ?? []);
  const facts = await sweepPorts(spec.host, ports, {
    concurrency: request?.concurrency ?? 1,
    connectTimeoutMs: request?.connectTimeoutMs ?? spec.timeoutMs,
    deadline: clock.t0 + spec.timeoutMs,
    ...(signal ? { signal } : {}),
  });
  // Transport summarises the sweep: something listened; else something refused; else nothing answered.
  const transport = facts.open.length > 0 ? 'connected' : facts.closed > 0 ? 'refused' : 'timeout';
  return { ...observation(spec, clock, transport), sweep: facts };
}
