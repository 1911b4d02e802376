/**
 * The control-relevant options a judge can read from JudgeInput.context, parsed defensively
 * (the context is plain data from the CLI; a missing key means "not given").
 */
import type { JudgeInput } from '../../domain/control.js';

/** One approved flow (1.2.5): `from` is a namespace or "*", `to` "ns/name" or "ns/*", `port` a number or "*". */
export interface ApprovedFlow {
  readonly from: string;
  readonly to: string;
  readonly port: number | '*';
  /** The user's reference (ticket, rule id) shown next to the flow. */
  readonly ref?: string;
}

/** Parsed context. */
export interface ControlContext {
  readonly tenants: readonly string[];
  readonly untrustedPaths: readonly string[];
  readonly egressTargets: readonly string[];
  /** undefined = no approved-flows file given. */
  readonly approvedFlows: readonly ApprovedFlow[] | undefined;
  /** True when --ca-file gave a trust bundle (the entity's trusted CAs) to check certificates against. */
  readonly trustBundleSupplied: boolean;
  /** Workloads CDE policies admit by label that were not probed as themselves, with why (issue 16). */
  readonly identityGaps: readonly string[];
  /** --cert-expiry-warning-days: certificates expiring sooner are named in reasons (default 30). */
  readonly certExpiryWarningDays: number;
}

/** The --cert-expiry-warning-days default, used when a context does not carry the option. */
const DEFAULT_EXPIRY_WARNING_DAYS = 30;


function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function flows(v: unknown): ApprovedFlow[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((f: unknown) => {
    if (typeof f !== 'object' || f === null) return [];
    const o = f as Record<string, unknown>;
    const port = o['port'] === '*' ? '*' : Number(o['port']);
    if (typeof o['to'] !== 'string' || (port !== '*' && !Number.isInteger(port))) return [];
    const from = typeof o['from'] === 'string' ? o['from'] : '*';
    return [{ from, to: o['to'], port, ...(typeof o['ref'] === 'string' ? { ref: o['ref'] } : {}) }];
  });
}

/** Read the context of a judge input. */
export function readContext(input: Pick<JudgeInput, 'context'>): ControlContext {
  const c = input.context;
  return {
    tenants: strings(c['tenants']),
    untrustedPaths: strings(c['untrustedPaths']),
    egressTargets: strings(c['egressTargets']),
    approvedFlows: flows(c['approvedFlows']),
    trustBundleSupplied: c['trustBundleSupplied'] === true,
    identityGaps: strings(c['identityGaps']),
    certExpiryWarningDays: typeof c['certExpiryWarningDays'] === 'number' && c['certExpiryWarningDays'] >= 0 ? c['certExpiryWarningDays'] : DEFAULT_EXPIRY_WARNING_DAYS,
  };
}

/** True when an approved flow covers (source namespace, target ns/name, port). */
export function isApproved(flows: readonly ApprovedFlow[], from: string, to: { namespace: string; name: string }, port: number): ApprovedFlow | undefined {
  return flows.find(
    (f) =>
      (f.from === '*' || f.from === from) &&
      (f.to === `${to.namespace}/${to.name}` || f.to === `${to.namespace}/*` || f.to === '*') &&
      (f.port === '*' || f.port === port),
  );
}

/** The vantage fields approval depends on (a structural subset of Vantage). */
export type ApprovalSource =
  | { readonly kind: 'identity'; readonly namespace: string; readonly workload: string; readonly serviceAccount: string }
  | { readonly kind: 'same-namespace' | 'from-namespace'; readonly namespace: string }
  | { readonly kind: 'probe-namespace' | 'host' };

/**
 * True when an approved flow covers an attempt's vantage (issue 16): a namespace vantage matches
 * `from: <namespace>`; an identity vantage also matches `from: <namespace>/<workload>` and
 * `from: <namespace>/sa:<serviceaccount>`. A workload-qualified flow never covers a fresh pod
 * of the namespace: that pod is not the workload.
 */
export function isApprovedFrom(
  flows: readonly ApprovedFlow[],
  v: ApprovalSource,
  to: { namespace: string; name: string },
  port: number,
): ApprovedFlow | undefined {
  if (v.kind !== 'identity') {
    return isApproved(flows, v.kind === 'same-namespace' || v.kind === 'from-namespace' ? v.namespace : v.kind, to, port);
  }
  const names = new Set([v.namespace, `${v.namespace}/${v.workload}`, `${v.namespace}/sa:${v.serviceAccount}`]);
  return flows.find((f) => (f.from === '*' || names.has(f.from)) && isApproved([{ ...f, from: '*' }], '*', to, port) !== undefined);
}

/**
 * The JudgeInput.context the run passes to evaluate(), from validated options. `approvedFlows`
 * is the parsed --approved-flows file (see parseApprovedFlows), undefined when none was given.
 */
export function controlContext(
  options: {
    readonly tenants: readonly string[];
    readonly untrustedPaths: readonly string[];
    readonly egressTargets: readonly string[];
    readonly caFile: string | undefined;
    readonly certExpiryWarningDays?: number;
  },
  approvedFlows: readonly ApprovedFlow[] | undefined,
): Record<string, unknown> {
  return {
    tenants: [...options.tenants],
    untrustedPaths: [...options.untrustedPaths],
    egressTargets: [...options.egressTargets],
    ...(approvedFlows !== undefined ? { approvedFlows: [...approvedFlows] } : {}),
    trustBundleSupplied: options.caFile !== undefined,
    ...(options.certExpiryWarningDays !== undefined ? { certExpiryWarningDays: options.certExpiryWarningDays } : {}),
  };
}

/**
 * Check a parsed --approved-flows document (YAML or JSON already parsed): a list of flows or
 * { flows: [...] }, each { from: <namespace>|<namespace>/<workload>|<namespace>/sa:<serviceaccount>|*, to: <ns>/<name>|<ns>/*, port: <n>|*, ref?: <ticket> }.
 * Returns the flows or every problem (each naming the entry), never throws.
 */
export function validateApprovedFlows(doc: unknown): { flows: ApprovedFlow[] } | { problems: string[] } {
  const list = Array.isArray(doc) ? doc : (doc as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(list)) return { problems: ['the approved-flows file must be a list of flows or an object with a "flows" list'] };
  const problems: string[] = [];
  list.forEach((f: unknown, i) => {
    const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    if (typeof o['to'] !== 'string' || !/^[^/]+\/[^/]+$|^\*$/.test(o['to'])) problems.push(`flow ${i + 1}: "to" must be "<namespace>/<name>" or "<namespace>/*"`);
    if (o['port'] !== '*' && !(Number.isInteger(o['port']) && (o['port'] as number) > 0 && (o['port'] as number) < 65536)) problems.push(`flow ${i + 1}: "port" must be 1-65535 or "*"`);
    if (o['from'] !== undefined && typeof o['from'] !== 'string') problems.push(`flow ${i + 1}: "from" must be a namespace, "<namespace>/<workload>", "<namespace>/sa:<serviceaccount>" or "*"`);
  });
  if (problems.length > 0) return { problems };
  return { flows: flows(list) ?? [] };
}

/** Parse and check JSON approved-flows text (see validateApprovedFlows). */
export function parseApprovedFlows(text: string): { flows: ApprovedFlow[] } | { problems: string[] } {
  try {
    return validateApprovedFlows(JSON.parse(text));
  } catch (err) {
    return { problems: [`the approved-flows file is not valid JSON (${err instanceof Error ? err.message : String(err)})`] };
  }
}
