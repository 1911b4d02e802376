/** `meshprobe verify <dir> [--public-key key.pem]`: check bundle digests and signature; name every altered file. */
import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { MeshprobeError } from '../../shared/errors.js';
import { verifyBundleDir } from '../../report/write.js';
import type { CliCommand } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

/** The `verify` command: exit 0 when intact, 1 when anything was altered, added, removed or the signature fails. */
export const verifyCommand: CliCommand = {
  command: 'verify <dir>',
  describe: 'Verify an evidence bundle: SHA256SUMS digests and, with --public-key, the detached signature',
  groups: [],
  builder(y: Argv) {
    return y
      .positional('dir', { type: 'string', describe: 'bundle directory (the --output-dir of a run)' })
      .option('public-key', {
        type: 'string',
        requiresArg: true,
        describe: 'PEM public key or certificate of the signer',
      });
  },
  async run(ctx) {
    const dir = String(ctx.args['dir'] ?? '');
    const keyPath = typeof ctx.args['public-key'] === 'string' ? ctx.args['public-key'] : undefined;
    const key =
      keyPath === undefined
        ? undefined
        : await readFile(keyPath, 'utf8').catch((err: unknown) => {
            throw new MeshprobeError('E_USAGE', `--public-key ${keyPath} cannot be read`, {
              hint: 'Give the PEM public key matching the --sign-key used for the run.',
              cause: err,
            });
          });
    const result = await verifyBundleDir(dir, key);
    if (result.incomplete !== undefined) {
      ctx.stdout(`INCOMPLETE ${result.incomplete}\n`);
      return EXIT.FAILS;
    }
    for (const p of result.problems) ctx.stdout(`ALTERED ${p.problem}\n`);
    if (result.signature === 'not-checked')
      ctx.stderr('SHA256SUMS.sig is present but was not checked: pass --public-key to verify it.');
    if (result.ok)
      ctx.stdout(
        `OK ${result.files} files match SHA256SUMS${result.signature === 'valid' ? '; signature valid' : ''}\n`,
      );
    return result.ok ? EXIT.OK : EXIT.FAILS;
  },
};
