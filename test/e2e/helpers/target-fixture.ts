/**
 * A tiny CDE namespace of its own for the issue-18 e2e files (schedule, package, kubectl plugin,
 * CI recipes): one HTTP pod behind a Service and no NetworkPolicy, so `--control 1.3.1` fails for
 * a known reason in a few seconds. Each file passes its own namespace name, so files running at
 * the same time never share objects. Labelled meshprobe-e2e/part-of=k18 (never meshprobe's own label).
 */
import { spawnSync } from 'node:child_process';
import type { Lab } from './lab.js';
import { REPO_ROOT } from './lab.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { LAB_NODE_IMAGE, webWorkload } from './web-workload.js';

/** Image of the target pod and of the probe pods (the lab's node image). */
export { LAB_NODE_IMAGE } from './web-workload.js';
/** Label on every object these files create. */
export const K18_LABEL = { 'meshprobe-e2e/part-of': 'k18' } as const;

/** Namespace + pod + Service. */
export function targetObjects(ns: string): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...K18_LABEL, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
    ...webWorkload(ns, K18_LABEL),
  ];
}

/** Apply the target namespace and wait (bounded) until its pod is Ready. */
export function applyTarget(lab: Lab, ns: string): void {
  const list = { apiVersion: 'v1', kind: 'List', items: targetObjects(ns) };
  kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify(list) });
  kubectlOk(lab, ['wait', '--for=condition=Ready', 'pod/web', '-n', ns, '--timeout=240s'], { timeoutMs: 260_000 });
}

/** Delete namespaces this file created (waits, bounded, so the next run starts clean). */
export function deleteNamespaces(lab: Lab, names: readonly string[]): void {
  if (names.length === 0) return;
  const args = ['delete', 'namespace', ...names, '--ignore-not-found', '--wait=true', '--timeout=180s'];
  kubectl(lab, args, { timeoutMs: 200_000 });
}

/** Options of a small, fast run against one target namespace (1.3.1 only, no nodes, lab images). */
export function smallRunArgs(ns: string): string[] {
  return [
    '--cde-namespace',
    ns,
    '-n',
    ns,
    '--control',
    '1.3.1',
    '--no-nodes',
    '--agent-image',
    LAB_NODE_IMAGE,
    '--pod-ready-timeout',
    '240',
    '--timeout',
    '900',
  ];
}

/** Build and import lab.local/meshprobe:dev (test/e2e/lab/cli-image.sh); returns the reference. */
export function buildCliImage(): string {
  const r = spawnSync('bash', ['test/e2e/lab/cli-image.sh'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`cli-image.sh exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}
