/**
 * What a pod's status says, as a small decision (pure): keep waiting, done, or a failure
 * with a stable code and the kubelet's/scheduler's own words (MESH-NOTES §F, issue 6).
 */
import type { KubeObject } from '../cluster/ports.js';

/** One look at a pod. */
export type PodState =
  | { readonly kind: 'waiting'; readonly why: string }
  | { readonly kind: 'running'; readonly ready: boolean }
  | { readonly kind: 'finished'; readonly succeeded: boolean; readonly why: string }
  | { readonly kind: 'image-pull'; readonly image: string; readonly why: string }
  | { readonly kind: 'unschedulable'; readonly why: string }
  | { readonly kind: 'broken'; readonly why: string }
  | { readonly kind: 'gone' };

const IMAGE_PULL: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
]);
const BROKEN: ReadonlySet<string> = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
]);

interface ContainerStatus {
  readonly image?: string;
  readonly ready?: boolean;
  readonly state?: {
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly terminated?: { readonly reason?: string; readonly exitCode?: number; readonly message?: string };
  };
}

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

function text(reason: string | undefined, message: string | undefined): string {
  return [reason, message].filter((x) => x !== undefined && x !== '').join(': ');
}

/** Classify a pod read from the API. */
export function podState(pod: KubeObject | undefined): PodState {
  if (pod === undefined) return { kind: 'gone' };
  const status = (pod.status ?? {}) as {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: ContainerStatus[];
    conditions?: Condition[];
  };
  const image = (pod.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image ?? '';
  const cs = status.containerStatuses ?? [];
  for (const c of cs) {
    const w = c.state?.waiting;
    if (w?.reason !== undefined && IMAGE_PULL.has(w.reason))
      return { kind: 'image-pull', image: c.image ?? image, why: text(w.reason, w.message) };
    if (w?.reason !== undefined && BROKEN.has(w.reason)) return { kind: 'broken', why: text(w.reason, w.message) };
  }
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    const t = cs[0]?.state?.terminated;
    return {
      kind: 'finished',
      succeeded: status.phase === 'Succeeded',
      why: text(status.reason ?? t?.reason, status.message ?? t?.message) || status.phase,
    };
  }
  if (status.phase === 'Running') return { kind: 'running', ready: cs.length > 0 && cs.every((c) => c.ready === true) };
  const scheduled = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return { kind: 'unschedulable', why: text(scheduled.reason, scheduled.message) || 'not scheduled' };
  const waiting = cs[0]?.state?.waiting;
  return { kind: 'waiting', why: text(waiting?.reason, waiting?.message) || status.phase || 'Pending' };
}
