/**
 * Server-side apply of objects meshprobe renders for the user to keep (the scheduled run of
 * `meshprobe schedule --apply`). Not part of the ClusterApi port: a run never installs anything,
 * and what it needs stays exactly the permission list `meshprobe rbac` prints.
 */
import * as k8s from '@kubernetes/client-node';
import { MeshprobeError } from '../shared/errors.js';
import { raceAbort } from '../shared/race-abort.js';
import { toClusterError } from './api-errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, loadKubeConfig, type KubeClientOptions } from './kubeconfig.js';
import type { KubeObject } from './ports.js';

/** Field manager named in managedFields, so `kubectl` shows who owns the fields. */
export const FIELD_MANAGER = 'meshprobe-schedule';

/** "ConfigMap meshprobe/meshprobe" for messages. */
export function objectRef(o: KubeObject): string {
  const ns = o.metadata?.namespace;
  return `${o.kind ?? '?'} ${ns === undefined ? '' : `${ns}/`}${o.metadata?.name ?? '?'}`;
}

function applyError(err: unknown, o: KubeObject, server: string, context: string, signal: AbortSignal): MeshprobeError {
  const resource = `${(o.kind ?? '').toLowerCase()}s`;
  const p = { verb: 'create', group: '', resource, why: 'install the scheduled run', neededBy: [] } as const;
  const e = toClusterError(err, { permission: p, namespace: o.metadata?.namespace, server, context }, signal);
  if (e.code !== 'E_FORBIDDEN') return e;
  return new MeshprobeError('E_FORBIDDEN', `forbidden to apply ${objectRef(o)}: ${e.message}`, {
    hint:
      'Installing a schedule creates a ClusterRole and its binding, which needs cluster-admin rights; ' +
      'or print it without --apply and have an administrator apply it (kubectl apply -f).',
    cause: err,
  });
}

/**
 * Apply each object in order (server-side apply, forced: meshprobe owns these fields) and
 * return one "applied <Kind> <ns>/<name>" line per object. Stops at the first error.
 */
export async function applyObjects(
  objects: readonly KubeObject[],
  options: KubeClientOptions & { readonly signal: AbortSignal },
): Promise<string[]> {
  const kc = loadKubeConfig(options);
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const server = kc.getCurrentCluster()?.server ?? '';
  const done: string[] = [];
  for (const o of objects) {
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new MeshprobeError(
            'E_CLUSTER_UNREACHABLE',
            `the API server ${server} did not answer "apply ${objectRef(o)}" in time`,
            { hint: "Check the API server's health; raise --request-timeout for a slow but working server." },
          ),
        ),
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
    const signal = AbortSignal.any([options.signal, deadline.signal]);
    try {
      const spec = o as unknown as k8s.KubernetesObject;
      const applied = client.patch(spec, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
      await raceAbort(applied, signal);
    } catch (err) {
      throw applyError(err, o, server, kc.getCurrentContext(), signal);
    } finally {
      clearTimeout(timer);
    }
    done.push(`applied ${objectRef(o)}`);
  }
  return done;
}
