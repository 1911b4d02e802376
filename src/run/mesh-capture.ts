/**
 * Was a probe pod captured by a mesh it did not ask for (pure; MESH-NOTES §G.3, issue 16)? Read
 * from the pod as the API returned it after admission: an injected proxy (Istio, Linkerd, Kuma,
 * Consul, OSM), the init container that installs iptables capture, the injectors' own status
 * annotations, or ambient enrolment (istio-cni marks redirected pods). Such a pod's outbound
 * connections may be captured and upgraded to mTLS by a proxy meshprobe did not put there, so a
 * plaintext or "not authenticated" attempt from it shows nothing, and an identity request may be
 * sent under the mesh's identity instead of the one meshprobe presented. The agent's self-check
 * sees only proxy ports that were already listening when it started; the spec sees an injected
 * proxy whatever its start order.
 */
import type { KubeObject } from '../cluster/ports.js';

/** Containers (regular, init or native sidecar) that mesh injectors add and that capture traffic. */
const PROXY_CONTAINERS: Readonly<Record<string, string>> = {
  'istio-proxy': 'Istio',
  'istio-init': 'Istio',
  'istio-validation': 'Istio',
  'linkerd-proxy': 'Linkerd',
  'linkerd-init': 'Linkerd',
  'linkerd-network-validator': 'Linkerd',
  'kuma-sidecar': 'Kuma',
  'kuma-init': 'Kuma',
  'consul-dataplane': 'Consul',
  'consul-connect-inject-init': 'Consul',
  'osm-init': 'Open Service Mesh',
};

/** Annotations an injector writes on the pods it injected. */
const INJECTED_ANNOTATIONS: Readonly<Record<string, string>> = {
  'sidecar.istio.io/status': 'Istio',
  'linkerd.io/proxy-version': 'Linkerd',
  'kuma.io/sidecar-injected': 'Kuma',
  'consul.hashicorp.com/connect-inject-status': 'Consul',
};

/** One sign that the pod is inside a mesh. */
interface Sign {
  readonly mesh: string;
  readonly what: string;
}

function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((c: unknown) => {
    const name = typeof c === 'object' && c !== null ? (c as { name?: unknown }).name : undefined;
    return typeof name === 'string' ? [name] : [];
  });
}

function containerSigns(pod: KubeObject): Sign[] {
  const spec = (pod.spec ?? {}) as { containers?: unknown; initContainers?: unknown };
  return [...names(spec.initContainers), ...names(spec.containers)].flatMap((name) => {
    const mesh = PROXY_CONTAINERS[name];
    return mesh === undefined ? [] : [{ mesh, what: `container ${name}` }];
  });
}

function metadataSigns(pod: KubeObject): Sign[] {
  const annotations = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  const signs: Sign[] = Object.entries(INJECTED_ANNOTATIONS)
    .filter(([key, mesh]) => annotations[key] !== undefined && (mesh !== 'Kuma' || annotations[key] === 'true'))
    .map(([key, mesh]) => ({ mesh, what: `annotation ${key}` }));
  if (annotations['ambient.istio.io/redirection'] === 'enabled') {
    signs.push({ mesh: 'Istio ambient', what: 'annotation ambient.istio.io/redirection=enabled' });
  }
  if (labels['istio.io/dataplane-mode'] === 'ambient') {
    signs.push({ mesh: 'Istio ambient', what: 'label istio.io/dataplane-mode=ambient' });
  }
  return signs;
}

/**
 * Why the pod's own traffic may have been captured by a mesh, as a sentence for the outcome of
 * every attempt it made, or undefined when its spec shows no mesh. Undefined pod: nothing is known
 * here (the agent's self-check still decides).
 */
export function meshCaptureOf(pod: KubeObject | undefined): string | undefined {
  if (pod === undefined) return undefined;
  const signs = [...containerSigns(pod), ...metadataSigns(pod)];
  if (signs.length === 0) return undefined;
  const meshes = [...new Set(signs.map((s) => s.mesh))].join(' and ');
  const seen = [...new Set(signs.map((s) => s.what))].join(', ');
  return (
    `the probe pod was enrolled in the ${meshes} mesh by the cluster, not by meshprobe (${seen}), so its outbound ` +
    'connections may have been captured by that mesh and upgraded to mTLS under the mesh identity: a plaintext or ' +
    'unauthenticated attempt from it may have been sent authenticated, and what it saw is not what the probe sent'
  );
}

/** What {@link noteCapture} reads of a gathered pod. */
export interface CapturedPod {
  readonly namespace: string;
  readonly name: string;
  readonly vantageId: string;
  readonly meshCapture?: string;
}

/**
 * Record a gathered pod's capture under its vantage (the first reason wins: one captured pod
 * taints the vantage, as one meshed self-check does) and return the warning to show, if any.
 */
export function noteCapture(captures: Map<string, string>, pod: CapturedPod): string | undefined {
  if (pod.meshCapture === undefined) return undefined;
  if (!captures.has(pod.vantageId)) captures.set(pod.vantageId, pod.meshCapture);
  return `${pod.namespace}/${pod.name}: ${pod.meshCapture}; every attempt of vantage ${pod.vantageId} is inconclusive`;
}
