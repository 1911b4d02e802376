/**
 * Attempts and observations for control tests that mix TCP and UDP (inbound UDP, tenants over
 * UDP): an attempt is UDP when its probe id is one of `udpProbes`, and a UDP observation carries
 * the datagram counts the classifier reads.
 */
import { buildEvidence } from '../../src/classify/evidence.js';
import { attemptId, type Attempt } from '../../src/domain/attempt.js';
import type { Observation } from '../../src/domain/observation.js';
import type { TargetRef } from '../../src/domain/target.js';
import { vantageId, type Vantage } from '../../src/domain/vantage.js';

export type Transport = Observation['transport'];

/** Makes attempts whose technique follows the probe id (UDP for `udpProbes`, else TCP). */
export function attemptMaker(udpProbes: ReadonlySet<string>) {
  return (probeId: string, role: Attempt['role'], vantage: Vantage, target: TargetRef, port: number): Attempt => {
    const udp = udpProbes.has(probeId);
    return {
      id: attemptId({ probeId, vantage, target, port }),
      probeId,
      role,
      vantage,
      target,
      address: '198.19.0.7',
      port,
      technique: udp ? 'udp' : 'tcp',
      timeoutMs: 2000,
      ...(udp ? { udp: { payload: 'echo' as const } } : {}),
    };
  };
}

/** What the agent reports for `a` with this transport ('connected' on UDP: one reply of 7 bytes). */
function seen(a: Attempt, transport: Transport): Observation {
  return {
    v: 1,
    attemptId: a.id,
    startedAt: '2026-12-04T05:00:00.000Z',
    durationMs: 3,
    transport,
    bytesReceived: transport === 'connected' && a.technique === 'udp' ? 7 : 0,
    ...(a.technique === 'udp'
      ? { udp: { payload: 'echo' as const, sent: 1, replies: transport === 'connected' ? 1 : 0 } }
      : {}),
  };
}

/** Evidence for (attempt, transport) pairs, with unmeshed self-checks for the given vantages. */
export function evidenceFrom(vantages: readonly Vantage[], pairs: readonly (readonly [Attempt, Transport])[]) {
  const selfChecks = new Map(
    vantages.map((v) => [vantageId(v), { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' }]),
  );
  return buildEvidence({
    attempts: pairs.map(([a]) => a),
    observations: pairs.map(([a, tr]) => seen(a, tr)),
    selfChecks,
  });
}
