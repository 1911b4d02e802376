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
}

/** Context keys, as the CLI/run fills them. */
export const CONTEXT_KEYS = ['tenants', 'untrustedPaths', 'egressTargets', 'approvedFlows', 'trustBundleSupplied'] as const;

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
