/**
 * Render the least-privilege RBAC meshprobe needs, derived from PERMISSIONS (the list the
 * adapter uses), as Kubernetes YAML. Pure.
 */
import { PERMISSIONS, type Need, type Permission } from './permissions.js';

/** Options for {@link renderRbac}. */
export interface RbacOptions {
  /** ClusterRole name. */
  readonly name: string;
  /** Only what these commands need (e.g. ['plan'] for a read-only role). */
  readonly for: readonly Need[];
  /** Subject to bind, e.g. { kind: 'User', name: 'alice' }; omitted → no binding printed. */
  readonly subject?: {
    readonly kind: 'User' | 'Group' | 'ServiceAccount';
    readonly name: string;
    readonly namespace?: string;
  };
}

/** One RBAC rule as printed: apiGroups/resources/verbs, or nonResourceURLs. */
export interface RbacRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
  readonly why: readonly string[];
}

/** Group permissions into rules: one rule per (group, resource), verbs merged and sorted. */
export function rbacRules(needs: readonly Need[]): readonly RbacRule[] {
  const byKey = new Map<string, { group: string; resource: string; verbs: Set<string>; why: string[] }>();
  for (const p of Object.values(PERMISSIONS) as Permission[]) {
    if (!p.neededBy.some((n) => needs.includes(n))) continue;
    const key = `${p.group}|${p.resource}`;
    const entry = byKey.get(key) ?? { group: p.group, resource: p.resource, verbs: new Set<string>(), why: [] };
    entry.verbs.add(p.verb);
    entry.why.push(`${p.verb}: ${p.why}`);
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .sort((a, b) => (a.group + a.resource).localeCompare(b.group + b.resource))
    .map((e) =>
      e.resource.startsWith('/')
        ? { nonResourceURLs: [e.resource], verbs: [...e.verbs].sort(), why: e.why }
        : { apiGroups: [e.group], resources: [e.resource], verbs: [...e.verbs].sort(), why: e.why },
    );
}

function list(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

/** The ClusterRole (and optional ClusterRoleBinding) as YAML text. */
export function renderRbac(options: RbacOptions): string {
  const lines: string[] = [
    `# Least-privilege access for meshprobe (${options.for.join(', ')}), generated from the permission list the code uses.`,
    '# Cluster-wide because probe pods are placed in the target namespaces and a fresh per-run namespace.',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    'metadata:',
    `  name: ${options.name}`,
    '  labels:',
    // part-of, not managed-by: these are installed by the user and kept; managed-by marks a run's own objects, which cleanup removes.
    '    app.kubernetes.io/part-of: meshprobe',
    'rules:',
  ];
  for (const rule of rbacRules(options.for)) {
    for (const why of rule.why) lines.push(`  # ${why}`);
    if (rule.nonResourceURLs) lines.push(`  - nonResourceURLs: ${list(rule.nonResourceURLs)}`);
    else lines.push(`  - apiGroups: ${list(rule.apiGroups ?? [])}`, `    resources: ${list(rule.resources ?? [])}`);
    lines.push(`    verbs: ${list(rule.verbs)}`);
  }
  if (options.subject) lines.push(...binding(options.name, options.subject));
  return `${lines.join('\n')}\n`;
}

function binding(name: string, subject: NonNullable<RbacOptions['subject']>): string[] {
  const s = [`  - kind: ${subject.kind}`, `    name: ${JSON.stringify(subject.name)}`];
  if (subject.kind === 'ServiceAccount') s.push(`    namespace: ${JSON.stringify(subject.namespace ?? 'default')}`);
  else s.push('    apiGroup: rbac.authorization.k8s.io');
  return [
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRoleBinding',
    'metadata:',
    `  name: ${name}`,
    'roleRef:',
    '  apiGroup: rbac.authorization.k8s.io',
    '  kind: ClusterRole',
    `  name: ${name}`,
    'subjects:',
    ...s,
  ];
}
