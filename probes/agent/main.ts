/**
 * The in-pod agent: `node agent.mjs <batch-file>` (or the file named by MESHPROBE_BATCH).
 * JSON Lines on stdout, one per attempt, then the done line; diagnostics on stderr.
 * Exit 0 when the batch ran (whatever the attempts saw), 2 when the batch could not
 * be read (one AgentErrorLine with code E_BATCH), 1 when the agent itself broke.
 */
import { readFile } from 'node:fs/promises';
import { PROTOCOL_VERSION, type AgentErrorLine, type AttemptBatch } from '../protocol.js';
import { parseBatch } from './batch.js';
import { memoryGate } from './in-flight-gate.js';
import { startMemoryGuard } from './memory-guard.js';
import { abortReason } from './observation.js';
import { runBatch } from './run-batch.js';

/**
 * New attempts wait while the agent's RSS is at or above this (its budget is 64 MiB per probe
 * pod, issue 20; an idle Node process takes most of it: 48–51 MiB with the pod's flags, ≈ 40 of
 * them the node binary's file pages). An admitted attempt (socket, timers, buffers, its promise
 * chain) and V8's next heap step must fit in the remaining headroom. 62 MiB: on the agent bench
 * Node 20 peaked at 57.5 MiB and Node 24 at 63.2 (at 60 MiB the gate held a 441-attempt lab
 * batch at 64 in flight and it took 14.2 s instead of 11.2 s).
 */
const RSS_SOFT_LIMIT_BYTES = 62 * 1024 * 1024;
/** Below this many attempts in flight the gate always admits (progress never stops). */
const MIN_IN_FLIGHT = 64;
/**
 * What one more attempt in flight is assumed to cost before RSS shows it: above MIN_IN_FLIGHT the
 * gate admits as many as the headroom pays for at this price. 16 KiB: 10 000 attempts at concurrency
 * 4 096 took 33.6 s and peaked at 58.9 MiB (32 KiB: 41.8 s, 57.7 MiB; 8 KiB: 33.9 s, 60.5 MiB, the
 * start's burst overshooting before RSS showed it). `npm run bench:agent` measures it.
 */
const PER_ATTEMPT_BYTES = 16 * 1024;

/** After the done line the process should exit by itself; this is only a safety net. */
const EXIT_GRACE_MS = 2000;

function writeLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Resolves once stdout's buffer has drained (at once when nothing waits in it), or when stdout
 * closes or `signal` aborts: a reader that went away must not hold the agent.
 */
function stdoutDrained(signal: AbortSignal): Promise<void> {
  const out = process.stdout;
  if (!out.writableNeedDrain || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function fail(code: string, message: string, exitCode: number): void {
  const line: AgentErrorLine = { v: PROTOCOL_VERSION, error: { code, message } };
  writeLine(JSON.stringify(line));
  process.stderr.write(`meshprobe agent: ${message}\n`);
  process.exitCode = exitCode;
}

/** The batch at `path`, or undefined after reporting why not. The text is not kept (memory budget). */
async function loadBatch(path: string): Promise<AttemptBatch | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    fail('E_BATCH', `cannot read the batch file ${path} (${typeof code === 'string' ? code : 'error'})`, 2);
    return undefined;
  }
  const parsed = parseBatch(text);
  if (parsed.kind === 'batch') return parsed.batch;
  fail('E_BATCH', `invalid batch ${path}: ${parsed.message}`, 2);
  return undefined;
}

async function main(): Promise<void> {
  const path = process.argv[2] ?? process.env['MESHPROBE_BATCH'];
  if (path === undefined || path === '') {
    return fail('E_BATCH', 'no batch given: pass the batch file as the first argument or set MESHPROBE_BATCH', 2);
  }
  const batch = await loadBatch(path);
  if (batch === undefined) return;
  const stop = new AbortController();
  const onSignal = (name: string) => (): void =>
    stop.abort(abortReason('E_ABORTED', `the agent received ${name} before this attempt finished`));
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  const guard = startMemoryGuard();
  const write = (line: string): void => {
    writeLine(line);
    guard.afterAttempt();
  };
  const gate = memoryGate({
    softLimitBytes: RSS_SOFT_LIMIT_BYTES,
    minInFlight: MIN_IN_FLIGHT,
    perAttemptBytes: PER_ATTEMPT_BYTES,
    relieve: guard.collectNow,
  });
  try {
    // Retry rounds write nothing until they end: the guard still sees every try.
    await runBatch(batch, write, {
      signal: stop.signal,
      gate,
      afterTry: guard.afterAttempt,
      drained: () => stdoutDrained(stop.signal),
    });
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
  process.exitCode = 0;
  setTimeout(() => {
    process.stderr.write('meshprobe agent: handles still open after the done line; exiting anyway\n');
    process.exit();
  }, EXIT_GRACE_MS).unref();
}

main().catch((err: unknown) => {
  fail('E_AGENT', `the agent broke: ${err instanceof Error ? err.message : String(err)}`, 1);
});
