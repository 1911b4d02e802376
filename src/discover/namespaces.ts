/**
 * Namespace roles (pure): CDE by --scope selector and/or --cde-namespace, the control plane
 * and the mesh handled deliberately (targets for exposures, never vantages or apps), tenants,
 * meshprobe's own namespaces (ignored), everything else out of scope.
 */
import { MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../cluster/labels.js';
import type { KubeObject } from '../cluster/ports.js';
import { matchesSelectorText } from './selector.js';
import { labelsOf, nameOf } from './snapshot.js';

/** What a namespace is to the run. */
type NamespaceRole = 'cde' | 'out-of-scope' | 'system' | 'mesh' | 'probe' | 'tenant';

/** The scope-related options (a subset of Options). */
export interface ScopeOptions {
  readonly scope: string | undefined;
  readonly cdeNamespaces: readonly string[];
  /** Every application namespace is CDE (--cde-all); tenants keep their role and are in scope too. */
  readonly cdeAll?: boolean;
  /** False with --no-nodes: node targets stay in the inventory and the plan reports them as not run. */
  readonly nodes?: boolean;
  readonly namespaces: readonly string[];
  readonly excludeNamespaces: readonly string[];
  readonly tenants: readonly string[];
  readonly egressTargets: readonly string[];
  readonly untrustedPaths: readonly string[];
}

/** One namespace with its role and whether the run includes it. */
export interface NamespaceFacts {
  readonly name: string;
  readonly role: NamespaceRole;
  readonly inScope: boolean;
  /** False when --namespace/--exclude-namespace leave it out of this run. */
  readonly included: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

const SYSTEM =
  /^(kube-system|kube-public|kube-node-lease|kube-flannel|calico-system|calico-apiserver|tigera-operator|cilium|cilium-.*|local-path-storage)$/;
const MESH = /^(istio-system|istio-.*|linkerd|linkerd-.*)$/;

/** Role of one namespace. CDE wins over tenant; system/mesh win over both (they are handled deliberately). */
function roleOf(ns: KubeObject, scope: ScopeOptions): NamespaceRole {
  const name = nameOf(ns);
  const labels = labelsOf(ns);
  if (labels[MANAGED_BY_KEY] === MANAGED_BY_VALUE) return 'probe';
  if (SYSTEM.test(name)) return 'system';
  if (MESH.test(name)) return 'mesh';
  if (scope.cdeNamespaces.includes(name) || (scope.scope !== undefined && matchesSelectorText(scope.scope, labels)))
    return 'cde';
  if (scope.tenants.includes(name)) return 'tenant';
  return scope.cdeAll === true ? 'cde' : 'out-of-scope';
}

/** Facts for every namespace, sorted by name. */
export function namespaceFacts(namespaces: readonly KubeObject[], scope: ScopeOptions): readonly NamespaceFacts[] {
  return namespaces
    .map((ns) => {
      const name = nameOf(ns);
      const role = roleOf(ns, scope);
      const included =
        role !== 'probe' &&
        !scope.excludeNamespaces.includes(name) &&
        (scope.namespaces.length === 0 || scope.namespaces.includes(name));
      // Under --cde-all a tenant is CDE too, but keeps its role: tenants are separate environments (A1).
      const inScope = role === 'cde' || (role === 'tenant' && scope.cdeAll === true);
      return { name, role, inScope, included, labels: labelsOf(ns) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** True for namespaces that may host probe pods (apps only: not control plane, mesh or meshprobe's own). */
export function mayHostProbePods(ns: NamespaceFacts): boolean {
  return ns.included && (ns.role === 'cde' || ns.role === 'out-of-scope' || ns.role === 'tenant');
}
