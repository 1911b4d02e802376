import type { Options } from './options.js';

/** Help groups of shared options (DESIGN: Cluster, Scope, Selection, Output, Safety). */
export type OptionGroup = 'Cluster' | 'Scope' | 'Selection' | 'Output' | 'Safety' | 'Upload';

/** How a raw value (flag, env string, config-file value) is read. */
type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'list' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

/** One option: where it comes from, how it is checked, how it is explained. */
export interface Field {
  readonly key: keyof Options;
  /** Flag name without dashes, kebab-case. Env name is MESHPROBE_<FLAG_IN_UPPER_SNAKE>. */
  readonly flag: string;
  readonly alias?: string;
  readonly group: OptionGroup;
  readonly type: FieldType;
  readonly describe: string;
  /** Shown as value placeholder in --help. */
  readonly placeholder?: string;
}

/** Every shared option, once. Flags, env, config file, validation and --help derive from this. */
export const FIELDS: readonly Field[] = [
  {
    key: 'kubeconfig',
    flag: 'kubeconfig',
    group: 'Cluster',
    type: { kind: 'string' },
    placeholder: 'file',
    describe: 'Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)',
  },
  {
    key: 'context',
    flag: 'context',
    group: 'Cluster',
    type: { kind: 'string' },
    placeholder: 'name',
    describe: 'Kubeconfig context to use (default: current context)',
  },
  {
    key: 'requestTimeout',
    flag: 'request-timeout',
    group: 'Cluster',
    type: { kind: 'int', min: 1, max: 3_600 },
    placeholder: 'seconds',
    describe: 'Give up on one Kubernetes API call after this long (a hung API server never hangs meshprobe)',
  },
  {
    key: 'scope',
    flag: 'scope',
    group: 'Scope',
    type: { kind: 'string' },
    placeholder: 'selector',
    describe: 'Label selector on namespaces that marks the CDE, e.g. pci.scope=cde',
  },
  {
    key: 'cdeNamespaces',
    flag: 'cde-namespace',
    group: 'Scope',
    type: { kind: 'list' },
    placeholder: 'ns',
    describe: 'A namespace in the CDE (repeatable; adds to --scope)',
  },
  {
    key: 'cdeAll',
    flag: 'cde-all',
    group: 'Scope',
    type: { kind: 'bool' },
    describe: 'Treat every application namespace as CDE; run and plan need this, --scope or --cde-namespace',
  },
  {
    key: 'namespaces',
    flag: 'namespace',
    alias: 'n',
    group: 'Scope',
    type: { kind: 'list' },
    placeholder: 'ns',
    describe: 'Limit the run to this namespace (repeatable; default: all). Nodes and the API server are still probed',
  },
  {
    key: 'excludeNamespaces',
    flag: 'exclude-namespace',
    group: 'Scope',
    type: { kind: 'list' },
    placeholder: 'ns',
    describe: 'Leave this namespace out of the run (repeatable)',
  },
  {
    key: 'tenants',
    flag: 'tenant',
    group: 'Scope',
    type: { kind: 'list' },
    placeholder: 'ns',
    describe: 'A tenant namespace that must not reach other tenants (repeatable; A1.1.x)',
  },
  {
    key: 'egressTargets',
    flag: 'egress-target',
    group: 'Scope',
    type: { kind: 'list' },
    placeholder: 'host:port',
    describe:
      'A destination that stands for "outside" in CDE egress tests (repeatable; nothing outside the cluster is contacted unless named here). Tried over TCP on its port, over UDP too on 53/123/161 (DNS query, NTP, SNMP get), and with a DNS query to its UDP/53 (DNS exfiltration; --skip-probe egress-udp leaves UDP out)',
  },
  {
    key: 'untrustedPaths',
    flag: 'untrusted-path',
    group: 'Scope',
    type: { kind: 'list' },
    placeholder: 'host:port',
    describe: 'An endpoint whose traffic crosses open, public networks (repeatable; evidence for 4.2.1)',
  },
  {
    key: 'approvedFlows',
    flag: 'approved-flows',
    group: 'Scope',
    type: { kind: 'string' },
    placeholder: 'file',
    describe: 'YAML/JSON list of approved flows, for 1.2.5',
  },
  {
    key: 'controls',
    flag: 'control',
    group: 'Selection',
    type: { kind: 'list' },
    placeholder: 'id',
    describe: 'Evaluate only this control, e.g. 1.3.1 (repeatable; default: all)',
  },
  {
    key: 'skipProbes',
    flag: 'skip-probe',
    group: 'Selection',
    type: { kind: 'list' },
    placeholder: 'id',
    describe: 'Do not run this probe (repeatable; see `meshprobe controls`)',
  },
  {
    key: 'nodes',
    flag: 'nodes',
    group: 'Selection',
    type: { kind: 'bool' },
    describe:
      'Probe the nodes (kubelet ports), also under --namespace (--no-nodes leaves them out; node controls are then inconclusive)',
  },
  {
    key: 'foreignPods',
    flag: 'foreign-pods',
    group: 'Selection',
    type: { kind: 'bool' },
    describe:
      'Place probe pods in out-of-scope namespaces so their NetworkPolicies apply (--no-foreign-pods to disable)',
  },
  {
    key: 'identityVantages',
    flag: 'identity-vantages',
    group: 'Selection',
    type: { kind: 'bool' },
    describe:
      "Also probe as workloads that CDE NetworkPolicies admit by label: a never-Ready probe pod with the workload's labels and ServiceAccount (--no-identity-vantages to disable)",
  },
  {
    key: 'maxIdentityVantages',
    flag: 'max-identity-vantages',
    group: 'Selection',
    type: { kind: 'int', min: 0, max: 1_000 },
    placeholder: 'n',
    describe: 'At most this many identity vantages are chosen automatically (the rest are listed as not run)',
  },
  {
    key: 'asWorkloads',
    flag: 'as-workload',
    group: 'Selection',
    type: { kind: 'list' },
    placeholder: 'ns/name',
    describe: 'Probe as this workload (Deployment/StatefulSet/DaemonSet; repeatable; replaces the automatic choice)',
  },
  {
    key: 'ports',
    flag: 'ports',
    group: 'Selection',
    type: { kind: 'enum', values: ['default', 'all', 'none'] },
    describe:
      'Listener sweep of every CDE pod from its own namespace: the default list of 1 112 well-known ports plus declared ports, all of 1–65535, or none; every listener found is probed, and an undeclared one is a 1.2.5/2.2.4 finding',
  },
  {
    key: 'output',
    flag: 'output',
    alias: 'o',
    group: 'Output',
    type: { kind: 'enum', values: ['text', 'json', 'junit', 'tap', 'sarif', 'markdown'] },
    describe: 'Format printed on stdout (every format is also written to --output-dir)',
  },
  {
    key: 'outputDir',
    flag: 'output-dir',
    group: 'Output',
    type: { kind: 'string' },
    placeholder: 'dir',
    describe: 'Where the evidence bundle is written (default: ./reports/<run-id>/)',
  },
  {
    key: 'verbose',
    flag: 'verbose',
    alias: 'v',
    group: 'Output',
    type: { kind: 'bool' },
    describe: 'Print reasons for every control, not only those that do not hold',
  },
  {
    key: 'quiet',
    flag: 'quiet',
    alias: 'q',
    group: 'Output',
    type: { kind: 'bool' },
    describe: 'No progress output on stderr',
  },
  {
    key: 'signKey',
    flag: 'sign-key',
    group: 'Output',
    type: { kind: 'string' },
    placeholder: 'key.pem',
    describe: 'RSA private key (PEM) to sign the bundle’s SHA256SUMS',
  },
  {
    key: 'inconclusiveOk',
    flag: 'inconclusive-ok',
    group: 'Output',
    type: { kind: 'bool' },
    describe: 'Exit 0 instead of 4 when nothing fails but something is inconclusive',
  },
  {
    key: 'timeout',
    flag: 'timeout',
    group: 'Safety',
    type: { kind: 'int', min: 10, max: 86_400 },
    placeholder: 'seconds',
    describe: 'Limit for the whole run; cleanup still runs after it',
  },
  {
    key: 'attemptTimeout',
    flag: 'attempt-timeout',
    group: 'Safety',
    type: { kind: 'int', min: 100, max: 60_000 },
    placeholder: 'ms',
    describe: 'Connect/read limit of one attempt',
  },
  {
    key: 'policySettle',
    flag: 'policy-settle',
    group: 'Safety',
    type: { kind: 'int', min: 0, max: 60_000 },
    placeholder: 'ms',
    describe:
      'Policy-ready point: time after a probe pod starts by which the NetworkPolicy engine is assumed to have programmed it. Attempts start at once; one decided before this point is made again after it and only the later result counts (no fixed wait)',
  },
  {
    key: 'podReadyTimeout',
    flag: 'pod-ready-timeout',
    group: 'Safety',
    type: { kind: 'int', min: 5, max: 3_600 },
    placeholder: 'seconds',
    describe: 'How long to wait for probe pods to start',
  },
  {
    key: 'concurrency',
    flag: 'concurrency',
    group: 'Safety',
    type: { kind: 'int', min: 1, max: 4_096 },
    placeholder: 'n',
    describe: 'Attempts in flight inside one probe pod',
  },
  {
    key: 'sweepConcurrency',
    flag: 'sweep-concurrency',
    group: 'Safety',
    type: { kind: 'int', min: 1, max: 4_096 },
    placeholder: 'n',
    describe: 'Connects in flight in the listener sweep of one pod (--ports)',
  },
  {
    key: 'sweepTimeout',
    flag: 'sweep-timeout',
    group: 'Safety',
    type: { kind: 'int', min: 1, max: 3_600 },
    placeholder: 'seconds',
    describe: 'Time budget of the listener sweep of one pod; ports not reached by then are reported as not swept',
  },
  {
    key: 'cleanupTimeout',
    flag: 'cleanup-timeout',
    group: 'Safety',
    type: { kind: 'int', min: 1, max: 3_600 },
    placeholder: 'seconds',
    describe:
      'Budget of cleanup: deletes are retried while the API server is unreachable or answers 429/5xx, then checked by listing; when it is spent, the `meshprobe cleanup --run-id` command is printed',
  },
  {
    key: 'agentImage',
    flag: 'agent-image',
    group: 'Safety',
    type: { kind: 'string' },
    placeholder: 'image',
    describe: 'Node ≥ 20 image that runs the agent (mirror it for air-gapped clusters)',
  },
  {
    key: 'caFile',
    flag: 'ca-file',
    group: 'Safety',
    type: { kind: 'string' },
    placeholder: 'file',
    describe: 'Trust bundle (PEM) to validate certificate chains against',
  },
  {
    key: 'certExpiryWarningDays',
    flag: 'cert-expiry-warning-days',
    group: 'Safety',
    type: { kind: 'int', min: 0, max: 3_650 },
    placeholder: 'days',
    describe: 'Warn about certificates that expire within this many days',
  },
  {
    key: 'upload',
    flag: 'upload',
    group: 'Upload',
    type: { kind: 'string' },
    placeholder: 'target',
    describe:
      'After the bundle is written (and signed), send it to s3://bucket/prefix (AWS_* credentials from the environment) or an https:// URL (one PUT per file, headers from MESHPROBE_UPLOAD_HEADERS or --upload-headers-file), under <run-id>/. The local bundle is kept; a failed upload is exit 5',
  },
  {
    key: 'uploadEndpoint',
    flag: 'upload-endpoint',
    group: 'Upload',
    type: { kind: 'string' },
    placeholder: 'url',
    describe:
      'S3-compatible endpoint for s3:// targets that are not AWS, e.g. http://minio:9000 (path-style addressing; default: AWS_ENDPOINT_URL, else AWS in AWS_REGION)',
  },
  {
    key: 'uploadHeadersFile',
    flag: 'upload-headers-file',
    group: 'Upload',
    type: { kind: 'string' },
    placeholder: 'file',
    describe:
      'File of "Name: value" header lines sent with each PUT to an https:// target (e.g. a mounted Secret); never logged or reported',
  },
];

/** Env variable name for a field: MESHPROBE_ATTEMPT_TIMEOUT. */
export function envName(field: Field): string {
  return `MESHPROBE_${field.flag.replace(/-/g, '_').toUpperCase()}`;
}
