/**
 * Kubernetes NetworkPolicy reasoning, pure and deliberately conservative: does policy allow
 * a fresh probe pod in the target's own namespace to reach a target pod port? Used to plan
 * control-path attempts (MESH-NOTES §D.4); "not sure" means no control path is planned.
 */
import type { KubeObject } from '../cluster/ports.js';
import { matchesLabelSelector } from './selector.js';
import { arrayField, field, labelsOf, namespaceOf } from './snapshot.js';

/** One side of a connection as NetworkPolicy sees it. */
export interface PolicyPeer {
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
}

function types(policy: KubeObject): readonly string[] {
  const t = arrayField(policy.spec, 'policyTypes').map(String);
  if (t.length > 0) return t;
  return field(policy.spec, 'egress') === undefined ? ['Ingress'] : ['Ingress', 'Egress'];
}

function selects(policy: KubeObject, pod: PolicyPeer, type: 'Ingress' | 'Egress'): boolean {
  return (
    namespaceOf(policy) === pod.namespace &&
    types(policy).includes(type) &&
    matchesLabelSelector(field(policy.spec, 'podSelector'), pod.podLabels)
  );
}

/** A rule peer (podSelector / namespaceSelector; ipBlock never counts as a pod match). */
function peerMatches(peer: unknown, policyNamespace: string, other: PolicyPeer): boolean {
  const podSel = field(peer, 'podSelector');
  const nsSel = field(peer, 'namespaceSelector');
  if (podSel === undefined && nsSel === undefined) return false;
  const nsOk =
    nsSel === undefined
      ? other.namespace === policyNamespace
      : matchesLabelSelector(nsSel, { ...other.namespaceLabels, 'kubernetes.io/metadata.name': other.namespace });
  return nsOk && (podSel === undefined || matchesLabelSelector(podSel, other.podLabels));
}

/** Whether one ingress `from` peer of a policy in `policyNamespace` admits `other` (identity vantages, issue 16). */
export function ingressPeerAdmits(peer: unknown, policyNamespace: string, other: PolicyPeer): boolean {
  return peerMatches(peer, policyNamespace, other);
}

/** Transport protocol of a port, as NetworkPolicy and Kubernetes ports spell it. */
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

function portMatches(rule: unknown, port: number, portName: string | undefined, protocol: PortProtocol): boolean {
  const ports = arrayField(rule, 'ports');
  if (ports.length === 0) return true;
  return ports.some((p) => {
    const proto = field(p, 'protocol') ?? 'TCP';
    const v = field(p, 'port');
    const end = field(p, 'endPort');
    if (proto !== protocol) return false;
    if (v === undefined) return true;
    if (typeof v === 'number') return typeof end === 'number' ? port >= v && port <= end : v === port;
    return portName !== undefined && v === portName;
  });
}

function ruleAllows(
  rule: unknown,
  key: 'from' | 'to',
  policyNs: string,
  other: PolicyPeer,
  port: number,
  portName: string | undefined,
  protocol: PortProtocol,
): boolean {
  const peers = arrayField(rule, key);
  const peerOk = field(rule, key) === undefined || peers.some((p) => peerMatches(p, policyNs, other));
  return peerOk && portMatches(rule, port, portName, protocol);
}

/**
 * Whether policy allows `source` → `dest`:port over `protocol` (ingress on dest and egress on
 * source). A rule's port entry counts only for its own protocol (TCP when unset), as Kubernetes
 * enforces it: a UDP port is not reached through a TCP rule, nor the other way round.
 */
export function policyAllows(
  policies: readonly KubeObject[],
  source: PolicyPeer,
  dest: PolicyPeer,
  port: number,
  portName?: string,
  protocol: PortProtocol = 'TCP',
): boolean {
  const ingress = policies.filter((p) => selects(p, dest, 'Ingress'));
  const ingressOk =
    ingress.length === 0 ||
    ingress.some((p) =>
      arrayField(p.spec, 'ingress').some((r) =>
        ruleAllows(r, 'from', namespaceOf(p), source, port, portName, protocol),
      ),
    );
  const egress = policies.filter((p) => selects(p, source, 'Egress'));
  const egressOk =
    egress.length === 0 ||
    egress.some((p) =>
      arrayField(p.spec, 'egress').some((r) => ruleAllows(r, 'to', namespaceOf(p), dest, port, portName, protocol)),
    );
  return ingressOk && egressOk;
}

/** Count of NetworkPolicies per namespace. */
export function policiesPerNamespace(policies: readonly KubeObject[]): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  for (const p of policies) counts.set(namespaceOf(p), (counts.get(namespaceOf(p)) ?? 0) + 1);
  return counts;
}

/** Labels of a namespace object by name. */
export function namespaceLabels(namespaces: readonly KubeObject[], name: string): Readonly<Record<string, string>> {
  return labelsOf(namespaces.find((n) => n.metadata?.name === name));
}
