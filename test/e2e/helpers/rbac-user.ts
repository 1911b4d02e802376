/**
 * A least-privilege identity for the e2e fault tests: a ServiceAccount bound to the ClusterRole
 * that `meshprobe rbac` prints (optionally with one permission removed), and a kubeconfig that
 * uses its token. The role is renamed and relabelled (the operator's grant is not a meshprobe
 * run object, so the leftover checker must not count it) and removed again by `removeRbacUser`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { renderRbac } from '../../../src/cluster/rbac.js';
import type { Lab } from './lab.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { CLI } from './meshprobe.js';

const NS = 'meshprobe-e2e-rbac';
const LABELS = { 'meshprobe-e2e/part-of': 'rbac' };

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}
interface RoleObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  rules?: Rule[];
}

/** The ClusterRole text as `meshprobe rbac` prints it (the library renderer if the command is not there yet). */
export function meshprobeRbacYaml(): { yaml: string; source: string } {
  const r = spawnSync(process.execPath, [CLI, 'rbac'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0 && /kind:\s*ClusterRole/.test(r.stdout)) return { yaml: r.stdout, source: 'meshprobe rbac' };
  return {
    yaml: renderRbac({ name: 'meshprobe', for: ['run', 'cleanup'] }),
    source: 'renderRbac (the `rbac` command is not built yet)',
  };
}

/** Remove one verb on one resource from the role's rules. Pure. */
export function withoutPermission(rules: readonly Rule[], verb: string, resource: string): Rule[] {
  return rules
    .map((r) => (r.resources?.includes(resource) ? { ...r, verbs: r.verbs.filter((v) => v !== verb) } : r))
    .filter((r) => r.verbs.length > 0);
}

/** Create the ServiceAccount, its role and binding; return a kubeconfig path using its token. */
export function createRbacUser(lab: Lab, name: string, drop?: { verb: string; resource: string }): string {
  const role = (loadAllYaml(meshprobeRbacYaml().yaml) as RoleObject[]).find((o) => o?.kind === 'ClusterRole');
  if (!role?.rules) throw new Error('meshprobe rbac printed no ClusterRole with rules');
  const rules = drop ? withoutPermission(role.rules, drop.verb, drop.resource) : role.rules;
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: LABELS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS, labels: LABELS } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: LABELS }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: NS }],
    },
  ];
  kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
  const token = kubectlOk(lab, ['create', 'token', name, '-n', NS, '--duration=1h']).trim();
  const admin = JSON.parse(kubectlOk(lab, ['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'])) as {
    clusters: { name: string; cluster: object }[];
  };
  const cluster = admin.clusters[0]!;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: cluster.name, user: name } }],
    'current-context': name,
  };
  const file = join(mkdtempSync(join(tmpdir(), 'meshprobe-e2e-rbac-')), `${name}.kubeconfig`);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/** Remove what createRbacUser made. */
export function removeRbacUser(lab: Lab, name: string): void {
  kubectl(lab, ['delete', 'clusterrolebinding,clusterrole', name, '--ignore-not-found']);
  kubectl(lab, ['delete', 'serviceaccount', name, '-n', NS, '--ignore-not-found']);
}
