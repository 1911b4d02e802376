/** A DeployContext for unit tests of deploy: a given fake API, a fresh finalizer stack unless given, fixed files. */
import type { ClusterApi } from '../../src/cluster/ports.js';
import type { DeployContext } from '../../src/deploy/deploy.js';
import { FinalizerStack } from '../../src/deploy/finalizers.js';

export function deployContext(api: ClusterApi, runId: string, finalizers = new FinalizerStack()): DeployContext {
  return {
    api,
    finalizers,
    signal: new AbortController().signal,
    runId,
    image: 'node:24',
    runDeadlineSeconds: 600,
    podReadyTimeoutSeconds: 60,
    files: { agent: 'a', echo: 'e' },
  };
}
