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
import { workloadOwner } from './workload.js';

/**
 * Labels a controller writes on its pods (never part of a workload's identity): copying them
 * would let the probe pod match one ReplicaSet/StatefulSet/Job of the workload exactly.
 */
const CONTROLLER_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'job-name',
  'controller-uid',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-completion-index',
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
   * Labels left off the probe pod so that no Service of the namespace selects it (and no
   * EndpointSlice lists it, even as not ready): keys a Service selector uses and no
   * NetworkPolicy selector does.
   */
  readonly withheld: readonly string[];
  /**
   * Why no identity vantage is made for this workload: a Service selects it only by labels that
   * NetworkPolicies also use, so the probe pod would be listed in that Service's EndpointSlices.
   */
  readonly unsafe?: string;
}

/** Pod labels without controller-generated ones, sorted by key. */
function identityLabels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const kept = Object.entries(labels).filter(([k]) => !CONTROLLER_LABELS.has(k));
  return Object.fromEntries(kept.sort(([a], [b]) => a.localeCompare(b)));
}

/** "ns/policy" of CDE NetworkPolicies whose ingress admits `peer` but not an unlabelled pod of its namespace. */
function admittingPolicies(policies: readonly KubeObject[], cde: ReadonlySet<string>, peer: PolicyPeer): string[] {
  const unlabelled: PolicyPeer = { ...peer, podLabels: runLabels('plan', 'probe') };
  return policies
    .filter((p) => cde.has(namespaceOf(p)))
    .filter((p) =>
      arrayField(p.spec, 'ingress').some((rule) =>
        arrayField(rule, 'from').some(
          (from) =>
            ingressPeerAdmits(from, namespaceOf(p), peer) && !ingressPeerAdmits(from, namespaceOf(p), unlabelled),
        ),
      ),
    )
    .map((p) => `${namespaceOf(p)}/${nameOf(p)}`)
    .sort();
}

/**
 * Label keys that decide how NetworkPolicy treats a pod of `namespace` as a source: every ingress
 * peer podSelector (any namespace's policy may admit it) and the podSelector of the policies of
 * its own namespace (they select it for their egress rules). Egress peers and other namespaces'
 * podSelectors only pick destinations, which a probe pod never is.
 */
export function policyLabelKeys(policies: readonly KubeObject[], namespace: string): ReadonlySet<string> {
  const keys = new Set<string>();
  const add = (sel: unknown): void => {
    const ml = field(sel, 'matchLabels');
    if (typeof ml === 'object' && ml !== null) for (const k of Object.keys(ml)) keys.add(k);
    for (const e of arrayField(sel, 'matchExpressions')) {
      const key = field(e, 'key');
      if (typeof key === 'string') keys.add(key);
    }
  };
  for (const p of policies) {
    if (namespaceOf(p) === namespace) add(field(p.spec, 'podSelector'));
    for (const rule of arrayField(p.spec, 'ingress')) {
      for (const peer of arrayField(rule, 'from')) add(field(peer, 'podSelector'));
    }
  }
  return keys;
}

/**
 * Labels to carry so that no Service of the namespace selects the probe pod: for each Service
 * whose selector matches, one selector key that no policy uses is withheld. A never-Ready pod is
 * still listed (ready=false) in EndpointSlices, which scrapers and some proxies read; staying out
 * of every selector keeps it out of them. When a Service selects only by policy-used keys, the
 * workload is not impersonated (unsafe).
 */
function withholdForServices(
  labels: Readonly<Record<string, string>>,
  services: readonly KubeObject[],
  namespace: string,
  policyKeys: ReadonlySet<string>,
): { labels: Readonly<Record<string, string>>; withheld: readonly string[]; unsafe?: string } {
  const kept: Record<string, string> = { ...labels };
  const withheld: string[] = [];
  for (const svc of services.filter((x) => namespaceOf(x) === namespace)) {
    const selector = field(svc.spec, 'selector');
    const empty = typeof selector !== 'object' || selector === null || Object.keys(selector).length === 0;
    if (empty || !matchesLabelMap(selector, kept)) continue;
    const free = Object.keys(selector)
      .filter((k) => !policyKeys.has(k))
      .sort()[0];
    if (free === undefined) {
      const unsafe =
        `Service ${namespace}/${nameOf(svc)} selects this workload only by labels NetworkPolicies use, ` +
        'so a probe pod carrying them would be listed in its EndpointSlices';
      return { labels: kept, withheld, unsafe };
    }
    delete kept[free];
    withheld.push(free);
  }
  return { labels: kept, withheld: withheld.sort() };
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
  const keysByNamespace = new Map<string, ReadonlySet<string>>();
  for (const pod of [...input.pods].sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
    const namespace = namespaceOf(pod);
    if (!hostable.has(namespace) || field(pod.spec, 'hostNetwork') === true) continue;
    const owner = workloadOwner(pod);
    const key = `${namespace}/${owner.name}`;
    if (seen.has(key)) continue;
    const policyKeys = keysByNamespace.get(namespace) ?? policyLabelKeys(input.networkPolicies, namespace);
    keysByNamespace.set(namespace, policyKeys);
    const own = identityLabels(labelsOf(pod));
    const { labels, withheld, unsafe } = withholdForServices(own, input.services, namespace, policyKeys);
    const nsLabels = namespaceLabels(input.namespaces, namespace);
    const peer: PolicyPeer = { namespace, namespaceLabels: nsLabels, podLabels: labels };
    seen.set(key, {
      namespace,
      workload: owner.name,
      ownerKind: owner.kind,
      serviceAccount: stringField(pod.spec, 'serviceAccountName') ?? 'default',
      labels,
      withheld,
      enrolment: enrolmentOf(pod).enrolment,
      admittedBy: admittingPolicies(input.networkPolicies, cde, peer),
      ...(unsafe !== undefined ? { unsafe } : {}),
    });
  }
  return [...seen.values()].sort((a, b) =>
    `${a.namespace}/${a.workload}`.localeCompare(`${b.namespace}/${b.workload}`),
  );
}
