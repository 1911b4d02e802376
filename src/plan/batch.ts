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
export const MAX_ATTEMPTS_PER_BATCH = 1500;

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
  };
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
export const AGENT_MIN_IN_FLIGHT = 64;

/** Timing of one batch. */
export interface BatchTiming {
  readonly concurrency: number;
  readonly attemptTimeoutMs: number;
  /** Cap from the whole-run --timeout. */
  readonly maxDeadlineMs: number;
  /** The policy-ready point (--policy-settle), ms after the agent starts; 0 for the host vantage. */
  readonly policyReadyMs?: number;
}

/**
 * Budget for a batch: waves of `concurrency` attempts, each up to twice the attempt timeout
 * (connect + read), plus start-up. With a policy-ready point, the attempts decided before it
 * are made again after it: at worst every wave twice, after the point.
 */
export function batchDeadlineMs(count: number, t: BatchTiming): number {
  const inFlight = Math.max(1, Math.min(t.concurrency, AGENT_MIN_IN_FLIGHT));
  const waves = Math.max(1, Math.ceil(count / inFlight));
  const ready = t.policyReadyMs ?? 0;
  return Math.min(t.maxDeadlineMs, ready + (ready > 0 ? 2 : 1) * waves * t.attemptTimeoutMs * 2 + 5000);
}

/** Chunks of specs, each within the byte and count limits (an over-large single spec is its own chunk). */
export function chunkSpecs(specs: readonly AttemptSpec[], maxBytes = MAX_BATCH_BYTES, maxCount = MAX_ATTEMPTS_PER_BATCH): AttemptSpec[][] {
  const chunks: AttemptSpec[][] = [];
  const overhead = 256; // envelope: v, runId, podName, concurrency, deadline
  let current: AttemptSpec[] = [];
  let bytes = overhead;
  for (const spec of specs) {
    const size = jsonBytes(spec) + 1;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxCount)) {
      chunks.push(current);
      current = [];
      bytes = overhead;
    }
    current.push(spec);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The agent batch for one pod. */
export function makeBatch(runId: string, podName: string, specs: readonly AttemptSpec[], t: BatchTiming): AttemptBatch {
  const deadlineMs = batchDeadlineMs(specs.length, t);
  // The point never lies past half the budget (a tiny --timeout still leaves time to repeat).
  const policyReadyMs = Math.min(t.policyReadyMs ?? 0, Math.floor(deadlineMs / 2));
  return {
    v: PROTOCOL_VERSION, runId, podName, concurrency: t.concurrency, deadlineMs,
    ...(policyReadyMs > 0 ? { policyReadyMs } : {}),
    attempts: specs,
  };
}
