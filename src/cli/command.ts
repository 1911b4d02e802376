import type { Argv } from 'yargs';
import type { Options } from '../config/options.js';
import type { ProgressSink } from '../shared/progress.js';

/** What every command handler gets from main.ts. */
export interface CliContext {
  /** Fully validated options (defaults < config < env < flags). */
  readonly options: Options;
  /** Positional/other argv values specific to the command (already parsed by its builder). */
  readonly args: Readonly<Record<string, unknown>>;
  readonly progress: ProgressSink;
  /** Aborted on SIGINT/SIGTERM; the lifecycle runs finalizers. */
  readonly signal: AbortSignal;
  /** Write to stdout (the command's result: human text or one machine format). */
  readonly stdout: (text: string) => void;
  /** Write a warning/diagnostic line to stderr. */
  readonly stderr: (text: string) => void;
  /** Text printed if a second Ctrl-C forces an immediate exit (e.g. the cleanup command for this run). */
  readonly setForcedExitHint: (text: string) => void;
}

/**
 * A subcommand. main.ts registers every module listed in commands/index.ts.
 * `run` returns the exit code (see shared/exit-codes.ts); throwing a MeshprobeError is also fine:
 * main prints one line + hint and maps the code.
 */
export interface CliCommand {
  /** yargs command string, e.g. "tls <endpoints..>" */
  readonly command: string;
  readonly describe: string;
  /** Option groups that apply (shared options are added by main): e.g. ['cluster','scope']. */
  readonly groups: readonly SharedGroup[];
  /**
   * When set, only these shared options are offered (within `groups`), so --help never
   * lists an option the command ignores.
   */
  readonly sharedOptions?: readonly (keyof Options)[];
  /** Command-specific options/positionals. */
  builder?(y: Argv): Argv;
  run(ctx: CliContext): Promise<number>;
}

/** Shared option groups defined once in main.ts. */
export type SharedGroup = 'cluster' | 'scope' | 'selection' | 'output' | 'safety' | 'upload';
