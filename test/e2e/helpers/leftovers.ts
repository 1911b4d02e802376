/**
 * The leftover checker: every object labelled app.kubernetes.io/managed-by=meshprobe, in all
 * namespaces, of every kind meshprobe creates or could create. After any run — finished,
 * aborted, interrupted — the list must be empty. Namespace deletion is asynchronous, so the
 * check polls (bounded) until nothing is left or the limit passes, then names what remains.
 */
import type { Lab } from './lab.js';
import { kubectl, sleep } from './kubectl.js';

/** The label every meshprobe object carries (DESIGN §5). */
export const MANAGED_BY_SELECTOR = 'app.kubernetes.io/managed-by=meshprobe';

/** Kinds checked: namespaced and cluster-scoped, everything a run could leave behind. */
export const LEFTOVER_KINDS: readonly string[] = [
  'namespaces',
  'pods',
  'configmaps',
  'services',
  'endpoints',
  'secrets',
  'serviceaccounts',
  'networkpolicies',
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'jobs',
  'deployments',
  'replicasets',
  'daemonsets',
  'persistentvolumeclaims',
];

/** One object that should not be there. */
export interface Leftover {
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** True when deletion has started but not finished (deletionTimestamp set). */
  readonly terminating: boolean;
}

interface ListItem {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly deletionTimestamp?: string };
}

/** Parse `kubectl get <kinds> -A -l ... -o json` output into leftovers. Pure. */
export function parseLeftovers(json: string): Leftover[] {
  const list = JSON.parse(json) as { items?: readonly ListItem[] };
  return (list.items ?? []).map((i) => ({
    kind: i.kind ?? 'Unknown',
    namespace: i.metadata?.namespace,
    name: i.metadata?.name ?? '?',
    terminating: i.metadata?.deletionTimestamp !== undefined,
  }));
}

/** "Pod probe-ns/agent-1 (terminating)" lines. Pure. */
export function describeLeftovers(items: readonly Leftover[]): string {
  return items
    .map((i) => `${i.kind} ${i.namespace ? `${i.namespace}/` : ''}${i.name}${i.terminating ? ' (terminating)' : ''}`)
    .sort()
    .join('\n');
}

/**
 * One look: every object of LEFTOVER_KINDS the selector matches (default: every meshprobe-labelled
 * one; a test sharing the lab narrows it to its run id). Throws if kubectl fails.
 */
export function findLeftovers(lab: Lab, selector = MANAGED_BY_SELECTOR): Leftover[] {
  const r = kubectl(lab, [
    'get',
    LEFTOVER_KINDS.join(','),
    '--all-namespaces',
    '-l',
    selector,
    '-o',
    'json',
    '--ignore-not-found',
  ]);
  if (r.code !== 0) throw new Error(`leftover check: kubectl get exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout.trim() === '' ? [] : parseLeftovers(r.stdout);
}

/**
 * Poll until no meshprobe-labelled object remains (objects may still be terminating right
 * after a run), at most `limitMs`. Stops early when nothing left is terminating and the same
 * objects have stood for `stableMs`: nobody is deleting them, so waiting longer only hides the
 * failure behind the limit (a stale cluster once cost CI 180 s per check). Returns what is left
 * at the end (empty = clean).
 */
export async function waitForNoLeftovers(
  lab: Lab,
  limitMs = 180_000,
  everyMs = 2_000,
  stableMs = 30_000,
  selector = MANAGED_BY_SELECTOR,
): Promise<Leftover[]> {
  const deadline = Date.now() + limitMs;
  let last = '';
  let sameSince = Date.now();
  for (;;) {
    const left = findLeftovers(lab, selector);
    if (left.length === 0 || Date.now() >= deadline) return left;
    const now = describeLeftovers(left);
    if (now !== last) [last, sameSince] = [now, Date.now()];
    else if (!left.some((l) => l.terminating) && Date.now() - sameSince >= stableMs) return left;
    await sleep(everyMs);
  }
}

/** Assert-style helper for tests: resolves to a message when something is left, else undefined. */
export async function leftoverProblem(
  lab: Lab,
  limitMs?: number,
  selector = MANAGED_BY_SELECTOR,
): Promise<string | undefined> {
  const left = await waitForNoLeftovers(lab, limitMs, undefined, undefined, selector);
  return left.length === 0
    ? undefined
    : `${left.length} meshprobe-labelled objects were left behind:\n${describeLeftovers(left)}`;
}
