/** What an attempt tries to reach (DESIGN §3). */

/** How a workload is enrolled in a service mesh. */
export type MeshEnrolment = 'sidecar' | 'ambient' | 'none' | 'unknown';

/** Effective mTLS mode of a workload port, as derived from mesh objects. */
export type MtlsMode = 'strict' | 'permissive' | 'disable' | 'not-meshed' | 'unknown';

/** Which mesh, if any, governs a workload. */
export type MeshKind = 'istio' | 'linkerd' | 'none' | 'unknown';

/** One port of a target. `port` is what the attempt connects to. */
export interface TargetPort {
  readonly port: number;
  readonly name?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly appProtocol?: string;
  /** Effective mTLS mode for this port (port-level overrides applied). */
  readonly mtls: MtlsMode;
  /** A mesh by-design plaintext port (15020/15021/15090, 4191) or an excluded port. */
  readonly meshBypass?: string;
  /**
   * Set on ports the listener sweep found (not in the pod's containerPorts): `declared` when a
   * Service targets it, `undeclared` when nothing declares it (itself a finding for 1.2.5/2.2.4).
   */
  readonly discovered?: 'declared' | 'undeclared';
}

/** Kubernetes-ish reference to what is targeted. */
export interface TargetRef {
  readonly kind: 'Service' | 'Pod' | 'Node' | 'Endpoint' | 'Canary' | 'ApiServer';
  readonly namespace: string;
  readonly name: string;
  /**
   * Pod targets: the workload that owns the pod (Deployment/StatefulSet/DaemonSet/Job name, or the
   * pod's own name when bare). Reasons name the workload, not a pod name that changes per rollout.
   */
  readonly workload?: string;
}

/** The name reasons use: a Pod target's workload, else the ref's name. */
export function refName(ref: TargetRef): string {
  return ref.kind === 'Pod' && ref.workload !== undefined && ref.workload !== '' ? ref.workload : ref.name;
}

/** A reachable thing with its ports and mesh facts. */
export interface Target {
  readonly ref: TargetRef;
  /** IP address or DNS name the agent connects to. */
  readonly address: string;
  readonly ports: readonly TargetPort[];
  readonly mesh: MeshKind;
  readonly enrolment: MeshEnrolment;
  /** True when the target's namespace matches the CDE scope. */
  readonly inScope: boolean;
  /** Workload name for reasons (Deployment/StatefulSet owner or pod name). */
  readonly workload: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Text key of a target inside one run: "Service/ns/name", "Pod/ns/<pod name>". Discovery and the
 * listener sweep key pod facts by it (a sweep found listeners on that very pod).
 */
export function targetKey(ref: TargetRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/**
 * Key of a target that survives a rollout, for attempt ids and every report surface (diff rows,
 * certificate sightings, not-run rows): a Pod target by its workload ("Pod/payments/api"), the pod
 * name staying in the evidence as supporting detail; every other target as {@link targetKey}.
 * Discovery keeps one Pod target per (namespace, workload), so the key stays unique in a run.
 */
export function workloadKey(ref: TargetRef): string {
  return ref.kind === 'Pod' ? `Pod/${ref.namespace}/${refName(ref)}` : targetKey(ref);
}

/** How reasons name a place one connected to: "egress-lock-api/api port 8080", "198.51.100.7:443", "node n1 port 10250". */
export function referenceName(ref: TargetRef, port: number): string {
  switch (ref.kind) {
    case 'Endpoint':
      return ref.name.endsWith(`:${port}`) ? ref.name : `${ref.name} port ${port}`;
    case 'Node':
      return `node ${ref.name} port ${port}`;
    case 'ApiServer':
      return `the Kubernetes API server port ${port}`;
    case 'Canary':
      return `the canary echo pod in ${ref.namespace} port ${port}`;
    case 'Service':
    case 'Pod':
      return `${ref.namespace}/${refName(ref)} port ${port}`;
    default: {
      const never: never = ref.kind;
      return String(never);
    }
  }
}
