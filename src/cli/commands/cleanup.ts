/**
 * `meshprobe cleanup [--run-id X]`: delete everything meshprobe labelled (or one run's
 * objects) with the same deletion code a run uses at its end; prints what it deleted.
 * Idempotent: a second call finds nothing and exits 0. While the API server is unreachable or
 * answers 429/5xx, it retries within --cleanup-timeout; unfinished, it exits 3 (130 after Ctrl-C).
 */
import type { Argv } from 'yargs';
import { isValidRunId } from '../../cluster/labels.js';
import { createKubeClient } from '../../cluster/kube-client.js';
import { MeshprobeError } from '../../shared/errors.js';
import { cleanupLabelled } from '../../deploy/cleanup.js';
import type { CliCommand, CliContext } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

async function cleanupCommand(ctx: CliContext): Promise<number> {
  const raw = ctx.args['run-id'];
  const runId = typeof raw === 'string' && raw !== '' ? raw : undefined;
  if (runId !== undefined && !isValidRunId(runId)) {
    throw new MeshprobeError('E_USAGE', `--run-id "${runId}" is not a meshprobe run id`, {
      hint: 'Run ids look like 20261123-185612-a1b2 (see the report or `kubectl get ns -l app.kubernetes.io/managed-by=meshprobe`).',
    });
  }
  const api = createKubeClient({
    kubeconfig: ctx.options.kubeconfig,
    context: ctx.options.context,
    requestTimeoutMs: ctx.options.requestTimeout * 1000,
  });
  ctx.progress.start(runId ? `Deleting objects of run ${runId}` : 'Deleting every meshprobe-labelled object');
  const budgetS = ctx.options.cleanupTimeout;
  let warned = false;
  const result = await cleanupLabelled(api, {
    ...(runId ? { runId } : {}),
    signal: ctx.signal,
    timeoutMs: budgetS * 1000,
    onStep: (l) => ctx.progress.update(`Deleting ${l}`),
    onRetry: (what, error, delayMs) => {
      // Once on stderr (also without a spinner), then as spinner text: the wait must never look like a hang.
      if (!warned) ctx.stderr(`meshprobe: ${error.message}; retrying until it answers (--cleanup-timeout ${budgetS}s)`);
      warned = true;
      ctx.progress.update(`Waiting for the API server to ${what} (next try in ${delayMs} ms)`);
    },
  });
  ctx.progress.stop();
  if (!result.attempted) {
    ctx.stdout(runId ? `Nothing to clean up for run ${runId}.` : 'Nothing to clean up.');
    return EXIT.OK;
  }
  const lines = [...result.deleted.map((d) => `deleted ${d}`), ...result.problems.map((p) => `FAILED ${p}`)];
  ctx.stdout(lines.join('\n'));
  if (result.ok) return EXIT.OK;
  ctx.stderr(`meshprobe: cleanup incomplete; finish it with: ${result.finishCommand ?? 'meshprobe cleanup'}`);
  return ctx.signal.aborted ? EXIT.INTERRUPTED : EXIT.ABORTED;
}

/** `meshprobe cleanup` */
export const cleanupCliCommand: CliCommand = {
  command: 'cleanup',
  describe: 'Delete everything meshprobe created (optionally one run); safe to repeat',
  groups: ['cluster', 'safety'],
  sharedOptions: ['kubeconfig', 'context', 'requestTimeout', 'cleanupTimeout'],
  builder(y: Argv): Argv {
    return y.option('run-id', {
      type: 'string',
      requiresArg: true,
      describe: "Only this run's objects (e.g. 20261123-185612-a1b2)",
    }) as Argv;
  },
  run: cleanupCommand,
};
