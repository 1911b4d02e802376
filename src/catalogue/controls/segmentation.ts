/**
 * Shared judging of segmentation attempts (1.3.1, 1.3.2, 11.4.5/11.4.6, A1.1.x): one finding per
 * attempt, naming the layer that stopped it. Only a block before TCP completed (L3/L4) holds: a
 * reset or close after connect may come from the workload, so it stays inconclusive.
 */
import type { Evidence } from '../../domain/evidence.js';
import { attemptFinding, type Finding, finding, inconclusiveReason } from './judge-kit.js';

/** Source namespace of an attempt, or the vantage id when it is not a namespace. */
export function sourceOf(e: Evidence): string {
  const v = e.attempt.vantage;
  return v.kind === 'from-namespace' || v.kind === 'same-namespace' || v.kind === 'identity' ? v.namespace : v.kind;
}

/**
 * One segmentation finding. `breach` completes the failure sentence, e.g.
 * "inbound traffic to the CDE is not limited to what is necessary".
 */
export function segmentationFinding(e: Evidence, breach: string): Finding {
  // Attempt findings: the sentence ("<said(e)>: <claim>.") is built when a reporter reads it.
  const o = e.outcome;
  if (o.kind === 'allowed') return attemptFinding('fails', e, breach);
  if (o.kind === 'blocked' && ['refused', 'timeout', 'unreachable'].includes(o.by)) {
    return attemptFinding('holds', e, e.attempt.technique === 'udp' ? BLOCKED_UDP : BLOCKED_TCP);
  }
  if (o.kind === 'blocked') {
    // A reset or close after TCP completed can be the workload rejecting the probe's bytes
    // (MESH-NOTES §0: "could be the app"), so it is never counted as segmentation holding.
    return attemptFinding('inconclusive', e, CLOSED_AFTER_CONNECT);
  }
  if (e.observation?.transport === 'silent') return attemptFinding('inconclusive', e, SILENT);
  return finding('inconclusive', inconclusiveReason(e, 'segmentation on this path'), e);
}

const BLOCKED_TCP = 'blocked at L3/L4 before TCP completed';
const BLOCKED_UDP = 'blocked at L3/L4 (UDP)';
const CLOSED_AFTER_CONNECT =
  'TCP was reachable (L4 open) and then the connection was closed, which the mesh or the workload itself may ' +
  'have done, so nothing shows that segmentation stops this path; an assessor may treat L4 reachability as connected-to';
const SILENT =
  'TCP completed (L4 reachable) but nothing answered the bytes the probe sent, so whether anything beyond L4 ' +
  'stops it is unknown';
