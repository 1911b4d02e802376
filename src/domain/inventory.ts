import type { Target } from './target.js';

/** Summary of what discovery found, as it appears in the report. */
export interface InventorySummary {
  readonly cluster: { readonly server: string; readonly context: string; readonly version?: string };
  readonly namespaces: readonly NamespaceSummary[];
  readonly targets: number;
  readonly meshes: readonly string[];
  readonly networkPolicies: number;
}

export interface NamespaceSummary {
  readonly name: string;
  readonly inScope: boolean;
  /** cde | out-of-scope | system | mesh | probe | tenant */
  readonly role: string;
  readonly workloads: number;
  readonly networkPolicies: number;
}

/** Everything discovery read, reduced to what planning needs. */
export interface Inventory {
  readonly summary: InventorySummary;
  readonly targets: readonly Target[];
}
