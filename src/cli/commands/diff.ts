/** `meshprobe diff <old> <new>`: what changed between two runs; exit 1 when something regressed. */
import type { Argv } from 'yargs';
import { diffReports, renderDiff } from '../../report/diff.js';
import { readReport } from '../../report/write.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

/** The `diff` command. */
export const diffCommand: CliCommand = {
  command: 'diff <old> <new>',
  describe: 'Compare two reports (report.json files or bundle directories); exit 1 when something regressed',
  groups: ['output'],
  builder(y: Argv) {
    return y
      .positional('old', { type: 'string', describe: 'earlier report.json or bundle directory' })
      .positional('new', { type: 'string', describe: 'later report.json or bundle directory' });
  },
  async run(ctx) {
    const older = await readReport(String(ctx.args['old'] ?? ''));
    const newer = await readReport(String(ctx.args['new'] ?? ''));
    const d = diffReports(older, newer);
    ctx.stdout(ctx.options.output === 'json' ? `${JSON.stringify(d, null, 2)}\n` : renderDiff(d));
    return d.regressed ? EXIT.FAILS : EXIT.OK;
  },
};
