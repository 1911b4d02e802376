/**
 * THE list of API permissions meshprobe uses. The adapter (kube-client.ts) names an entry
 * of this list on every call it makes, `meshprobe rbac` renders it as RBAC YAML, and the
 * integration test checks that every HTTP request the adapter sends is covered by it —
 * so the printed role and the code cannot drift apart.
 */

/** Kubernetes RBAC verbs meshprobe needs. */
type Verb = 'get' | 'list' | 'create' | 'delete';

/** Which command needs a permission (plan is read-only; run/cleanup write). */
export type Need = 'plan' | 'run' | 'cleanup';

/** One RBAC rule: verb on group/resource, why, and who needs it. */
export interface Permission {
  readonly verb: Verb;
  /** API group; '' is the core group. */
  readonly group: string;
  /** Plural resource, with subresource if any ("pods/log"). */
  readonly resource: string;
  readonly why: string;
  readonly neededBy: readonly Need[];
  /** Versions to try in order (custom resources); the first served one is used. */
  readonly versions?: readonly string[];
}

const READ: readonly Need[] = ['plan', 'run'];
const WRITE: readonly Need[] = ['run', 'cleanup'];

/** Every permission, keyed by a stable id the adapter refers to. */
export const PERMISSIONS = {
  'list-namespaces': {
    verb: 'list',
    group: '',
    resource: 'namespaces',
    why: 'find CDE and out-of-scope namespaces and their mesh labels',
    neededBy: READ,
  },
  'list-pods': {
    verb: 'list',
    group: '',
    resource: 'pods',
    why: 'find workloads, their ports and mesh enrolment',
    neededBy: READ,
  },
  'list-services': {
    verb: 'list',
    group: '',
    resource: 'services',
    why: 'find Service addresses and ports to probe',
    neededBy: READ,
  },
  'list-nodes': {
    verb: 'list',
    group: '',
    resource: 'nodes',
    why: 'find node addresses for kubelet exposure probes',
    neededBy: READ,
  },
  'list-endpointslices': {
    verb: 'list',
    group: 'discovery.k8s.io',
    resource: 'endpointslices',
    why: 'map Services to the pods behind them',
    neededBy: READ,
  },
  'list-networkpolicies': {
    verb: 'list',
    group: 'networking.k8s.io',
    resource: 'networkpolicies',
    why: 'know which namespaces have policies (control paths, summary)',
    neededBy: READ,
  },
  'list-peerauthentications': {
    verb: 'list',
    group: 'security.istio.io',
    resource: 'peerauthentications',
    versions: ['v1', 'v1beta1'],
    why: 'derive the Istio mTLS mode per workload and port',
    neededBy: READ,
  },
  'list-authorizationpolicies.istio': {
    verb: 'list',
    group: 'security.istio.io',
    resource: 'authorizationpolicies',
    versions: ['v1', 'v1beta1'],
    why: 'know where Istio authorization applies',
    neededBy: READ,
  },
  'list-sidecars': {
    verb: 'list',
    group: 'networking.istio.io',
    resource: 'sidecars',
    versions: ['v1', 'v1beta1'],
    why: 'know Istio Sidecar ingress overrides',
    neededBy: READ,
  },
  'list-destinationrules': {
    verb: 'list',
    group: 'networking.istio.io',
    resource: 'destinationrules',
    versions: ['v1', 'v1beta1'],
    why: 'know client-side TLS settings',
    neededBy: READ,
  },
  'list-servers': {
    verb: 'list',
    group: 'policy.linkerd.io',
    resource: 'servers',
    versions: ['v1beta3', 'v1beta2', 'v1beta1'],
    why: 'derive Linkerd per-port policy',
    neededBy: READ,
  },
  'list-serverauthorizations': {
    verb: 'list',
    group: 'policy.linkerd.io',
    resource: 'serverauthorizations',
    versions: ['v1beta1'],
    why: 'know which Linkerd Servers admit unauthenticated clients',
    neededBy: READ,
  },
  'list-authorizationpolicies.linkerd': {
    verb: 'list',
    group: 'policy.linkerd.io',
    resource: 'authorizationpolicies',
    versions: ['v1alpha1'],
    why: 'know which Linkerd Servers admit unauthenticated clients',
    neededBy: READ,
  },
  'list-meshtlsauthentications': {
    verb: 'list',
    group: 'policy.linkerd.io',
    resource: 'meshtlsauthentications',
    versions: ['v1alpha1'],
    why: 'resolve Linkerd authorization policies',
    neededBy: READ,
  },
  'list-networkauthentications': {
    verb: 'list',
    group: 'policy.linkerd.io',
    resource: 'networkauthentications',
    versions: ['v1alpha1'],
    why: 'resolve Linkerd authorization policies',
    neededBy: READ,
  },
  'list-ciliumnetworkpolicies': {
    verb: 'list',
    group: 'cilium.io',
    resource: 'ciliumnetworkpolicies',
    versions: ['v2'],
    why: 'note Cilium policy presence',
    neededBy: READ,
  },
  'get-version': {
    verb: 'get',
    group: '',
    resource: '/version',
    why: 'record the cluster version in the report (non-resource URL, allowed to every authenticated user by default)',
    neededBy: READ,
  },
  'create-selfsubjectaccessreviews': {
    verb: 'create',
    group: 'authorization.k8s.io',
    resource: 'selfsubjectaccessreviews',
    why: 'check permissions before creating anything (allowed to every authenticated user by default)',
    neededBy: ['run'],
  },
  'create-namespaces': {
    verb: 'create',
    group: '',
    resource: 'namespaces',
    why: 'create the per-run probe namespace',
    neededBy: ['run'],
  },
  'delete-namespaces': {
    verb: 'delete',
    group: '',
    resource: 'namespaces',
    why: 'delete the per-run probe namespace',
    neededBy: WRITE,
  },
  'create-configmaps': {
    verb: 'create',
    group: '',
    resource: 'configmaps',
    why: 'deliver the agent and each batch to probe pods',
    neededBy: ['run'],
  },
  'delete-configmaps': {
    verb: 'delete',
    group: '',
    resource: 'configmaps',
    why: 'remove agent/batch ConfigMaps (also in foreign namespaces)',
    neededBy: WRITE,
  },
  'list-configmaps': {
    verb: 'list',
    group: '',
    resource: 'configmaps',
    why: 'find leftover meshprobe ConfigMaps for cleanup',
    neededBy: ['cleanup'],
  },
  'create-pods': {
    verb: 'create',
    group: '',
    resource: 'pods',
    why: "start probe pods (probe namespace, same-namespace, from-namespace and identity vantages; naming a workload's ServiceAccount in a pod needs no further permission)",
    neededBy: ['run'],
  },
  'delete-pods': { verb: 'delete', group: '', resource: 'pods', why: 'remove probe pods', neededBy: WRITE },
  'get-pods': {
    verb: 'get',
    group: '',
    resource: 'pods',
    why: 'wait for probe pods and read why they are not ready',
    neededBy: ['run'],
  },
  'get-pods/log': {
    verb: 'get',
    group: '',
    resource: 'pods/log',
    why: 'collect the agent observations',
    neededBy: ['run'],
  },
  'create-services': {
    verb: 'create',
    group: '',
    resource: 'services',
    why: "expose the run's canary echo pod",
    neededBy: ['run'],
  },
  'delete-services': {
    verb: 'delete',
    group: '',
    resource: 'services',
    why: 'remove the canary Service',
    neededBy: WRITE,
  },
} as const satisfies Readonly<Record<string, Permission>>;

/** Id of one permission entry. */
export type PermissionId = keyof typeof PERMISSIONS;

/** "list pods" / "list peerauthentications.security.istio.io" for messages. */
export function describePermission(p: Permission): string {
  return `${p.verb} ${p.group === '' ? p.resource : `${p.resource}.${p.group}`}`;
}
