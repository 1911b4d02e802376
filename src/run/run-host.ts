/**
 * The host vantage: the same agent batch runner, in-process on the machine running
 * meshprobe (only for user-named --untrusted-path endpoints). Never meshed by definition.
 */
import { runBatch } from '../../probes/host.js';
import type { AttemptBatch } from '../../probes/protocol.js';

/** Run the host batch; returns the JSON Lines text the agent would have printed. */
export async function runHostBatch(batch: AttemptBatch, signal: AbortSignal): Promise<string> {
  const lines: string[] = [];
  await runBatch(batch, (line) => lines.push(line), {
    signal,
    selfCheck: async () => ({ meshListeners: [], meshed: false, nodeVersion: process.version }),
  });
  return `${lines.join('\n')}\n`;
}
