import ora, { type Ora } from 'ora';
import { SILENT_PROGRESS, type ProgressSink } from '../shared/progress.js';

/** ora on stderr. Only used when stderr is a TTY and not --quiet. */
class OraProgress implements ProgressSink {
  private readonly spinner: Ora;
  constructor(stream: NodeJS.WriteStream) {
    this.spinner = ora({ stream, discardStdin: false });
  }
  start(text: string): void {
    this.spinner.start(text);
  }
  update(text: string): void {
    this.spinner.text = text;
  }
  succeed(text: string): void {
    this.spinner.succeed(text);
  }
  fail(text: string): void {
    this.spinner.fail(text);
  }
  warn(text: string): void {
    this.spinner.warn(text);
  }
  info(text: string): void {
    this.spinner.info(text);
  }
  stop(): void {
    this.spinner.stop();
  }
}

/**
 * The progress sink for this process: ora on stderr when stderr is a TTY, silent otherwise
 * and with --quiet (so logs and CI output stay clean; warnings still go to stderr directly).
 */
export function progressFor(opts: { readonly quiet: boolean; readonly stream?: NodeJS.WriteStream }): ProgressSink {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !stream.isTTY) return SILENT_PROGRESS;
  return new OraProgress(stream);
}
