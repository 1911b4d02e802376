/**
 * `work`, or a rejection with the signal's reason once the signal aborts, whichever comes first.
 * Used where a call that was handed the signal may still not honour it in time (a hung delete
 * during cleanup, a response body that trickles in past its deadline).
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // Nobody waits for `work` any more: its late rejection must not become an unhandled one.
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** Wait `ms`, or reject with the signal's reason when it aborts first (no signal: just wait). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return (signal === undefined ? wait : raceAbort(wait, signal)).finally(() => clearTimeout(timer));
}
