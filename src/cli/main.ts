#!/usr/bin/env node
/**
 * meshprobe command line: the only place that parses argv (yargs) and shows progress (ora).
 * Every command gets validated options, a progress sink and an AbortSignal, and returns
 * an exit code from the one table in shared/exit-codes.ts.
 */
import yargs, { type Argv, type Options as YargsOption } from 'yargs';
import { hideBin } from 'yargs/helpers';
import pkg from '../../package.json' with { type: 'json' };
import { FIELDS, envName, type Field, type OptionGroup } from '../config/fields.js';
import { DEFAULTS } from '../config/options.js';
import { loadOptions } from '../config/load.js';
import type { RawOptions } from '../config/validate.js';
import { isMeshprobeError, MeshprobeError, toMeshprobeError } from '../shared/errors.js';
import { installSignalScope } from './signals.js';
import type { CliCommand, CliContext, SharedGroup } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, exitCodeForError } from '../shared/exit-codes.js';
import { progressFor } from './progress.js';
import { limitHeapGrowth } from './heap.js';

const GROUP_OF: Readonly<Record<SharedGroup, OptionGroup>> = {
  cluster: 'Cluster',
  scope: 'Scope',
  selection: 'Selection',
  output: 'Output',
  safety: 'Safety',
  upload: 'Upload',
};

/** Add the shared options of the given groups to a command, grouped in --help. */
function addSharedOptions(y: Argv, groups: readonly SharedGroup[], only?: readonly string[]): Argv {
  let out = y;
  for (const g of groups) {
    const fields = FIELDS.filter((f) => f.group === GROUP_OF[g] && (!only || only.includes(f.key)));
    for (const f of fields) out = out.option(f.flag, yargsOption(f)) as Argv;
    out = out.group(
      fields.map((f) => f.flag),
      `${GROUP_OF[g]}:`,
    );
  }
  return out;
}

/** yargs option for a field. Values are kept as strings so validation can report every problem at once. */
function yargsOption(f: Field): YargsOption {
  const env = envName(f);
  const def = DEFAULTS[f.key];
  // Durations show their unit next to the default ("600 seconds"), so --help answers "ms or s?".
  const unit =
    f.type.kind === 'int' && f.placeholder !== undefined && ['ms', 'seconds', 'days'].includes(f.placeholder)
      ? ` ${f.placeholder}`
      : '';
  const shownDefault =
    def === undefined || (Array.isArray(def) && def.length === 0)
      ? {}
      : { defaultDescription: `${String(def)}${unit}` };
  // No yargs `default`: an unset flag must stay undefined so config and env can apply.
  const base: YargsOption = {
    describe: `${f.describe} [env ${env}]`,
    ...shownDefault,
    ...(f.alias ? { alias: f.alias } : {}),
  };
  if (f.type.kind === 'bool') return { ...base, type: 'boolean' };
  const choices = f.type.kind === 'enum' ? ` (${f.type.values.join('|')})` : '';
  return { ...base, type: 'string', requiresArg: true, describe: `${String(base.describe)}${choices}` };
}

/** Raw flag values keyed by option key (undefined when not given, so config/env can apply). */
function flagValues(argv: Record<string, unknown>): RawOptions {
  const raw: RawOptions = {};
  for (const f of FIELDS) if (argv[f.flag] !== undefined) raw[f.key] = argv[f.flag];
  return raw;
}

/** Print an error as one line plus a hint; never a stack trace (unless MESHPROBE_DEBUG=1). */
function printError(err: MeshprobeError, write: (t: string) => void): void {
  const [first, ...rest] = err.message.split('\n');
  write(`meshprobe: ${first ?? ''}\n`);
  for (const line of rest) write(`meshprobe: ${line}\n`);
  if (err.hint) write(`hint: ${err.hint}\n`);
  if (process.env.MESHPROBE_DEBUG === '1' && err.cause instanceof Error) write(`${err.cause.stack ?? ''}\n`);
}

async function runCommand(cmd: CliCommand, argv: Record<string, unknown>): Promise<number> {
  const stderr = (t: string): void => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  const scope = installSignalScope();
  try {
    const options = await loadOptions({
      flags: flagValues(argv),
      configPath: typeof argv.config === 'string' ? argv.config : undefined,
      env: process.env,
      warn: (line) => stderr(`meshprobe: warning: ${line}`),
    });
    const machine = options.output !== 'text';
    const ctx: CliContext = {
      options,
      args: argv,
      progress: progressFor({ quiet: options.quiet || machine }),
      signal: scope.signal,
      stdout: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
      stderr,
      setForcedExitHint: (t) => scope.setForcedExitHint(t),
    };
    const code = await cmd.run(ctx);
    return scope.received() !== undefined && code === EXIT.OK ? EXIT.INTERRUPTED : code;
  } catch (err) {
    const e = toMeshprobeError(err);
    printError(e, stderr);
    return exitCodeForError(e.code);
  } finally {
    scope.dispose();
  }
}

/**
 * True when started as the kubectl plugin: kubectl runs the `kubectl-meshprobe` executable it
 * finds on PATH for `kubectl meshprobe …` (the package's second bin entry; krew's symlink).
 */
export function isKubectlPlugin(argv1: string | undefined): boolean {
  return /(^|\/)kubectl-meshprobe$/.test(argv1 ?? '');
}

/** Build the yargs parser (exported for tests of --help). */
export function buildParser(args: readonly string[]): Argv {
  let y = yargs(args as string[])
    .scriptName(isKubectlPlugin(process.argv[1]) ? 'kubectl meshprobe' : 'meshprobe')
    .usage(
      'meshprobe — runtime evidence for PCI DSS v4.0.1 network controls in a live Kubernetes cluster.\n\n' +
        'Usage: $0 <command> [options]',
    )
    .option('config', {
      type: 'string',
      requiresArg: true,
      describe:
        'YAML/JSON file of option: value (precedence: defaults < config < MESHPROBE_* env < flags) [env MESHPROBE_CONFIG]',
    })
    .version(pkg.version)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .strict()
    .demandCommand(1, `Name a command: ${COMMANDS.map((c) => c.command.split(' ')[0]).join(', ')}.`)
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .epilog(
      'Exit codes: 0 all selected controls hold or are not applicable · 1 a control fails · 2 usage error · ' +
        '3 run aborted (report still written) · 4 inconclusive (0 with --inconclusive-ok) · 5 upload failed (local bundle kept) · ' +
        '130 interrupted.\n' +
        'Docs: README.md. Nothing outside the cluster is contacted unless you name it (--egress-target, --untrusted-path, --upload).',
    )
    .fail((msg, err) => {
      const e = err
        ? toMeshprobeError(err)
        : new MeshprobeError('E_USAGE', msg ?? 'invalid command line', {
            hint: 'Run `meshprobe --help` for commands and options.',
          });
      printError(e, (t) => void process.stderr.write(t));
      process.exit(isMeshprobeError(err) ? exitCodeForError(e.code) : EXIT.USAGE);
    });
  for (const cmd of COMMANDS) {
    y = y.command(
      cmd.command,
      cmd.describe,
      (sub) => {
        const withShared = addSharedOptions(sub, cmd.groups, cmd.sharedOptions);
        return cmd.builder ? cmd.builder(withShared) : withShared;
      },
      async (argv) => {
        process.exitCode = await runCommand(cmd, argv as Record<string, unknown>);
      },
    );
  }
  return y;
}

/**
 * After a command returned, the process gets this long to end by itself; then it exits with
 * the command's code. A socket the client library left open (a hung API server) must never
 * keep CI from seeing the exit code.
 */
export const EXIT_GRACE_MS = 2000;

/** Entry point. */
export async function main(args: readonly string[] = hideBin(process.argv)): Promise<void> {
  await buildParser(args).parseAsync();
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

if (
  import.meta.url === `file://${process.argv[1]}` ||
  process.argv[1]?.endsWith('/meshprobe') ||
  process.argv[1]?.endsWith('cli.mjs') ||
  isKubectlPlugin(process.argv[1])
) {
  // The process is the CLI's own: keep the heap within 1.5× its live data (cli/heap.ts).
  limitHeapGrowth();
  void main();
}
