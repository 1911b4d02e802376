/**
 * Setup shared by the lab e2e files that probe one small HTTP workload (run-cleanup, journal-kill,
 * upload, and the issue-18 files through target-fixture.ts): the `web` pod (lab node image, PSA
 * restricted settings) behind a `web` Service, applied and waited for; and the run-scoped
 * leftover checks (objects of one run id only, so other runs on the shared lab never interfere).
 */
import type { Lab } from './lab.js';
import { kubectl, kubectlOk, sleep } from './kubectl.js';

/** Image of the target pod and of the probe pods (the lab's node image). */
export const LAB_NODE_IMAGE = 'lab.local/node:24';

/** Kinds meshprobe creates, as `kubectl get` takes them. */
export const RUN_KINDS = 'namespaces,configmaps,pods,services';

/** The `web` pod (answers "ok" on 8080) and the `web` Service (port 80) in `ns`, with extra labels on both. */
export function webWorkload(ns: string, labels: Readonly<Record<string, string>> = {}): object[] {
  const server = "require('node:http').createServer((q,s)=>s.end('ok')).listen(8080)";
  return [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: ns, labels: { app: 'web', ...labels } },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 0,
        securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'web',
            image: LAB_NODE_IMAGE,
            imagePullPolicy: 'Never',
            command: ['node', '-e', server],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
            resources: { limits: { cpu: '100m', memory: '64Mi' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns, ...(Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}) },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  ];
}

/** Apply `items` and wait (bounded) until pod/web in `ns` is Ready. */
export function applyAndWaitForWeb(lab: Lab, items: readonly object[], ns: string, timeoutSeconds = 180): void {
  kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  kubectlOk(lab, ['wait', '--for=condition=Ready', 'pod/web', '-n', ns, `--timeout=${timeoutSeconds}s`], {
    timeoutMs: (timeoutSeconds + 20) * 1000,
  });
}

/** Objects of one run (by its run-id label), as "Kind namespace/name" lines. */
export function objectsOfRun(lab: Lab, runId: string): string[] {
  const r = kubectl(lab, [
    'get',
    RUN_KINDS,
    '-A',
    '-l',
    `meshprobe.io/run-id=${runId}`,
    '-o',
    'jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

/** Wait (bounded) until a run's objects are gone: namespace deletion finishes asynchronously. */
export async function waitRunGone(lab: Lab, runId: string, limitMs: number): Promise<string[]> {
  const until = Date.now() + limitMs;
  let left = objectsOfRun(lab, runId);
  while (left.length > 0 && Date.now() < until) {
    await sleep(2000);
    left = objectsOfRun(lab, runId);
  }
  return left;
}
