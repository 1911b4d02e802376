/**
 * `meshprobe run`: the whole pipeline against the current cluster. Prints the summary (or
 * one machine format) on stdout, writes the evidence bundle, and returns the exit code of
 * the report (DESIGN §6).
 */
import { randomBytes } from 'node:crypto';
import { newRunId } from '../../cluster/labels.js';
import { createKubeClient } from '../../cluster/kube-client.js';
import { render } from '../../report/reporters/index.js';
import { runConformance } from '../../run.js';
import type { CliCommand, CliContext } from '../command.js';

async function runCommand(ctx: CliContext): Promise<number> {
  const { options } = ctx;
  const cluster = createKubeClient({ kubeconfig: options.kubeconfig, context: options.context });
  const runId = newRunId(new Date(), randomBytes(2).toString('hex'));
  ctx.setForcedExitHint(`meshprobe left objects behind; remove them with: meshprobe cleanup --run-id ${runId}`);
  const result = await runConformance(options, { cluster, progress: ctx.progress, signal: ctx.signal, runId });
  ctx.progress.stop();
  ctx.stdout(render(options.output, result.report, { verbose: options.verbose }));
  ctx.stderr(`meshprobe: run ${result.runId}: evidence bundle in ${result.outputDir}`);
  if (!result.report.cleanup.ok) ctx.stderr(`meshprobe: cleanup incomplete; retry with: meshprobe cleanup --run-id ${result.runId}`);
  return result.exitCode;
}

/** `meshprobe run` */
export const runCliCommand: CliCommand = {
  command: 'run',
  describe: 'Deploy short-lived probe pods, try what an attacker would try, and report which PCI DSS network controls hold',
  groups: ['cluster', 'scope', 'selection', 'output', 'safety'],
  run: runCommand,
};
