/**
 * The progress interface the library reports to (a leaf: the library must not depend on the
 * CLI, whose ora spinner implements it in cli/progress.ts), and the sinks tests use.
 */

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
  start(text: string): void {
    this.events.push({ kind: 'start', text });
  }
  update(text: string): void {
    this.events.push({ kind: 'update', text });
  }
  succeed(text: string): void {
    this.events.push({ kind: 'succeed', text });
  }
  fail(text: string): void {
    this.events.push({ kind: 'fail', text });
  }
  warn(text: string): void {
    this.events.push({ kind: 'warn', text });
  }
  info(text: string): void {
    this.events.push({ kind: 'info', text });
  }
  stop(): void {
    this.events.push({ kind: 'stop', text: '' });
  }
}
