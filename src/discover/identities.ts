/**
 * Workload identities (pure, issue 16): for every workload of a namespace that may host probe
 * pods, the network identity a probe pod would need to be treated as that workload — its pod
 * labels minus the ones controllers generate, its ServiceAccount — and which NetworkPolicies
 * of CDE namespaces admit it by pod label (while an unlabelled pod of the same namespace is
 * not admitted). Planning picks identity vantages from this list.
 */
import { runLabels } from '../cluster/labels.js';
import type { KubeObject } from '../cluster/ports.js';
import type { MeshEnrolment } from '../domain/target.js';
import { enrolmentOf } from './mesh.js';
import { mayHostProbePods, type NamespaceFacts } from './namespaces.js';
import { ingressPeerAdmits, namespaceLabels, type PolicyPeer } from './policy.js';
import { matchesLabelMap } from './selector.js';
import { arrayField, field, labelsOf, nameOf, namespaceOf, stringField } from './snapshot.js';

/**
 * Labels a controller writes on its pods (never part of a workload's identity): copying them
 * would let the probe pod match one ReplicaSet/StatefulSet/Job of the workload exactly.
 */
export const CONTROLLER_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash', 'controller-revision-hash', 'pod-template-generation',
  'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index',
  'job-name', 'controller-uid', 'batch.kubernetes.io/job-name', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-completion-index',
]);

/** One workload's identity as a probe pod would carry it. */
export interface WorkloadIdentity {
  readonly namespace: string;
  /** Deployment/StatefulSet/DaemonSet (or bare ReplicaSet/pod) name, as targets name workloads. */
  readonly workload: string;
  /** Kind of the owner that names the workload ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", ...). */
  readonly ownerKind: string;
  readonly serviceAccount: string;
  /** Pod labels minus CONTROLLER_LABELS, sorted by key. */
  readonly labels: Readonly<Record<string, string>>;
  readonly enrolment: MeshEnrolment;
  /** "ns/policy" of CDE NetworkPolicies that admit this workload by pod label and not an unlabelled pod. */
  readonly admittedBy: readonly string[];
  /**
   * A Service of the namespace that publishes not-ready addresses selects these labels: a
   * never-Ready probe pod would still be routed to, so no identity vantage is made.
   */
  readonly unsafe?: string;
}

/** Pod labels without controller-generated ones, sorted by key. */
export function identityLabels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !CONTROLLER_LABELS.has(k)).sort(([a], [b]) => a.localeCompare(b)));
}

/** Owner kind and workload name of a pod (ReplicaSet of a Deployment → Deployment). */
export function ownerOf(pod: KubeObject): { readonly kind: string; readonly name: string } {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return { kind: 'Pod', name: nameOf(pod) };
  const hash = labelsOf(pod)['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash !== undefined && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind, name: owner.name };
}

/** "ns/policy" of CDE-namespace NetworkPolicies whose ingress admits `peer` but not an unlabelled pod of its namespace. */
function admittingPolicies(policies: readonly KubeObject[], cde: ReadonlySet<string>, peer: PolicyPeer): string[] {
  const unlabelled: PolicyPeer = { ...peer, podLabels: runLabels('plan', 'probe') };
  return policies
    .filter((p) => cde.has(namespaceOf(p)))
    .filter((p) => arrayField(p.spec, 'ingress').some((rule) => arrayField(rule, 'from').some(
      (from) => ingressPeerAdmits(from, namespaceOf(p), peer) && !ingressPeerAdmits(from, namespaceOf(p), unlabelled),
    )))
    .map((p) => `${namespaceOf(p)}/${nameOf(p)}`)
    .sort();
}

/** Why an identity pod would be routed to despite never being Ready, or undefined. */
function notReadyPublished(services: readonly KubeObject[], namespace: string, labels: Readonly<Record<string, string>>): string | undefined {
  const svc = services.find((s) => namespaceOf(s) === namespace && field(s.spec, 'publishNotReadyAddresses') === true &&
    field(s.spec, 'selector') !== undefined && matchesLabelMap(field(s.spec, 'selector'), labels));
  return svc === undefined ? undefined
    : `Service ${namespace}/${nameOf(svc)} publishes not-ready addresses and selects these labels, so a probe pod carrying them could receive traffic`;
}

/** What identities() reads. */
export interface IdentityInput {
  readonly pods: readonly KubeObject[];
  readonly services: readonly KubeObject[];
  readonly namespaces: readonly KubeObject[];
  readonly networkPolicies: readonly KubeObject[];
  readonly facts: readonly NamespaceFacts[];
}

/** One identity per workload of a namespace that may host probe pods (first pod by name), sorted by ns/workload. */
export function workloadIdentities(input: IdentityInput): readonly WorkloadIdentity[] {
  const hostable = new Set(input.facts.filter(mayHostProbePods).map((n) => n.name));
  const cde = new Set(input.facts.filter((n) => n.inScope).map((n) => n.name));
  const seen = new Map<string, WorkloadIdentity>();
  for (const pod of [...input.pods].sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
    const namespace = namespaceOf(pod);
    if (!hostable.has(namespace) || field(pod.spec, 'hostNetwork') === true) continue;
    const owner = ownerOf(pod);
    const key = `${namespace}/${owner.name}`;
    if (seen.has(key)) continue;
    const labels = identityLabels(labelsOf(pod));
    const peer: PolicyPeer = { namespace, namespaceLabels: namespaceLabels(input.namespaces, namespace), podLabels: labels };
    const unsafe = notReadyPublished(input.services, namespace, labels);
    seen.set(key, {
      namespace, workload: owner.name, ownerKind: owner.kind,
      serviceAccount: stringField(pod.spec, 'serviceAccountName') ?? 'default',
      labels, enrolment: enrolmentOf(pod).enrolment,
      admittedBy: admittingPolicies(input.networkPolicies, cde, peer),
      ...(unsafe !== undefined ? { unsafe } : {}),
    });
  }
  return [...seen.values()].sort((a, b) => `${a.namespace}/${a.workload}`.localeCompare(`${b.namespace}/${b.workload}`));
}
