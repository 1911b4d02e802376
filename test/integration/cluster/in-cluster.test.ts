/**
 * Inside a pod (issue 18: scheduled runs) the kubeconfig comes from the mounted service account:
 * client-node's loadFromDefault takes the in-cluster config only when the token file exists. A pod
 * without a token (automountServiceAccountToken: false) gets one clear E_KUBECONFIG line naming
 * that, not "no kubeconfig found". The positive case is the CronJob run in test/e2e/schedule.test.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadKubeConfig } from '../../../src/cluster/kubeconfig.js';
import type { MeshprobeError } from '../../../src/shared/errors.js';

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const skip = existsSync(TOKEN) ? 'this machine has a service account token' : false;

/** Run `fn` with env overrides, restoring every variable afterwards. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

t.test('a pod without a service account token is told so, not "no kubeconfig found"', { skip }, async (t) => {
  // Given a process in a pod: KUBERNETES_SERVICE_HOST set, no KUBECONFIG, an empty HOME, no token file
  const home = mkdtempSync(join(tmpdir(), 'meshprobe-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  // When the kubeconfig is loaded the default way
  let err: MeshprobeError | undefined;
  const inPod = {
    KUBECONFIG: undefined,
    HOME: home,
    KUBERNETES_SERVICE_HOST: '198.19.0.1',
    KUBERNETES_SERVICE_PORT: '443',
  };
  withEnv(inPod, () => {
    try {
      loadKubeConfig({});
    } catch (e) {
      err = e as MeshprobeError;
    }
  });
  // Then the error names the missing token and how to fix it
  t.equal(err?.code, 'E_KUBECONFIG');
  t.match(err?.message, /running in a pod \(KUBERNETES_SERVICE_HOST is set\) but no service account token is mounted/);
  t.match(err?.hint, /automountServiceAccountToken: true/);
});

t.test('outside a pod with no kubeconfig the message stays "no kubeconfig found"', { skip }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshprobe-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  let err: MeshprobeError | undefined;
  withEnv({ KUBECONFIG: undefined, HOME: home, KUBERNETES_SERVICE_HOST: undefined }, () => {
    try {
      loadKubeConfig({});
    } catch (e) {
      err = e as MeshprobeError;
    }
  });
  t.equal(err?.code, 'E_KUBECONFIG');
  t.match(err?.message, /^no kubeconfig found and not running inside a cluster$/);
});
