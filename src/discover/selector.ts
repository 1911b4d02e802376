/**
 * Kubernetes label selectors, pure: the text form (`--scope pci.scope=cde,tier!=web`) and
 * the object form (`matchLabels` / `matchExpressions`) used by NetworkPolicy, Istio and Linkerd.
 */
import { arrayField, field } from './snapshot.js';

type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

/** Parse "a=b,c!=d,e,!f,g in (x,y),h notin (z)"; undefined when malformed. */
export function parseSelector(text: string): readonly Requirement[] | undefined {
  const parts = text.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  const out: Requirement[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    const equality = set ? null : /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(part);
    const exists = set || equality ? null : /^(!?)([\w./-]+)$/.exec(part);
    if (set) {
      out.push({
        op: set[2] as 'in' | 'notin',
        key: set[1] ?? '',
        values: (set[3] ?? '')
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      });
    } else if (equality) {
      out.push({ op: equality[2] === '!=' ? 'neq' : 'eq', key: equality[1] ?? '', value: equality[3] ?? '' });
    } else if (exists) {
      out.push({ op: exists[1] === '!' ? 'notexists' : 'exists', key: exists[2] ?? '' });
    } else {
      return undefined;
    }
  }
  return out;
}

function holds(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'eq':
      return v === r.value;
    case 'neq':
      return v !== r.value;
    case 'in':
      return has && r.values.includes(v ?? '');
    case 'notin':
      return !has || !r.values.includes(v ?? '');
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** True when labels satisfy the text selector (a malformed selector matches nothing). */
export function matchesSelectorText(text: string, labels: Readonly<Record<string, string>>): boolean {
  const reqs = parseSelector(text);
  return reqs?.every((r) => holds(r, labels)) ?? false;
}

/**
 * True when labels satisfy a LabelSelector object. An empty selector ({}) matches
 * everything; `undefined` matches according to `ifAbsent`.
 */
export function matchesLabelSelector(
  selector: unknown,
  labels: Readonly<Record<string, string>>,
  ifAbsent = true,
): boolean {
  if (selector === undefined || selector === null) return ifAbsent;
  const matchLabels = field(selector, 'matchLabels');
  if (typeof matchLabels === 'object' && matchLabels !== null) {
    for (const [k, v] of Object.entries(matchLabels as Record<string, unknown>)) if (labels[k] !== v) return false;
  }
  for (const e of arrayField(selector, 'matchExpressions')) {
    const key = String(field(e, 'key') ?? '');
    const values = arrayField(e, 'values').map(String);
    const op = String(field(e, 'operator') ?? '');
    const req: Requirement | undefined =
      op === 'In'
        ? { op: 'in', key, values }
        : op === 'NotIn'
          ? { op: 'notin', key, values }
          : op === 'Exists'
            ? { op: 'exists', key }
            : op === 'DoesNotExist'
              ? { op: 'notexists', key }
              : undefined;
    if (req === undefined || !holds(req, labels)) return false;
  }
  return true;
}

/** True when an Istio-style `selector.matchLabels` map matches (Istio has no expressions). */
export function matchesLabelMap(map: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (typeof map !== 'object' || map === null) return false;
  return Object.entries(map as Record<string, unknown>).every(([k, v]) => labels[k] === v);
}
