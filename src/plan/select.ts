/**
 * Which probes run, and from which concrete vantages toward a given target (pure). Each
 * refusal is a sentence that ends up in the report as a not-run reason.
 */
import type { Control } from '../domain/control.js';
import type { Probe } from '../domain/probe.js';
import { refName, type Target } from '../domain/target.js';
import type { Vantage, VantageKind } from '../domain/vantage.js';
import { mayHostProbePods, type NamespaceFacts } from '../discover/namespaces.js';
import { ENDPOINT_ROLE_LABEL } from '../discover/targets.js';

/** Selection options (a subset of Options). */
export interface SelectOptions {
  /** Control ids or requirement numbers; empty = all. */
  readonly controls: readonly string[];
  readonly skipProbes: readonly string[];
  readonly foreignPods: boolean;
  /** False with --no-nodes (absent = true). */
  readonly nodes?: boolean;
}

/** Probes made for user-named --egress-target endpoints (TCP and UDP). */
const EGRESS_PROBE_IDS: ReadonlySet<string> = new Set(['egress-reach', 'egress-udp']);
/** Probes tried only from one tenant namespace to another (--tenant), over TCP and UDP. */
const TENANT_PROBE_IDS: ReadonlySet<string> = new Set(['tenant-reach', 'tenant-reach-udp']);

/** Probes that support every run regardless of selection. */
export const SUPPORT_PROBE_IDS: ReadonlySet<string> = new Set(['canary']);

/** Controls chosen by --control (ids or bare requirement numbers); all when none given. */
export function selectControls(all: readonly Control[], wanted: readonly string[]): readonly Control[] {
  if (wanted.length === 0) return all;
  return all.filter((c) => wanted.includes(c.id) || wanted.includes(c.requirement));
}

/** Probes the selected controls need, minus --skip-probe, in catalogue order. */
export function selectProbes(
  probes: readonly Probe[],
  controls: readonly Control[],
  skip: readonly string[],
): readonly Probe[] {
  const needed = new Set(controls.flatMap((c) => c.probeIds));
  return probes.filter((p) => needed.has(p.id) && !SUPPORT_PROBE_IDS.has(p.id) && !skip.includes(p.id));
}

/** Concrete vantages for one probe vantage kind and target, or the reason there are none. */
export type VantageChoice =
  | { readonly kind: 'vantages'; readonly vantages: readonly Vantage[] }
  /** `byDesign`: the vantage kind does not apply to such a target at all (not a coverage gap, see NotRunCause). */
  | { readonly kind: 'none'; readonly reason: string; readonly byDesign?: true };

function hosts(namespaces: readonly NamespaceFacts[], pick: (n: NamespaceFacts) => boolean): NamespaceFacts[] {
  return namespaces.filter((n) => mayHostProbePods(n) && pick(n));
}

function fromNamespaces(probe: Probe, target: Target, namespaces: readonly NamespaceFacts[]): VantageChoice {
  const none = (reason: string, byDesign = false): VantageChoice => ({
    kind: 'none',
    reason,
    ...(byDesign ? { byDesign: true as const } : {}),
  });
  const list = (ns: NamespaceFacts[], why: string): VantageChoice =>
    ns.length === 0
      ? none(why)
      : { kind: 'vantages', vantages: ns.map((n) => ({ kind: 'from-namespace', namespace: n.name })) };
  if (EGRESS_PROBE_IDS.has(probe.id)) {
    return list(
      hosts(namespaces, (n) => n.inScope),
      'no CDE namespace is in this run to test egress from (--scope / --cde-namespace)',
    );
  }
  if (TENANT_PROBE_IDS.has(probe.id)) {
    const own = namespaces.find((n) => n.name === target.ref.namespace);
    if (own?.role !== 'tenant') return none(`${target.ref.namespace} is not a --tenants namespace`, true);
    return list(
      hosts(namespaces, (n) => n.role === 'tenant' && n.name !== own.name),
      'no other tenant namespace is in this run',
    );
  }
  if (!target.inScope)
    return none(
      `${target.ref.namespace}/${refName(target.ref)} is out of scope; segmentation is probed toward CDE targets`,
      true,
    );
  // A tenant that is itself CDE (--cde-all) is tried by tenant-reach, not as an outside namespace.
  return list(
    hosts(namespaces, (n) => !n.inScope && (n.role === 'out-of-scope' || n.role === 'tenant')),
    'no out-of-scope application namespace exists to probe from',
  );
}

/** Resolve one vantage kind of a probe for a target. */
export function vantagesFor(
  probe: Probe,
  kind: VantageKind,
  target: Target,
  namespaces: readonly NamespaceFacts[],
  options: SelectOptions,
): VantageChoice {
  const endpointRole = target.ref.kind === 'Endpoint' ? target.labels[ENDPOINT_ROLE_LABEL] : undefined;
  switch (kind) {
    case 'probe-namespace':
      if (endpointRole === 'egress')
        return { kind: 'none', reason: 'egress targets are only contacted from CDE namespaces', byDesign: true };
      return { kind: 'vantages', vantages: [{ kind: 'probe-namespace' }] };
    case 'same-namespace': {
      const ns = namespaces.find((n) => n.name === target.ref.namespace);
      if (target.ref.kind !== 'Pod' && target.ref.kind !== 'Service')
        return {
          kind: 'none',
          reason: `${target.ref.kind} targets have no namespace to place a pod in`,
          byDesign: true,
        };
      if (ns === undefined || !mayHostProbePods(ns)) {
        return {
          kind: 'none',
          reason: `no probe pod is placed in ${target.ref.namespace} (${ns?.role ?? 'unknown'} namespace: probed for exposures, not used as a vantage)`,
        };
      }
      return { kind: 'vantages', vantages: [{ kind: 'same-namespace', namespace: ns.name }] };
    }
    case 'from-namespace':
      if (!options.foreignPods)
        return { kind: 'none', reason: 'probe pods in other namespaces are disabled (--no-foreign-pods)' };
      if (endpointRole === 'untrusted')
        return {
          kind: 'none',
          reason: 'untrusted-path endpoints are probed from the host and the probe namespace',
          byDesign: true,
        };
      return fromNamespaces(probe, target, namespaces);
    case 'identity':
      return {
        kind: 'none',
        reason: 'identity vantages are chosen per workload (plan/identity.ts), not per probe vantage kind',
      };
    case 'host':
      if (endpointRole !== 'untrusted')
        return {
          kind: 'none',
          reason:
            'the host vantage only probes user-named --untrusted-path endpoints; cluster addresses are probed from pods',
          byDesign: true,
        };
      return { kind: 'vantages', vantages: [{ kind: 'host' }] };
    default: {
      const never: never = kind;
      return { kind: 'none', reason: `unknown vantage ${String(never)}` };
    }
  }
}

/** Endpoint targets are only for the probes made for them (egress → egress-reach/egress-udp, untrusted → TLS). */
export function endpointAllows(probe: Probe, target: Target): true | string {
  const role = target.ref.kind === 'Endpoint' ? target.labels[ENDPOINT_ROLE_LABEL] : undefined;
  if (role === 'egress' && !EGRESS_PROBE_IDS.has(probe.id))
    return `${target.ref.name} is an --egress-target; only egress-reach and egress-udp contact it`;
  if (role === 'untrusted' && EGRESS_PROBE_IDS.has(probe.id))
    return `${target.ref.name} is an --untrusted-path, not an egress target`;
  return true;
}
