/**
 * Admission of attempts into flight. The batch's concurrency caps attempts by count; the
 * agent's memory budget (64 MiB RSS per probe pod, issue 20) caps them by what they cost:
 * every open socket holds kernel-side and JS-side buffers, and at a concurrency of 1 024 or
 * more the sockets alone push the process past the budget. The memory gate admits a new
 * attempt only while resident memory is below a soft limit (or too few attempts are in flight
 * to matter), so the effective concurrency follows memory, not the flag.
 */
import { getHeapStatistics } from 'node:v8';

/** Lets an attempt into flight and is told when it lands. */
export interface InFlightGate {
  /** Resolves when the next attempt may start. */
  readonly enter: () => Promise<void>;
  /** An attempt that entered has finished. */
  readonly leave: () => void;
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
   * The memory to hold below the limit (default: V8's used heap). Not RSS: RSS keeps its high
   * water mark after a collection, so a gate on it would stay shut; used heap falls when the
   * attempts that held it land, and it is what in-flight attempts add to RSS.
   */
  readonly measure?: () => number;
  /** Called once when the limit is first met after a quiet spell: a chance to collect garbage. */
  readonly relieve?: () => void;
}

/** A gate that admits attempts while the measured memory stays below `softLimitBytes`. */
export function memoryGate(opts: MemoryGateOptions): InFlightGate & { readonly heldBack: () => number } {
  const min = Math.max(1, opts.minInFlight ?? 16);
  const measure = opts.measure ?? ((): number => getHeapStatistics().used_heap_size);
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let heldBack = 0;
  let relieved = false;
  const admit = (): boolean => {
    if (inFlight < min || measure() < opts.softLimitBytes) {
      relieved = false;
      return true;
    }
    if (!relieved && opts.relieve !== undefined) {
      relieved = true;
      opts.relieve();
      return measure() < opts.softLimitBytes;
    }
    return false;
  };
  return {
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
