/**
 * Split a vantage's attempts into pod-sized batches (pure). A batch travels in a ConfigMap,
 * whose data is limited to 1 MiB; batches are kept well under it (and under an attempt
 * count that one agent finishes in reasonable time).
 */
import { PROTOCOL_VERSION, type AttemptBatch, type AttemptSpec } from '../../probes/protocol.js';
import type { Attempt } from '../domain/attempt.js';

/** The ConfigMap data limit (apiserver rejects more). */
export const CONFIGMAP_LIMIT_BYTES = 1_048_576;
/** Our per-batch budget: a quarter of the limit leaves room for metadata and safety. */
export const MAX_BATCH_BYTES = 256 * 1024;
/** At most this many attempts per pod. */
const MAX_ATTEMPTS_PER_BATCH = 1500;

/** The wire spec of an attempt (what the agent needs, nothing else). */
export function toSpec(a: Attempt): AttemptSpec {
  return {
    id: a.id,
    technique: a.technique,
    host: a.address,
    port: a.port,
    timeoutMs: a.timeoutMs,
    ...(a.tls ? { tls: a.tls } : {}),
    ...(a.http ? { http: a.http } : {}),
    ...(a.udp ? { udp: a.udp } : {}),
    ...(a.dnsName ? { dnsName: a.dnsName } : {}),
    ...(a.after ? { after: a.after } : {}),
    // The agent needs what to try, not what the pod declares.
    ...(a.sweep
      ? {
          sweep: { ports: a.sweep.ports, concurrency: a.sweep.concurrency, connectTimeoutMs: a.sweep.connectTimeoutMs },
        }
      : {}),
  };
}

/**
 * Ids of the TCP reference attempts (role canary: the echo canary first, then planned references)
 * among a vantage's `attempts` that travel in `chunk`: what the agent prefers beside timeout retries.
 */
export function referenceIdsOf(attempts: readonly Attempt[], chunk: readonly AttemptSpec[]): string[] {
  const refs = attempts.filter((a) => a.role === 'canary' && (a.technique === 'tcp' || a.technique === 'http'));
  if (refs.length === 0) return [];
  const inChunk = new Set(chunk.map((s) => s.id));
  return refs
    .filter((a) => inChunk.has(a.id))
    .sort((a, b) => Number(b.target.kind === 'Canary') - Number(a.target.kind === 'Canary'))
    .map((a) => a.id);
}

/** UTF-8 size of a value as JSON. */
export function jsonBytes(value: unknown): number {
  // Counted, not encoded: no byte array per spec.
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * Attempts the agent's memory gate always lets into flight (probes/agent/main.ts); above this,
 * how many run at once follows the agent's memory, so a deadline counts waves of this size.
 */
const AGENT_MIN_IN_FLIGHT = 64;

/** Timing of one batch. */
export interface BatchTiming {
  readonly concurrency: number;
  readonly attemptTimeoutMs: number;
  /** Cap from the whole-run --timeout. */
  readonly maxDeadlineMs: number;
  /** The policy-ready point (--policy-settle), ms after the agent starts; 0 for the host vantage. */
  readonly policyReadyMs?: number;
  /** A deadline computed by the caller (listener sweeps, whose attempts carry their own budgets). */
  readonly fixedDeadlineMs?: number;
  /** Tries of a timed-out TCP attempt in all (AttemptBatch.timeoutRetry); absent or 1: no retries. */
  readonly timeoutTries?: number;
}

/**
 * Tries of a timed-out TCP attempt (probes/agent/timeout-retry.ts): the first, one retry round
 * after the pass, and a third only where the second round was not quiet (an unsteady path).
 */
export const TIMEOUT_TRIES = 3;

/**
 * Budget for a batch: waves of `concurrency` attempts, each up to twice the attempt timeout
 * (connect + read), plus start-up. Phase-2 attempts (`phase2` of the `count`) start only after
 * phase 1, so they are their own waves. With a policy-ready point, the attempts decided before it
 * are made again after it: at worst every wave twice, after the point. With timeout retries, at
 * worst every attempt timed out and is tried again in every round: a wave of one timeout each.
 */
export function batchDeadlineMs(count: number, t: BatchTiming, phase2 = 0): number {
  const inFlight = Math.max(1, Math.min(t.concurrency, AGENT_MIN_IN_FLIGHT));
  const waves = Math.max(1, Math.ceil((count - phase2) / inFlight)) + Math.ceil(phase2 / inFlight);
  const ready = t.policyReadyMs ?? 0;
  const retries = Math.max(0, (t.timeoutTries ?? 1) - 1) * (waves + 1) * t.attemptTimeoutMs;
  return Math.min(t.maxDeadlineMs, ready + (ready > 0 ? 2 : 1) * waves * t.attemptTimeoutMs * 2 + retries + 5000);
}

/**
 * Units that must share a batch: each phase-2 spec joins the unit of its `after` attempt (the
 * agent runs it only after that attempt, in the same pod). Units keep the order of their first spec.
 */
function batchUnits(specs: readonly AttemptSpec[]): AttemptSpec[][] {
  const units: AttemptSpec[][] = [];
  const unitOf = new Map<string, AttemptSpec[]>();
  for (const spec of specs) {
    const joined = spec.after === undefined ? undefined : unitOf.get(spec.after);
    if (joined) {
      joined.push(spec);
      continue;
    }
    const unit = [spec];
    units.push(unit);
    unitOf.set(spec.id, unit);
  }
  // A phase-2 spec listed before its prerequisite: move it into the prerequisite's unit.
  return units.filter((unit) => {
    const head = unit[0] as AttemptSpec;
    const owner = head.after === undefined ? undefined : unitOf.get(head.after);
    if (owner === undefined || owner === unit) return true;
    owner.push(...unit);
    return false;
  });
}

/**
 * Chunks of specs, each within the byte and count limits (an over-large single unit is its own chunk).
 * A phase-2 spec is never cut from its prerequisite (batchUnits).
 */
export function chunkSpecs(
  specs: readonly AttemptSpec[],
  maxBytes = MAX_BATCH_BYTES,
  maxCount = MAX_ATTEMPTS_PER_BATCH,
): AttemptSpec[][] {
  const chunks: AttemptSpec[][] = [];
  const overhead = 256; // envelope: v, runId, podName, concurrency, deadline
  let current: AttemptSpec[] = [];
  let bytes = overhead;
  const hasPhase2 = specs.some((s) => s.after !== undefined);
  for (const unit of hasPhase2 ? batchUnits(specs) : specs.map((s) => [s])) {
    let size = 0;
    for (const spec of unit) size += jsonBytes(spec) + 1;
    if (current.length > 0 && (bytes + size > maxBytes || current.length + unit.length > maxCount)) {
      chunks.push(current);
      current = [];
      bytes = overhead;
    }
    current.push(...unit);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The agent batch for one pod. `referenceIds` (with `t.timeoutTries`): the batch's attempts the agent
 * prefers as the reference beside timeout retries, first preferred (the echo canary, then planned references).
 */
export function makeBatch(
  runId: string,
  podName: string,
  specs: readonly AttemptSpec[],
  t: BatchTiming,
  referenceIds: readonly string[] = [],
): AttemptBatch {
  let phase2 = 0;
  for (const s of specs) if (s.after !== undefined) phase2 += 1;
  const deadlineMs =
    t.fixedDeadlineMs !== undefined
      ? Math.min(t.maxDeadlineMs, t.fixedDeadlineMs)
      : batchDeadlineMs(specs.length, t, phase2);
  // The point never lies past half the budget (a tiny --timeout still leaves time to repeat).
  const policyReadyMs = Math.min(t.policyReadyMs ?? 0, Math.floor(deadlineMs / 2));
  return {
    v: PROTOCOL_VERSION,
    runId,
    podName,
    concurrency: t.concurrency,
    deadlineMs,
    ...(policyReadyMs > 0 ? { policyReadyMs } : {}),
    ...((t.timeoutTries ?? 1) > 1
      ? { timeoutRetry: { maxTries: t.timeoutTries ?? 1, ...(referenceIds.length > 0 ? { referenceIds } : {}) } }
      : {}),
    attempts: specs,
  };
}
