/**
 * When a TCP timeout that the agent tried again (ObservationLine.retried) may count as a drop
 * (pure). A loaded node, CNI or agent times out connections that policy allows (issue 20: 21
 * such attempts at load 44), and a reference that connected at some other moment of the batch
 * says nothing about the moment of the timeout. So a timeout counts only when:
 * - it was tried at least twice, on fresh sockets, and timed out every time;
 * - the reference connection of the same pod, made beside the last try (same round), completed
 *   TCP, and started no further from the last try than one attempt timeout;
 * - the round of the last try was quiet: no other timed-out attempt of the pod got an answer in it.
 * Anything else is "couldn't tell": inconclusive, never blocked.
 */
import { TCP_COMPLETED, type RetryFacts } from '../../probes/protocol.js';
import type { Observation } from '../domain/observation.js';

/** Whether a retried timeout is a drop, and the sentence saying what backs that or why not. */
export type TimeoutCheck =
  | { readonly kind: 'confirmed'; readonly tries: number; readonly referenceId: string; readonly detail: string }
  | { readonly kind: 'unconfirmed'; readonly detail: string };

/** The fewest tries that can confirm a timeout. */
export const MIN_TRIES = 2;

/** "12:03:04.512 UTC" of an ISO timestamp, or the text itself when it is not one. */
function clock(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(11, 23)} UTC`;
}

/** True when the reference started within one attempt timeout of the last try's span. */
function timeLocal(o: Pick<Observation, 'startedAt' | 'durationMs'>, refStart: string, timeoutMs: number): boolean {
  const last = Date.parse(o.startedAt);
  const ref = Date.parse(refStart);
  if (Number.isNaN(last) || Number.isNaN(ref)) return false;
  return ref >= last - timeoutMs && ref <= last + o.durationMs + timeoutMs;
}

/**
 * Judge a timed-out observation carrying `retried`. `timeoutMs` is the attempt's timeout;
 * `nameOf` names the reference attempt ("egress-lock-api/api port 8080") for the sentence.
 */
export function checkTimeout(
  o: Pick<Observation, 'startedAt' | 'durationMs'> & { readonly retried: RetryFacts },
  timeoutMs: number,
  nameOf: (attemptId: string) => string,
): TimeoutCheck {
  const { tries, reference, quiet } = o.retried;
  const none = (detail: string): TimeoutCheck => ({ kind: 'unconfirmed', detail });
  if (tries < MIN_TRIES) {
    return none('no TCP connection before the timeout, tried once: no second try fitted before the batch deadline');
  }
  const all = `no TCP connection on any of ${tries} tries (the last at ${clock(o.startedAt)})`;
  if (reference === undefined) {
    return none(`${all}, and no connection of the same pod ran beside them (nothing it tried connected)`);
  }
  const ref = nameOf(reference.attemptId);
  if (!TCP_COMPLETED.has(reference.transport)) {
    const why = 'so the probe pod, its node or the network may be overloaded or broken';
    return none(
      `${all}, and the reference connection to ${ref} beside the last try got ${reference.transport} too, ${why}`,
    );
  }
  if (!timeLocal(o, reference.startedAt, timeoutMs)) {
    return none(`${all}, but the reference connection to ${ref} ran too far from the last try to vouch for it`);
  }
  if (quiet !== true) {
    const why =
      'other timed-out attempts of the same pod got an answer in the round of the last try (an unsteady path)';
    return none(`${all}, but ${why}`);
  }
  return {
    kind: 'confirmed',
    tries,
    referenceId: reference.attemptId,
    detail: `${all} while the same pod connected to ${ref} beside the last try`,
  };
}
