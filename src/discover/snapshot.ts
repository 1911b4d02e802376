/**
 * What discovery read from the cluster, as plain API objects (fixture JSON has this shape).
 * Pure code (mesh.ts, targets.ts) turns it into an Inventory.
 */
import type { KubeObject } from '../cluster/ports.js';

/** Mesh objects; `undefined` means the CRD is not installed (a 404, not an error). */
export interface MeshObjects {
  readonly peerAuthentications?: readonly KubeObject[];
  readonly istioAuthorizationPolicies?: readonly KubeObject[];
  readonly sidecars?: readonly KubeObject[];
  readonly destinationRules?: readonly KubeObject[];
  readonly servers?: readonly KubeObject[];
  readonly serverAuthorizations?: readonly KubeObject[];
  readonly linkerdAuthorizationPolicies?: readonly KubeObject[];
  readonly meshTlsAuthentications?: readonly KubeObject[];
  readonly networkAuthentications?: readonly KubeObject[];
  readonly ciliumNetworkPolicies?: readonly KubeObject[];
}

/** Everything one discovery read. */
export interface ClusterSnapshot {
  readonly cluster: { readonly server: string; readonly context: string; readonly version?: string };
  readonly namespaces: readonly KubeObject[];
  readonly pods: readonly KubeObject[];
  readonly services: readonly KubeObject[];
  readonly nodes: readonly KubeObject[];
  readonly endpointSlices: readonly KubeObject[];
  readonly networkPolicies: readonly KubeObject[];
  readonly mesh: MeshObjects;
}

/** Loose readers for API JSON (discovery never trusts shapes). */
export function labelsOf(o: KubeObject | undefined): Readonly<Record<string, string>> {
  return o?.metadata?.labels ?? {};
}

/** Annotations of an object ({} when none). */
export function annotationsOf(o: KubeObject | undefined): Readonly<Record<string, string>> {
  return o?.metadata?.annotations ?? {};
}

/** metadata.name ('' when missing). */
export function nameOf(o: KubeObject | undefined): string {
  return o?.metadata?.name ?? '';
}

/** metadata.namespace ('' for cluster-scoped objects). */
export function namespaceOf(o: KubeObject | undefined): string {
  return o?.metadata?.namespace ?? '';
}

/** A nested field by path, or undefined. */
export function field(o: unknown, ...path: readonly (string | number)[]): unknown {
  let cur: unknown = o;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** A field that should be an array ([] otherwise). */
export function arrayField(o: unknown, ...path: readonly (string | number)[]): readonly unknown[] {
  const v = field(o, ...path);
  return Array.isArray(v) ? v : [];
}

/** A field that should be a string (undefined otherwise). */
export function stringField(o: unknown, ...path: readonly (string | number)[]): string | undefined {
  const v = field(o, ...path);
  return typeof v === 'string' ? v : undefined;
}
