/**
 * A fake agent for whole-run tests against FakeClusterApi: the echo pod runs, every probe pod
 * completes, and its log says every attempt of its batch connected, with a self-check that saw no
 * mesh proxy port.
 */
import type { KubeObject } from '../../src/cluster/ports.js';
import type { AttemptBatch } from '../../probes/protocol.js';
import type { FakeClusterApi } from './cluster-api.js';

/** Status of a running, ready pod (the echo pod). */
export const READY = { phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] };
/** Status of a probe pod whose agent finished. */
export const DONE = {
  phase: 'Succeeded',
  containerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
};

/** The agent log of `pod`: one connected line per attempt of its batch ConfigMap, then the done line. */
export function connectedLog(api: FakeClusterApi, pod: KubeObject): string {
  const cm = api.objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      o.metadata?.name === `${pod.metadata?.name}-batch` &&
      o.metadata?.namespace === pod.metadata?.namespace,
  );
  const batch = JSON.parse(cm?.data?.['batch.json'] ?? '{"attempts":[]}') as AttemptBatch;
  const lines = batch.attempts.map((a) =>
    JSON.stringify({
      v: 1,
      attemptId: a.id,
      startedAt: '2026-11-23T19:00:00.000Z',
      durationMs: 2,
      transport: 'connected',
      bytesReceived: 4,
    }),
  );
  const selfCheck = { meshListeners: [], meshed: false, nodeVersion: 'v20.20.0' };
  lines.push(JSON.stringify({ v: 1, done: true, count: batch.attempts.length, selfCheck }));
  return `${lines.join('\n')}\n`;
}
