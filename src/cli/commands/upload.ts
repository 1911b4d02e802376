/**
 * `meshprobe upload <dir>`: send a bundle a run already wrote (after a failed or skipped
 * upload, or from a run without --upload) to the --upload target, the same way `run` does.
 */
import { basename } from 'node:path';
import type { Argv } from 'yargs';
import { MeshprobeError } from '../../shared/errors.js';
import { readReport } from '../../report/write.js';
import { uploadStep } from '../../upload/step.js';
import type { CliCommand, CliContext } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

async function uploadCommand(ctx: CliContext): Promise<number> {
  const dir = String(ctx.args['dir'] ?? '');
  if (ctx.options.upload === undefined) {
    throw new MeshprobeError(
      'E_USAGE',
      'meshprobe upload needs --upload <target> (s3://bucket/prefix or an https:// URL)',
      { hint: 'Or set MESHPROBE_UPLOAD, or upload: in the --config file.' },
    );
  }
  // The run id names the folder at the target; the report knows it even when --output-dir renamed the folder.
  const report = await readReport(dir);
  const runId = typeof report.run?.runId === 'string' ? report.run.runId : basename(dir);
  const outcome = await uploadStep({
    options: ctx.options,
    dir,
    runId,
    signal: ctx.signal,
    progress: ctx.progress,
    env: process.env,
    interrupted: false,
  });
  ctx.progress.stop();
  if (outcome?.kind === 'uploaded') {
    ctx.stdout(
      `uploaded ${outcome.files} files to ${outcome.location}${outcome.retries > 0 ? ` (${outcome.retries} retried)` : ''}\n`,
    );
    return EXIT.OK;
  }
  if (outcome?.kind === 'failed') {
    ctx.stderr(`meshprobe: ${outcome.message}`);
    if (outcome.hint) ctx.stderr(`hint: ${outcome.hint}`);
    return outcome.code === 'E_INTERRUPTED' ? EXIT.INTERRUPTED : EXIT.UPLOAD_FAILED;
  }
  return EXIT.UPLOAD_FAILED;
}

/** The `upload` command. */
export const uploadCliCommand: CliCommand = {
  command: 'upload <dir>',
  describe: 'Send an evidence bundle a run wrote to --upload (S3-compatible store or HTTPS); exit 5 when it fails',
  groups: ['upload'],
  builder(y: Argv) {
    return y.positional('dir', { type: 'string', describe: 'bundle directory (the --output-dir of a run)' });
  },
  run: uploadCommand,
};
