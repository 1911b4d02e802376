/**
 * Which connection proves a probe pod works (pure). A timeout means "blocked" only if the pod
 * that saw it is known to reach *something*; where the run's echo canary is itself blocked (a
 * default-deny egress policy), any other attempt of the same pod that completed TCP serves.
 *
 * The ordering trap: a policy engine that has not programmed a new pod yet lets everything
 * through (or, in some engines, nothing), so a connection made before the policy applied says
 * nothing about the pod after it, nor the reverse. Each pod's agent reports the point from which
 * its connections count (DoneLine.policyReadyAt: --policy-settle after the agent starts; earlier results are repeated after it). A
 * connection counts as proof only if it started at or after that point, and a timeout can be
 * proven only if it did too; proof and timeout thus share one window, [settledAt, end of the
 * batch], in one pod, in one run. A pod whose settle point is unknown proves nothing this way.
 */
import { TCP_COMPLETED } from '../../probes/protocol.js';
import type { Attempt } from '../domain/attempt.js';
import type { Observation } from '../domain/observation.js';
import type { Proof } from '../domain/outcome.js';
import { referenceName } from '../domain/target.js';

/** One probe pod's batch as collected: which attempts it ran and from when its connections count. */
export interface BatchWindow {
  /** "namespace/name" of the pod. */
  readonly pod: string;
  readonly attemptIds: readonly string[];
  /** DoneLine.settledAt of the pod; undefined when the agent did not report it. */
  readonly settledAt?: string;
}

/** Per attempt: whether it started after its pod's settle point, and the pod's proof connection. */
export interface PodProof {
  readonly afterSettle: boolean;
  readonly proof?: Proof;
}

/** True when TCP completed, whatever came after (data, silence, a reset or a close). */
export function tcpCompleted(o: Observation): boolean {
  if (o.http !== undefined || o.tls?.handshake === true) return true;
  return TCP_COMPLETED.has(o.transport);
}

/** Preference among proof connections: the echo canary, then a planned reference, a control path, any probe. */
function rank(a: Attempt): number {
  if (a.role === 'canary') return a.target.kind === 'Canary' ? 0 : 1;
  return a.role === 'control' ? 2 : 3;
}

/**
 * A timeout the agent kept although it started before the point: the agent repeats every
 * early result except a TCP timeout whose last SYN left at or after the point (so a SYN was
 * dropped by an engine that knew the pod; probes/agent/repeat.ts). Such a timeout is in the window.
 */
function standingTimeout(o: Observation): boolean {
  return o.transport === 'timeout' && o.repeated === undefined;
}

/** Start time in ms, or NaN when the observation's timestamp is not a date (then it never counts). */
function startOf(o: Observation): number {
  return Date.parse(o.startedAt);
}

/** The best proof connection of one pod, or undefined. */
function bestProof(
  w: BatchWindow,
  from: number,
  attempts: ReadonlyMap<string, Attempt>,
  observed: ReadonlyMap<string, Observation>,
): Proof | undefined {
  let best: Attempt | undefined;
  for (const id of w.attemptIds) {
    const a = attempts.get(id);
    const o = observed.get(id);
    // A UDP reply is no TCP connection: only TCP proves a pod for TCP timeouts.
    if (a === undefined || o === undefined || a.technique === 'udp' || !tcpCompleted(o)) continue;
    if (!(startOf(o) >= from)) continue;
    if (best === undefined || rank(a) < rank(best)) best = a;
  }
  return best === undefined ? undefined : { attemptId: best.id, reference: referenceName(best.target, best.port) };
}

/**
 * For every attempt of a pod with a known settle point: whether it started after that point, and
 * the pod's proof connection (shared by all its attempts; an attempt never proves itself, since a
 * timeout did not complete TCP). Attempts of pods without a settle point are absent.
 */
export function podProofs(
  windows: readonly BatchWindow[],
  attempts: ReadonlyMap<string, Attempt>,
  observed: ReadonlyMap<string, Observation>,
): Map<string, PodProof> {
  const out = new Map<string, PodProof>();
  for (const w of windows) {
    if (w.settledAt === undefined) continue;
    const from = Date.parse(w.settledAt);
    if (Number.isNaN(from)) continue;
    const proof = bestProof(w, from, attempts, observed);
    const after: PodProof = proof === undefined ? { afterSettle: true } : { afterSettle: true, proof };
    const before: PodProof = { afterSettle: false };
    for (const id of w.attemptIds) {
      const o = observed.get(id);
      if (o !== undefined) out.set(id, startOf(o) >= from || standingTimeout(o) ? after : before);
    }
  }
  return out;
}
