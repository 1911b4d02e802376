/**
 * All options of meshprobe, as one plain type, and the one DEFAULTS literal.
 * Precedence: DEFAULTS < --config file < MESHPROBE_* env < flags (see load.ts).
 */

/** What the listener sweep tries (issue 13). */
export type PortsMode = 'default' | 'all' | 'none';

/** Machine-readable stdout formats (files are always written in every format). */
export type OutputFormat = 'text' | 'json' | 'junit' | 'tap' | 'sarif' | 'markdown';

export interface Options {
  // Cluster
  /** Path to a kubeconfig; undefined = the library default (KUBECONFIG, ~/.kube/config, in-cluster). */
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  /** Limit of one Kubernetes API call, seconds. */
  readonly requestTimeout: number;

  // Scope
  /** Label selector on namespaces that marks the CDE, e.g. "pci.scope=cde". */
  readonly scope: string | undefined;
  /** Namespaces in the CDE (in addition to --scope). */
  readonly cdeNamespaces: readonly string[];
  /**
   * Treat every application namespace of the run as CDE (tenants stay separate environments).
   * `run` and `plan` need a scope: --scope, --cde-namespace, or this said explicitly.
   */
  readonly cdeAll: boolean;
  /** Limit the run to these namespaces (empty = all). */
  readonly namespaces: readonly string[];
  readonly excludeNamespaces: readonly string[];
  /** Namespaces that are tenants that must not reach each other (A1.1.x). */
  readonly tenants: readonly string[];
  /** host:port destinations that stand for "outside" for egress tests (1.3.2). Nothing else outside is contacted. */
  readonly egressTargets: readonly string[];
  /** host:port endpoints whose traffic crosses untrusted/public networks (4.2.1). */
  readonly untrustedPaths: readonly string[];
  /** YAML/JSON file of approved flows (1.2.5). */
  readonly approvedFlows: string | undefined;

  // Selection
  /** Control ids or requirement numbers to evaluate (empty = all). */
  readonly controls: readonly string[];
  /** Probe ids to skip. */
  readonly skipProbes: readonly string[];
  /** Place probe pods in out-of-scope namespaces (from-namespace vantages). */
  readonly foreignPods: boolean;
  /** Probe as chosen workloads (their labels and ServiceAccount) too: identity vantages (issue 16). */
  readonly identityVantages: boolean;
  /** At most this many identity vantages are chosen automatically. */
  readonly maxIdentityVantages: number;
  /** Workloads ("ns/name") to probe as, instead of the automatic choice. */
  readonly asWorkloads: readonly string[];
  /** Probe the nodes (kubelet ports), also under --namespace; false only with an explicit --no-nodes. */
  readonly nodes: boolean;
  /** Listener sweep of CDE pods: the default port list (+ declared ports), every port 1–65535, or none. */
  readonly ports: PortsMode;

  // Output
  readonly output: OutputFormat;
  /** Directory for the evidence bundle; default ./reports/<run-id>/. */
  readonly outputDir: string | undefined;
  readonly verbose: boolean;
  readonly quiet: boolean;
  /** PEM private key for a detached signature of SHA256SUMS. */
  readonly signKey: string | undefined;
  /** Exit 0 instead of 4 when nothing fails but something is inconclusive. */
  readonly inconclusiveOk: boolean;

  // Upload (issue 18)
  /** Where the sealed bundle is sent after the run: s3://bucket/prefix or an https:// URL (no secret in it). */
  readonly upload: string | undefined;
  /** S3-compatible endpoint for s3:// targets that are not AWS (path-style). */
  readonly uploadEndpoint: string | undefined;
  /** File of `Name: value` header lines for https:// targets (credentials stay out of options). */
  readonly uploadHeadersFile: string | undefined;

  // Safety / timing
  /** Whole-run limit, seconds. */
  readonly timeout: number;
  /** Per-attempt connect/read limit, milliseconds. */
  readonly attemptTimeout: number;
  /** Policy-ready point, ms after a probe pod's agent starts: results decided earlier are repeated after it (policy engines are asynchronous). */
  readonly policySettle: number;
  /** How long to wait for probe pods to become ready, seconds. */
  readonly podReadyTimeout: number;
  /** Concurrent attempts inside one agent. */
  readonly concurrency: number;
  /** Connects in flight in one listener sweep. */
  readonly sweepConcurrency: number;
  /** Time budget of the listener sweep of one pod, seconds. */
  readonly sweepTimeout: number;
  /** Budget of cleanup (deletes retried while the API server is away, and the check), seconds. */
  readonly cleanupTimeout: number;
  /** Node image that runs the agent (see DEFAULT_AGENT_IMAGE on pinning). */
  readonly agentImage: string;
  /** Trust bundle (PEM) for certificate chain validation. */
  readonly caFile: string | undefined;
  readonly certExpiryWarningDays: number;
  /** Optional --config file that was loaded (for the report). */
  readonly configFile: string | undefined;
}

/**
 * Default agent image: the official Node 24 (LTS) Alpine image, the line CI tests besides 20,
 * which is end of life; the lab's agent image `lab.local/node:24` carries the same Node line.
 * The agent needs only `node` (its bundle targets Node 20, so any Node 20+ image works).
 * Not pinned by digest here because no registry was reachable when this was written to
 * read a real digest; pin it yourself (`--agent-image node:24-alpine@sha256:...`) or mirror
 * it for air-gapped clusters.
 */
export const DEFAULT_AGENT_IMAGE = 'docker.io/library/node:24-alpine';

/** The one DEFAULTS literal. */
export const DEFAULTS: Options = {
  kubeconfig: undefined,
  context: undefined,
  requestTimeout: 30,
  scope: undefined,
  cdeNamespaces: [],
  cdeAll: false,
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [],
  untrustedPaths: [],
  approvedFlows: undefined,
  controls: [],
  skipProbes: [],
  foreignPods: true,
  identityVantages: true,
  maxIdentityVantages: 10,
  asWorkloads: [],
  nodes: true,
  ports: 'default',
  output: 'text',
  outputDir: undefined,
  verbose: false,
  quiet: false,
  signKey: undefined,
  inconclusiveOk: false,
  upload: undefined,
  uploadEndpoint: undefined,
  uploadHeadersFile: undefined,
  timeout: 600,
  attemptTimeout: 3000,
  policySettle: 3000,
  podReadyTimeout: 120,
  concurrency: 64,
  sweepConcurrency: 512,
  sweepTimeout: 120,
  cleanupTimeout: 120,
  agentImage: DEFAULT_AGENT_IMAGE,
  caFile: undefined,
  certExpiryWarningDays: 30,
  configFile: undefined,
};
