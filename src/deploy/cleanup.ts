/**
 * Cleanup, for `meshprobe cleanup [--run-id X]` and for the end of a run: run the run's own
 * finalizers (when given), then find everything still labelled by meshprobe (optionally one run)
 * and delete it, then list again to verify nothing is left. Objects inside meshprobe's own
 * namespaces go with their namespace; objects elsewhere are deleted one by one (pods before the
 * ConfigMaps they mount). Every call is retried while the API server is unreachable or answers
 * 429/5xx, within one budget (cleanup-retry.ts), so a cleanup that starts during an API-server
 * restart waits for it and still ends by itself. Idempotent: what is gone is not an error.
 */
import { isTransientClusterError } from '../cluster/api-errors.js';
import { managedSelector, MANAGED_BY_KEY, MANAGED_BY_VALUE, RUN_ID_KEY } from '../cluster/labels.js';
import type { ClusterApi, KubeObject, WriteKind } from '../cluster/ports.js';
import type { MeshprobeError } from '../shared/errors.js';
import type { Backoff } from '../cluster/retry.js';
import { CLEANUP_BACKOFF, openBudget, retrying, type CleanupScope } from './cleanup-retry.js';
import { FinalizerStack, messageOf, type FinalizerResult } from './finalizers.js';

/**
 * Default cleanup budget, 120 s: an API-server restart takes ≈ 17–29 s on the lab (`npm run chaos`)
 * and up to about a minute for a kubelet-managed static pod, which leaves time for the deletes and
 * the check; a cluster that stays away costs a CI job at most two minutes before the
 * `meshprobe cleanup --run-id` command is printed.
 */
export const DEFAULT_CLEANUP_TIMEOUT_MS = 120_000;

/** Options for {@link cleanupLabelled}. */
export interface CleanupOptions {
  readonly runId?: string;
  /** Stops the cleanup early (the user pressed Ctrl-C during `meshprobe cleanup`). A run's cleanup passes none. */
  readonly signal?: AbortSignal;
  /** Budget of the whole cleanup, retries and the check included; default {@link DEFAULT_CLEANUP_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  readonly onStep?: (label: string) => void;
  /** Called before each pause of a retried call (progress: "API server unreachable, retrying"). */
  readonly onRetry?: (what: string, error: MeshprobeError, delayMs: number) => void;
  /** Pauses between retries (tests use short ones). */
  readonly backoff?: Backoff;
  /** A run's finalizers (every create pushed its delete): run first, then the labelled objects are checked. */
  readonly finalizers?: FinalizerStack;
}

/** True only for objects that carry meshprobe's labels (and the run id, when given). */
function isOurs(o: KubeObject, runId: string | undefined): boolean {
  const labels = o.metadata?.labels ?? {};
  return labels[MANAGED_BY_KEY] === MANAGED_BY_VALUE && (runId === undefined || labels[RUN_ID_KEY] === runId);
}

const KINDS = ['namespaces', 'services', 'configmaps', 'pods'] as const;

/** meshprobe's objects of each kind, as listed now. */
type Found = Readonly<Record<(typeof KINDS)[number], readonly KubeObject[]>>;

async function listed(api: ClusterApi, kind: WriteKind, runId: string | undefined, scope: CleanupScope) {
  const r = await retrying(
    `list ${kind}`,
    (signal) => api.list(kind, { labelSelector: managedSelector(runId), signal }),
    scope,
  );
  // Never trust the server-side filter alone with a delete: re-check the labels here.
  return r.kind === 'items' ? r.items.filter((o) => isOurs(o, runId)) : [];
}

async function find(api: ClusterApi, runId: string | undefined, scope: CleanupScope): Promise<Found> {
  const [namespaces = [], services = [], configmaps = [], pods = []] = await Promise.all(
    KINDS.map((k) => listed(api, k, runId, scope)),
  );
  return { namespaces, services, configmaps, pods };
}

/** What still has to go: labels and deletes, in the order they must run (namespaces last). */
function toDelete(
  found: Found,
): { readonly label: string; readonly kind: WriteKind; readonly ns?: string; readonly name: string }[] {
  const own = new Set(found.namespaces.map((n) => n.metadata?.name ?? ''));
  const out: { label: string; kind: WriteKind; ns?: string; name: string }[] = [];
  for (const kind of ['pods', 'configmaps', 'services'] as const) {
    for (const obj of found[kind]) {
      const ns = obj.metadata?.namespace ?? '';
      const name = obj.metadata?.name ?? '';
      // Objects in our own namespaces go with it; objects already being deleted are on their way out.
      if (own.has(ns) || obj.metadata?.deletionTimestamp !== undefined) continue;
      out.push({ label: `${kind.replace(/s$/, '')} ${ns}/${name}`, kind, ns, name });
    }
  }
  for (const ns of found.namespaces) {
    // A namespace already terminating answers 409 to a second delete; it is on its way out.
    if (ns.metadata?.deletionTimestamp !== undefined) continue;
    out.push({ label: `namespace ${ns.metadata?.name ?? ''}`, kind: 'namespaces', name: ns.metadata?.name ?? '' });
  }
  return out;
}

/** Run a stack with every step retried within the scope's budget. */
function runStack(stack: FinalizerStack, scope: CleanupScope, o: CleanupOptions, budgetMs: number) {
  return stack.runAll({
    timeoutMs: budgetMs,
    signal: scope.signal,
    attempt: (label, run) => retrying(`delete ${label}`, run, scope),
    ...(o.onStep ? { onStep: o.onStep } : {}),
  });
}

/** Delete what `found` lists. Pushed in reverse of the order they should run. */
function deleteFound(api: ClusterApi, found: Found, scope: CleanupScope, o: CleanupOptions, budgetMs: number) {
  const stack = new FinalizerStack();
  for (const d of toDelete(found).reverse())
    stack.push(d.label, async (signal) => void (await api.delete(d.kind, d.ns, d.name, signal)));
  return runStack(stack, scope, o, budgetMs);
}

/** How a check ended: what is there and what of it still has to go (empty = verified), or why listing failed. */
type Check =
  | { readonly kind: 'listed'; readonly found: Found; readonly left: readonly string[] }
  | { readonly kind: 'failed'; readonly error: unknown };

async function check(api: ClusterApi, runId: string | undefined, scope: CleanupScope): Promise<Check> {
  try {
    const found = await find(api, runId, scope);
    return { kind: 'listed', found, left: toDelete(found).map((d) => d.label) };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/**
 * Delete every meshprobe-labelled object (of one run, when given), after the run's finalizers
 * when given, and verify by listing. Never throws: what could not be done is in `problems`, with
 * `finishCommand` when something may be left. `ok` means a list found nothing left; when listing
 * is forbidden (not a passing outage), the deletes' own result decides and `verified` is false.
 */
export async function cleanupLabelled(api: ClusterApi, o: CleanupOptions = {}): Promise<FinalizerResult> {
  const budgetMs = o.timeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS;
  const budget = openBudget(budgetMs, o.signal);
  const scope: CleanupScope = {
    signal: budget.signal,
    backoff: o.backoff ?? CLEANUP_BACKOFF,
    retries: 0,
    ...(o.onRetry ? { onRetry: o.onRetry } : {}),
  };
  try {
    const first = o.finalizers ? await runStack(o.finalizers, scope, o, budgetMs) : undefined;
    const before = await check(api, o.runId, scope);
    const swept =
      before.kind === 'listed' && before.left.length > 0
        ? await deleteFound(api, before.found, scope, o, budgetMs)
        : undefined;
    const after = swept === undefined ? before : await check(api, o.runId, scope);
    return settle({ o, first, swept, after, scope, budget: budget.signal });
  } finally {
    budget.dispose();
  }
}

interface Outcome {
  readonly o: CleanupOptions;
  readonly first: FinalizerResult | undefined;
  readonly swept: FinalizerResult | undefined;
  readonly after: Check;
  readonly scope: CleanupScope;
  readonly budget: AbortSignal;
}

/** The result from what each part did (pure apart from reading the budget's state). */
function settle(x: Outcome): FinalizerResult {
  const deleted = [...(x.first?.deleted ?? []), ...(x.swept?.deleted ?? [])];
  const attempted = (x.first?.attempted ?? false) || (x.swept?.attempted ?? false) || x.after.kind === 'failed';
  const stepProblems = [...(x.first?.problems ?? []), ...(x.swept?.problems ?? [])];
  const verified = x.after.kind === 'listed' && x.after.left.length === 0;
  // A forbidden list cannot verify a run's finalizers, but says nothing against them (a list lost to an
  // outage does); without finalizers, a failed list means nothing was done.
  const unverifiable = x.after.kind === 'failed' && !isTransientClusterError(x.after.error) && !x.budget.aborted;
  const ok = verified || (unverifiable && x.first?.attempted === true && stepProblems.length === 0);
  const retries = x.scope.retries > 0 ? { retries: x.scope.retries } : {};
  if (ok) return { attempted, ok, deleted, problems: [], verified, ...retries };
  // The budget first: it is why the rest is unfinished.
  const problems = x.budget.aborted ? [messageOf(x.budget.reason), ...stepProblems] : [...stepProblems];
  if (x.after.kind === 'listed') problems.push(...x.after.left.map((l) => `${l}: still present`));
  else problems.push(`could not list what is left: ${messageOf(x.after.error)}`);
  const command = x.o.runId === undefined ? 'meshprobe cleanup' : `meshprobe cleanup --run-id ${x.o.runId}`;
  return { attempted: true, ok, deleted, problems, verified, ...retries, finishCommand: command };
}
