/**
 * Attempts + observations + agent self-checks → Evidence (pure). Each attempt is classified
 * with its batch context: the canary of the same vantage, any other connection of the same pod
 * after its settle point (proof.ts), and the control attempts to the same target and port.
 * Observations are redacted before they enter Evidence.
 */
import { pathKey, type Attempt } from '../domain/attempt.js';
import type { Evidence } from '../domain/evidence.js';
import type { Observation, SelfCheck } from '../domain/observation.js';
import type { Outcome } from '../domain/outcome.js';
import { referenceName } from '../domain/target.js';
import { vantageId } from '../domain/vantage.js';
import { redactObservation } from '../shared/redact.js';
import { fingerprintOfPem } from '../crypto/certificate.js';
import { type ClassifyContext, classify } from './classify.js';
import { Interner } from '../shared/interner.js';
import { podProofs, type BatchWindow, type PodProof } from './proof.js';

/** What buildEvidence needs. `selfChecks` is keyed by vantage id; a vantage without one makes its attempts inconclusive. */
export interface EvidenceInput {
  readonly attempts: readonly Attempt[];
  readonly observations: readonly Observation[];
  readonly selfChecks: ReadonlyMap<string, SelfCheck>;
  /**
   * The probe pods' batches with their settle points. Without them only the canary proves a pod
   * (as before settle points existed); with them, any connection of the same pod after its settle
   * point does, and attempts before it prove and are proven by nothing.
   */
  readonly batches?: readonly BatchWindow[];
  /**
   * Vantage id → why a pod serving it was captured by a mesh, read from the pod's spec after
   * admission (run/mesh-capture.ts). Every attempt of such a vantage is inconclusive (probe-meshed).
   */
  readonly captures?: ReadonlyMap<string, string>;
}

/** True when a canary/control observation proves the path works (connected and, for HTTP, answered below 500). */
function pathWorked(o: Observation | undefined): boolean {
  if (o === undefined) return false;
  if (o.http !== undefined) return o.http.status < 500;
  if (o.udp !== undefined) return o.transport === 'connected';
  return o.transport === 'connected' || o.transport === 'silent';
}

/**
 * True when TCP completed and the far side then reset or closed: something listens on the port and
 * the network lets the control vantage through (e.g. plaintext into STRICT mTLS), which is all a
 * control path must show for a refusal elsewhere to be a block rather than an empty port.
 */
function reachedListener(o: Observation | undefined): boolean {
  return o !== undefined && (o.transport === 'reset' || o.transport === 'eof');
}

function captureOf(input: EvidenceInput, a: Attempt): { probeCapture?: string } {
  const why = input.captures?.get(vantageId(a.vantage));
  return why === undefined ? {} : { probeCapture: why };
}

/** Build the classification context of every attempt. */
function contexts(input: EvidenceInput, byId: ReadonlyMap<string, Observation>): (a: Attempt) => ClassifyContext {
  const canary = new Map<string, boolean>();
  // Kept apart: a TCP canary proves nothing about the pod's UDP, nor the other way round.
  const udpCanary = new Map<string, boolean>();
  const control = new Map<string, boolean>();
  const attemptById = new Map(input.attempts.map((a) => [a.id, a]));
  const proofs: ReadonlyMap<string, PodProof> =
    input.batches === undefined ? new Map() : podProofs(input.batches, attemptById, byId);
  // The reference beside a retried timeout's last try, named as reasons name it.
  const referenceOf = (id: string): { name: string; canary: boolean } | undefined => {
    const a = attemptById.get(id);
    return a === undefined ? undefined : { name: referenceName(a.target, a.port), canary: a.target.kind === 'Canary' };
  };
  for (const a of input.attempts) {
    const worked = pathWorked(byId.get(a.id));
    // Only the echo pod is "the canary"; a planned reference (role canary, another target) proves through proof.ts.
    // A canary that ran before its pod's settle point proves nothing about the pod afterwards.
    // Kept apart: a TCP canary proves nothing about the pod's UDP, nor the other way round.
    if (a.role === 'canary' && a.target.kind === 'Canary') {
      const canaries = a.technique === 'udp' ? udpCanary : canary;
      const counts = worked && proofs.get(a.id)?.afterSettle !== false;
      canaries.set(vantageId(a.vantage), (canaries.get(vantageId(a.vantage)) ?? false) || counts);
    }
    if (a.role === 'control')
      control.set(pathKey(a), (control.get(pathKey(a)) ?? false) || worked || reachedListener(byId.get(a.id)));
  }
  return (a) => {
    const pod = proofs.get(a.id);
    return {
      canaryOk: a.role === 'canary' ? undefined : canary.get(vantageId(a.vantage)),
      udpCanaryOk: a.role === 'canary' ? undefined : udpCanary.get(vantageId(a.vantage)),
      controlPathOk: a.role === 'probe' ? control.get(pathKey(a)) : undefined,
      // No self-check (no done line): unknown, never assumed unmeshed.
      probeMeshed: input.selfChecks.get(vantageId(a.vantage))?.meshed,
      ...captureOf(input, a),
      ...(pod !== undefined ? { afterSettle: pod.afterSettle } : {}),
      ...(pod?.proof !== undefined ? { proof: pod.proof } : {}),
      referenceOf,
    };
  };
}

/** The evidence of an attempt that presented no certificate (shared: evidence is read-only). */
const NO_CERTIFICATES: readonly string[] = Object.freeze([]);

/**
 * Classify every attempt and assemble its Evidence, sorted by id. Equal outcomes share one
 * object (shared/interner.ts): the run keeps all of it until the report. The sentence `why` is
 * not stored: it is built when evidence is written (domain/evidence.ts, evidenceRecord).
 */
export function buildEvidence(input: EvidenceInput): Evidence[] {
  const byId = new Map(input.observations.map((o) => [o.attemptId, o]));
  const ctxOf = contexts(input, byId);
  const outcomes = new Interner<Outcome>((o) => JSON.stringify(o));
  return input.attempts
    .map((attempt): Evidence => {
      // Classify the redacted observation, so outcome details (and reasons built from them) hold nothing redaction removes.
      const raw = byId.get(attempt.id);
      const observation = raw === undefined ? undefined : redactObservation(raw);
      const outcome = outcomes.intern(classify(attempt, observation, ctxOf(attempt)));
      const chain = observation?.tls?.peerChainPem ?? [];
      const certificates = chain.length === 0 ? NO_CERTIFICATES : chain.map((pem) => fingerprintOfPem(pem));
      return {
        id: attempt.id,
        attempt,
        ...(observation !== undefined ? { observation } : {}),
        outcome,
        certificates,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
