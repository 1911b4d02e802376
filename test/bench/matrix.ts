/**
 * The benchmark's synthetic segmentation matrix, as Kubernetes objects (pure).
 *
 * C CDE namespaces (label pci.scope=cde), each with one workload pod listening on four TCP
 * ports and S Services of two ports each; every third Service (index % 3 == 2) points at
 * the two ports a NetworkPolicy does not admit, so a third of the target ports are denied
 * (the lab's policy engine drops them: a denied connect times out). V out-of-scope
 * namespaces are the vantages, plus meshprobe's own probe namespace: C × S × 2 × (V + 1)
 * tcp-reach attempts for `--control 1.3.1`.
 *
 * The same objects feed the lab (kubectl apply) and, with `synthetic` status fields and
 * addresses, the fake ClusterApi of the CLI-scale benchmark. Ports are named `tcp-*` so
 * HTTP probes do not apply to them.
 */
import type { KubeObject } from '../../src/cluster/ports.js';

/** Size and naming of a matrix. */
export interface MatrixShape {
  /** Namespace prefix; the lab run uses `bench-` (shared lab rule). */
  readonly prefix: string;
  readonly cdeNamespaces: number;
  readonly servicesPerNamespace: number;
  /** Out-of-scope namespaces (vantages); meshprobe adds its probe namespace as one more. */
  readonly vantageNamespaces: number;
  /**
   * Issue 16: this many vantage namespaces get a `client` pod that every CDE namespace admits
   * by pod label on the denied ports, so meshprobe makes one identity vantage per client
   * (absent or 0: none, the matrix of issue 10).
   */
  readonly identityClients?: number;
}

/** Pod ports behind the Services: the first two are admitted by policy, the last two are not. */
export const ALLOWED_PORTS: readonly number[] = [7001, 7002];
export const DENIED_PORTS: readonly number[] = [7003, 7004];
/** Service ports (what meshprobe and the baseline connect to). */
export const SERVICE_PORTS: readonly number[] = [80, 81];
/** Label of CDE namespaces (pass `--scope pci.scope=cde`). */
export const CDE_LABEL = { key: 'pci.scope', value: 'cde' } as const;
/** Label on every object the benchmark creates, for cleanup by selector. */
export const BENCH_LABEL = { key: 'meshprobe.io/bench', value: 'matrix' } as const;

const pad = (n: number): string => String(n).padStart(3, '0');

/** Names of the CDE namespaces. */
export function cdeNamespaceNames(s: MatrixShape): string[] {
  return Array.from({ length: s.cdeNamespaces }, (_, i) => `${s.prefix}cde-${pad(i)}`);
}

/** Names of the out-of-scope (vantage) namespaces. */
export function vantageNamespaceNames(s: MatrixShape): string[] {
  return Array.from({ length: s.vantageNamespaces }, (_, i) => `${s.prefix}oos-${pad(i)}`);
}

/** True when Service index `i` points at the denied pod ports. */
export function serviceDenied(i: number): boolean {
  return i % 3 === 2;
}

/** Attempts meshprobe plans for `--control 1.3.1` (probe role only; canaries and control paths come on top). */
export function matrixProbeAttempts(s: MatrixShape): number {
  return s.cdeNamespaces * s.servicesPerNamespace * SERVICE_PORTS.length * (s.vantageNamespaces + 1);
}

/** How the objects are made: for the lab (no status) or for a fake API (status and addresses filled in). */
export interface MatrixOptions {
  readonly synthetic: boolean;
  /** Workload image (lab: lab.local/workload:1). */
  readonly image: string;
}

const bench = { [BENCH_LABEL.key]: BENCH_LABEL.value };
/** Pod label of the identity clients (issue 16) that the CDE policy admits. */
export const CLIENT_LABEL = { key: 'bench-role', value: 'client' } as const;

function namespace(name: string, cde: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { ...bench, 'kubernetes.io/metadata.name': name, ...(cde ? { [CDE_LABEL.key]: CDE_LABEL.value } : {}) },
    },
  };
}

/** A restricted-PSA-compatible container spec (the lab's workload image runs as 65532). */
function restrictedContainer(name: string, image: string, args: readonly string[]): Record<string, unknown> {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    args,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: { requests: { cpu: '5m', memory: '24Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
  };
}

function workloadPod(ns: string, nsIndex: number, o: MatrixOptions): KubeObject {
  const args = [...ALLOWED_PORTS, ...DENIED_PORTS].flatMap((p) => ['--tcp', String(p)]);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'workload', namespace: ns, labels: { ...bench, app: 'workload' } },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      // No declared container ports: the Pod target then has no ports, so only the Services are probed.
      containers: [restrictedContainer('workload', o.image, args)],
    },
    ...(o.synthetic ? { status: { phase: 'Running', podIP: `198.19.255.${nsIndex & 255}` } } : {}),
  };
}

/** A unique synthetic ClusterIP in 198.18.0.0/15 (data only: the fake API is never connected to). */
function syntheticClusterIp(index: number): string {
  return `198.${18 + ((index >> 16) & 1)}.${(index >> 8) & 255}.${index & 255}`;
}

function service(ns: string, nsIndex: number, i: number, s: MatrixShape, o: MatrixOptions): KubeObject {
  const pods = serviceDenied(i) ? DENIED_PORTS : ALLOWED_PORTS;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${pad(i)}`, namespace: ns, labels: { ...bench } },
    spec: {
      selector: { app: 'workload' },
      ports: SERVICE_PORTS.map((port, j) => ({ name: `tcp-${j}`, port, targetPort: pods[j], protocol: 'TCP' })),
      ...(o.synthetic ? { clusterIP: syntheticClusterIp(nsIndex * s.servicesPerNamespace + i) } : {}),
    },
  };
}

function admitAllowedPorts(ns: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'admit-allowed-ports', namespace: ns, labels: { ...bench } },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ ports: ALLOWED_PORTS.map((port) => ({ protocol: 'TCP', port })) }],
    },
  };
}

/** Issue 16: the CDE admits pods labelled as clients, from any namespace, on the denied ports too. */
function admitClients(ns: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'admit-clients', namespace: ns, labels: { ...bench } },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: {}, podSelector: { matchLabels: { [CLIENT_LABEL.key]: CLIENT_LABEL.value } } }],
          ports: DENIED_PORTS.map((port) => ({ protocol: 'TCP', port })),
        },
      ],
    },
  };
}

/** A bare client pod in a vantage namespace, carrying the label the CDE admits (an identity to probe as). */
function clientPod(ns: string, index: number, o: MatrixOptions): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'client', namespace: ns, labels: { ...bench, [CLIENT_LABEL.key]: CLIENT_LABEL.value } },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      containers: [restrictedContainer('client', o.image, ['--tcp', String(ALLOWED_PORTS[0])])],
    },
    ...(o.synthetic ? { status: { phase: 'Running', podIP: `198.19.254.${index & 255}` } } : {}),
  };
}

/** Every object of the matrix: namespaces first, then per CDE namespace its policy, pod and Services. */
export function matrixObjects(s: MatrixShape, o: MatrixOptions): KubeObject[] {
  const out: KubeObject[] = [
    ...cdeNamespaceNames(s).map((n) => namespace(n, true)),
    ...vantageNamespaceNames(s).map((n) => namespace(n, false)),
  ];
  const clients = Math.min(s.identityClients ?? 0, s.vantageNamespaces);
  cdeNamespaceNames(s).forEach((ns, k) => {
    out.push(admitAllowedPorts(ns), workloadPod(ns, k, o));
    if (clients > 0) out.push(admitClients(ns));
    for (let i = 0; i < s.servicesPerNamespace; i++) out.push(service(ns, k, i, s, o));
  });
  vantageNamespaceNames(s)
    .slice(0, clients)
    .forEach((ns, k) => {
      out.push(clientPod(ns, k, o));
    });
  return out;
}
