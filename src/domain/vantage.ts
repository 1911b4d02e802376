/** Where an attempt comes from (DESIGN §3). */
export type Vantage =
  /** The fresh per-run namespace, outside the mesh, unlabelled: "any new workload". */
  | { readonly kind: 'probe-namespace' }
  /** A probe pod in the target's own namespace, outside the mesh. */
  | { readonly kind: 'same-namespace'; readonly namespace: string }
  /** A probe pod placed in another existing namespace, carrying its identity for NetworkPolicy. */
  | { readonly kind: 'from-namespace'; readonly namespace: string }
  /** The machine running the CLI. */
  | { readonly kind: 'host' }
  /**
   * A probe pod that carries a real workload's network identity (its labels minus controller-generated
   * ones, its ServiceAccount) in the workload's namespace, so policies treat it as that workload.
   */
  | {
      readonly kind: 'identity';
      readonly namespace: string;
      readonly workload: string;
      readonly serviceAccount: string;
    };

export type VantageKind = Vantage['kind'];

/** Stable text id of a vantage: "probe-namespace", "from-namespace:payments", "host". */
export function vantageId(v: Vantage): string {
  switch (v.kind) {
    case 'probe-namespace':
    case 'host':
      return v.kind;
    case 'same-namespace':
    case 'from-namespace':
      return `${v.kind}:${v.namespace}`;
    case 'identity':
      return `identity:${v.namespace}/${v.workload}`;
    default: {
      const never: never = v;
      throw new Error(`unknown vantage ${String(never)}`);
    }
  }
}

/** Human phrase for reasons: "from a new unlabelled pod in the probe namespace". */
export function describeVantage(v: Vantage): string {
  switch (v.kind) {
    case 'probe-namespace':
      return 'from a new unlabelled pod outside the mesh (probe namespace)';
    case 'same-namespace':
      return `from an unmeshed pod in the same namespace ${v.namespace}`;
    case 'from-namespace':
      return `from namespace ${v.namespace}`;
    case 'host':
      return 'from the host running meshprobe';
    case 'identity':
      return `as workload ${v.namespace}/${v.workload} (its labels and ServiceAccount ${v.serviceAccount})`;
    default: {
      const never: never = v;
      throw new Error(`unknown vantage ${String(never)}`);
    }
  }
}
