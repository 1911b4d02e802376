import t from 'tap';
import type { V1Container, V1PodSpec, V1SeccompProfile } from '@kubernetes/client-node';
import type { KubeObject } from '../../../src/cluster/ports.js';
import {
  echoPodManifest,
  echoServiceManifest,
  namespaceManifest,
  probePodManifest,
  agentConfigMap,
  AGENT_NODE_FLAGS,
  batchConfigMap,
} from '../../../src/plan/pods.js';
import { newRunId, isValidRunId } from '../../../src/cluster/labels.js';

const RUN = '20261123-185612-a1b2';

/**
 * The Pod Security Admission "restricted" checks (kubernetes/pod-security-admission
 * policy/check_*.go, MESH-NOTES §F.1), one function per check, returning a failure or ''.
 */
type Check = (pod: KubeObject) => string;
const spec = (pod: KubeObject): V1PodSpec => pod.spec as unknown as V1PodSpec;
const containers = (pod: KubeObject): V1Container[] => [
  ...(spec(pod).containers ?? []),
  ...(spec(pod).initContainers ?? []),
];
const RESTRICTED: Record<string, Check> = {
  hostNamespaces: (p) => (spec(p).hostNetwork || spec(p).hostPID || spec(p).hostIPC ? 'host namespaces' : ''),
  privileged: (p) => (containers(p).some((c) => c.securityContext?.privileged === true) ? 'privileged' : ''),
  hostPorts: (p) => (containers(p).some((c) => (c.ports ?? []).some((x) => x.hostPort)) ? 'hostPort' : ''),
  hostPathVolumes: (p) => ((spec(p).volumes ?? []).some((v) => v.hostPath) ? 'hostPath' : ''),
  restrictedVolumes: (p) =>
    (spec(p).volumes ?? []).every((v) =>
      [
        'configMap',
        'downwardAPI',
        'emptyDir',
        'projected',
        'secret',
        'csi',
        'persistentVolumeClaim',
        'ephemeral',
        'image',
      ].some((k) => k in v),
    )
      ? ''
      : 'volume type',
  allowPrivilegeEscalation: (p) =>
    containers(p).every((c) => c.securityContext?.allowPrivilegeEscalation === false) ? '' : 'allowPrivilegeEscalation',
  capabilitiesDropAll: (p) =>
    containers(p).every((c) => (c.securityContext?.capabilities?.drop ?? []).includes('ALL')) ? '' : 'drop ALL',
  capabilitiesAdd: (p) =>
    containers(p).every((c) => (c.securityContext?.capabilities?.add ?? []).every((x) => x === 'NET_BIND_SERVICE'))
      ? ''
      : 'add caps',
  runAsNonRoot: (p) =>
    spec(p).securityContext?.runAsNonRoot === true ||
    containers(p).every((c) => c.securityContext?.runAsNonRoot === true)
      ? ''
      : 'runAsNonRoot',
  runAsUser: (p) =>
    spec(p).securityContext?.runAsUser === 0 || containers(p).some((c) => c.securityContext?.runAsUser === 0)
      ? 'runAsUser 0'
      : '',
  seccomp: (p) => {
    const ok = (s: V1SeccompProfile | undefined): boolean => s?.type === 'RuntimeDefault' || s?.type === 'Localhost';
    return ok(spec(p).securityContext?.seccompProfile) ||
      containers(p).every((c) => ok(c.securityContext?.seccompProfile))
      ? ''
      : 'seccomp';
  },
  sysctls: (p) => ((spec(p).securityContext?.sysctls ?? []).length === 0 ? '' : 'sysctls'),
  probesNoHost: (p) =>
    containers(p).some((c) => c.readinessProbe?.tcpSocket?.host || c.livenessProbe?.httpGet?.host) ? 'probe host' : '',
};

const probePod = probePodManifest({
  runId: RUN,
  name: `mp-${RUN}-pn000000-0`,
  namespace: `meshprobe-${RUN}`,
  vantage: { kind: 'probe-namespace' },
  image: 'lab.local/node:24',
  activeDeadlineSeconds: 300,
});
const foreignPod = probePodManifest({
  runId: RUN,
  name: `mp-${RUN}-fn000000-0`,
  namespace: 'shop',
  vantage: { kind: 'from-namespace', namespace: 'shop' },
  image: 'lab.local/node:24',
  activeDeadlineSeconds: 300,
});
const echoPod = echoPodManifest(RUN, 'lab.local/node:24', 600);
const identityPod = probePodManifest({
  runId: RUN,
  name: `mp-${RUN}-id000000-0`,
  namespace: 'web',
  vantage: { kind: 'identity', namespace: 'web', workload: 'frontend', serviceAccount: 'frontend' },
  image: 'lab.local/node:24',
  activeDeadlineSeconds: 300,
  identity: {
    workload: {
      namespace: 'web',
      workload: 'frontend',
      ownerKind: 'Deployment',
      serviceAccount: 'frontend',
      labels: { app: 'web', 'sidecar.istio.io/inject': 'true' },
      enrolment: 'sidecar',
      admittedBy: [],
      withheld: [],
    },
    owner: { apiVersion: 'v1', kind: 'ConfigMap', name: `mp-${RUN}-id000000-0-batch`, uid: 'u1' },
  },
});

for (const [name, pod] of [
  ['probe pod', probePod],
  ['foreign probe pod', foreignPod],
  ['echo pod', echoPod],
  ['identity probe pod', identityPod],
] as const) {
  t.test(`the ${name} passes every Pod Security "restricted" check`, async (t) => {
    for (const [check, fn] of Object.entries(RESTRICTED)) t.equal(fn(pod), '', check);
  });

  t.test(`the ${name} has meshprobe's own hygiene settings`, async (t) => {
    const s = spec(pod);
    const c: V1Container = containers(pod)[0] ?? { name: 'missing' };
    t.equal(s.automountServiceAccountToken, false, 'no service-account token');
    t.equal(s.enableServiceLinks, false, 'no service links');
    t.equal(s.restartPolicy, 'Never');
    t.ok(typeof s.activeDeadlineSeconds === 'number' && s.activeDeadlineSeconds > 0, 'deadline');
    t.equal(s.securityContext?.runAsUser, 65532);
    t.equal(s.securityContext?.runAsGroup, 65532);
    t.equal(c.securityContext?.readOnlyRootFilesystem, true);
    t.equal(c.imagePullPolicy, 'IfNotPresent');
    const { requests, limits } = c.resources ?? {};
    t.ok(requests?.['cpu'] && requests['memory'] && limits?.['cpu'] && limits['memory'], 'requests and limits');
    t.equal(containers(pod).length, 1, 'one container, so a second (sidecar) container is detectable');
    t.match(pod.metadata?.labels, {
      'app.kubernetes.io/managed-by': 'meshprobe',
      'meshprobe.io/run-id': RUN,
      'sidecar.istio.io/inject': 'false',
      'istio.io/dataplane-mode': 'none',
    });
    t.match(pod.metadata?.annotations, { 'sidecar.istio.io/inject': 'false', 'linkerd.io/inject': 'disabled' });
    t.same(c.volumeMounts, [{ name: 'meshprobe', mountPath: '/meshprobe', readOnly: true }]);
  });
}

t.test('probe pods run the agent on their batch, mounted from the two ConfigMaps', async (t) => {
  const c: V1Container = containers(probePod)[0] ?? { name: 'missing' };
  t.same(c.command, ['node', ...AGENT_NODE_FLAGS, '/meshprobe/agent.mjs', '/meshprobe/batch.json']);
  // The agent's memory budget (issue 20) rests on leaving out V8's optimizing compilers and on a
  // young generation capped on the command line (Node 24 ignores the run-time growth factor).
  for (const flag of ['--no-opt', '--no-maglev', '--max-semi-space-size=1'])
    t.ok(AGENT_NODE_FLAGS.includes(flag), `${flag} in ${AGENT_NODE_FLAGS.join(' ')}`);
  t.notOk(AGENT_NODE_FLAGS.includes('--lite-mode'), 'no JIT at all starves agents on a loaded node');
  t.same(
    spec(probePod).volumes?.[0]?.projected?.sources?.map((s) => s.configMap?.name),
    [`meshprobe-agent-${RUN}`, `mp-${RUN}-pn000000-0-batch`],
  );
  t.equal(foreignPod.metadata?.labels?.['meshprobe.io/vantage'], 'from-namespace.shop');
});

t.test('the per-run namespace enforces PSA restricted and carries no mesh labels', async (t) => {
  const ns = namespaceManifest(RUN);
  t.equal(ns.metadata?.name, `meshprobe-${RUN}`);
  t.match(ns.metadata?.labels, {
    'pod-security.kubernetes.io/enforce': 'restricted',
    'app.kubernetes.io/managed-by': 'meshprobe',
    'meshprobe.io/run-id': RUN,
  });
  t.notOk(
    Object.keys(ns.metadata?.labels ?? {}).some((k) => /istio|linkerd/.test(k)),
    'unlabelled for meshes: "any new workload"',
  );
});

t.test('every created object carries the run labels', async (t) => {
  const objects = [
    namespaceManifest(RUN),
    agentConfigMap(RUN, 'x', { agent: '', echo: '' }),
    batchConfigMap(RUN, 'x', 'p', { v: 1, runId: RUN, podName: 'p', concurrency: 1, deadlineMs: 1, attempts: [] }),
    probePod,
    echoPod,
    echoServiceManifest(RUN),
  ];
  for (const o of objects)
    t.match(
      o.metadata?.labels,
      { 'app.kubernetes.io/managed-by': 'meshprobe', 'meshprobe.io/run-id': RUN },
      `${o.kind}`,
    );
  t.same(echoServiceManifest(RUN).spec, {
    type: 'ClusterIP',
    selector: { 'meshprobe.io/run-id': RUN, 'meshprobe.io/component': 'echo' },
    ports: [
      { name: 'http-echo', port: 8080, targetPort: 8080, protocol: 'TCP' },
      { name: 'udp-echo', port: 8080, targetPort: 8080, protocol: 'UDP' },
    ],
  });
});

t.test('run ids are DNS-safe, time-ordered and fit every name', async (t) => {
  const id = newRunId(new Date('2026-11-23T18:56:12.345Z'), 'A1B2ff');
  t.equal(id, '20261123-185612-a1b2');
  t.ok(isValidRunId(id));
  t.ok(`mp-${id}-fn123456-99-batch`.length <= 63, 'longest object name is a valid DNS label');
});
