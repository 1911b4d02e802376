/**
 * The ClusterApi adapter over @kubernetes/client-node 1.4 — the ONLY importer of it.
 * Kubeconfig handling is the library's (--kubeconfig, KUBECONFIG, ~/.kube/config,
 * in-cluster); every call names its entry in PERMISSIONS so errors say exactly what was
 * forbidden and `meshprobe rbac` prints exactly what is used.
 */
import * as k8s from '@kubernetes/client-node';
import { MeshprobeError } from '../shared/errors.js';
import { pause, raceAbort } from '../shared/race-abort.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, loadKubeConfig, type KubeClientOptions } from './kubeconfig.js';
import { apiMessageOf, httpStatusOf, retryAfterOf, toClusterError } from './api-errors.js';
import { retryDelayMs } from './retry.js';
import { toWire } from './wire.js';
import { describePermission, PERMISSIONS, type Permission, type PermissionId } from './permissions.js';
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
} from './ports.js';

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
  return JSON.parse(JSON.stringify(toWire(value, type))) as KubeObject;
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
function withSignal(signal: AbortSignal): k8s.ConfigurationOptions {
  const mw = {
    pre: (ctx: k8s.RequestContext) => {
      ctx.setSignal(signal);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (rsp: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(rsp)),
  };
  return { middleware: [mw], middlewareMergeStrategy: 'append' } as unknown as k8s.ConfigurationOptions;
}

/** One request's signal: the caller's, plus a deadline whose reason says which call did not answer. */
interface RequestScope {
  readonly signal: AbortSignal;
  readonly options: k8s.ConfigurationOptions;
  done(): void;
}

/** The adapter. Construct with {@link createKubeClient}. */
class KubeClient implements ClusterApi {
  readonly #kc: k8s.KubeConfig;
  readonly #timeoutMs: number;
  readonly #core: k8s.CoreV1Api;
  readonly #discovery: k8s.DiscoveryV1Api;
  readonly #networking: k8s.NetworkingV1Api;
  readonly #custom: k8s.CustomObjectsApi;
  readonly #authz: k8s.AuthorizationV1Api;
  readonly #version: k8s.VersionApi;

  constructor(kc: k8s.KubeConfig, requestTimeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS) {
    this.#kc = kc;
    this.#timeoutMs = requestTimeoutMs;
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

  /** The request's signal: aborted by the caller, or after the request timeout with E_CLUSTER_UNREACHABLE. */
  #scope(p: Permission, namespace: string | undefined, signal: AbortSignal | undefined): RequestScope {
    const deadline = new AbortController();
    const seconds = Math.round(this.#timeoutMs / 100) / 10;
    const where = namespace === undefined ? '' : ` in namespace ${namespace}`;
    const timer = setTimeout(
      () =>
        deadline.abort(
          new MeshprobeError(
            'E_CLUSTER_UNREACHABLE',
            `the API server ${this.info().server} did not answer "${describePermission(p)}${where}" within ${seconds}s`,
            {
              hint: "Check the API server's health and the network path to it; raise --request-timeout for a slow but working server.",
            },
          ),
        ),
      this.#timeoutMs,
    );
    const s = signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]);
    return { signal: s, options: withSignal(s), done: () => clearTimeout(timer) };
  }

  /**
   * Run one call named by its permission within the request timeout; map every failure to a
   * MeshprobeError. With `on404`, a 404 answer becomes that value (absent object, CRD not installed).
   * An answer that says the server did nothing and may do it soon (429, a 5xx to a read, a new
   * namespace's missing ServiceAccount) is retried a bounded number of times (cluster/retry.ts).
   */
  async #call<T>(
    p: Permission,
    namespace: string | undefined,
    signal: AbortSignal | undefined,
    fn: (o: k8s.ConfigurationOptions) => Promise<T>,
    on404?: () => T,
  ): Promise<T> {
    for (let tries = 1; ; tries++) {
      const scope = this.#scope(p, namespace, signal);
      try {
        return await raceAbort(fn(scope.options), scope.signal);
      } catch (err) {
        const status = httpStatusOf(err);
        if (on404 !== undefined && status === 404) return on404();
        const failed = { verb: p.verb, status, message: apiMessageOf(err), retryAfterS: retryAfterOf(err) };
        const delay = scope.signal.aborted ? undefined : retryDelayMs(failed, tries);
        const again =
          delay !== undefined &&
          (await pause(delay, signal).then(
            () => true,
            () => false,
          ));
        if (!again) {
          const info = this.info();
          throw toClusterError(
            err,
            { permission: p, namespace, server: info.server, context: info.context },
            scope.signal,
          );
        }
      } finally {
        scope.done();
      }
    }
  }

  async version(signal?: AbortSignal): Promise<string | undefined> {
    try {
      const v = await this.#call(PERMISSIONS['get-version'], undefined, signal, (o) => this.#version.getCode(o));
      return v.gitVersion;
    } catch (err) {
      // Connectivity and credential problems matter; a hidden /version does not.
      if ((err as MeshprobeError).code === 'E_FORBIDDEN' || (err as MeshprobeError).code === 'E_API') return undefined;
      throw err;
    }
  }

  async list(kind: ListKind, options: ListOptions = {}): Promise<ListResult> {
    const { namespace, labelSelector, signal } = options;
    const q = labelSelector === undefined ? {} : { labelSelector };
    const get = (
      id: PermissionId,
      type: string,
      fn: (o: k8s.ConfigurationOptions) => Promise<unknown>,
    ): Promise<ListResult> =>
      this.#call(PERMISSIONS[id], namespace, signal, fn).then((l) => ({ kind: 'items', items: items(l, type) }));
    switch (kind) {
      case 'namespaces':
        return get('list-namespaces', 'V1NamespaceList', (o) => this.#core.listNamespace(q, o));
      case 'nodes':
        return get('list-nodes', 'V1NodeList', (o) => this.#core.listNode(q, o));
      case 'pods':
        return get('list-pods', 'V1PodList', (o) =>
          namespace === undefined
            ? this.#core.listPodForAllNamespaces(q, o)
            : this.#core.listNamespacedPod({ namespace, ...q }, o),
        );
      case 'services':
        return get('list-services', 'V1ServiceList', (o) =>
          namespace === undefined
            ? this.#core.listServiceForAllNamespaces(q, o)
            : this.#core.listNamespacedService({ namespace, ...q }, o),
        );
      case 'configmaps':
        return get('list-configmaps', 'V1ConfigMapList', (o) =>
          namespace === undefined
            ? this.#core.listConfigMapForAllNamespaces(q, o)
            : this.#core.listNamespacedConfigMap({ namespace, ...q }, o),
        );
      case 'endpointslices':
        return get('list-endpointslices', 'V1EndpointSliceList', (o) =>
          this.#discovery.listEndpointSliceForAllNamespaces(q, o),
        );
      case 'networkpolicies':
        return get('list-networkpolicies', 'V1NetworkPolicyList', (o) =>
          this.#networking.listNetworkPolicyForAllNamespaces(q, o),
        );
      default:
        return this.#listCustom(CUSTOM[kind], options);
    }
  }

  /** List a custom resource, trying its versions in order; 404 on all = not installed. */
  async #listCustom(id: PermissionId, options: ListOptions): Promise<ListResult> {
    const p: Permission = PERMISSIONS[id];
    const q = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };
    for (const version of p.versions ?? ['v1']) {
      const list: unknown = await this.#call(
        p,
        undefined,
        options.signal,
        (o) => this.#custom.listClusterCustomObject({ group: p.group, version, plural: p.resource, ...q }, o),
        () => NOT_FOUND,
      );
      if (list !== NOT_FOUND) return { kind: 'items', items: customItems(list) };
    }
    return { kind: 'not-installed', resource: `${p.resource}.${p.group}` };
  }

  async create(
    kind: WriteKind,
    namespace: string | undefined,
    body: KubeObject,
    signal?: AbortSignal,
  ): Promise<KubeObject> {
    const ns = namespace ?? '';
    const b = body as never;
    const make = async (
      id: PermissionId,
      type: string,
      fn: (o: k8s.ConfigurationOptions) => Promise<unknown>,
    ): Promise<KubeObject> => plain(await this.#call(PERMISSIONS[id], namespace, signal, fn), type);
    switch (kind) {
      case 'namespaces':
        return make('create-namespaces', 'V1Namespace', (o) => this.#core.createNamespace({ body: b }, o));
      case 'configmaps':
        return make('create-configmaps', 'V1ConfigMap', (o) =>
          this.#core.createNamespacedConfigMap({ namespace: ns, body: b }, o),
        );
      case 'pods':
        return make('create-pods', 'V1Pod', (o) => this.#core.createNamespacedPod({ namespace: ns, body: b }, o));
      case 'services':
        return make('create-services', 'V1Service', (o) =>
          this.#core.createNamespacedService({ namespace: ns, body: b }, o),
        );
      default: {
        const never: never = kind;
        throw new MeshprobeError('E_INTERNAL', `cannot create ${String(never)}`);
      }
    }
  }

  async delete(
    kind: WriteKind,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<'deleted' | 'absent'> {
    const ns = namespace ?? '';
    // Background propagation: the namespace controller removes contents; we do not wait.
    const common = { name, propagationPolicy: 'Background' };
    const run = (
      id: PermissionId,
      fn: (o: k8s.ConfigurationOptions) => Promise<unknown>,
    ): Promise<'deleted' | 'absent'> =>
      this.#call<'deleted' | 'absent'>(
        PERMISSIONS[id],
        namespace,
        signal,
        (o) => fn(o).then(() => 'deleted'),
        () => 'absent',
      );
    switch (kind) {
      case 'namespaces':
        return run('delete-namespaces', (o) => this.#core.deleteNamespace(common, o));
      case 'configmaps':
        return run('delete-configmaps', (o) => this.#core.deleteNamespacedConfigMap({ ...common, namespace: ns }, o));
      case 'pods':
        return run('delete-pods', (o) =>
          this.#core.deleteNamespacedPod({ ...common, namespace: ns, gracePeriodSeconds: 0 }, o),
        );
      case 'services':
        return run('delete-services', (o) => this.#core.deleteNamespacedService({ ...common, namespace: ns }, o));
      default: {
        const never: never = kind;
        throw new MeshprobeError('E_INTERNAL', `cannot delete ${String(never)}`);
      }
    }
  }

  async readPod(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
    const pod = await this.#call<unknown>(
      PERMISSIONS['get-pods'],
      namespace,
      signal,
      (o) => this.#core.readNamespacedPod({ name, namespace }, o),
      () => undefined,
    );
    return pod === undefined ? undefined : plain(pod, 'V1Pod');
  }

  readPodLog(namespace: string, name: string, container: string, signal?: AbortSignal): Promise<string> {
    return this.#call(PERMISSIONS['get-pods/log'], namespace, signal, async (o) => {
      const text: unknown = await this.#core.readNamespacedPodLog({ name, namespace, container }, o);
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
      const attrs = {
        verb: p.verb,
        group: p.group,
        resource,
        ...(subresource ? { subresource } : {}),
        ...(check.namespace ? { namespace: check.namespace } : {}),
      };
      const review = await this.#call(PERMISSIONS['create-selfsubjectaccessreviews'], undefined, signal, (o) =>
        this.#authz.createSelfSubjectAccessReview(
          {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: { resourceAttributes: attrs },
            } as never,
          },
          o,
        ),
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

/** Marker for "404 on this version" while trying a custom resource's versions. */
const NOT_FOUND: unique symbol = Symbol('not-found');

export { loadKubeConfig, type KubeClientOptions } from './kubeconfig.js';

/** Load the kubeconfig and build the adapter. Throws E_KUBECONFIG. */
export function createKubeClient(options: KubeClientOptions): ClusterApi {
  return new KubeClient(loadKubeConfig(options), options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
}
