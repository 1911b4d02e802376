/**
 * DEPLOY (DESIGN §1 step 3): the per-run namespace, agent ConfigMaps, the echo pod and
 * Service, batch ConfigMaps and probe pods. Every create pushes its delete onto the
 * finalizer stack FIRST, so an interrupted or half-failed create is still cleaned up.
 * Objects in the per-run namespace go with the namespace; objects in other namespaces
 * get their own finalizers. Permissions are checked up front (nothing is created when one
 * is missing), so a later 403 on create is an admission rejection (PSA, webhooks).
 */
import { isMeshprobeError, MeshprobeError } from '../shared/errors.js';
import type { FinalizerStack } from './finalizers.js';
import type { ClusterApi, KubeObject, WriteKind } from '../cluster/ports.js';
import { describePermission, PERMISSIONS, type PermissionId } from '../cluster/permissions.js';
import {
  agentConfigMap,
  batchConfigMap,
  echoPodManifest,
  echoServiceManifest,
  namespaceManifest,
  probePodManifest,
  ECHO_NAME,
  type ControllerOwner,
} from '../plan/pods.js';
import type { PlannedPod, RunPlan } from '../plan/plan.js';

/** What deploy needs from the outside. */
export interface DeployContext {
  readonly api: ClusterApi;
  readonly finalizers: FinalizerStack;
  readonly signal: AbortSignal;
  readonly runId: string;
  readonly image: string;
  /** activeDeadlineSeconds for the echo pod (the whole run) and a cap for probe pods. */
  readonly runDeadlineSeconds: number;
  /** How long pods may take to start, seconds (added to each probe pod's deadline). */
  readonly podReadyTimeoutSeconds: number;
  readonly files: { readonly agent: string; readonly echo: string };
  /**
   * Agent ConfigMaps per namespace, made or being made (resolves undefined = made, else why not),
   * shared by the sweep round and the main deployment so a namespace's agent ConfigMap is created
   * once, also when pods of one namespace are created side by side.
   */
  readonly agentReady?: Map<string, Promise<MeshprobeError | undefined>>;
}

const WRITE_NEEDS: readonly PermissionId[] = [
  'create-configmaps',
  'delete-configmaps',
  'create-pods',
  'delete-pods',
  'get-pods',
  'get-pods/log',
];

/** Check every permission the deploy needs; E_FORBIDDEN listing all that are missing. */
export async function preflight(
  api: ClusterApi,
  probeNamespace: string,
  podNamespaces: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const checks = [
    { permission: 'create-namespaces' as const },
    { permission: 'delete-namespaces' as const },
    { permission: 'create-services' as const, namespace: probeNamespace },
    ...[...new Set([probeNamespace, ...podNamespaces])].flatMap((namespace) =>
      WRITE_NEEDS.map((permission) => ({ permission, namespace })),
    ),
  ];
  const results = await api.checkAccess(checks, signal);
  const denied = results.filter((r) => !r.allowed);
  if (denied.length === 0) return;
  const list = denied.map(
    (d) => `${describePermission(PERMISSIONS[d.permission])}${d.namespace ? ` in ${d.namespace}` : ''}`,
  );
  throw new MeshprobeError('E_FORBIDDEN', `missing permissions, nothing was created: ${list.join('; ')}`, {
    hint: 'Run `meshprobe rbac` to print the least-privilege ClusterRole meshprobe needs and have it bound to you (or use --no-foreign-pods).',
  });
}

/** Push the delete, then create; a rejection by admission becomes E_DEPLOY with the API's message. */
async function createWithFinalizer(
  ctx: DeployContext,
  kind: WriteKind,
  body: KubeObject,
  finalize: boolean,
): Promise<KubeObject> {
  const ns = body.metadata?.namespace;
  const name = body.metadata?.name ?? '';
  if (finalize)
    ctx.finalizers.push(
      `${kind.replace(/s$/, '')} ${ns ? `${ns}/` : ''}${name}`,
      async (signal) => void (await ctx.api.delete(kind, ns, name, signal)),
    );
  try {
    return await ctx.api.create(kind, ns, body, ctx.signal);
  } catch (err) {
    if (isMeshprobeError(err) && (err.code === 'E_FORBIDDEN' || err.code === 'E_API')) {
      throw new MeshprobeError(
        'E_DEPLOY',
        `the API server rejected ${kind.replace(/s$/, '')} ${ns ? `${ns}/` : ''}${name}: ${err.message}`,
        {
          hint: "An admission policy (Pod Security, a webhook, a quota) refused it; the message above is the API server's.",
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** Namespace, agent ConfigMap, echo pod and Service. Returns the echo Service's ClusterIP. */
export async function deployBase(ctx: DeployContext): Promise<string> {
  const ns = namespaceManifest(ctx.runId);
  const probeNamespace = ns.metadata?.name ?? '';
  await createWithFinalizer(ctx, 'namespaces', ns, true);
  await createWithFinalizer(ctx, 'configmaps', agentConfigMap(ctx.runId, probeNamespace, ctx.files), false);
  await createWithFinalizer(ctx, 'pods', echoPodManifest(ctx.runId, ctx.image, ctx.runDeadlineSeconds), false);
  const svc = await createWithFinalizer(ctx, 'services', echoServiceManifest(ctx.runId), false);
  const ip = (svc.spec as { clusterIP?: unknown } | undefined)?.clusterIP;
  if (typeof ip !== 'string' || ip === '' || ip === 'None') {
    throw new MeshprobeError('E_DEPLOY', `the echo Service ${probeNamespace}/${ECHO_NAME} got no ClusterIP`);
  }
  return ip;
}

/** What happened to one planned pod. */
export type PodDeployment =
  | { readonly kind: 'created'; readonly pod: PlannedPod }
  | { readonly kind: 'failed'; readonly pod: PlannedPod; readonly error: MeshprobeError };

/**
 * Pods created side by side. Each pod is two or three API round trips (agent ConfigMap once per
 * namespace, batch ConfigMap, pod), and a round waits for its last pod: one after the other, a
 * remote API server's latency adds up on that path. On the lab (API server on the same 2 cores)
 * it made no measurable difference: there container start is CPU-bound (README, Benchmark).
 * Eight keeps a busy API server's queue short (its default max-mutating-requests-inflight is 200).
 */
export const DEPLOY_CONCURRENCY = 8;

/** The agent ConfigMap of a namespace, created once however many pods ask for it at the same time. */
function agentIn(ctx: DeployContext, ready: Map<string, Promise<MeshprobeError | undefined>>, namespace: string) {
  let made = ready.get(namespace);
  if (made === undefined) {
    made = createWithFinalizer(ctx, 'configmaps', agentConfigMap(ctx.runId, namespace, ctx.files), true).then(
      () => undefined,
      (err: unknown) => (isMeshprobeError(err) ? err : new MeshprobeError('E_DEPLOY', String(err))),
    );
    ready.set(namespace, made);
  }
  return made;
}

/** Batch ConfigMap and pod of one planned pod (after its namespace's agent ConfigMap). */
async function deployOne(
  ctx: DeployContext,
  ready: Map<string, Promise<MeshprobeError | undefined>>,
  pod: PlannedPod,
  foreign: boolean,
): Promise<void> {
  const agentError = await agentIn(ctx, ready, pod.namespace);
  if (agentError) throw agentError;
  const batch = await createWithFinalizer(
    ctx,
    'configmaps',
    batchConfigMap(ctx.runId, pod.namespace, pod.name, pod.batch),
    foreign,
  );
  const deadline = Math.min(
    ctx.runDeadlineSeconds,
    Math.ceil(pod.batch.deadlineMs / 1000) + ctx.podReadyTimeoutSeconds + 30,
  );
  const identity = pod.identity ? { workload: pod.identity, owner: controllerOwner(batch, pod) } : undefined;
  await createWithFinalizer(
    ctx,
    'pods',
    probePodManifest({
      runId: ctx.runId,
      name: pod.name,
      namespace: pod.namespace,
      vantage: pod.vantage,
      image: ctx.image,
      activeDeadlineSeconds: deadline,
      ...(identity ? { identity } : {}),
    }),
    foreign,
  );
}

/**
 * Agent ConfigMaps in foreign namespaces, then per pod its batch ConfigMap and the pod,
 * {@link DEPLOY_CONCURRENCY} pods at a time; the result is in plan order. A failure in the
 * probe namespace aborts, after every create already started has settled (so each has its
 * finalizer and no create is still in flight when cleanup starts); in another namespace only
 * that pod is lost (its attempts stay without observation → inconclusive) and the run continues.
 */
export async function deployPods(
  ctx: DeployContext,
  plan: Pick<RunPlan, 'pods' | 'probeNamespace'>,
): Promise<readonly PodDeployment[]> {
  const ready = ctx.agentReady ?? new Map<string, Promise<MeshprobeError | undefined>>();
  if (!ready.has(plan.probeNamespace)) ready.set(plan.probeNamespace, Promise.resolve(undefined));
  const out: PodDeployment[] = new Array(plan.pods.length);
  let fatal: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < plan.pods.length) {
      const i = next++;
      const pod = plan.pods[i] as PlannedPod;
      const foreign = pod.namespace !== plan.probeNamespace;
      try {
        await deployOne(ctx, ready, pod, foreign);
        out[i] = { kind: 'created', pod };
      } catch (err) {
        if (!foreign || !isMeshprobeError(err) || err.code !== 'E_DEPLOY') fatal ??= { error: err };
        else out[i] = { kind: 'failed', pod, error: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DEPLOY_CONCURRENCY, plan.pods.length) }, worker));
  if (fatal !== undefined) throw fatal.error;
  return out;
}

/**
 * The batch ConfigMap as the identity pod's controller: a controller must exist in the pod's
 * namespace with a real uid, or the garbage collector deletes the pod at once. Without a uid
 * the pod is not created (a controller-less pod with the workload's labels could be adopted).
 */
function controllerOwner(batch: KubeObject, pod: PlannedPod): ControllerOwner {
  const uid = batch.metadata?.uid;
  if (typeof uid !== 'string' || uid === '') {
    const what = `the batch ConfigMap of ${pod.namespace}/${pod.name} came back without a uid, so the identity pod is not created`;
    throw new MeshprobeError('E_DEPLOY', what);
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', name: batch.metadata?.name ?? `${pod.name}-batch`, uid };
}
