/** The common preamble of every lab test: skip the whole file, with a clear message, when the lab or `run` is missing. */
import type { Lab } from './lab.js';
import { labState } from './lab.js';
import { cliHasRun, ensureBuilt } from './meshprobe.js';

/** The lab when e2e can run, else the reason to skip. Builds dist/ once. */
export function e2eReady(needsRun = true): { lab: Lab } | { skip: string } {
  const state = labState();
  if (!state.up) return { skip: `e2e skipped: ${state.reason}` };
  if (needsRun) {
    try {
      ensureBuilt();
    } catch (err) {
      return { skip: `e2e skipped: ${(err as Error).message}` };
    }
    if (!cliHasRun()) return { skip: 'e2e skipped: `meshprobe run` does not exist yet in dist/cli.mjs (issue 6)' };
  }
  return { lab: state.lab };
}
