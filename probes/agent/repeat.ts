/**
 * Which attempts are made again after the pod's policy-ready point (AttemptBatch.policyReadyMs).
 * Pure.
 *
 * A NetworkPolicy engine learns a new pod from the API some time after the pod starts
 * (kube-network-policies: when the kubelet has written the pod's IP, its informer sees it
 * and the nftables set of policed pods is re-synced). Until then the engine can decide the
 * pod's traffic wrongly in both directions: egress it should block passes (the pod is not yet
 * in the set of policed pods: the false 1.3.2 FAIL seen on the lab), and ingress a rule should
 * admit by namespace or pod selector is dropped (the source address matches no known pod).
 * So a result decided before the point is not evidence. Deciding moments:
 * - anything that got an answer from the network (connected, reset, eof, silent, refused,
 *   unreachable, a DNS answer or failure) was decided when its first packets passed, right
 *   after the attempt started: repeat it when it started before the point;
 * - a TCP `timeout` means every SYN was dropped. Linux sends the SYN at 0 s and retransmits
 *   it 1, 3, 7, 15 … s later (initial RTO 1 s, doubling); if the last SYN of the attempt
 *   left at or after the point, the engine dropped a SYN it judged knowing the pod, and the
 *   timeout stands. Otherwise every SYN was judged too early: repeat it;
 * - an agent-error was never decided by the network: keep it;
 * - a sweep is many short connects spread over its run: repeat it when it started before the point;
 * - a UDP silence stands when its second send left after the point.
 */
import type { AttemptSpec, TransportResult } from '../protocol.js';

/** Offsets of Linux's SYN (re)transmissions after connect(), in ms (tcp_syn_retries 6, RTO from 1 s). */
const SYN_OFFSETS_MS: readonly number[] = [0, 1000, 3000, 7000, 15_000, 31_000, 63_000];

/** When, after the attempt started, its last SYN left, for an attempt that timed out after `timeoutMs`. */
export function lastSynOffsetMs(timeoutMs: number): number {
  let last = 0;
  for (const offset of SYN_OFFSETS_MS) if (offset < timeoutMs) last = offset;
  return last;
}

/**
 * True when a result may have been decided before the policy-ready point and the attempt
 * must be made again after it. `startMs` and `readyMs` are on one monotonic clock.
 */
export function needsRepeat(
  spec: Pick<AttemptSpec, 'technique' | 'timeoutMs'>,
  transport: TransportResult,
  startMs: number,
  readyMs: number,
): boolean {
  if (startMs >= readyMs || transport === 'agent-error') return false;
  // A sweep's timeout is many 1 s connects, not one with SYN retransmits up to its (120 s) budget:
  // its ports answered or were dropped as it went, so a sweep begun before the point is repeated
  // whatever it saw (one on the lab found nothing open from a pod the engine did not know yet).
  if (spec.technique === 'sweep') return true;
  // UDP sends its request at 0 and once more at half the timeout (techniques/udp.ts).
  if (transport === 'timeout' && spec.technique === 'udp') return startMs + spec.timeoutMs / 2 < readyMs;
  if (transport === 'timeout' && spec.technique !== 'dns') return startMs + lastSynOffsetMs(spec.timeoutMs) < readyMs;
  return true;
}
