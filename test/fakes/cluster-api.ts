/**
 * A fake ClusterApi over fixture JSON (a `kind: List` as `kubectl get -o json` prints).
 * Lists come from the fixture; creates and deletes are kept in memory and recorded, so
 * pipeline tests can assert what was created and that nothing is left behind. Pod status
 * and logs are supplied by hooks (what the kubelet and the agent would produce).
 */
import { readFileSync } from 'node:fs';
import type {
  AccessCheck,
  ClusterApi,
  ClusterInfo,
  CustomKind,
  KubeObject,
  ListKind,
  ListOptions,
  ListResult,
  WriteKind,
} from '../../src/cluster/ports.js';
import type { PermissionId } from '../../src/cluster/permissions.js';
import { matchesSelectorText } from '../../src/discover/selector.js';
import { MeshprobeError } from '../../src/shared/errors.js';

const KIND_OF: Readonly<Record<string, ListKind>> = {
  'v1/Namespace': 'namespaces',
  'v1/Pod': 'pods',
  'v1/Service': 'services',
  'v1/Node': 'nodes',
  'v1/ConfigMap': 'configmaps',
  'discovery.k8s.io/EndpointSlice': 'endpointslices',
  'networking.k8s.io/NetworkPolicy': 'networkpolicies',
  'security.istio.io/PeerAuthentication': 'peerauthentications',
  'security.istio.io/AuthorizationPolicy': 'authorizationpolicies.istio',
  'networking.istio.io/Sidecar': 'sidecars',
  'networking.istio.io/DestinationRule': 'destinationrules',
  'policy.linkerd.io/Server': 'servers',
  'policy.linkerd.io/ServerAuthorization': 'serverauthorizations',
  'policy.linkerd.io/AuthorizationPolicy': 'authorizationpolicies.linkerd',
  'policy.linkerd.io/MeshTLSAuthentication': 'meshtlsauthentications',
  'policy.linkerd.io/NetworkAuthentication': 'networkauthentications',
  'cilium.io/CiliumNetworkPolicy': 'ciliumnetworkpolicies',
};

const CORE: ReadonlySet<ListKind> = new Set([
  'namespaces',
  'pods',
  'services',
  'nodes',
  'configmaps',
  'endpointslices',
  'networkpolicies',
]);

/** Classify an object by apiVersion group and kind. */
function listKindOf(o: KubeObject): ListKind | undefined {
  const group = (o.apiVersion ?? '').includes('/') ? (o.apiVersion ?? '').split('/')[0] : 'v1';
  return KIND_OF[`${group}/${o.kind ?? ''}`];
}

/** One recorded write. */
export interface FakeCall {
  readonly op: 'create' | 'delete';
  readonly kind: WriteKind;
  readonly namespace: string | undefined;
  readonly name: string;
}

/** Hooks for what the cluster does after a create. */
export interface FakeHooks {
  /** Status of a created pod when read (default: Succeeded). */
  podStatus?(pod: KubeObject): unknown;
  /** Log text of a pod's container (default ''). */
  podLog?(pod: KubeObject, container: string): string;
  /** Throw from a create to simulate admission/RBAC failures. */
  onCreate?(kind: WriteKind, namespace: string | undefined, body: KubeObject): void;
  /** A mutating admission webhook: the object as stored (and read back), e.g. with an injected sidecar. */
  admit?(kind: WriteKind, namespace: string | undefined, body: KubeObject): KubeObject;
  /** Answers for access checks (default: allowed). */
  allowed?(permission: PermissionId, namespace: string | undefined): boolean;
  /** Throw from list to simulate errors. */
  onList?(kind: ListKind): void;
}

/** The fake. */
export class FakeClusterApi implements ClusterApi {
  readonly objects: KubeObject[];
  readonly calls: FakeCall[] = [];
  readonly #installed: ReadonlySet<ListKind>;
  readonly #hooks: FakeHooks;
  #serial = 0;

  constructor(
    items: readonly KubeObject[],
    options: { readonly installed?: readonly CustomKind[]; readonly hooks?: FakeHooks } = {},
  ) {
    this.objects = [...items];
    this.#hooks = options.hooks ?? {};
    this.#installed = new Set<ListKind>([...(options.installed ?? []), ...items.flatMap((o) => listKindOf(o) ?? [])]);
  }

  /** Load a fixture file (a `kind: List`). */
  static fromFixture(
    path: string | URL,
    options: ConstructorParameters<typeof FakeClusterApi>[1] = {},
  ): FakeClusterApi {
    const list = JSON.parse(readFileSync(path, 'utf8')) as { items: KubeObject[] };
    return new FakeClusterApi(list.items, options);
  }

  info(): ClusterInfo {
    return { server: 'https://fake.invalid:6443', context: 'fake' };
  }

  async version(): Promise<string | undefined> {
    return 'v1.34.4';
  }

  async list(kind: ListKind, options: ListOptions = {}): Promise<ListResult> {
    this.#hooks.onList?.(kind);
    if (!CORE.has(kind) && !this.#installed.has(kind)) return { kind: 'not-installed', resource: kind };
    const items = this.objects.filter(
      (o) =>
        listKindOf(o) === kind &&
        (options.namespace === undefined || o.metadata?.namespace === options.namespace) &&
        (options.labelSelector === undefined || matchesSelectorText(options.labelSelector, o.metadata?.labels ?? {})),
    );
    return { kind: 'items', items };
  }

  async create(kind: WriteKind, namespace: string | undefined, asked: KubeObject): Promise<KubeObject> {
    this.#hooks.onCreate?.(kind, namespace, asked);
    const body = this.#hooks.admit?.(kind, namespace, asked) ?? asked;
    const name = body.metadata?.name ?? `${body.metadata?.generateName ?? 'x-'}${++this.#serial}`;
    const kindName = { namespaces: 'Namespace', configmaps: 'ConfigMap', pods: 'Pod', services: 'Service' }[kind];
    if (this.#find(kind, namespace, name)) throw new MeshprobeError('E_API', `${kind} "${name}" already exists`);
    const stored: KubeObject = {
      ...body,
      apiVersion: 'v1',
      kind: kindName,
      // The API server gives every created object a uid (identity pods need their owner's).
      metadata: {
        uid: `fake-uid-${kind}-${this.#serial + 1}-${name}`,
        ...body.metadata,
        name,
        ...(namespace ? { namespace } : {}),
      },
      ...(kind === 'services' ? { spec: { ...(body.spec as object), clusterIP: `10.96.99.${this.#serial + 1}` } } : {}),
    };
    this.objects.push(stored);
    this.calls.push({ op: 'create', kind, namespace, name });
    return stored;
  }

  async delete(kind: WriteKind, namespace: string | undefined, name: string): Promise<'deleted' | 'absent'> {
    this.calls.push({ op: 'delete', kind, namespace, name });
    const found = this.#find(kind, namespace, name);
    if (!found) return 'absent';
    // Deleting a namespace deletes its contents, as the namespace controller does.
    const doomed = (o: KubeObject): boolean => o === found || (kind === 'namespaces' && o.metadata?.namespace === name);
    for (let i = this.objects.length - 1; i >= 0; i--)
      if (doomed(this.objects[i] as KubeObject)) this.objects.splice(i, 1);
    return 'deleted';
  }

  async readPod(namespace: string, name: string): Promise<KubeObject | undefined> {
    const pod = this.#find('pods', namespace, name);
    if (!pod) return undefined;
    return { ...pod, status: this.#hooks.podStatus?.(pod) ?? { phase: 'Succeeded' } };
  }

  async readPodLog(namespace: string, name: string, container: string): Promise<string> {
    const pod = this.#find('pods', namespace, name);
    if (!pod) throw new MeshprobeError('E_API', `pod ${namespace}/${name} not found`);
    return this.#hooks.podLog?.(pod, container) ?? '';
  }

  async checkAccess(
    checks: readonly { readonly permission: PermissionId; readonly namespace?: string }[],
  ): Promise<readonly AccessCheck[]> {
    return checks.map((c) => ({ ...c, allowed: this.#hooks.allowed?.(c.permission, c.namespace) ?? true }));
  }

  /** Objects created by meshprobe that still exist (for "nothing left behind"). */
  leftovers(): KubeObject[] {
    return this.objects.filter((o) => o.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'meshprobe');
  }

  #find(kind: WriteKind, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.find(
      (o) =>
        listKindOf(o) === kind &&
        o.metadata?.name === name &&
        (kind === 'namespaces' || o.metadata?.namespace === namespace),
    );
  }
}
