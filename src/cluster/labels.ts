/**
 * Labels and annotations meshprobe puts on every object it creates (DESIGN §5), and the
 * selectors cleanup uses to find them again. One place, so creation and cleanup agree.
 */

/** `app.kubernetes.io/managed-by=meshprobe` on every object meshprobe creates. */
export const MANAGED_BY_KEY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'meshprobe';
/** The run that created the object. */
export const RUN_ID_KEY = 'meshprobe.io/run-id';
/** Which vantage a probe pod stands for (label-safe form of the vantage id). */
export const VANTAGE_KEY = 'meshprobe.io/vantage';
/** What the object is for: agent | batch | probe | echo | namespace. */
const COMPONENT_KEY = 'meshprobe.io/component';

/** Selector for everything meshprobe created, or one run's objects. */
export function managedSelector(runId?: string): string {
  const base = `${MANAGED_BY_KEY}=${MANAGED_BY_VALUE}`;
  return runId === undefined ? base : `${base},${RUN_ID_KEY}=${runId}`;
}

/** The labels every created object carries. */
export function runLabels(runId: string, component: string): Readonly<Record<string, string>> {
  return { [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [RUN_ID_KEY]: runId, [COMPONENT_KEY]: component };
}

/**
 * Label values must be ≤ 63 chars of [A-Za-z0-9-_.], starting and ending alphanumeric.
 * "from-namespace:payments" → "from-namespace.payments".
 */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '.').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** True when a run id is safe to use in names and label values (what `newRunId` produces). */
export function isValidRunId(runId: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/.test(runId);
}

/**
 * A new run id: UTC date-time plus 4 random hex chars, e.g. "20261123-185612-a1b2"
 * (DNS-label safe, sorts by time). `random` is injected so callers stay testable.
 */
export function newRunId(now: Date, random: string): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${stamp}-${random
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 4)
    .padEnd(4, '0')}`;
}
