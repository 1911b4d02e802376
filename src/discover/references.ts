/**
 * What the planner needs to pick, per vantage namespace, a reference the policy lets a probe pod
 * reach when the run's own echo pod is not one (pure): the NetworkPolicies, namespace labels, and
 * candidate endpoints with the pod behind each — the cluster DNS Service (TCP 53) and every
 * Service of the run's namespaces that has a running pod behind it. Only candidates; whether a
 * vantage may reach one is decided by the planner (plan/references.ts), and only a connection
 * actually seen at run time proves anything (classify/proof.ts).
 */
import type { KubeObject } from '../cluster/ports.js';
import type { Target, TargetPort } from '../domain/target.js';
import type { PolicyPeer } from './policy.js';
import { matchesLabelMap } from './selector.js';
import { arrayField, field, labelsOf, nameOf, namespaceOf, stringField, type ClusterSnapshot } from './snapshot.js';

/** One endpoint a probe pod could connect to as its reference, with the pod policy sees behind it. */
export interface ReferenceCandidate {
  /** cluster-dns: the cluster's DNS Service; workload: a Service of a namespace in the run. */
  readonly via: 'cluster-dns' | 'workload';
  readonly target: Target;
  readonly port: TargetPort;
  /** The backing pod as NetworkPolicy sees it (namespace labels filled in by the planner). */
  readonly dest: Omit<PolicyPeer, 'namespaceLabels'>;
  /** The pod port behind the Service port, and its name (policies may name ports). */
  readonly podPort: number;
  readonly podPortName?: string;
}

/** Policy facts and reference candidates, as the inventory carries them. */
export interface ReferenceFacts {
  readonly policies: readonly KubeObject[];
  readonly namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly candidates: readonly ReferenceCandidate[];
}

/** The backing pod and pod port of a Service port (the resolver targets.ts already has). */
export type BackingOf = (
  t: Target,
  port: number,
) => { readonly pod: KubeObject; readonly port: number; readonly name?: string } | undefined;

/** Label every DNS Service of kube-dns and CoreDNS installs carries. */
const DNS_LABEL = 'k8s-app';
const DNS_VALUE = 'kube-dns';

function dnsCandidates(snapshot: ClusterSnapshot): ReferenceCandidate[] {
  return snapshot.services.flatMap((svc) => {
    const ip = stringField(svc.spec, 'clusterIP');
    const selector = field(svc.spec, 'selector');
    if (labelsOf(svc)[DNS_LABEL] !== DNS_VALUE || ip === undefined || ip === 'None' || selector === undefined) {
      return [];
    }
    const sp = arrayField(svc.spec, 'ports').find(
      (p) => field(p, 'port') === 53 && (field(p, 'protocol') ?? 'TCP') === 'TCP',
    );
    const pod = snapshot.pods.find(
      (p) =>
        namespaceOf(p) === namespaceOf(svc) &&
        stringField(p.status, 'phase') === 'Running' &&
        matchesLabelMap(selector, labelsOf(p)),
    );
    if (sp === undefined || pod === undefined) return [];
    const tp = field(sp, 'targetPort');
    const name = stringField(sp, 'name');
    const target: Target = {
      ref: { kind: 'Service', namespace: namespaceOf(svc), name: nameOf(svc) },
      address: ip,
      ports: [{ port: 53, protocol: 'TCP', mtls: 'not-meshed', ...(name ? { name } : {}) }],
      mesh: 'none',
      enrolment: 'none',
      inScope: false,
      workload: nameOf(svc),
      labels: labelsOf(svc),
    };
    return [
      {
        via: 'cluster-dns' as const,
        target,
        port: target.ports[0] as TargetPort,
        dest: { namespace: namespaceOf(pod), podLabels: labelsOf(pod) },
        podPort: typeof tp === 'number' ? tp : 53,
        ...(typeof tp === 'string' ? { podPortName: tp } : {}),
      },
    ];
  });
}

function workloadCandidates(targets: readonly Target[], backingOf: BackingOf): ReferenceCandidate[] {
  return targets.flatMap((t) => {
    if (t.ref.kind !== 'Service') return [];
    return t.ports.flatMap((port) => {
      const behind = port.protocol === 'TCP' ? backingOf(t, port.port) : undefined;
      if (behind === undefined) return [];
      return [
        {
          via: 'workload' as const,
          target: t,
          port,
          dest: { namespace: t.ref.namespace, podLabels: labelsOf(behind.pod) },
          podPort: behind.port,
          ...(behind.name !== undefined ? { podPortName: behind.name } : {}),
        },
      ];
    });
  });
}

/** Candidates in the order the planner prefers them: cluster DNS, then Services outside the CDE, then the rest. */
export function referenceFacts(
  snapshot: ClusterSnapshot,
  targets: readonly Target[],
  backingOf: BackingOf,
): ReferenceFacts {
  const namespaceLabels: Record<string, Readonly<Record<string, string>>> = {};
  for (const n of snapshot.namespaces) namespaceLabels[nameOf(n)] = labelsOf(n);
  const rank = (c: ReferenceCandidate): number => (c.via === 'cluster-dns' ? 0 : c.target.inScope ? 2 : 1);
  const candidates = [...dnsCandidates(snapshot), ...workloadCandidates(targets, backingOf)].sort(
    (a, b) => rank(a) - rank(b),
  );
  return { policies: snapshot.networkPolicies, namespaceLabels, candidates };
}
