/**
 * Inventory from a ClusterSnapshot (pure): one Pod target per workload (a representative
 * pod), one Service target per ClusterIP Service, the API server, nodes (kubelet ports),
 * and user-named endpoints; each port with its mesh facts; plus the control-path facts the
 * planner needs.
 */
import { runLabels } from '../cluster/labels.js';
import type { KubeObject } from '../cluster/ports.js';
import type { InventorySummary } from '../domain/inventory.js';
import { targetKey, type Target, type TargetPort, type TargetRef } from '../domain/target.js';
import { KNOWN_UDP_PORTS } from '../catalogue/probes/port-kind.js';
import { declaredPorts } from './declared-ports.js';
import { enrolmentOf, meshPortsOf, type WorkloadPort } from './mesh.js';
import { namespaceFacts, type NamespaceFacts, type ScopeOptions } from './namespaces.js';
import { namespaceLabels, policiesPerNamespace, policyAllows } from './policy.js';
import { referenceFacts, type ReferenceFacts } from './references.js';
import { matchesLabelMap } from './selector.js';
import { workloadIdentities, type WorkloadIdentity } from './identities.js';
import { tenantLabelAdmissions } from './tenant-peers.js';
import { workloadOwner } from './workload.js';
import { arrayField, field, labelsOf, nameOf, namespaceOf, stringField, type ClusterSnapshot } from './snapshot.js';

/** What discovery hands to planning. */
export interface DiscoveredInventory {
  readonly summary: InventorySummary;
  readonly targets: readonly Target[];
  readonly namespaces: readonly NamespaceFacts[];
  /**
   * controlPathKey (`${targetKey}|${port}`, plus `/UDP` for a UDP port) → true when a fresh pod in the
   * target's namespace is allowed by policy (control path).
   */
  readonly sameNamespaceAllowed: Readonly<Record<string, boolean>>;
  /** Policies and candidates for a reference the policy allows where the echo pod is not one; absent = unknown. */
  readonly references?: ReferenceFacts;
  /** Workload identities of namespaces that may host probe pods (identity vantages, issue 16). */
  readonly identities?: readonly WorkloadIdentity[];
  /**
   * CDE Pod target key → the ports something declares for it (any container's containerPorts, the
   * targetPorts of Services selecting it, the mesh proxy's own ports): a listener outside this list
   * is undeclared (issue 13).
   */
  readonly declaredPorts?: Readonly<Record<string, readonly number[]>>;
  /** Tenant policy rules that admit another tenant's pods by label (A1.1.2; discover/tenant-peers.ts). */
  readonly tenantLabelAdmissions?: readonly string[];
  /** CDE workloads on their node's network, which are not targets (hostNetworkWorkloads). */
  readonly hostNetworkCde?: readonly string[];
  /** The same in --tenant namespaces (A1.1.2). */
  readonly hostNetworkTenants?: readonly string[];
}

/** What discovery already knows will keep controls inconclusive, whatever the run sees. */
export interface KnownGaps {
  readonly tenantLabelAdmissions: readonly string[];
  readonly hostNetworkCde: readonly string[];
  readonly hostNetworkTenants: readonly string[];
}

/** The known gaps of an inventory (empty where discovery found none, or never ran): for the judges and `meshprobe plan`. */
export function knownGaps(inventory: Partial<KnownGaps> | undefined): KnownGaps {
  return {
    tenantLabelAdmissions: inventory?.tenantLabelAdmissions ?? [],
    hostNetworkCde: inventory?.hostNetworkCde ?? [],
    hostNetworkTenants: inventory?.hostNetworkTenants ?? [],
  };
}

/** Listeners the sweep found: Pod target key ("Pod/ns/name") → open ports. */
export type FoundListeners = ReadonlyMap<string, readonly number[]>;

/** Label that tells user-named endpoints apart: egress (1.3.2) or untrusted path (4.2.1). */
export const ENDPOINT_ROLE_LABEL = 'meshprobe.io/endpoint';

function protocolOf(v: unknown): 'TCP' | 'UDP' | 'SCTP' {
  return v === 'UDP' || v === 'SCTP' ? v : 'TCP';
}

/** Mesh proxy containers: their ports are the mesh's own (added by mesh.ts), not the workload's. */
const PROXY_CONTAINERS: ReadonlySet<string> = new Set(['istio-proxy', 'linkerd-proxy']);

/** Container ports of a pod as workload ports (deduplicated by number, proxy containers skipped). */
function containerPorts(pod: KubeObject): readonly WorkloadPort[] {
  // One entry per port and protocol: a DNS pod declares 53/TCP and 53/UDP, and both are probed.
  const seen = new Map<string, WorkloadPort>();
  for (const c of arrayField(pod.spec, 'containers')) {
    if (PROXY_CONTAINERS.has(String(field(c, 'name')))) continue;
    for (const p of arrayField(c, 'ports')) {
      const port = field(p, 'containerPort');
      const protocol = protocolOf(field(p, 'protocol'));
      if (typeof port !== 'number' || seen.has(`${port}/${protocol}`)) continue;
      const name = stringField(p, 'name');
      seen.set(`${port}/${protocol}`, { port, protocol, ...(name ? { name } : {}) });
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** The pod's workload name (workload.ts): a Deployment's for its ReplicaSets' pods, else the owner's or the pod's. */
function workloadOf(pod: KubeObject): string {
  return workloadOwner(pod).name;
}

/**
 * Lookups by key over the snapshot, built once per inventory: a cluster-wide run resolves
 * thousands of Service ports, and a linear find per port made discovery quadratic.
 * Each keeps the first object in list order, as Array.find did.
 */
interface Lookup {
  readonly namespace: (name: string) => KubeObject | undefined;
  readonly service: (namespace: string, name: string) => KubeObject | undefined;
  /** Running pods of a namespace, in snapshot order. */
  readonly podsIn: (namespace: string) => readonly KubeObject[];
  readonly pod: (namespace: string, name: string) => KubeObject | undefined;
}

function firstBy(list: readonly KubeObject[], key: (o: KubeObject) => string): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const o of list) if (!out.has(key(o))) out.set(key(o), o);
  return out;
}

function lookup(snapshot: ClusterSnapshot, pods: readonly KubeObject[]): Lookup {
  const namespaces = firstBy(snapshot.namespaces, nameOf);
  const objectKey = (o: KubeObject): string => `${namespaceOf(o)}/${nameOf(o)}`;
  const services = firstBy(snapshot.services, objectKey);
  const podsByName = firstBy(pods, objectKey);
  const perNamespace = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const list = perNamespace.get(namespaceOf(p));
    if (list) list.push(p);
    else perNamespace.set(namespaceOf(p), [p]);
  }
  return {
    namespace: (name) => namespaces.get(name),
    service: (namespace, name) => services.get(`${namespace}/${name}`),
    podsIn: (namespace) => perNamespace.get(namespace) ?? [],
    pod: (namespace, name) => podsByName.get(`${namespace}/${name}`),
  };
}

/** The first running pod of the namespace that a Service selector selects. */
function selectedPod(find: Lookup, namespace: string, selector: unknown): KubeObject | undefined {
  return selector === undefined
    ? undefined
    : find.podsIn(namespace).find((p) => matchesLabelMap(selector, labelsOf(p)));
}

function runningPods(snapshot: ClusterSnapshot, included: ReadonlySet<string>): KubeObject[] {
  return snapshot.pods.filter(
    (p) =>
      included.has(namespaceOf(p)) &&
      stringField(p.status, 'phase') === 'Running' &&
      stringField(p.status, 'podIP') !== undefined &&
      field(p.spec, 'hostNetwork') !== true,
  );
}

/**
 * Running pods on their node's network (hostNetwork) in the namespaces `pick` chooses, one line
 * per workload: "pay/hsm-agent (node address 10.0.0.5; declared TCP 9400)". They are no targets
 * (their address is the node's, and a sweep of it would scan the node), and NetworkPolicy does
 * not govern them on most CNIs, so the controls that need them tried name them instead of holding.
 */
function hostNetworkWorkloads(
  snapshot: ClusterSnapshot,
  facts: ReadonlyMap<string, NamespaceFacts>,
  pick: (ns: NamespaceFacts) => boolean,
): string[] {
  const out = new Map<string, string>();
  // Filter first: only the few hostNetwork pods are sorted, not every pod of the cluster.
  const chosen = snapshot.pods.filter((p) => {
    const ns = facts.get(namespaceOf(p));
    if (ns === undefined || !ns.included || !pick(ns)) return false;
    return field(p.spec, 'hostNetwork') === true && stringField(p.status, 'phase') === 'Running';
  });
  for (const p of chosen.sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
    const key = `${namespaceOf(p)}/${workloadOf(p)}`;
    if (out.has(key)) continue;
    const ports = containerPorts(p).map((c) => `${c.protocol} ${c.port}`);
    const address = stringField(p.status, 'podIP') ?? stringField(p.status, 'hostIP') ?? 'unknown';
    out.set(
      key,
      `${key} (node address ${address}; ${ports.length > 0 ? `declared ${ports.join(', ')}` : 'no declared port'})`,
    );
  }
  return [...out.values()].sort();
}

/** One representative pod per (namespace, workload): the first by name, for stable plans. */
function representatives(pods: readonly KubeObject[]): KubeObject[] {
  const byWorkload = new Map<string, KubeObject>();
  for (const p of [...pods].sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
    const key = `${namespaceOf(p)}/${workloadOf(p)}`;
    if (!byWorkload.has(key)) byWorkload.set(key, p);
  }
  return [...byWorkload.values()];
}

/** Found: the sweep's open ports of this pod; declared: what declares a port (undeclared ones are marked). */
interface PodListeners {
  readonly found: readonly number[];
  readonly declared: ReadonlySet<number>;
}

/** The pod's ports, plus every port the sweep found open that discovery did not know, marked declared/undeclared. */
function podPorts(
  pod: KubeObject,
  nsObj: KubeObject | undefined,
  snapshot: ClusterSnapshot,
  listeners: PodListeners | undefined,
): readonly TargetPort[] {
  const known = meshPortsOf(pod, nsObj, containerPorts(pod), snapshot.mesh);
  const extra = (listeners?.found ?? []).filter((p) => !known.some((k) => k.port === p));
  if (extra.length === 0 || listeners === undefined) return known;
  const found = meshPortsOf(
    pod,
    nsObj,
    extra.map((port) => ({ port, protocol: 'TCP' as const })),
    snapshot.mesh,
  )
    .filter((p) => extra.includes(p.port))
    .map((p): TargetPort => ({ ...p, discovered: listeners.declared.has(p.port) ? 'declared' : 'undeclared' }));
  return [...known, ...found].sort((a, b) => a.port - b.port);
}

function podTarget(
  pod: KubeObject,
  snapshot: ClusterSnapshot,
  facts: ReadonlyMap<string, NamespaceFacts>,
  find: Lookup,
  listeners?: PodListeners,
): Target {
  const ns = namespaceOf(pod);
  const nsObj = find.namespace(ns);
  const { mesh, enrolment } = enrolmentOf(pod);
  return {
    ref: { kind: 'Pod', namespace: ns, name: nameOf(pod), workload: workloadOf(pod) },
    address: stringField(pod.status, 'podIP') ?? '',
    ports: podPorts(pod, nsObj, snapshot, listeners),
    mesh,
    enrolment,
    inScope: facts.get(ns)?.inScope ?? false,
    workload: workloadOf(pod),
    labels: labelsOf(pod),
  };
}

function serviceTarget(
  svc: KubeObject,
  snapshot: ClusterSnapshot,
  facts: ReadonlyMap<string, NamespaceFacts>,
  find: Lookup,
): Target | undefined {
  const clusterIP = stringField(svc.spec, 'clusterIP');
  const selector = field(svc.spec, 'selector');
  if (clusterIP === undefined || clusterIP === 'None' || stringField(svc.spec, 'type') === 'ExternalName')
    return undefined;
  const ns = namespaceOf(svc);
  const backing = selectedPod(find, ns, selector);
  const nsObj = find.namespace(ns);
  const podPorts = backing ? meshPortsOf(backing, nsObj, containerPorts(backing), snapshot.mesh) : [];
  const ports: TargetPort[] = arrayField(svc.spec, 'ports').flatMap((sp) => {
    const port = field(sp, 'port');
    if (typeof port !== 'number') return [];
    const tp = field(sp, 'targetPort') ?? port;
    const podPort = podPorts.find((p) => p.port === tp || (typeof tp === 'string' && p.name === tp));
    const name = stringField(sp, 'name');
    const appProtocol = stringField(sp, 'appProtocol');
    return [
      {
        port,
        protocol: protocolOf(field(sp, 'protocol')),
        ...(name ? { name } : {}),
        ...(appProtocol ? { appProtocol } : {}),
        mtls: podPort?.mtls ?? (backing ? 'not-meshed' : 'unknown'),
        ...(podPort?.meshBypass ? { meshBypass: podPort.meshBypass } : {}),
      },
    ];
  });
  const e = backing ? enrolmentOf(backing) : { mesh: 'unknown' as const, enrolment: 'unknown' as const };
  const isApi = isApiServerService(svc);
  return {
    ref: { kind: isApi ? 'ApiServer' : 'Service', namespace: ns, name: nameOf(svc) },
    address: clusterIP,
    ports,
    mesh: e.mesh,
    enrolment: e.enrolment,
    // The control plane is probed for exposures, never judged as a CDE workload (also under --cde-all).
    inScope: !isApi && (facts.get(ns)?.inScope ?? false),
    workload: backing ? workloadOf(backing) : nameOf(svc),
    labels: labelsOf(svc),
  };
}

/** The default/kubernetes Service: the API server. */
function isApiServerService(svc: KubeObject): boolean {
  return namespaceOf(svc) === 'default' && nameOf(svc) === 'kubernetes';
}

function nodeTargets(nodes: readonly KubeObject[]): Target[] {
  return nodes.flatMap((n) => {
    const ip = arrayField(n.status, 'addresses').find((a) => field(a, 'type') === 'InternalIP');
    const address = stringField(ip, 'address');
    if (address === undefined) return [];
    const kubelet = (port: number, name: string): TargetPort => ({ port, name, protocol: 'TCP', mtls: 'not-meshed' });
    return [
      {
        ref: { kind: 'Node', namespace: '', name: nameOf(n) },
        address,
        ports: [kubelet(10250, 'https-kubelet'), kubelet(10255, 'http-kubelet-readonly')],
        mesh: 'none',
        enrolment: 'none',
        inScope: false,
        workload: nameOf(n),
        labels: {},
      } satisfies Target,
    ];
  });
}

/**
 * Ports tried on a user-named endpoint: the named port over TCP; for an egress target also
 * that port over UDP when a known protocol lives there (53, 123, 161), and UDP/53 in any case
 * (DNS exfiltration to an outside resolver).
 */
export function endpointPorts(port: number, role: string): TargetPort[] {
  const ports: TargetPort[] = [{ port, protocol: 'TCP', mtls: 'not-meshed' }];
  if (role !== 'egress') return ports;
  const udp = (p: number): TargetPort => ({
    port: p,
    name: `udp-${KNOWN_UDP_PORTS[p] ?? 'echo'}`,
    protocol: 'UDP',
    mtls: 'not-meshed',
  });
  if (KNOWN_UDP_PORTS[port] !== undefined) ports.push(udp(port));
  if (port !== 53) ports.push(udp(53));
  return ports;
}

/** Targets for user-named host:port endpoints (egress targets and untrusted paths). */
export function endpointTargets(scope: ScopeOptions): Target[] {
  const make = (text: string, role: string): Target[] => {
    const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
    if (!m) return [];
    const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
    return [
      {
        ref: { kind: 'Endpoint', namespace: '', name: text },
        address: host,
        ports: endpointPorts(Number(m[2]), role),
        mesh: 'none',
        enrolment: 'none',
        inScope: false,
        workload: text,
        labels: { [ENDPOINT_ROLE_LABEL]: role },
      },
    ];
  };
  return [
    ...scope.egressTargets.flatMap((t) => make(t, 'egress')),
    ...scope.untrustedPaths.flatMap((t) => make(t, 'untrusted')),
  ];
}

/** The backing pod and pod port behind a Service port (policy applies to pod ports). */
function backingOf(t: Target, port: number, find: Lookup): { pod: KubeObject; port: number } | undefined {
  const svc = find.service(t.ref.namespace, t.ref.name);
  const pod = selectedPod(find, t.ref.namespace, field(svc?.spec, 'selector'));
  const sp = arrayField(svc?.spec, 'ports').find((x) => field(x, 'port') === port);
  const tp = field(sp, 'targetPort') ?? port;
  const resolved = typeof tp === 'number' ? tp : pod ? containerPorts(pod).find((c) => c.name === tp)?.port : undefined;
  return pod && resolved !== undefined ? { pod, port: resolved } : undefined;
}

/**
 * Key of `sameNamespaceAllowed`: "Pod/ns/name|8080" for TCP, "Pod/ns/name|8125/UDP" for another
 * protocol (policy admits each protocol on its own, and one number may carry both).
 */
export function controlPathKey(ref: TargetRef, port: number, protocol: TargetPort['protocol']): string {
  return protocol === 'TCP' ? `${targetKey(ref)}|${port}` : `${targetKey(ref)}|${port}/${protocol}`;
}

function controlPaths(targets: readonly Target[], snapshot: ClusterSnapshot, find: Lookup): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  // Source and destination share the target's namespace, and a policy only selects pods of its own
  // namespace, so that namespace's policies decide (the same answer as passing all of them).
  const policies = new Map<string, KubeObject[]>();
  for (const p of snapshot.networkPolicies) {
    const list = policies.get(namespaceOf(p));
    if (list) list.push(p);
    else policies.set(namespaceOf(p), [p]);
  }
  for (const t of targets) {
    if (t.ref.kind !== 'Pod' && t.ref.kind !== 'Service') continue;
    const ns = t.ref.namespace;
    const nsLabels = namespaceLabels(snapshot.namespaces, ns);
    const source = { namespace: ns, namespaceLabels: nsLabels, podLabels: runLabels('plan', 'probe') };
    for (const p of t.ports) {
      const behind =
        t.ref.kind === 'Pod' ? { pod: find.pod(ns, t.ref.name), port: p.port } : backingOf(t, p.port, find);
      if (behind?.pod === undefined) continue; // nothing known behind it: no control path
      const dest = { namespace: ns, namespaceLabels: nsLabels, podLabels: labelsOf(behind.pod) };
      const name = containerPorts(behind.pod).find((c) => c.port === behind.port)?.name;
      const allowed = policyAllows(policies.get(ns) ?? [], source, dest, behind.port, name, p.protocol);
      out[controlPathKey(t.ref, p.port, p.protocol)] = allowed;
    }
  }
  return out;
}

/**
 * Build the inventory the planner needs. Pure. With `listeners` (the sweep's findings), each
 * swept pod target also gets the open ports discovery did not know, marked declared/undeclared.
 */
export function buildInventory(
  snapshot: ClusterSnapshot,
  scope: ScopeOptions,
  listeners?: FoundListeners,
): DiscoveredInventory {
  const namespaces = namespaceFacts(snapshot.namespaces, scope);
  const facts = new Map(namespaces.map((n) => [n.name, n]));
  const included = new Set(namespaces.filter((n) => n.included).map((n) => n.name));
  const pods = runningPods(snapshot, included);
  const find = lookup(snapshot, pods);
  const reps = representatives(pods);
  const declared = declaredPorts(reps, snapshot, facts);
  const listenersOf = (p: KubeObject): PodListeners | undefined => {
    const key = `Pod/${namespaceOf(p)}/${nameOf(p)}`;
    const found = listeners?.get(key);
    return found === undefined ? undefined : { found, declared: new Set(declared[key] ?? []) };
  };
  // Nodes and the API server are cluster components, not namespace workloads: --namespace never
  // drops them (issue 13); --no-nodes makes the plan report the node targets as not run.
  const targets: Target[] = [
    ...reps.map((p) => podTarget(p, snapshot, facts, find, listenersOf(p))),
    ...snapshot.services
      .filter((s) => included.has(namespaceOf(s)) || isApiServerService(s))
      .flatMap((s) => serviceTarget(s, snapshot, facts, find) ?? []),
    ...nodeTargets(snapshot.nodes),
    ...endpointTargets(scope),
  ].sort((a, b) => targetKey(a.ref).localeCompare(targetKey(b.ref)));
  const perNs = policiesPerNamespace(snapshot.networkPolicies);
  const workloads = new Map<string, Set<string>>();
  for (const p of pods) workloads.set(namespaceOf(p), (workloads.get(namespaceOf(p)) ?? new Set()).add(workloadOf(p)));
  const meshes = [
    ...(snapshot.mesh.peerAuthentications !== undefined || targets.some((t) => t.mesh === 'istio') ? ['istio'] : []),
    ...(snapshot.mesh.servers !== undefined || targets.some((t) => t.mesh === 'linkerd') ? ['linkerd'] : []),
    ...(snapshot.mesh.ciliumNetworkPolicies !== undefined ? ['cilium'] : []),
  ];
  return {
    summary: {
      cluster: snapshot.cluster,
      // The namespaces of this run (--namespace/--exclude-namespace applied; meshprobe's own left out).
      namespaces: namespaces
        .filter((n) => n.included)
        .map((n) => ({
          name: n.name,
          inScope: n.inScope,
          role: n.role,
          workloads: workloads.get(n.name)?.size ?? 0,
          networkPolicies: perNs.get(n.name) ?? 0,
        })),
      targets: targets.length,
      meshes,
      networkPolicies: snapshot.networkPolicies.length,
    },
    targets,
    namespaces,
    sameNamespaceAllowed: controlPaths(targets, snapshot, find),
    references: referenceFacts(snapshot, targets, (t, port) => {
      const behind = backingOf(t, port, find);
      const name = behind && containerPorts(behind.pod).find((c) => c.port === behind.port)?.name;
      return behind && { ...behind, ...(name !== undefined ? { name } : {}) };
    }),
    identities: workloadIdentities({
      pods,
      services: snapshot.services,
      namespaces: snapshot.namespaces,
      networkPolicies: snapshot.networkPolicies,
      facts: namespaces,
    }),
    declaredPorts: declared,
    tenantLabelAdmissions: tenantLabelAdmissions(snapshot.networkPolicies, snapshot.namespaces, namespaces),
    hostNetworkCde: hostNetworkWorkloads(snapshot, facts, (n) => n.inScope),
    hostNetworkTenants: hostNetworkWorkloads(snapshot, facts, (n) => n.role === 'tenant'),
  };
}
