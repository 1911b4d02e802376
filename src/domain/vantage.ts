/** Where an attempt comes from (DESIGN §3). */
export type Vantage =
  /** The fresh per-run namespace, outside the mesh, unlabelled: "any new workload". */
  | { readonly kind: 'probe-namespace' }
  /** A probe pod in the target's own namespace, outside the mesh. */
  | { readonly kind: 'same-namespace'; readonly namespace: string }
  /** A probe pod placed in another existing namespace, carrying its identity for NetworkPolicy. */
  | { readonly kind: 'from-namespace'; readonly namespace: string }
  /** The machine running the CLI. */
  | { readonly kind: 'host' };

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
    default: {
      const never: never = v;
      throw new Error(`unknown vantage ${String(never)}`);
    }
  }
}
