/**
 * Identity vantages (pure, issue 16): which workloads meshprobe probes *as*, and which
 * attempts run from them. By default: workloads of out-of-scope namespaces that a CDE
 * NetworkPolicy admits by pod label (an unlabelled pod of their namespace is not admitted),
 * bounded by --max-identity-vantages; --as-workload replaces the choice. From each chosen
 * identity, tcp-reach and mesh-authz are tried against every TCP port of every CDE target, so a policy that
 * admits the identity on more ports than approved flows allow is caught (1.3.1, 1.2.5; mesh authorization: 7.2.2).
 */
import type { Probe } from '../domain/probe.js';
import type { Target, TargetPort } from '../domain/target.js';
import type { Vantage } from '../domain/vantage.js';
import type { WorkloadIdentity } from '../discover/identities.js';
import type { NamespaceFacts } from '../discover/namespaces.js';

/** The options that decide identity vantages (a subset of Options). */
export interface IdentityOptions {
  readonly identityVantages?: boolean;
  readonly maxIdentityVantages?: number;
  readonly asWorkloads?: readonly string[];
  readonly foreignPods: boolean;
}

/** The identity vantage variant. */
type IdentityVantage = Extract<Vantage, { kind: 'identity' }>;

/** One workload considered as an identity vantage, chosen or not, and why (shown by `plan`). */
export interface IdentityChoice {
  readonly vantage: IdentityVantage;
  readonly identity: WorkloadIdentity;
  readonly chosen: boolean;
  readonly why: string;
}

/**
 * Probes planned from identity vantages: tcp-reach for what NetworkPolicy admits the identity to
 * (1.3.1), mesh-authz for what mesh authorization lets the identity's certificate do (7.2.2).
 */
export const IDENTITY_PROBE_IDS: ReadonlySet<string> = new Set(['tcp-reach', 'mesh-authz']);

/** Default for --max-identity-vantages when the options do not say. */
const DEFAULT_MAX_IDENTITY_VANTAGES = 10;

/** The identity vantage of a workload identity. */
function identityVantage(i: WorkloadIdentity): IdentityVantage {
  return { kind: 'identity', namespace: i.namespace, workload: i.workload, serviceAccount: i.serviceAccount };
}

function choice(i: WorkloadIdentity, chosen: boolean, why: string): IdentityChoice {
  return { vantage: identityVantage(i), identity: i, chosen, why };
}

/** Why a workload cannot be an identity vantage at all, or undefined. */
function ineligible(i: WorkloadIdentity, cde: ReadonlySet<string>): string | undefined {
  if (i.unsafe !== undefined) return i.unsafe;
  if (cde.has(i.namespace)) {
    return `${i.namespace} is a CDE namespace; identity vantages probe inbound traffic from outside the CDE`;
  }
  return undefined;
}

/** The --as-workload choice: the named workloads, each chosen unless ineligible. */
function named(
  identities: readonly WorkloadIdentity[],
  wanted: readonly string[],
  cde: ReadonlySet<string>,
): IdentityChoice[] {
  return identities.flatMap((i) => {
    if (!wanted.includes(`${i.namespace}/${i.workload}`)) return [];
    const no = ineligible(i, cde);
    return [choice(i, no === undefined, no ?? 'named with --as-workload')];
  });
}

/** Automatic choice: workloads admitted by label into a CDE namespace, first N by ns/workload. */
function automatic(identities: readonly WorkloadIdentity[], max: number, cde: ReadonlySet<string>): IdentityChoice[] {
  let taken = 0;
  return identities.flatMap((i) => {
    if (i.admittedBy.length === 0) return [];
    const no = ineligible(i, cde);
    if (no !== undefined) return [choice(i, false, no)];
    if (taken >= max) {
      const why =
        `more than --max-identity-vantages=${max} workloads are admitted by label; ` +
        'raise it or name this one with --as-workload';
      return [choice(i, false, why)];
    }
    taken += 1;
    const withheld =
      i.withheld.length > 0 ? `; label(s) ${i.withheld.join(', ')} withheld so no Service selects the probe pod` : '';
    return [choice(i, true, `admitted by label into the CDE by NetworkPolicy ${i.admittedBy.join(', ')}${withheld}`)];
  });
}

/** Every workload considered, chosen or not (empty when identity vantages are off). */
export function chooseIdentities(
  identities: readonly WorkloadIdentity[],
  namespaces: readonly NamespaceFacts[],
  o: IdentityOptions,
): readonly IdentityChoice[] {
  if (o.identityVantages === false || !o.foreignPods) return [];
  const cde = new Set(namespaces.filter((n) => n.inScope).map((n) => n.name));
  const wanted = o.asWorkloads ?? [];
  if (wanted.length > 0) return named(identities, wanted, cde);
  return automatic(identities, o.maxIdentityVantages ?? DEFAULT_MAX_IDENTITY_VANTAGES, cde);
}

/**
 * Workloads CDE policies admit by label that were NOT probed as themselves, each with why
 * ("web/front (identity vantages are switched off)"); 1.3.1 is inconclusive while any remain,
 * because what such a policy admits them to is untested.
 */
export function identityGaps(
  identities: readonly WorkloadIdentity[],
  choices: readonly IdentityChoice[],
  namespaces: readonly NamespaceFacts[],
  o: IdentityOptions,
): string[] {
  const chosen = new Set(choices.filter((c) => c.chosen).map((c) => `${c.vantage.namespace}/${c.vantage.workload}`));
  const cde = new Set(namespaces.filter((n) => n.inScope).map((n) => n.name));
  const off =
    o.identityVantages === false
      ? 'identity vantages are switched off (--no-identity-vantages)'
      : !o.foreignPods
        ? 'probe pods outside the probe namespace are disabled (--no-foreign-pods)'
        : undefined;
  return identities
    .filter((i) => i.admittedBy.length > 0 && !cde.has(i.namespace) && !chosen.has(`${i.namespace}/${i.workload}`))
    .map((i) => {
      const why =
        off ??
        choices.find((c) => c.vantage.namespace === i.namespace && c.vantage.workload === i.workload)?.why ??
        'not named with --as-workload';
      return `${i.namespace}/${i.workload} (${why})`;
    });
}

/** One planned connection from an identity vantage (plan.ts turns it into an Attempt or a not-run entry). */
export interface IdentityCombo {
  readonly probe: Probe;
  readonly vantage: IdentityVantage;
  readonly target: Target;
  readonly port: TargetPort;
  /** Set when the combination is not run (the identity was not chosen, or the probe does not apply). */
  readonly notRun?: string;
}

/** probe × considered identity × CDE target × port. */
export function identityCombos(
  probes: readonly Probe[],
  choices: readonly IdentityChoice[],
  targets: readonly Target[],
): IdentityCombo[] {
  const out: IdentityCombo[] = [];
  const cdeTargets = targets.filter((t) => t.inScope && (t.ref.kind === 'Service' || t.ref.kind === 'Pod'));
  for (const probe of probes.filter((p) => IDENTITY_PROBE_IDS.has(p.id))) {
    for (const c of choices) {
      for (const target of cdeTargets) {
        for (const port of target.ports) {
          const applies = probe.applies(target, port);
          const skipped = `not probed as ${c.vantage.namespace}/${c.vantage.workload}: ${c.why}`;
          const notRun = !c.chosen ? skipped : applies === true ? undefined : applies;
          out.push({ probe, vantage: c.vantage, target, port, ...(notRun !== undefined ? { notRun } : {}) });
        }
      }
    }
  }
  return out;
}
