/**
 * The judge context (JudgeInput.context, typed in domain/control.ts): its one builder, and the
 * --approved-flows check the run and `plan` apply before anything touches the cluster.
 */
import type { ApprovedFlow, JudgeContext } from '../domain/control.js';

export type { ApprovedFlow, JudgeContext } from '../domain/control.js';

/** The --cert-expiry-warning-days default, used when a context is built without the option. */
const DEFAULT_EXPIRY_WARNING_DAYS = 30;

/** A judge context: what is given, every other field at its "not given" value. The one builder. */
export function judgeContext(given: Partial<JudgeContext> = {}): JudgeContext {
  const { approvedFlows, ...rest } = given;
  return {
    tenants: [],
    untrustedPaths: [],
    egressTargets: [],
    trustBundleSupplied: false,
    identityGaps: [],
    tenantLabelAdmissions: [],
    hostNetworkCde: [],
    hostNetworkTenants: [],
    certExpiryWarningDays: DEFAULT_EXPIRY_WARNING_DAYS,
    ...rest,
    ...(approvedFlows !== undefined ? { approvedFlows } : {}),
  };
}

/** True when an approved flow covers (source namespace, target ns/name, port). */
export function isApproved(
  flows: readonly ApprovedFlow[],
  from: string,
  to: { namespace: string; name: string },
  port: number,
): ApprovedFlow | undefined {
  return flows.find(
    (f) =>
      (f.from === '*' || f.from === from) &&
      (f.to === `${to.namespace}/${to.name}` || f.to === `${to.namespace}/*` || f.to === '*') &&
      (f.port === '*' || f.port === port),
  );
}

/** The vantage fields approval depends on (a structural subset of Vantage). */
export type ApprovalSource =
  | {
      readonly kind: 'identity';
      readonly namespace: string;
      readonly workload: string;
      readonly serviceAccount: string;
    }
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
    return isApproved(
      flows,
      v.kind === 'same-namespace' || v.kind === 'from-namespace' ? v.namespace : v.kind,
      to,
      port,
    );
  }
  const names = new Set([v.namespace, `${v.namespace}/${v.workload}`, `${v.namespace}/sa:${v.serviceAccount}`]);
  return flows.find(
    (f) => (f.from === '*' || names.has(f.from)) && isApproved([{ ...f, from: '*' }], '*', to, port) !== undefined,
  );
}

/**
 * The judge context of a run, from validated options: `approvedFlows` is the checked
 * --approved-flows file (execute/check-inputs.ts), `identityGaps` what the plan could not probe.
 */
export function controlContext(
  options: {
    readonly tenants: readonly string[];
    readonly untrustedPaths: readonly string[];
    readonly egressTargets: readonly string[];
    readonly caFile: string | undefined;
    readonly certExpiryWarningDays?: number;
  },
  found: {
    readonly approvedFlows?: readonly ApprovedFlow[] | undefined;
    readonly identityGaps?: readonly string[];
    readonly tenantLabelAdmissions?: readonly string[];
    readonly hostNetworkCde?: readonly string[];
    readonly hostNetworkTenants?: readonly string[];
  } = {},
): JudgeContext {
  return judgeContext({
    tenants: [...options.tenants],
    untrustedPaths: [...options.untrustedPaths],
    egressTargets: [...options.egressTargets],
    ...(found.approvedFlows !== undefined ? { approvedFlows: [...found.approvedFlows] } : {}),
    trustBundleSupplied: options.caFile !== undefined,
    ...(found.identityGaps !== undefined ? { identityGaps: [...found.identityGaps] } : {}),
    ...(found.tenantLabelAdmissions !== undefined ? { tenantLabelAdmissions: [...found.tenantLabelAdmissions] } : {}),
    ...(found.hostNetworkCde !== undefined ? { hostNetworkCde: [...found.hostNetworkCde] } : {}),
    ...(found.hostNetworkTenants !== undefined ? { hostNetworkTenants: [...found.hostNetworkTenants] } : {}),
    ...(options.certExpiryWarningDays !== undefined ? { certExpiryWarningDays: options.certExpiryWarningDays } : {}),
  });
}

/** The keys a flow may have; any other key is a mistake (a misspelt `from` must not approve every source). */
const FLOW_KEYS: ReadonlySet<string> = new Set(['from', 'to', 'port', 'ref']);

/** Problems of one flow entry (1-based `n`), each naming the entry. */
function flowProblems(f: unknown, n: number): string[] {
  if (typeof f !== 'object' || f === null || Array.isArray(f))
    return [`flow ${n}: must be an object { from, to, port, ref? }`];
  const o = f as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(o).filter((k) => !FLOW_KEYS.has(k));
  if (unknown.length > 0)
    problems.push(
      `flow ${n}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (a flow has from, to, port and ref)`,
    );
  if (typeof o['from'] !== 'string' || !/^(\*|[^/\s]+(\/(sa:)?[^/\s]+)?)$/.test(o['from'])) {
    problems.push(
      `flow ${n}: "from" must be a namespace, "<namespace>/<workload>", "<namespace>/sa:<serviceaccount>" or "*"`,
    );
  }
  if (typeof o['to'] !== 'string' || !/^[^/\s]+\/[^/\s]+$|^\*$/.test(o['to']))
    problems.push(`flow ${n}: "to" must be "<namespace>/<name>" or "<namespace>/*"`);
  const port = o['port'];
  if (port !== '*' && !(typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536))
    problems.push(`flow ${n}: "port" must be 1-65535 or "*"`);
  if (o['ref'] !== undefined && typeof o['ref'] !== 'string')
    problems.push(`flow ${n}: "ref" must be text (a ticket or rule id)`);
  return problems;
}

/**
 * Check a parsed --approved-flows document (YAML or JSON already parsed): a list of flows or
 * { flows: [...] }, each { from: <namespace>|<namespace>/<workload>|<namespace>/sa:<serviceaccount>|*, to: <ns>/<name>|<ns>/*, port: <n>|*, ref?: <ticket> }.
 * Returns the flows or every problem (each naming the entry), never throws.
 */
export function validateApprovedFlows(doc: unknown): { flows: ApprovedFlow[] } | { problems: string[] } {
  const list = Array.isArray(doc) ? doc : (doc as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(list))
    return { problems: ['the approved-flows file must be a list of flows or an object with a "flows" list'] };
  const problems = list.flatMap((f: unknown, i) => flowProblems(f, i + 1));
  if (problems.length > 0) return { problems };
  const flows = (list as Record<string, unknown>[]).map(
    (o): ApprovedFlow => ({
      from: o['from'] as string,
      to: o['to'] as string,
      port: o['port'] as number | '*',
      ...(typeof o['ref'] === 'string' ? { ref: o['ref'] } : {}),
    }),
  );
  return { flows };
}

/** Parse and check JSON approved-flows text (see validateApprovedFlows). */
export function parseApprovedFlows(text: string): { flows: ApprovedFlow[] } | { problems: string[] } {
  try {
    return validateApprovedFlows(JSON.parse(text));
  } catch (err) {
    return {
      problems: [`the approved-flows file is not valid JSON (${err instanceof Error ? err.message : String(err)})`],
    };
  }
}
