/**
 * `meshprobe plan`: discovery and the plan, printed (a table, or `-o json`); creates
 * nothing in the cluster.
 */
import { randomBytes } from 'node:crypto';
import { newRunId } from '../../cluster/labels.js';
import { createKubeClient } from '../../cluster/kube-client.js';
import { requireScope } from '../../config/load.js';
import { CONTROLS, PROBES } from '../../catalogue/index.js';
import { vantageId } from '../../domain/vantage.js';
import { MeshprobeError } from '../../shared/errors.js';
import { checkInputs } from '../../pipeline/check-inputs.js';
import { discoverStage, planStage } from '../../pipeline/stages.js';
import type { RunPlan } from '../../plan/plan.js';
import { knownGaps, type KnownGaps } from '../../discover/targets.js';
import type { CliCommand, CliContext } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

/** Rows as aligned text columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function countBy<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The human plan: pods, attempts per probe and vantage, and why things will not run. */
export function renderPlanText(plan: RunPlan, verbose: boolean): string {
  const pods = table(
    ['POD', 'NAMESPACE', 'VANTAGE', 'ATTEMPTS'],
    plan.pods.map((p) => [p.name, p.namespace, vantageId(p.vantage), String(p.batch.attempts.length)]),
  );
  const byProbe = table(
    ['PROBE', 'ROLE', 'ATTEMPTS'],
    countBy(plan.attempts, (a) => `${a.probeId}\u0000${a.role}`).map(([k, n]) => [...k.split('\u0000'), String(n)]),
  );
  const byProbeNotRun = countBy(plan.notRun, (n) => n.probeId).map(([probe, n]) => {
    const example = plan.notRun.find((x) => x.probeId === probe)?.reason ?? '';
    return `  ${String(n).padStart(5)} × ${probe} (e.g. ${example})`;
  });
  const reasons = countBy(plan.notRun, (n) => `${n.probeId}: ${n.reason}`).map(
    ([r, n]) => `  ${String(n).padStart(5)} × ${r}`,
  );
  // Which connection each vantage relies on so that a timeout from it can count as blocked.
  const refRows = plan.references.map((r) => [r.vantageId, r.reference, r.why]);
  const references = table(['VANTAGE', 'REFERENCE', 'WHY'], refRows);
  return [
    `Plan for run ${plan.runId}: ${plan.attempts.length} attempts in ${plan.pods.length} probe pod(s)${plan.hostBatch ? ` + ${plan.hostBatch.attempts.length} from this host` : ''}; ${plan.notRun.length} not run.`,
    `Controls: ${plan.controlIds.length}. Nothing was created; \`meshprobe run\` would create namespace ${plan.probeNamespace}.`,
    ...phaseLines(plan),
    '',
    pods,
    '',
    byProbe,
    '',
    ...(plan.references.length > 0 ? [references, ''] : []),
    ...identityLines(plan),
    `Not run (${plan.notRun.length})${verbose ? '' : ', by probe; every reason with --verbose'}:`,
    ...(verbose ? reasons : byProbeNotRun),
  ].join('\n');
}

/** Identity vantages considered (issue 16): each workload, chosen or not, and why. */
function identityLines(plan: RunPlan): string[] {
  const list = plan.identities ?? [];
  if (list.length === 0) return [];
  const rows = list.map((c) => [
    `${c.vantage.namespace}/${c.vantage.workload}`,
    c.identity.ownerKind,
    c.vantage.serviceAccount,
    c.chosen ? 'yes' : 'no',
    c.why,
  ]);
  const chosen = list.filter((c) => c.chosen).length;
  return [
    `Identity vantages (${chosen} of ${list.length} chosen; --no-identity-vantages to switch off):`,
    table(['WORKLOAD', 'KIND', 'SERVICEACCOUNT', 'CHOSEN', 'WHY'], rows),
    '',
  ];
}

/**
 * How the run bounds its cost beyond the listed attempts: the phase-2 attempts (made only where
 * the L4 attempt connects, in the same pods) and the listener-sweep round before the main pods.
 */
function phaseLines(plan: RunPlan): string[] {
  const l4 = plan.attempts.filter(
    (a) => a.role === 'probe' && a.probeId === 'tcp-reach' && a.vantage.kind !== 'host',
  ).length;
  const lines = [
    `Phase 2: up to ${plan.phaseTwo} app attempts (plaintext HTTP, unauthenticated HTTP, TLS, mesh bypass) from vantages whose L4 attempt connects (${l4} L4 attempts), in the same pods after phase 1; included in the count above.`,
  ];
  const sweep = plan.sweep;
  if (sweep === undefined)
    return [...lines, 'Listener sweep: none (--ports none, --skip-probe listener-sweep, or no CDE pod).'];
  const ports =
    sweep.mode === 'all' ? 'ports 1-65535' : `${sweep.portCount} well-known ports + each pod's declared ports`;
  const budget = sweep.attempts[0]
    ? ` within ${Math.round(sweep.attempts[0].timeoutMs / 1000)} s per pod at ${sweep.attempts[0].sweep?.concurrency ?? '?'} connects in flight`
    : '';
  return [
    ...lines,
    `Listener sweep (before the pods above): ${sweep.attempts.length} CDE pod(s) from ${sweep.pods.length} probe pod(s) in their own namespaces, ${ports}${budget}; every listener found becomes a target of the probes above (not counted yet)${sweep.notRun.length ? `; ${sweep.notRun.length} pod(s) cannot be swept` : ''}.`,
  ];
}

/**
 * The known gaps as text: users see before a run what no attempt can close (nothing when none).
 * Each group names the controls it keeps inconclusive, as the controls' own reasons do.
 */
export function knownGapLines(gaps: KnownGaps): string[] {
  const groups: [string, readonly string[]][] = [
    [
      "CDE workloads on their node's network (not tried at the node address; 1.3.1, 11.4.5 and 11.4.6 stay inconclusive)",
      gaps.hostNetworkCde,
    ],
    ["Tenant workloads on their node's network (A1.1.2 stays inconclusive)", gaps.hostNetworkTenants],
    [
      'Tenant rules that admit another tenant by pod labels it sets itself (A1.1.2 stays inconclusive)',
      gaps.tenantLabelAdmissions,
    ],
  ];
  const shown = groups.filter(([, list]) => list.length > 0);
  if (shown.length === 0) return [];
  return [
    'Known before any attempt (whatever the run sees, these keep controls inconclusive):',
    ...shown.flatMap(([title, list]) => [`  ${title}:`, ...list.map((item) => `    - ${item}`)]),
    '',
  ];
}

async function planCommand(ctx: CliContext): Promise<number> {
  const { options } = ctx;
  if (options.output !== 'text' && options.output !== 'json') {
    throw new MeshprobeError('E_USAGE', `meshprobe plan prints text or json, not ${options.output}`, {
      hint: 'Use -o json for machine output.',
    });
  }
  requireScope(options);
  await checkInputs(options, { probes: PROBES, controls: CONTROLS });
  const api = createKubeClient({
    kubeconfig: options.kubeconfig,
    context: options.context,
    requestTimeoutMs: options.requestTimeout * 1000,
  });
  const runId = newRunId(new Date(), randomBytes(2).toString('hex'));
  const planning = {
    options,
    runId,
    api,
    progress: ctx.progress,
    signal: ctx.signal,
    catalogue: { probes: PROBES, controls: CONTROLS },
  };
  const { inventory } = await discoverStage(planning);
  const plan = planStage(planning, inventory);
  ctx.progress.stop();
  const gaps = knownGaps(inventory);
  if (options.output === 'json')
    ctx.stdout(JSON.stringify({ inventory: inventory.summary, knownGaps: gaps, plan }, null, 2));
  else ctx.stdout([renderPlanText(plan, options.verbose), '', ...knownGapLines(gaps)].join('\n').trimEnd());
  return ctx.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
}

/** `meshprobe plan` */
export const planCliCommand: CliCommand = {
  command: 'plan',
  describe: 'Discover the cluster and print what `run` would try (creates nothing)',
  groups: ['cluster', 'scope', 'selection', 'output', 'safety'],
  run: planCommand,
};
