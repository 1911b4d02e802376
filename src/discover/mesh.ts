/**
 * Mesh facts per workload and port, derived purely from API objects (MESH-NOTES §A.1,
 * §A.2, §A.5, §B.1–B.4): enrolment (sidecar / ambient / none), the effective mTLS mode
 * with Istio's mesh → namespace → workload → port precedence and Linkerd's default policy
 * and Server overrides, and the mesh's by-design plaintext ports (reported as exposures).
 */
import type { KubeObject } from '../cluster/ports.js';
import type { MeshEnrolment, MeshKind, MtlsMode, TargetPort } from '../domain/target.js';
import { matchesLabelMap, matchesLabelSelector } from './selector.js';
import {
  annotationsOf,
  arrayField,
  field,
  labelsOf,
  nameOf,
  namespaceOf,
  stringField,
  type MeshObjects,
} from './snapshot.js';

/** Istio's root namespace (mesh-wide PeerAuthentication lives here). */
const ISTIO_ROOT_NAMESPACE = 'istio-system';

/** Linkerd's default when neither pod nor namespace overrides it (values.yaml). */
const LINKERD_DEFAULT_POLICY = 'all-unauthenticated';

/** A workload port before mesh facts are added. */
export interface WorkloadPort {
  readonly port: number;
  readonly name?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly appProtocol?: string;
}

/** How a pod takes part in a mesh. */
export interface PodEnrolment {
  readonly mesh: MeshKind;
  readonly enrolment: MeshEnrolment;
}

function containerNames(pod: KubeObject): string[] {
  return [...arrayField(pod.spec, 'containers'), ...arrayField(pod.spec, 'initContainers')].map((c) =>
    String(field(c, 'name') ?? ''),
  );
}

/** Enrolment from what is really on the pod (proxy container / CNI annotation), not from intent labels. */
export function enrolmentOf(pod: KubeObject): PodEnrolment {
  const names = containerNames(pod);
  const ann = annotationsOf(pod);
  if (names.includes('istio-proxy') || ann['sidecar.istio.io/status'] !== undefined)
    return { mesh: 'istio', enrolment: 'sidecar' };
  if (ann['ambient.istio.io/redirection'] === 'enabled') return { mesh: 'istio', enrolment: 'ambient' };
  if (names.includes('linkerd-proxy') || ann['linkerd.io/proxy-version'] !== undefined)
    return { mesh: 'linkerd', enrolment: 'sidecar' };
  return { mesh: 'none', enrolment: 'none' };
}

type IstioMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

function modeOf(v: unknown): IstioMode | undefined {
  return v === 'STRICT' || v === 'PERMISSIVE' || v === 'DISABLE' ? v : undefined;
}

/** Oldest first, then by name: Istio's conflict rule for several policies at one level. */
function oldest(objects: readonly KubeObject[]): KubeObject | undefined {
  return [...objects].sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    return ta === tb ? nameOf(a).localeCompare(nameOf(b)) : ta.localeCompare(tb);
  })[0];
}

/** Inputs of the Istio precedence rule for one workload port. */
export interface IstioMtlsInput {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  /** Workload (container) port: portLevelMtls keys refer to it, not to the Service port. */
  readonly port: number;
  readonly peerAuthentications: readonly KubeObject[];
  readonly ambient: boolean;
  readonly rootNamespace?: string;
}

/**
 * Effective Istio mTLS mode: mesh (root namespace, no selector) → namespace (no selector) →
 * workload (selector matches) → portLevelMtls[port]. UNSET inherits; nothing set = PERMISSIVE.
 * Root-namespace policies with selectors are ignored; in ambient, DISABLE is ignored.
 */
export function istioMtlsMode(input: IstioMtlsInput): MtlsMode {
  const root = input.rootNamespace ?? ISTIO_ROOT_NAMESPACE;
  const pas = input.peerAuthentications;
  const hasSelector = (pa: KubeObject): boolean => field(pa.spec, 'selector') !== undefined;
  const mesh = oldest(pas.filter((pa) => namespaceOf(pa) === root && !hasSelector(pa)));
  const ns =
    input.namespace === root
      ? undefined
      : oldest(pas.filter((pa) => namespaceOf(pa) === input.namespace && !hasSelector(pa)));
  const workload =
    input.namespace === root
      ? undefined
      : oldest(
          pas.filter(
            (pa) =>
              namespaceOf(pa) === input.namespace &&
              hasSelector(pa) &&
              matchesLabelMap(field(pa.spec, 'selector', 'matchLabels'), input.podLabels),
          ),
        );
  const levels: unknown[] = [
    field(mesh?.spec, 'mtls', 'mode'),
    field(ns?.spec, 'mtls', 'mode'),
    field(workload?.spec, 'mtls', 'mode'),
  ];
  if (workload) levels.push(field(workload.spec, 'portLevelMtls', String(input.port), 'mode'));
  let mode: IstioMode = 'PERMISSIVE';
  for (const level of levels) {
    const m = modeOf(level);
    if (m === undefined) continue; // UNSET or absent: inherit
    if (input.ambient && m === 'DISABLE') continue; // not supported in ambient, ignored
    mode = m;
  }
  return mode === 'STRICT' ? 'strict' : mode === 'PERMISSIVE' ? 'permissive' : 'disable';
}

/** Linkerd default-inbound-policy → what an unmeshed (unauthenticated) client gets. */
function linkerdPolicyMode(policy: string): MtlsMode {
  switch (policy) {
    case 'all-authenticated':
    case 'cluster-authenticated':
    case 'deny':
      return 'strict';
    case 'all-unauthenticated':
    case 'cluster-unauthenticated':
    case 'audit':
      return 'permissive';
    default:
      return 'unknown';
  }
}

/** Inputs of the Linkerd rule for one workload port. */
interface LinkerdMtlsInput {
  readonly pod: KubeObject;
  readonly namespace: KubeObject | undefined;
  readonly port: WorkloadPort;
  readonly mesh: MeshObjects;
}

/** The Server selecting this pod and port, if any (oldest wins). */
function linkerdServerFor(input: LinkerdMtlsInput): KubeObject | undefined {
  const podNs = namespaceOf(input.pod);
  const labels = labelsOf(input.pod);
  return oldest(
    (input.mesh.servers ?? []).filter((s) => {
      if (namespaceOf(s) !== podNs) return false;
      if (!matchesLabelSelector(field(s.spec, 'podSelector'), labels, false)) return false;
      const p = field(s.spec, 'port');
      return p === input.port.port || (typeof p === 'string' && p === input.port.name);
    }),
  );
}

/** True when some authorization lets unauthenticated clients reach this Server. */
function allowsUnauthenticated(server: KubeObject, mesh: MeshObjects): boolean {
  const ns = namespaceOf(server);
  const name = nameOf(server);
  const viaServerAuthz = (mesh.serverAuthorizations ?? []).some(
    (sa) =>
      namespaceOf(sa) === ns &&
      field(sa.spec, 'client', 'unauthenticated') === true &&
      (field(sa.spec, 'server', 'name') === name ||
        matchesLabelSelector(field(sa.spec, 'server', 'selector'), labelsOf(server), false)),
  );
  const viaPolicy = (mesh.linkerdAuthorizationPolicies ?? []).some((ap) => {
    if (namespaceOf(ap) !== ns) return false;
    const kind = stringField(ap.spec, 'targetRef', 'kind');
    const targetsServer =
      (kind === 'Server' && stringField(ap.spec, 'targetRef', 'name') === name) || kind === 'Namespace';
    const refs = arrayField(ap.spec, 'requiredAuthenticationRefs');
    return targetsServer && refs.length > 0 && refs.every((r) => field(r, 'kind') === 'NetworkAuthentication');
  });
  return viaServerAuthz || viaPolicy;
}

/**
 * Effective Linkerd mode for one port: a selecting Server decides (accessPolicy, default
 * deny, opened to unauthenticated clients by an authorization); otherwise the pod's, then
 * the namespace's, then the cluster default inbound policy.
 */
function linkerdMtlsMode(input: LinkerdMtlsInput): MtlsMode {
  const server = linkerdServerFor(input);
  if (server) {
    if (allowsUnauthenticated(server, input.mesh)) return 'permissive';
    return linkerdPolicyMode(stringField(server.spec, 'accessPolicy') ?? 'deny');
  }
  const policy =
    annotationsOf(input.pod)['config.linkerd.io/default-inbound-policy'] ??
    annotationsOf(input.namespace)['config.linkerd.io/default-inbound-policy'] ??
    LINKERD_DEFAULT_POLICY;
  return linkerdPolicyMode(policy);
}

function portList(text: string | undefined): ReadonlySet<number> {
  return new Set(
    (text ?? '')
      .split(',')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0),
  );
}

/** Why a workload port bypasses the proxy (excluded from capture), if it does. */
function captureExclusion(pod: KubeObject, enrolment: PodEnrolment, port: number): string | undefined {
  const ann = annotationsOf(pod);
  if (enrolment.mesh === 'istio' && enrolment.enrolment === 'sidecar') {
    if (portList(ann['traffic.sidecar.istio.io/excludeInboundPorts']).has(port))
      return 'excluded from sidecar capture by traffic.sidecar.istio.io/excludeInboundPorts';
    const include = ann['traffic.sidecar.istio.io/includeInboundPorts'];
    if (include !== undefined && include.trim() !== '*' && !portList(include).has(port))
      return 'not in traffic.sidecar.istio.io/includeInboundPorts, so not captured by the sidecar';
  }
  if (enrolment.mesh === 'linkerd' && portList(ann['config.linkerd.io/skip-inbound-ports']).has(port))
    return 'skipped by config.linkerd.io/skip-inbound-ports, so not handled by the proxy';
  return undefined;
}

/** The mesh's own ports on an enrolled pod (by-design plaintext, or the ambient HBONE port). */
function meshOwnPorts(enrolment: PodEnrolment, linkerdMode: MtlsMode): readonly TargetPort[] {
  if (enrolment.mesh === 'istio' && enrolment.enrolment === 'sidecar') {
    return [
      {
        port: 15020,
        name: 'istio-merged-metrics',
        protocol: 'TCP',
        mtls: 'disable',
        meshBypass: 'Istio sidecar status/merged-metrics port (plaintext by design)',
      },
      {
        port: 15021,
        name: 'istio-health',
        protocol: 'TCP',
        mtls: 'disable',
        meshBypass: 'Istio sidecar health port (plaintext by design)',
      },
      {
        port: 15090,
        name: 'istio-envoy-prom',
        protocol: 'TCP',
        mtls: 'disable',
        meshBypass: 'Istio Envoy Prometheus port (plaintext by design)',
      },
    ];
  }
  if (enrolment.mesh === 'istio' && enrolment.enrolment === 'ambient') {
    return [{ port: 15008, name: 'hbone', protocol: 'TCP', mtls: 'strict' }];
  }
  if (enrolment.mesh === 'linkerd') {
    return [
      {
        port: 4191,
        name: 'linkerd-admin',
        protocol: 'TCP',
        mtls: linkerdMode,
        meshBypass: 'Linkerd proxy admin port (/metrics, /env.json)',
      },
    ];
  }
  return [];
}

/** Every port of a pod with its effective mTLS mode and bypass facts, workload ports first. */
export function meshPortsOf(
  pod: KubeObject,
  namespace: KubeObject | undefined,
  ports: readonly WorkloadPort[],
  mesh: MeshObjects,
): readonly TargetPort[] {
  const enrolment = enrolmentOf(pod);
  const out: TargetPort[] = ports.map((p) => withMtls(p, pod, namespace, enrolment, mesh));
  const defaultLinkerd =
    enrolment.mesh === 'linkerd'
      ? linkerdMtlsMode({ pod, namespace, port: { port: 4191, protocol: 'TCP' }, mesh })
      : 'not-meshed';
  for (const own of meshOwnPorts(enrolment, defaultLinkerd)) if (!out.some((p) => p.port === own.port)) out.push(own);
  return out;
}

function withMtls(
  p: WorkloadPort,
  pod: KubeObject,
  namespace: KubeObject | undefined,
  enrolment: PodEnrolment,
  mesh: MeshObjects,
): TargetPort {
  const base = {
    port: p.port,
    protocol: p.protocol,
    ...(p.name ? { name: p.name } : {}),
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  };
  if (enrolment.enrolment === 'none') return { ...base, mtls: 'not-meshed' };
  const excluded = captureExclusion(pod, enrolment, p.port);
  if (excluded) return { ...base, mtls: 'disable', meshBypass: excluded };
  if (enrolment.mesh === 'istio') {
    if (mesh.peerAuthentications === undefined) return { ...base, mtls: 'permissive' };
    const mtls = istioMtlsMode({
      namespace: namespaceOf(pod),
      podLabels: labelsOf(pod),
      port: p.port,
      peerAuthentications: mesh.peerAuthentications,
      ambient: enrolment.enrolment === 'ambient',
    });
    return { ...base, mtls };
  }
  return { ...base, mtls: linkerdMtlsMode({ pod, namespace, port: p, mesh }) };
}
