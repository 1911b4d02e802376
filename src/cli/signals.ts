/**
 * SIGINT/SIGTERM → AbortSignal. The first signal aborts the run so cleanup can happen;
 * a second one exits at once (130) and says how to clean up by hand.
 */
export interface SignalScope {
  /** Aborted on the first SIGINT/SIGTERM; `reason` is the signal name. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  received(): NodeJS.Signals | undefined;
  /** Text printed if a second signal forces an immediate exit (e.g. the cleanup command). */
  setForcedExitHint(text: string): void;
  /** Remove the handlers (call when the command is done). */
  dispose(): void;
}

/** What the signal scope needs from the process (injectable for tests). */
export interface SignalHost {
  on(event: NodeJS.Signals, listener: () => void): unknown;
  off(event: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): never;
  writeErr(text: string): void;
}

const HANDLED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Install handlers for SIGINT and SIGTERM. */
export function installSignalScope(host: SignalHost = processHost()): SignalScope {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let hint = '';
  const listeners = new Map<NodeJS.Signals, () => void>();
  for (const sig of HANDLED) {
    const listener = (): void => {
      if (received !== undefined) {
        host.writeErr(
          `\nmeshprobe: received ${sig} again; exiting now without waiting for cleanup.${hint ? `\n${hint}` : ''}\n`,
        );
        host.exit(130);
      }
      received = sig;
      host.writeErr(`\nmeshprobe: received ${sig}; cleaning up (press Ctrl-C again to exit at once).\n`);
      controller.abort(sig);
    };
    listeners.set(sig, listener);
    host.on(sig, listener);
  }
  return {
    signal: controller.signal,
    received: () => received,
    setForcedExitHint: (text) => {
      hint = text;
    },
    dispose: () => {
      for (const [sig, l] of listeners) host.off(sig, l);
    },
  };
}

function processHost(): SignalHost {
  return {
    on: (e, l) => process.on(e, l),
    off: (e, l) => process.off(e, l),
    exit: (code) => process.exit(code),
    writeErr: (t) => void process.stderr.write(t),
  };
}
