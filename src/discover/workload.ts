/**
 * Which workload a pod belongs to (pure): the one rule targets and identity vantages share, so a
 * workload has one name in every report surface.
 */
import type { KubeObject } from '../cluster/ports.js';
import { labelsOf, nameOf } from './snapshot.js';

/** A pod's workload: the kind of object that names it and its name. */
export interface WorkloadOwner {
  /** "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet" (a bare one), "Job", "Pod" (no owner), ... */
  readonly kind: string;
  readonly name: string;
}

/**
 * The workload of a pod: its controlling owner (else its first owner, else the pod itself); a
 * ReplicaSet made by a Deployment is named `<deployment>-<pod-template-hash>` and its pods carry
 * that hash as a label, so only then is the suffix cut off to name the Deployment. A bare
 * ReplicaSet ("web-cache") keeps its whole name: guessing a hash from the name's shape would
 * rename it ("web") and could merge two workloads under one key.
 */
export function workloadOwner(pod: KubeObject): WorkloadOwner {
  const owners = pod.metadata?.ownerReferences;
  const owner = owners?.find((o) => o.controller === true) ?? owners?.[0];
  if (!owner) return { kind: 'Pod', name: nameOf(pod) };
  const hash = labelsOf(pod)['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash !== undefined && hash !== '' && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind, name: owner.name };
}
