/** Running the lab's kubectl from the e2e tests: bounded in time, never through a shell. */
import { spawnSync } from 'node:child_process';
import type { Lab } from './lab.js';

/** What one kubectl call returned. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run kubectl against the lab (admin kubeconfig unless `kubeconfig` is given). Never throws. */
export function kubectl(
  lab: Lab,
  args: readonly string[],
  o: { input?: string; timeoutMs?: number; kubeconfig?: string } = {},
): KubectlResult {
  const r = spawnSync(lab.kubectl, ['--kubeconfig', o.kubeconfig ?? lab.kubeconfig, ...args], {
    encoding: 'utf8',
    input: o.input,
    timeout: o.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** kubectl that must succeed: throws with the command and its stderr otherwise. */
export function kubectlOk(
  lab: Lab,
  args: readonly string[],
  o: { input?: string; timeoutMs?: number; kubeconfig?: string } = {},
): string {
  const r = kubectl(lab, args, o);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `kubectl get ... -o json` parsed; `items` for lists. */
export function kubectlJson<T = { items: unknown[] }>(lab: Lab, args: readonly string[]): T {
  return JSON.parse(kubectlOk(lab, [...args, '-o', 'json'])) as T;
}

/** Sleep, for bounded polling loops. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
