/** Shared set-up of plan unit tests: a scope naming one CDE namespace, plan options, namespace objects. */
import type { KubeObject } from '../../src/cluster/ports.js';
import type { ScopeOptions } from '../../src/discover/namespaces.js';

/** A run scoped to the one CDE namespace `cde` (no label selector, nothing else). */
export function cdeScope(cde: string): ScopeOptions {
  return {
    scope: undefined,
    cdeNamespaces: [cde],
    namespaces: [],
    excludeNamespaces: [],
    tenants: [],
    egressTargets: [],
    untrustedPaths: [],
  };
}

/** A run whose CDE is the pci.scope=cde label and whose --tenant namespaces are `tenants`. */
export function tenantScope(tenants: readonly string[]): ScopeOptions {
  return { ...cdeScope(''), scope: 'pci.scope=cde', cdeNamespaces: [], tenants: [...tenants] };
}

/** Plan options judging 1.3.1 with the CLI's defaults for timeouts and concurrency. */
export const PLAN_OPTS_1_3_1 = {
  controls: ['1.3.1'],
  skipProbes: [],
  foreignPods: true,
  attemptTimeout: 3000,
  concurrency: 64,
  timeout: 600,
};

/** A Namespace object as the API lists it (with its metadata.name label). */
export function namespaceObject(name: string): KubeObject {
  return { kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
}
