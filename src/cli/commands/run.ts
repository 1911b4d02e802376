/**
 * `meshprobe run`: the whole pipeline against the current cluster. Prints the summary (or
 * one machine format) on stdout, writes the evidence bundle, and returns the exit code of
 * the report (DESIGN §6).
 */
import { randomBytes } from 'node:crypto';
import { newRunId } from '../../cluster/labels.js';
import { createKubeClient } from '../../cluster/kube-client.js';
import { requireScope } from '../../config/load.js';
import { renderChunks } from '../../report/reporters/index.js';
import { runConformance } from '../../pipeline/run.js';
import type { CliCommand, CliContext } from '../command.js';
import type { ProgressSink } from '../../shared/progress.js';
import type { RunResult } from '../../pipeline/run.js';

/**
 * Progress as given, plus warnings as plain stderr lines when the spinner is
 * off (not a TTY, --quiet, machine output): a warning must never vanish in CI.
 */
export function withVisibleWarnings(
  progress: ProgressSink,
  stderr: (t: string) => void,
  spinnerOn: boolean,
): ProgressSink {
  if (spinnerOn) return progress;
  // Failures are printed once by the command itself (the abort line); warnings are forwarded here.
  return {
    start: (t) => progress.start(t),
    update: (t) => progress.update(t),
    succeed: (t) => progress.succeed(t),
    fail: (t) => progress.fail(t),
    info: (t) => progress.info(t),
    stop: () => progress.stop(),
    warn: (t) => {
      progress.warn(t);
      stderr(`meshprobe: warning: ${t}`);
    },
  };
}

/**
 * Write a chunked rendering in ~60 KiB pieces, each cut after a line break (so `write`, which
 * ends text without one with a newline, prints exactly the rendering). `-o json` of a
 * 100 000-attempt run is hundreds of MB (see `npm run bench`): it is never one string.
 */
export function writeChunked(chunks: Iterable<string>, write: (text: string) => void, pieceSize = 60 * 1024): void {
  let pending = '';
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length < pieceSize) continue;
    const cut = pending.lastIndexOf('\n');
    if (cut < 0) continue;
    write(pending.slice(0, cut + 1));
    pending = pending.slice(cut + 1);
  }
  if (pending !== '') write(pending);
}

/** True when ora draws on stderr (the same rule as progressFor in main.ts). */
function spinnerOn(ctx: CliContext): boolean {
  return process.stderr.isTTY === true && !ctx.options.quiet && ctx.options.output === 'text';
}

async function runCommand(ctx: CliContext): Promise<number> {
  const { options } = ctx;
  requireScope(options);
  const cluster = createKubeClient({
    kubeconfig: options.kubeconfig,
    context: options.context,
    requestTimeoutMs: options.requestTimeout * 1000,
  });
  const runId = newRunId(new Date(), randomBytes(2).toString('hex'));
  ctx.setForcedExitHint(`meshprobe left objects behind; remove them with: meshprobe cleanup --run-id ${runId}`);
  // Named first, so a run killed outright (SIGKILL, OOM) can still be cleaned up by id.
  if (!options.quiet)
    ctx.stderr(
      `meshprobe: run ${runId} started; if it is killed, remove what it created with: meshprobe cleanup --run-id ${runId}`,
    );
  const progress = withVisibleWarnings(ctx.progress, ctx.stderr, spinnerOn(ctx));
  const result = await runConformance(options, { cluster, progress, signal: ctx.signal, runId });
  ctx.progress.stop();
  const aborted = result.report.aborted;
  if (aborted) ctx.stderr(`meshprobe: run aborted during ${aborted.stage} [${aborted.code}]: ${aborted.message}`);
  writeChunked(renderChunks(options.output, result.report, { verbose: options.verbose }), ctx.stdout);
  ctx.stderr(`meshprobe: run ${result.runId}: evidence bundle in ${result.outputDir}`);
  const cleanup = result.report.cleanup;
  if (!cleanup.ok)
    ctx.stderr(
      `meshprobe: cleanup incomplete: objects of run ${result.runId} may still be in the cluster; finish it with: ${cleanup.finishCommand ?? `meshprobe cleanup --run-id ${result.runId}`}`,
    );
  printUpload(result, ctx.stderr);
  return result.exitCode;
}

/** One line (plus a hint) on what --upload did; the local bundle is always named for a retry. */
export function printUpload(result: Pick<RunResult, 'upload' | 'outputDir'>, stderr: (t: string) => void): void {
  const u = result.upload;
  if (u === undefined) return;
  const retry = `the local bundle is complete in ${result.outputDir}; send it with: meshprobe upload ${result.outputDir} --upload <target>`;
  switch (u.kind) {
    case 'uploaded':
      stderr(
        `meshprobe: bundle uploaded to ${u.location} (${u.files} files${u.retries > 0 ? `, ${u.retries} attempt(s) retried` : ''})`,
      );
      return;
    case 'failed':
      stderr(`meshprobe: upload failed [${u.code}]: ${u.message}`);
      if (u.hint) stderr(`hint: ${u.hint}`);
      stderr(`meshprobe: ${retry}`);
      return;
    case 'skipped':
      stderr(`meshprobe: not uploaded: ${u.reason}; ${retry}`);
      return;
    default: {
      const never: never = u;
      throw new Error(`unknown upload outcome ${String(never)}`);
    }
  }
}

/** `meshprobe run` */
export const runCliCommand: CliCommand = {
  command: 'run',
  describe:
    'Deploy short-lived probe pods, try what an attacker would try, and report which PCI DSS network controls hold',
  groups: ['cluster', 'scope', 'selection', 'output', 'safety', 'upload'],
  run: runCommand,
};
