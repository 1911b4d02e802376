import ora, { type Ora } from 'ora';

/** Where progress goes: the CLI's spinner, a recorder in tests, or nothing. */
export interface ProgressSink {
  start(text: string): void;
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  warn(text: string): void;
  info(text: string): void;
  stop(): void;
}

/** A sink that drops everything (--quiet, machine output, non-TTY). */
export const SILENT_PROGRESS: ProgressSink = {
  start() {},
  update() {},
  succeed() {},
  fail() {},
  warn() {},
  info() {},
  stop() {},
};

/** One recorded progress event. */
export interface ProgressEvent {
  readonly kind: 'start' | 'update' | 'succeed' | 'fail' | 'warn' | 'info' | 'stop';
  readonly text: string;
}

/** A sink that records events, for tests. */
export class RecordingProgress implements ProgressSink {
  readonly events: ProgressEvent[] = [];
  start(text: string): void { this.events.push({ kind: 'start', text }); }
  update(text: string): void { this.events.push({ kind: 'update', text }); }
  succeed(text: string): void { this.events.push({ kind: 'succeed', text }); }
  fail(text: string): void { this.events.push({ kind: 'fail', text }); }
  warn(text: string): void { this.events.push({ kind: 'warn', text }); }
  info(text: string): void { this.events.push({ kind: 'info', text }); }
  stop(): void { this.events.push({ kind: 'stop', text: '' }); }
}

/** ora on stderr. Only used when stderr is a TTY and not --quiet. */
class OraProgress implements ProgressSink {
  private readonly spinner: Ora;
  constructor(stream: NodeJS.WriteStream) {
    this.spinner = ora({ stream, discardStdin: false });
  }
  start(text: string): void { this.spinner.start(text); }
  update(text: string): void { this.spinner.text = text; }
  succeed(text: string): void { this.spinner.succeed(text); }
  fail(text: string): void { this.spinner.fail(text); }
  warn(text: string): void { this.spinner.warn(text); }
  info(text: string): void { this.spinner.info(text); }
  stop(): void { this.spinner.stop(); }
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
