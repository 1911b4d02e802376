/**
 * The reference each probe pod vantage connects to so that a timeout elsewhere in its batch can
 * count as "blocked" (pure). Normally the run's echo pod (the canary). Where the NetworkPolicies
 * the plan knows deny the echo pod to a vantage (e.g. a CDE namespace with default-deny egress),
 * the plan picks an endpoint the policy allows instead: the cluster DNS Service, else a Service of
 * the run's namespaces, outside the CDE first. The choice is a plan; only a connection seen at
 * run time proves anything (classify/proof.ts), and any connection of the same pod serves.
 */
import { runLabels } from '../cluster/labels.js';
import { referenceName, type Target, type TargetPort } from '../domain/target.js';
import type { Vantage } from '../domain/vantage.js';
import { policyAllows, type PolicyPeer } from '../discover/policy.js';
import type { ReferenceCandidate, ReferenceFacts } from '../discover/references.js';
import { ECHO_PORT } from './echo-server.js';
import { ECHO_NAME, MESH_OPT_OUT_LABELS, namespaceManifest } from './pods.js';

/** Which reference a vantage uses, and why. */
export type ReferenceChoice =
  | { readonly kind: 'echo'; readonly why: string }
  | {
      readonly kind: 'cluster-dns' | 'policy-allowed';
      readonly target: Target;
      readonly port: TargetPort;
      readonly why: string;
    }
  | { readonly kind: 'none'; readonly why: string };

/** One vantage's reference as the plan reports it (`meshprobe plan`, plan JSON). */
export interface VantageReference {
  readonly vantageId: string;
  readonly kind: ReferenceChoice['kind'];
  /** "the canary echo pod in meshprobe-…", "kube-system/kube-dns port 53", or "none". */
  readonly reference: string;
  readonly why: string;
}

function sourcePeer(namespace: string, facts: ReferenceFacts): PolicyPeer {
  // The labels a probe pod carries that policies could select on (as the control-path planner assumes).
  return { namespace, namespaceLabels: facts.namespaceLabels[namespace] ?? {}, podLabels: runLabels('plan', 'probe') };
}

function echoPeer(runId: string, probeNamespace: string): PolicyPeer {
  const labels = namespaceManifest(runId).metadata?.labels ?? {};
  const podLabels = { ...runLabels(runId, 'echo'), ...MESH_OPT_OUT_LABELS };
  return { namespace: probeNamespace, namespaceLabels: labels, podLabels };
}

function allows(facts: ReferenceFacts, source: PolicyPeer, c: ReferenceCandidate): boolean {
  const dest = { ...c.dest, namespaceLabels: facts.namespaceLabels[c.dest.namespace] ?? {} };
  return policyAllows(facts.policies, source, dest, c.podPort, c.podPortName);
}

/** The reference of one pod vantage. The probe namespace is fresh and policy-free: always the echo pod. */
export function chooseReference(
  v: Vantage,
  facts: ReferenceFacts | undefined,
  runId: string,
  probeNamespace: string,
): ReferenceChoice {
  if (v.kind !== 'same-namespace' && v.kind !== 'from-namespace') {
    return { kind: 'echo', why: 'the probe namespace has no NetworkPolicy' };
  }
  if (facts === undefined) return { kind: 'echo', why: 'no NetworkPolicy facts were read' };
  const source = sourcePeer(v.namespace, facts);
  if (policyAllows(facts.policies, source, echoPeer(runId, probeNamespace), ECHO_PORT, 'echo')) {
    return { kind: 'echo', why: `the NetworkPolicies of ${v.namespace} allow it` };
  }
  const denied = `the NetworkPolicies of ${v.namespace} deny the echo pod`;
  const pick = facts.candidates.find((c) => allows(facts, source, c));
  if (pick === undefined) {
    const why =
      `${denied} and allow no candidate the plan knows (cluster DNS, Services of this run); ` +
      'a timeout needs another connection of the same pod';
    return { kind: 'none', why };
  }
  const kind = pick.via === 'cluster-dns' ? 'cluster-dns' : 'policy-allowed';
  const what = pick.via === 'cluster-dns' ? 'the cluster DNS Service' : 'this Service';
  return { kind, target: pick.target, port: pick.port, why: `${denied}; ${what} is allowed` };
}

/** The plan's line for a vantage. */
export function describeReference(
  vantageId: string,
  choice: ReferenceChoice,
  probeNamespace: string,
): VantageReference {
  const reference =
    choice.kind === 'echo'
      ? referenceName({ kind: 'Canary', namespace: probeNamespace, name: ECHO_NAME }, ECHO_PORT)
      : choice.kind === 'none'
        ? 'none'
        : referenceName(choice.target.ref, choice.port.port);
  return { vantageId, kind: choice.kind, reference, why: choice.why };
}
