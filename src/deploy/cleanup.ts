/**
 * `meshprobe cleanup [--run-id X]`: find everything labelled by meshprobe (optionally one
 * run) and delete it through the same finalizer stack a run uses at its end. Objects inside
 * meshprobe's own namespaces go with their namespace; objects elsewhere are deleted one by
 * one (pods before the ConfigMaps they mount). Idempotent: what is gone is not an error.
 */
import { managedSelector, MANAGED_BY_KEY, MANAGED_BY_VALUE, RUN_ID_KEY } from '../cluster/labels.js';
import type { ClusterApi, KubeObject, WriteKind } from '../cluster/ports.js';
import { FinalizerStack, type FinalizerResult } from './finalizers.js';

/** Options for {@link cleanupLabelled}. */
export interface CleanupOptions {
  readonly runId?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly onStep?: (label: string) => void;
}

/** True only for objects that carry meshprobe's labels (and the run id, when given). */
function isOurs(o: KubeObject, runId: string | undefined): boolean {
  const labels = o.metadata?.labels ?? {};
  return labels[MANAGED_BY_KEY] === MANAGED_BY_VALUE && (runId === undefined || labels[RUN_ID_KEY] === runId);
}

async function listed(
  api: ClusterApi,
  kind: WriteKind,
  runId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<readonly KubeObject[]> {
  const r = await api.list(kind, { labelSelector: managedSelector(runId), ...(signal ? { signal } : {}) });
  // Never trust the server-side filter alone with a delete: re-check the labels here.
  return r.kind === 'items' ? r.items.filter((o) => isOurs(o, runId)) : [];
}

/** Delete every meshprobe-labelled object (of one run, when given). Lists can throw (E_FORBIDDEN...); deletes never do. */
export async function cleanupLabelled(api: ClusterApi, o: CleanupOptions = {}): Promise<FinalizerResult> {
  const [namespaces, services, configmaps, pods] = await Promise.all(
    (['namespaces', 'services', 'configmaps', 'pods'] as const).map((k) => listed(api, k, o.runId, o.signal)),
  );
  const own = new Set((namespaces ?? []).map((n) => n.metadata?.name ?? ''));
  const stack = new FinalizerStack();
  // Pushed in reverse of the order they should run: namespaces last.
  for (const ns of namespaces ?? []) {
    const name = ns.metadata?.name ?? '';
    // A namespace already terminating answers 409 to a second delete; it is on its way out.
    if (ns.metadata?.deletionTimestamp !== undefined)
      stack.push(`namespace ${name} (already terminating)`, async () => undefined);
    else
      stack.push(`namespace ${name}`, async (signal) => void (await api.delete('namespaces', undefined, name, signal)));
  }
  for (const [kind, objects] of [
    ['services', services],
    ['configmaps', configmaps],
    ['pods', pods],
  ] as const) {
    for (const obj of objects ?? []) {
      const ns = obj.metadata?.namespace ?? '';
      const name = obj.metadata?.name ?? '';
      if (own.has(ns) || obj.metadata?.deletionTimestamp !== undefined) continue;
      stack.push(
        `${kind.replace(/s$/, '')} ${ns}/${name}`,
        async (signal) => void (await api.delete(kind, ns, name, signal)),
      );
    }
  }
  return stack.runAll({
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.onStep ? { onStep: o.onStep } : {}),
  });
}
