/**
 * The ClusterApi adapter over @kubernetes/client-node 1.4 — the ONLY importer of it.
 * Kubeconfig handling is the library's (--kubeconfig, KUBECONFIG, ~/.kube/config,
 * in-cluster); every call names its entry in PERMISSIONS so errors say exactly what was
 * forbidden and `meshprobe rbac` prints exactly what is used.
 */
import * as k8s from '@kubernetes/client-node';
// Not re-exported by the package index; the same serializer the generated APIs use.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { MeshprobeError } from '../errors.js';
import { httpStatusOf, toClusterError } from './api-errors.js';
import { PERMISSIONS, type Permission, type PermissionId } from './permissions.js';
import type {
  AccessCheck, ClusterApi, ClusterInfo, CustomKind, KubeObject, ListKind, ListOptions, ListResult, WriteKind,
} from './ports.js';

/** Where the kubeconfig comes from (the CLI's --kubeconfig / --context). */
export interface KubeClientOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/** The library's placeholder when it found no configuration at all. */
const FALLBACK_SERVER = 'http://localhost:8080';

/** Load the kubeconfig the way kubectl would; E_KUBECONFIG when missing, unreadable or without the context. */
export function loadKubeConfig(options: KubeClientOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const source = options.kubeconfig ?? process.env['KUBECONFIG'] ?? '~/.kube/config';
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new MeshprobeError('E_KUBECONFIG', `cannot read kubeconfig ${source}${typeof code === 'string' ? ` (${code})` : ''}`, {
      hint: 'Pass --kubeconfig <file>, set KUBECONFIG, or run inside a cluster with a service account.',
      cause: err,
    });
  }
  if (options.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new MeshprobeError('E_KUBECONFIG', `context "${options.context}" is not in kubeconfig ${source}`, {
        hint: names.length > 0 ? `Known contexts: ${names.join(', ')}.` : 'The kubeconfig has no contexts.',
      });
    }
    kc.setCurrentContext(options.context);
  }
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined || (server === FALLBACK_SERVER && options.kubeconfig === undefined && kc.getContexts().length <= 1)) {
    throw new MeshprobeError('E_KUBECONFIG', 'no kubeconfig found and not running inside a cluster', {
      hint: 'Pass --kubeconfig <file> or set KUBECONFIG to the cluster you want to test.',
    });
  }
  return kc;
}

/** Custom resources: group and plural come from the permission entry. */
const CUSTOM: Readonly<Record<CustomKind, PermissionId>> = {
  peerauthentications: 'list-peerauthentications',
  'authorizationpolicies.istio': 'list-authorizationpolicies.istio',
  sidecars: 'list-sidecars',
  destinationrules: 'list-destinationrules',
  servers: 'list-servers',
  serverauthorizations: 'list-serverauthorizations',
  'authorizationpolicies.linkerd': 'list-authorizationpolicies.linkerd',
  meshtlsauthentications: 'list-meshtlsauthentications',
  networkauthentications: 'list-networkauthentications',
  ciliumnetworkpolicies: 'list-ciliumnetworkpolicies',
};

/**
 * Wire JSON of a typed model. The generated models rename some fields (`from` → `_from`,
 * `continue` → `_continue`) and turn timestamps into Dates; serializing with the model's
 * type gives back exactly what the API server sent.
 */
function plain(value: unknown, type: string): KubeObject {
  return JSON.parse(JSON.stringify(ObjectSerializer.serialize(value, type, ''))) as KubeObject;
}

/** Items of a typed list, as wire JSON (`type` is the list's model, e.g. V1PodList). */
function items(list: unknown, type: string): readonly KubeObject[] {
  const raw = (plain(list, type) as { items?: unknown }).items;
  return Array.isArray(raw) ? (raw as KubeObject[]) : [];
}

/** Items of a custom-object list (already plain JSON: no model in between). */
function customItems(list: unknown): readonly KubeObject[] {
  const raw = (list as { items?: unknown } | null)?.items;
  return Array.isArray(raw) ? (raw as KubeObject[]) : [];
}

/** Per-request options carrying the AbortSignal (client-node 1.4 takes it via middleware). */
function withSignal(signal: AbortSignal | undefined): k8s.ConfigurationOptions | undefined {
  if (signal === undefined) return undefined;
  const mw = {
    pre: (ctx: k8s.RequestContext) => {
      ctx.setSignal(signal);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (rsp: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(rsp)),
  };
  return { middleware: [mw], middlewareMergeStrategy: 'append' } as unknown as k8s.ConfigurationOptions;
}

/** The adapter. Construct with {@link createKubeClient}. */
export class KubeClient implements ClusterApi {
  readonly #kc: k8s.KubeConfig;
  readonly #core: k8s.CoreV1Api;
  readonly #discovery: k8s.DiscoveryV1Api;
  readonly #networking: k8s.NetworkingV1Api;
  readonly #custom: k8s.CustomObjectsApi;
  readonly #authz: k8s.AuthorizationV1Api;
  readonly #version: k8s.VersionApi;

  constructor(kc: k8s.KubeConfig) {
    this.#kc = kc;
    this.#core = kc.makeApiClient(k8s.CoreV1Api);
    this.#discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    this.#networking = kc.makeApiClient(k8s.NetworkingV1Api);
    this.#custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.#authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    this.#version = kc.makeApiClient(k8s.VersionApi);
  }

  info(): ClusterInfo {
    return { server: this.#kc.getCurrentCluster()?.server ?? '', context: this.#kc.getCurrentContext() };
  }

  /** Run one call named by its permission; map every failure to a MeshprobeError. */
  async #call<T>(id: PermissionId, namespace: string | undefined, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const info = this.info();
      throw toClusterError(err, { permission: PERMISSIONS[id], namespace, server: info.server, context: info.context }, signal);
    }
  }

  async version(signal?: AbortSignal): Promise<string | undefined> {
    try {
      const v = await this.#call('get-version', undefined, signal, () => this.#version.getCode(withSignal(signal)));
      return v.gitVersion;
    } catch (err) {
      // Connectivity and credential problems matter; a hidden /version does not.
      if ((err as MeshprobeError).code === 'E_FORBIDDEN' || (err as MeshprobeError).code === 'E_API') return undefined;
      throw err;
    }
  }

  async list(kind: ListKind, options: ListOptions = {}): Promise<ListResult> {
    const { namespace, labelSelector, signal } = options;
    const o = withSignal(signal);
    const q = labelSelector === undefined ? {} : { labelSelector };
    const get = (id: PermissionId, type: string, fn: () => Promise<unknown>): Promise<ListResult> =>
      this.#call(id, namespace, signal, fn).then((l) => ({ kind: 'items', items: items(l, type) }));
    switch (kind) {
      case 'namespaces':
        return get('list-namespaces', 'V1NamespaceList', () => this.#core.listNamespace(q, o));
      case 'nodes':
        return get('list-nodes', 'V1NodeList', () => this.#core.listNode(q, o));
      case 'pods':
        return get('list-pods', 'V1PodList', () => namespace === undefined ? this.#core.listPodForAllNamespaces(q, o) : this.#core.listNamespacedPod({ namespace, ...q }, o));
      case 'services':
        return get('list-services', 'V1ServiceList', () => namespace === undefined ? this.#core.listServiceForAllNamespaces(q, o) : this.#core.listNamespacedService({ namespace, ...q }, o));
      case 'configmaps':
        return get('list-configmaps', 'V1ConfigMapList', () => namespace === undefined ? this.#core.listConfigMapForAllNamespaces(q, o) : this.#core.listNamespacedConfigMap({ namespace, ...q }, o));
      case 'endpointslices':
        return get('list-endpointslices', 'V1EndpointSliceList', () => this.#discovery.listEndpointSliceForAllNamespaces(q, o));
      case 'networkpolicies':
        return get('list-networkpolicies', 'V1NetworkPolicyList', () => this.#networking.listNetworkPolicyForAllNamespaces(q, o));
      default:
        return this.#listCustom(CUSTOM[kind], options);
    }
  }

  /** List a custom resource, trying its versions in order; 404 on all = not installed. */
  async #listCustom(id: PermissionId, options: ListOptions): Promise<ListResult> {
    const p: Permission = PERMISSIONS[id];
    const q = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };
    for (const version of p.versions ?? ['v1']) {
      try {
        const list: unknown = await this.#custom.listClusterCustomObject({ group: p.group, version, plural: p.resource, ...q }, withSignal(options.signal));
        return { kind: 'items', items: customItems(list) };
      } catch (err) {
        if (httpStatusOf(err) === 404) continue;
        const info = this.info();
        throw toClusterError(err, { permission: p, server: info.server, context: info.context }, options.signal);
      }
    }
    return { kind: 'not-installed', resource: `${p.resource}.${p.group}` };
  }

  async create(kind: WriteKind, namespace: string | undefined, body: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const o = withSignal(signal);
    const ns = namespace ?? '';
    const b = body as never;
    switch (kind) {
      case 'namespaces':
        return plain(await this.#call('create-namespaces', undefined, signal, () => this.#core.createNamespace({ body: b }, o)), 'V1Namespace');
      case 'configmaps':
        return plain(await this.#call('create-configmaps', ns, signal, () => this.#core.createNamespacedConfigMap({ namespace: ns, body: b }, o)), 'V1ConfigMap');
      case 'pods':
        return plain(await this.#call('create-pods', ns, signal, () => this.#core.createNamespacedPod({ namespace: ns, body: b }, o)), 'V1Pod');
      case 'services':
        return plain(await this.#call('create-services', ns, signal, () => this.#core.createNamespacedService({ namespace: ns, body: b }, o)), 'V1Service');
      default: {
        const never: never = kind;
        throw new MeshprobeError('E_INTERNAL', `cannot create ${String(never)}`);
      }
    }
  }

  async delete(kind: WriteKind, namespace: string | undefined, name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    const o = withSignal(signal);
    const ns = namespace ?? '';
    // Background propagation: the namespace controller removes contents; we do not wait.
    const common = { name, propagationPolicy: 'Background' };
    const run = (id: PermissionId, fn: () => Promise<unknown>): Promise<'deleted' | 'absent'> =>
      fn().then(
        () => 'deleted' as const,
        (err: unknown) => {
          if (httpStatusOf(err) === 404) return 'absent' as const;
          const info = this.info();
          throw toClusterError(err, { permission: PERMISSIONS[id], namespace, server: info.server, context: info.context }, signal);
        },
      );
    switch (kind) {
      case 'namespaces':
        return run('delete-namespaces', () => this.#core.deleteNamespace(common, o));
      case 'configmaps':
        return run('delete-configmaps', () => this.#core.deleteNamespacedConfigMap({ ...common, namespace: ns }, o));
      case 'pods':
        return run('delete-pods', () => this.#core.deleteNamespacedPod({ ...common, namespace: ns, gracePeriodSeconds: 0 }, o));
      case 'services':
        return run('delete-services', () => this.#core.deleteNamespacedService({ ...common, namespace: ns }, o));
      default: {
        const never: never = kind;
        throw new MeshprobeError('E_INTERNAL', `cannot delete ${String(never)}`);
      }
    }
  }

  async readPod(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
    try {
      return plain(await this.#core.readNamespacedPod({ name, namespace }, withSignal(signal)), 'V1Pod');
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      const info = this.info();
      throw toClusterError(err, { permission: PERMISSIONS['get-pods'], namespace, server: info.server, context: info.context }, signal);
    }
  }

  readPodLog(namespace: string, name: string, container: string, signal?: AbortSignal): Promise<string> {
    return this.#call('get-pods/log', namespace, signal, async () => {
      const text: unknown = await this.#core.readNamespacedPodLog({ name, namespace, container }, withSignal(signal));
      return typeof text === 'string' ? text : String(text ?? '');
    });
  }

  async checkAccess(
    checks: readonly { readonly permission: PermissionId; readonly namespace?: string }[],
    signal?: AbortSignal,
  ): Promise<readonly AccessCheck[]> {
    const results: AccessCheck[] = [];
    for (const check of checks) {
      const p = PERMISSIONS[check.permission];
      const [resource, subresource] = p.resource.split('/');
      const attrs = { verb: p.verb, group: p.group, resource, ...(subresource ? { subresource } : {}), ...(check.namespace ? { namespace: check.namespace } : {}) };
      const review = await this.#call('create-selfsubjectaccessreviews', undefined, signal, () =>
        this.#authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } } as never }, withSignal(signal)),
      );
      const reason = review.status?.reason;
      results.push({
        permission: check.permission,
        ...(check.namespace ? { namespace: check.namespace } : {}),
        allowed: review.status?.allowed === true,
        ...(reason ? { reason } : {}),
      });
    }
    return results;
  }
}

/** Load the kubeconfig and build the adapter. Throws E_KUBECONFIG. */
export function createKubeClient(options: KubeClientOptions): ClusterApi {
  return new KubeClient(loadKubeConfig(options));
}
