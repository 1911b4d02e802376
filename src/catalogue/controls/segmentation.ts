/**
 * Shared judging of segmentation attempts (1.3.1, 1.3.2, 11.4.5/11.4.6, A1.1.x): one finding per
 * attempt, naming the layer that stopped it. Only a block before TCP completed (L3/L4) holds: a
 * reset or close after connect may come from the workload, so it stays inconclusive.
 */
import type { Evidence } from '../../domain/evidence.js';
import { type Finding, finding, inconclusiveReason, said } from './judge-kit.js';

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
  const o = e.outcome;
  const subject = `${said(e)}`;
  if (o.kind === 'allowed') return finding('fails', `${subject}: ${breach}.`, e);
  if (o.kind === 'blocked' && ['refused', 'timeout', 'unreachable'].includes(o.by)) {
    const where = e.attempt.technique === 'udp' ? '(UDP)' : 'before TCP completed';
    return finding('holds', `${subject}: blocked at L3/L4 ${where}.`, e);
  }
  if (o.kind === 'blocked') {
    // A reset or close after TCP completed can be the workload rejecting the probe's bytes
    // (MESH-NOTES §0: "could be the app"), so it is never counted as segmentation holding.
    return finding(
      'inconclusive',
      `${subject}: TCP was reachable (L4 open) and then the connection was closed, which the mesh or the workload itself may have done, so nothing shows that segmentation stops this path; an assessor may treat L4 reachability as connected-to.`,
      e,
    );
  }
  if (e.observation?.transport === 'silent') {
    return finding(
      'inconclusive',
      `${subject}: TCP completed (L4 reachable) but nothing answered the bytes the probe sent, so whether anything beyond L4 stops it is unknown.`,
      e,
    );
  }
  return finding('inconclusive', inconclusiveReason(e, 'segmentation on this path'), e);
}
