/**
 * Admission of attempts into flight. The batch's concurrency caps attempts by count; the
 * agent's memory budget (64 MiB RSS per probe pod, issue 20) caps them by what they cost:
 * every open socket holds kernel-side and JS-side buffers, and at a concurrency of 1 024 or
 * more the sockets alone push the process past the budget. The memory gate admits a new
 * attempt only while resident memory is below a soft limit (or too few attempts are in flight
 * to matter), so the effective concurrency follows memory, not the flag.
 */

/** Lets an attempt into flight and is told when it lands. */
export interface InFlightGate {
  /** Resolves when the next attempt may start. */
  readonly enter: () => Promise<void>;
  /** An attempt that entered has finished. */
  readonly leave: () => void;
  /**
   * The most attempts this gate will ever have in flight, if it knows: the batch runner starts
   * no more workers than this (each waiting worker is a suspended frame that costs memory too).
   */
  readonly maxInFlight?: number;
}

/** A gate that never holds anything back (the host vantage, tests). */
export function openGate(): InFlightGate {
  return { enter: () => Promise.resolve(), leave: () => undefined };
}

/** What the memory gate needs; the defaults are what the agent uses. */
export interface MemoryGateOptions {
  /** Hold new attempts back while the measured memory is at or above this. */
  readonly softLimitBytes: number;
  /** Always admit while fewer than this many are in flight (progress is never blocked). */
  readonly minInFlight?: number;
  /**
   * What one more attempt in flight is assumed to add before the measurement shows it: above
   * `minInFlight`, only as many attempts are admitted as the headroom below the limit pays for,
   * so a burst at start (every worker at once) cannot overshoot the budget.
   */
  readonly perAttemptBytes?: number;
  /** The memory to hold below the limit (default: the resident set size now). */
  readonly measure?: () => number;
  /** Called when the limit is met, at most once per `relieveEveryMs`: a chance to collect garbage. */
  readonly relieve?: () => void;
  readonly relieveEveryMs?: number;
}

/** A gate that admits attempts while the measured memory stays below `softLimitBytes`. */
export function memoryGate(opts: MemoryGateOptions): InFlightGate & { readonly heldBack: () => number } {
  const min = Math.max(1, opts.minInFlight ?? 16);
  const measure = opts.measure ?? ((): number => process.memoryUsage.rss());
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let heldBack = 0;
  let relievedAt = -Infinity;
  const every = opts.relieveEveryMs ?? 500;
  const perAttempt = Math.max(1, opts.perAttemptBytes ?? 32 * 1024);
  const fits = (): boolean => inFlight < min + Math.floor((opts.softLimitBytes - measure()) / perAttempt);
  const admit = (): boolean => {
    if (inFlight < min || fits()) return true;
    // A full collection blocks the event loop: rate-limited, so in-flight attempts never starve.
    if (opts.relieve !== undefined && performance.now() - relievedAt >= every) {
      relievedAt = performance.now();
      opts.relieve();
      return fits();
    }
    return false;
  };
  // Memory is lowest now, at start: the headroom cannot pay for more than this later.
  const maxInFlight = Math.max(min, min + Math.floor((opts.softLimitBytes - measure()) / perAttempt));
  return {
    maxInFlight,
    enter: async () => {
      while (!admit()) {
        heldBack += 1;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      inFlight += 1;
    },
    leave: () => {
      inFlight -= 1;
      waiting.shift()?.();
    },
    heldBack: () => heldBack,
  };
}
