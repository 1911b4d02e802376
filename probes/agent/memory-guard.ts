/**
 * Keeps the agent's heap small (issue 4: RSS ≤ 64 MiB on 10 000 attempts).
 *
 * Two things grow the heap far past what is live (many times over at concurrency 1024;
 * `npm run bench:agent` prints the current numbers):
 * - every attempt's socket lives up to its timeout, so it outlives young-generation GCs
 *   and is promoted, and V8 lets that garbage pile up in old space before its first
 *   full GC. The guard asks for a full GC when used heap has grown by `slackBytes`
 *   since the last one (`gc` reached as jest's leak detector does: --expose-gc set at
 *   run time, read from a fresh context; if refused, the guard does nothing);
 * - the young generation doubles up to 2 × 16 MiB under that allocation rate;
 *   `--semi-space-growth-factor=1` (honoured at run time on Node 20, unlike
 *   --max-semi-space-size) keeps it at its initial size. Node 24 ignores it at run time:
 *   probe pods also pass `--max-semi-space-size=1` on the command line (AGENT_NODE_FLAGS).
 * Agent process only: the CLI runs batches in-process without it.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What the guard needs; the defaults are what the agent uses. */
export interface MemoryGuardOptions {
  /** Look at the heap every this many finished attempts. */
  readonly every?: number;
  /** Collect once used heap exceeds the size after the last collection by this much. */
  readonly slackBytes?: number;
}

/** A guard to call after each finished attempt. */
export interface MemoryGuard {
  readonly afterAttempt: () => void;
  /** Full collections requested so far. */
  readonly collections: () => number;
  /** Collect now (the in-flight gate calls this when memory reaches its soft limit). */
  readonly collectNow: () => void;
}

function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Start a guard (exposes gc once). */
export function startMemoryGuard(opts: MemoryGuardOptions = {}): MemoryGuard {
  const every = opts.every ?? 64;
  const slack = opts.slackBytes ?? 2 * 1024 * 1024;
  const gc = exposeGc();
  let finished = 0;
  let collections = 0;
  let limit = getHeapStatistics().used_heap_size + slack;
  return {
    afterAttempt: () => {
      finished += 1;
      if (gc === undefined || finished % every !== 0) return;
      if (getHeapStatistics().used_heap_size < limit) return;
      gc();
      collections += 1;
      // Live data (in-flight sockets) stays; only collect again once as much garbage is back.
      limit = getHeapStatistics().used_heap_size + slack;
    },
    collections: () => collections,
    collectNow: () => {
      if (gc === undefined) return;
      gc();
      collections += 1;
      limit = getHeapStatistics().used_heap_size + slack;
    },
  };
}
