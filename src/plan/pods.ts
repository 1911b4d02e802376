/**
 * Manifests for everything a run creates (pure), with every hygiene setting of DESIGN §5
 * and MESH-NOTES §F.1: namespace enforced at PSA `restricted`; pods non-root (65532),
 * seccomp RuntimeDefault, all capabilities dropped, read-only root, no privilege
 * escalation, no service-account token, no service links, a deadline, CPU/memory requests
 * and limits, never restarted, mesh injection disabled, and meshprobe labels on everything.
 */
import { labelValue, runLabels, VANTAGE_KEY } from '../cluster/labels.js';
import type { KubeObject } from '../cluster/ports.js';
import type { AttemptBatch } from '../../probes/protocol.js';
import { vantageId, type Vantage } from '../domain/vantage.js';
import { ECHO_PORT } from './echo-server.js';
import type { WorkloadIdentity } from '../discover/identities.js';

/** Where the agent and batch are mounted, and the files in it. */
const MOUNT_DIR = '/meshprobe';
const AGENT_FILE = 'agent.mjs';
const ECHO_FILE = 'echo.mjs';
const BATCH_FILE = 'batch.json';
/**
 * Node flags of the agent in a probe pod (issue 20: ≤ 64 MiB RSS per pod). `--no-opt` and
 * `--no-maglev` leave out V8's optimizing compilers (their code in the node binary is never paged
 * in, no compiler zones; on Node 24 leaving out Maglev took the agent bench's peak from 75.8–76.4
 * to 63.4–63.6 MiB); the baseline compilers stay, so a pod among 30 on two cores still answers in
 * time.
 * `--max-semi-space-size=1` caps the young generation (Node 24 grew it to 8 MiB under the
 * allocation rate of 10 000 attempts; the run-time `--semi-space-growth-factor=1` of
 * memory-guard.ts holds on Node 20 only). `--lite-mode` (no JIT at all) starved the agents on a
 * loaded node: on the 10-namespace bench matrix 1 252–1 525 of 6 056 attempts ended "connected,
 * nothing came back in time" against 17–93 with `--no-opt` or no flag. `npm run bench:agent` and
 * the bundle tests start the agent with these same flags.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--no-opt', '--no-maglev', '--max-semi-space-size=1'];
/** Container name of probe pods (logs are read from it). */
export const AGENT_CONTAINER = 'agent';
/** Non-root UID/GID of distroless "nonroot"; any numeric non-zero id satisfies runAsNonRoot. */
const RUN_AS = 65532;

/** Mesh opt-outs for pods that must stay outside every mesh (MESH-NOTES §F.1, §G.3). */
export const MESH_OPT_OUT_LABELS: Readonly<Record<string, string>> = {
  'sidecar.istio.io/inject': 'false',
  'istio.io/dataplane-mode': 'none',
};
const MESH_OPT_OUT_ANNOTATIONS: Readonly<Record<string, string>> = {
  'sidecar.istio.io/inject': 'false',
  'linkerd.io/inject': 'disabled',
};

/** Names of a run's objects. */
export function probeNamespaceName(runId: string): string {
  return `meshprobe-${runId}`;
}
function agentConfigMapName(runId: string): string {
  return `meshprobe-agent-${runId}`;
}
export const ECHO_NAME = 'meshprobe-echo';

/** The per-run namespace: PSA restricted enforced; no mesh labels ("any new workload"). */
export function namespaceManifest(runId: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: probeNamespaceName(runId),
      labels: {
        ...runLabels(runId, 'namespace'),
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
      },
    },
  };
}

/** The agent (and echo server) as a ConfigMap in one namespace. */
export function agentConfigMap(
  runId: string,
  namespace: string,
  files: { readonly agent: string; readonly echo: string },
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: agentConfigMapName(runId), namespace, labels: runLabels(runId, 'agent') },
    data: { [AGENT_FILE]: files.agent, [ECHO_FILE]: files.echo },
  };
}

/** One pod's batch as a ConfigMap. */
export function batchConfigMap(runId: string, namespace: string, podName: string, batch: AttemptBatch): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${podName}-batch`, namespace, labels: runLabels(runId, 'batch') },
    data: { [BATCH_FILE]: JSON.stringify(batch) },
  };
}

/** Container settings shared by probe and echo pods. */
function hardenedContainer(image: string, command: readonly string[]): Record<string, unknown> {
  return {
    name: AGENT_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    command,
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: RUN_AS,
      runAsGroup: RUN_AS,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    volumeMounts: [{ name: 'meshprobe', mountPath: MOUNT_DIR, readOnly: true }],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** Pod spec fields shared by probe and echo pods. */
function hardenedSpec(activeDeadlineSeconds: number, sources: readonly object[]): Record<string, unknown> {
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    activeDeadlineSeconds,
    terminationGracePeriodSeconds: 1,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS,
      runAsGroup: RUN_AS,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumes: [{ name: 'meshprobe', projected: { defaultMode: 0o444, sources } }],
  };
}

/** What a probe pod needs to know. */
export interface ProbePodInput {
  readonly runId: string;
  readonly name: string;
  readonly namespace: string;
  readonly vantage: Vantage;
  readonly image: string;
  readonly activeDeadlineSeconds: number;
  /** Identity vantages: the workload identity to carry, and the run's object that controls the pod. */
  readonly identity?: { readonly workload: WorkloadIdentity; readonly owner: ControllerOwner };
}

/** An object of the run (the pod's batch ConfigMap) that is the identity pod's controller. */
export interface ControllerOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** Readiness gate no one ever sets: an identity pod is never Ready, so no Service routes to it. */
export const NEVER_READY_CONDITION = 'meshprobe.io/never-ready';

/**
 * What an identity pod adds (issue 16): the workload's labels under the run's own, its
 * ServiceAccount (still no token: automountServiceAccountToken stays false), a controller
 * ownerReference to an object of the run (so no ReplicaSet/DaemonSet/StatefulSet/Job whose
 * selector matches the labels adopts it), and a readiness gate that never passes. Nothing
 * else of the workload: no volumes, secrets, env or image.
 */
function identityParts(identity: ProbePodInput['identity']): {
  labels: Record<string, string>;
  metadata: object;
  spec: object;
} {
  if (identity === undefined) return { labels: {}, metadata: {}, spec: {} };
  const { workload, owner } = identity;
  return {
    labels: { ...workload.labels },
    metadata: { ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: false }] },
    spec: { serviceAccountName: workload.serviceAccount, readinessGates: [{ conditionType: NEVER_READY_CONDITION }] },
  };
}

/** A probe pod running the agent on its batch. */
export function probePodManifest(p: ProbePodInput): KubeObject {
  const id = identityParts(p.identity);
  // The run's labels and the mesh opt-outs win over a workload label with the same key.
  const labels = {
    ...id.labels,
    ...runLabels(p.runId, 'probe'),
    [VANTAGE_KEY]: labelValue(vantageId(p.vantage)),
    ...MESH_OPT_OUT_LABELS,
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels,
      annotations: { ...MESH_OPT_OUT_ANNOTATIONS },
      ...id.metadata,
    },
    spec: {
      ...id.spec,
      ...hardenedSpec(p.activeDeadlineSeconds, [
        { configMap: { name: agentConfigMapName(p.runId), items: [{ key: AGENT_FILE, path: AGENT_FILE }] } },
        { configMap: { name: `${p.name}-batch`, items: [{ key: BATCH_FILE, path: BATCH_FILE }] } },
      ]),
      containers: [
        hardenedContainer(p.image, [
          'node',
          ...AGENT_NODE_FLAGS,
          `${MOUNT_DIR}/${AGENT_FILE}`,
          `${MOUNT_DIR}/${BATCH_FILE}`,
        ]),
      ],
    },
  };
}

/** The canary echo pod in the probe namespace (same image, inline server). */
export function echoPodManifest(runId: string, image: string, activeDeadlineSeconds: number): KubeObject {
  const labels = { ...runLabels(runId, 'echo'), ...MESH_OPT_OUT_LABELS };
  const container = {
    ...hardenedContainer(image, ['node', `${MOUNT_DIR}/${ECHO_FILE}`]),
    ports: [
      { name: 'echo', containerPort: ECHO_PORT, protocol: 'TCP' },
      { name: 'echo-udp', containerPort: ECHO_PORT, protocol: 'UDP' },
    ],
    readinessProbe: { tcpSocket: { port: ECHO_PORT }, periodSeconds: 2 },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: ECHO_NAME,
      namespace: probeNamespaceName(runId),
      labels,
      annotations: { ...MESH_OPT_OUT_ANNOTATIONS },
    },
    spec: {
      ...hardenedSpec(activeDeadlineSeconds, [
        { configMap: { name: agentConfigMapName(runId), items: [{ key: ECHO_FILE, path: ECHO_FILE }] } },
      ]),
      containers: [container],
    },
  };
}

/** The Service in front of the echo pod. */
export function echoServiceManifest(runId: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: ECHO_NAME, namespace: probeNamespaceName(runId), labels: runLabels(runId, 'echo') },
    spec: {
      type: 'ClusterIP',
      selector: { 'meshprobe.io/run-id': runId, 'meshprobe.io/component': 'echo' },
      ports: [
        { name: 'http-echo', port: ECHO_PORT, targetPort: ECHO_PORT, protocol: 'TCP' },
        // The UDP canary: the same echo over UDP (echo-server.ts).
        { name: 'udp-echo', port: ECHO_PORT, targetPort: ECHO_PORT, protocol: 'UDP' },
      ],
    },
  };
}
