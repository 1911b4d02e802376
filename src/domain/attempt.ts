import { hash } from 'node:crypto';
import type { HttpRequest, SweepRequest, Technique, TlsRequest, UdpRequest } from '../../probes/protocol.js';
import { targetKey, workloadKey, type TargetRef } from './target.js';
import { vantageId, type Vantage } from './vantage.js';

/**
 * Why an attempt exists in a batch:
 * - probe: the attack-like attempt a control judges
 * - canary: the batch's reference attempt to the run's own echo pod (proves the pod's egress works)
 * - control: an attempt from a source that policy should allow, to the same target and port
 */
export type AttemptRole = 'probe' | 'canary' | 'control';

/** ONE connection: probe × vantage × target × port, with a stable id. */
export interface Attempt {
  readonly id: string;
  readonly probeId: string;
  readonly role: AttemptRole;
  readonly vantage: Vantage;
  readonly target: TargetRef;
  readonly address: string;
  readonly port: number;
  readonly technique: Technique;
  readonly timeoutMs: number;
  readonly tls?: TlsRequest;
  readonly http?: HttpRequest;
  /** For technique `udp`: the request sent (a known protocol's payload, or echo). */
  readonly udp?: UdpRequest;
  readonly dnsName?: string;
  /**
   * Phase 2: the id of the L4 attempt (same vantage, target and port) that must complete TCP
   * before this application attempt is made; absent for phase-1 attempts.
   */
  readonly after?: string;
  /** A listener sweep (technique `sweep`, port 0): the ports tried and the ports the pod declares. */
  readonly sweep?: SweepRequest & { readonly declared: readonly number[] };
}

/**
 * The path a control attempt vouches for: "Pod/ns/name:8080", plus "/udp" for UDP. A UDP control
 * path (a reply from an allowed source) says nothing about TCP on the same number, nor the reverse.
 */
export function pathKey(a: Pick<Attempt, 'target' | 'port' | 'technique'>): string {
  const key = `${targetKey(a.target)}:${a.port}`;
  return a.technique === 'udp' ? `${key}/udp` : key;
}

/**
 * Why an attempt was not made, for coverage (evaluate/coverage.ts):
 * - inapplicable: the probe does not apply to that target port (not a gap in coverage)
 * - no-vantage: it applies, but no pod could be placed where it must come from
 * - left-out: an option left it out (--no-nodes)
 * Absent (older reports, attempts planned elsewhere) counts as a gap, never as inapplicable.
 */
type NotRunCause = 'inapplicable' | 'no-vantage' | 'left-out';

/** An attempt the plan chose not to make, with the reason (reported, never dropped). */
export interface NotRunAttempt {
  readonly probeId: string;
  readonly vantage: Vantage;
  readonly target: TargetRef;
  readonly port?: number;
  readonly reason: string;
  readonly cause?: NotRunCause;
}

/**
 * Stable attempt id: the first 16 hex chars of sha256(probe | vantage | target | port), the target by
 * its workload key, so an attempt keeps its id across a rollout that renames the pod.
 */
export function attemptId(parts: {
  readonly probeId: string;
  readonly vantage: Vantage;
  readonly target: TargetRef;
  readonly port: number;
}): string {
  const text = [parts.probeId, vantageId(parts.vantage), workloadKey(parts.target), String(parts.port)].join('|');
  // toString of the first 8 bytes, not hex(...).slice(0, 16): a slice keeps its 64-character
  // parent alive, and a run holds one id per attempt until the report is written.
  // One-shot hash: no Hash object per attempt (a plan makes one id per attempt, 100 000 at scale).
  return hash('sha256', text, 'buffer').toString('hex', 0, 8);
}
