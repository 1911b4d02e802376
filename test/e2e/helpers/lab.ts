/**
 * Finding the lab cluster (issue 8) from the e2e tests: is it up, where is its admin
 * kubeconfig, which kubectl to use. Every e2e test asks `labState()` first and skips with
 * the returned reason when the lab is not up, so `npm run test:e2e` on a machine without the
 * lab says why instead of failing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root (test/e2e/helpers → ../../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** The lab's own directory and scripts (owned by the lab issue). */
export const LAB_DIR = join(REPO_ROOT, 'test/e2e/lab');
const LAB_SH = join(LAB_DIR, 'lab.sh');

/** A lab that is up: what the tests need to talk to it. */
export interface Lab {
  readonly kubeconfig: string;
  readonly kubectl: string;
  /** Least-privilege kubeconfig bound to `meshprobe rbac`, when the lab made one. */
  readonly leastPrivilegeKubeconfig: string | undefined;
}

/** Either the lab, or the reason the e2e tests are skipped. */
export type LabState = { readonly up: true; readonly lab: Lab } | { readonly up: false; readonly reason: string };

function labCache(): string {
  return process.env['MESHPROBE_LAB_CACHE'] ?? join(homedir(), '.cache/meshprobe-lab');
}

function k8sVersion(): string | undefined {
  const file = join(LAB_DIR, 'versions.sh');
  if (!existsSync(file)) return undefined;
  return /^K8S_VERSION=(\S+)/m.exec(readFileSync(file, 'utf8'))?.[1];
}

/** Paths that look like kubeconfig files in the lab's status text ("kubeconfig: /x/admin.kubeconfig"). */
export function kubeconfigPathsIn(text: string): string[] {
  return [...text.matchAll(/(\/[^\s'"]*kube-?config[^\s'"]*)/gi)].map((m) => m[1]!).filter((p) => !p.endsWith('/'));
}

function findKubectl(): string | undefined {
  const fromEnv = process.env['MESHPROBE_LAB_KUBECTL'];
  if (fromEnv) return fromEnv;
  const v = k8sVersion();
  const candidates = [v ? join(labCache(), v, 'bin/kubectl') : '', join(labCache(), 'bin/kubectl')].filter(Boolean);
  const cached = candidates.find((c) => existsSync(c));
  if (cached) return cached;
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

function pickKubeconfig(status: string, leastPrivilege: boolean): string | undefined {
  const envKey = leastPrivilege ? 'MESHPROBE_LAB_LP_KUBECONFIG' : 'MESHPROBE_LAB_KUBECONFIG';
  const fromEnv = process.env[envKey];
  if (fromEnv) return fromEnv;
  const paths = kubeconfigPathsIn(status).filter((p) => existsSync(p));
  const lp = (p: string): boolean => /least|lp|restricted|meshprobe-user|limited/i.test(p.split('/').pop() ?? '');
  return leastPrivilege ? paths.find(lp) : (paths.find((p) => /admin/i.test(p)) ?? paths.find((p) => !lp(p)));
}

let cached: LabState | undefined;

/** Ask `lab.sh status` (exit 0 = up) and locate kubeconfig and kubectl. Cached per process. */
export function labState(): LabState {
  if (cached) return cached;
  cached = probeLab();
  return cached;
}

function probeLab(): LabState {
  if (process.env['MESHPROBE_E2E_SKIP']) return { up: false, reason: 'MESHPROBE_E2E_SKIP is set' };
  if (!existsSync(LAB_SH)) return { up: false, reason: `the lab is not up: ${LAB_SH} does not exist yet (issue 8)` };
  const status = spawnSync('bash', [LAB_SH, 'status'], { encoding: 'utf8', timeout: 60_000 });
  const text = `${status.stdout ?? ''}\n${status.stderr ?? ''}`;
  if (status.status !== 0) {
    return {
      up: false,
      reason: `the lab is not up (\`bash test/e2e/lab/lab.sh status\` exited ${status.status ?? status.signal}); start it with \`npm run lab:up\``,
    };
  }
  const kubeconfig = pickKubeconfig(text, false);
  if (!kubeconfig)
    return {
      up: false,
      reason: 'the lab says it is up but no admin kubeconfig was found (set MESHPROBE_LAB_KUBECONFIG)',
    };
  const kubectl = findKubectl();
  if (!kubectl) return { up: false, reason: 'no kubectl found (lab cache bin, MESHPROBE_LAB_KUBECTL, or PATH)' };
  return { up: true, lab: { kubeconfig, kubectl, leastPrivilegeKubeconfig: pickKubeconfig(text, true) } };
}
