/**
 * How far V8 lets the JS heap grow past its live data before a full collection (issue 17).
 * By default it grows the old space up to 4× the live data after each full collection when
 * collections are cheap compared with the program, which is what set the CLI's peak RSS: at
 * 100 000 attempts ≈ 70 MiB live data took 276 MiB of heap before the next collection. At 1.5×
 * the run collects a few more times and peaks ~100 MiB lower (README, Benchmark: CLI scale).
 */
import { setFlagsFromString } from 'node:v8';

/** Old-space growth after a full collection, in percent of the live data (V8's --heap-growing-percent). */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The young generation stays at its initial size (V8's --semi-space-growth-factor=1) instead of
 * doubling up to 3 × 16 MiB under the run's allocation rate: at 100 000 attempts this took the
 * peak from 255–260 MiB to 209–212 MiB for ≈ 1 s more of scavenging (README, Benchmark: CLI scale).
 * Unlike --max-semi-space-size, V8 honours it when set at run time.
 */
export const SEMI_SPACE_GROWTH_FACTOR = 1;

/**
 * Set the heap growth for this process, unless the user gave NODE_OPTIONS that set it (theirs
 * wins; likewise for the young generation). Returns whether the old-space growth was set. V8
 * reads the flag at every full collection, so setting it at start-up is enough.
 */
export function limitHeapGrowth(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): boolean {
  const given = [env['NODE_OPTIONS'] ?? '', ...execArgv].join(' ');
  if (!/--(max[-_])?semi[-_]space/.test(given)) {
    setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
  }
  if (/--heap[-_]growing[-_]percent/.test(given)) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
