/**
 * Coverage of every verdict (DESIGN §10), computed generically from the plan and the evidence:
 * the control's probe attempts that were tried (an agent reported them), the vantages × targets ×
 * ports they cover, and what was left out and why (not-run attempts, --skip-probe, --namespace,
 * pods that could not start, missing observations). Any new kind of attempt a probe of the
 * control makes is counted without more work. `enforceCoverage` is the one place where a control
 * whose required slice was not tried becomes inconclusive, never holds.
 */
import type { NotRunAttempt } from '../domain/attempt.js';
import type { Control } from '../domain/control.js';
import type { Coverage, CoverageGap, RequiredSlice, SliceCoverage } from '../domain/coverage.js';
import type { Evidence } from '../domain/evidence.js';
import type { InventorySummary } from '../domain/inventory.js';
import { refName, targetKey, type TargetRef } from '../domain/target.js';
import { vantageId, type Vantage } from '../domain/vantage.js';
import type { Verdict } from '../domain/verdict.js';
import { PORT_PROBES, SWEEP_PROBE_ID } from '../plan/sweep.js';
import { uniqueWith } from '../shared/lazy-list.js';

/** Run-level facts coverage needs besides the evidence (all optional: a test may give none). */
export interface CoverageFacts {
  readonly notRun?: readonly NotRunAttempt[];
  /** Vantage id → why its pod could not start or report. */
  readonly vantageProblems?: readonly { readonly vantage: string; readonly problem: string }[];
  /** Namespaces --namespace / --exclude-namespace left out, and which flag did. */
  readonly excludedNamespaces?: readonly { readonly name: string; readonly inScope: boolean; readonly by: string }[];
  readonly skippedProbes?: readonly string[];
  /** Set when the run stopped early: "the run was aborted at deploy (E_POD_TIMEOUT)". */
  readonly stopped?: string;
}

/** Not-run reasons listed per control; the rest are summed into one entry. */
const MAX_REASONS = 8;

/** What coverageOf reads, indexed once per evaluation (a run has up to 100 000 attempts). */
export interface CoverageIndex {
  readonly attempts: ReadonlyMap<string, readonly Evidence[]>;
  readonly notRun: ReadonlyMap<string, readonly NotRunAttempt[]>;
  readonly problems: ReadonlyMap<string, string>;
  readonly cde: ReadonlySet<string>;
  readonly facts: CoverageFacts;
  /** Swept pods whose listener sweep did not finish: undeclared listeners there were never tried (sweepGaps). */
  readonly unfinishedSweeps: readonly SliceCoverage[];
}

/** Unfinished sweeps named one by one per control; the rest are summed into one slice. */
const MAX_SWEEP_GAPS = 5;

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Index the evidence (probe attempts by probe id) and the facts. */
export function coverageIndex(
  evidence: readonly Evidence[],
  inventory: InventorySummary,
  facts: CoverageFacts = {},
): CoverageIndex {
  const attempts = new Map<string, Evidence[]>();
  for (const e of evidence) if (e.attempt.role === 'probe') push(attempts, e.attempt.probeId, e);
  const notRun = new Map<string, NotRunAttempt[]>();
  for (const n of facts.notRun ?? []) push(notRun, n.probeId, n);
  const problems = new Map<string, string>();
  for (const p of facts.vantageProblems ?? []) if (!problems.has(p.vantage)) problems.set(p.vantage, p.problem);
  const cde = new Set(inventory.namespaces.filter((n) => n.inScope).map((n) => n.name));
  const index = { attempts, notRun, problems, cde, facts, unfinishedSweeps: [] };
  return { ...index, unfinishedSweeps: sweepGaps(attempts.get(SWEEP_PROBE_ID) ?? [], index) };
}

/**
 * Pods whose listener sweep did not finish (its pod was lost or never started, the agent broke,
 * the run stopped), as required slices that were not tried. The application probes target every
 * listener the sweep found; on such a pod an undeclared listener may exist that nothing tried, so
 * an application control cannot hold there (issue 13). A sweep that finished but did not reach
 * every port within --sweep-timeout, or found every port filtered, is not counted here: 1.2.5 and
 * 2.2.4 say so.
 */
function sweepGaps(sweeps: readonly Evidence[], index: CoverageIndex): SliceCoverage[] {
  const gaps = sweeps
    .flatMap((e): SliceCoverage[] => {
      if (e.outcome.kind === 'allowed') return [];
      // A sweep that ran to its end but found every port filtered (a policy drops the sweep's own
      // namespace) is a limit of the sweep, like one cut by --sweep-timeout: 1.2.5 and 2.2.4 say so.
      // Counting it here would keep every application control of a default-deny CDE from holding.
      if (e.outcome.kind === 'inconclusive' && e.outcome.reason === 'ambiguous') return [];
      const pod = `${e.attempt.target.namespace}/${refName(e.attempt.target)}`;
      const why =
        e.observation === undefined
          ? silenceOf(index, vantageId(e.attempt.vantage))
          : e.outcome.kind === 'inconclusive'
            ? `${e.outcome.reason}: ${e.outcome.detail}`
            : e.outcome.kind;
      const missing = `listener sweep of ${pod} did not complete (${why})`;
      return [{ label: `a finished listener sweep of ${pod}`, tried: 0, missing }];
    })
    .sort((a, b) => a.label.localeCompare(b.label));
  if (gaps.length <= MAX_SWEEP_GAPS) return gaps;
  const rest = gaps.length - MAX_SWEEP_GAPS;
  return [
    ...gaps.slice(0, MAX_SWEEP_GAPS),
    {
      label: `finished listener sweeps of ${rest} more CDE pod(s)`,
      tried: 0,
      missing: `the listener sweeps of ${rest} more CDE pod(s) did not complete (every one is in the evidence)`,
    },
  ];
}

/** The shape every attempt and not-run entry is matched on. */
interface Place {
  readonly probeId: string;
  readonly vantage: Vantage;
  readonly target: TargetRef;
}

function inSlice(slice: RequiredSlice, probes: ReadonlySet<string>, cde: ReadonlySet<string>, p: Place): boolean {
  return (
    probes.has(p.probeId) &&
    (slice.vantageKinds === undefined || slice.vantageKinds.includes(p.vantage.kind)) &&
    (slice.targetKinds === undefined || slice.targetKinds.includes(p.target.kind)) &&
    (slice.cdeTargets !== true || cde.has(p.target.namespace))
  );
}

/** The slices a control needs: its own, or "one attempt of any of its probes". */
function requiredSlices(control: Control): readonly RequiredSlice[] {
  if (control.requires !== undefined) return control.requires;
  return control.probeIds.length > 0 ? [{ label: `attempts of its probes (${control.probeIds.join(', ')})` }] : [];
}

function counted(list: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of list) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Largest first, then by text: deterministic. */
function ranked(m: ReadonlyMap<string, number>): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Why a vantage's attempts came back without observation. */
function silenceOf(index: CoverageIndex, vantage: string): string {
  const problem = index.problems.get(vantage);
  return problem === undefined
    ? `no observation came back from ${vantage}`
    : `${vantage} could not start or report: ${problem}`;
}

function notRunGaps(list: readonly NotRunAttempt[]): CoverageGap[] {
  const top = ranked(counted(list.map((n) => n.reason)));
  const gaps: CoverageGap[] = top.slice(0, MAX_REASONS).map(([reason, count]) => ({ kind: 'not-run', count, reason }));
  const rest = top.slice(MAX_REASONS);
  if (rest.length > 0) {
    gaps.push({
      kind: 'not-run',
      count: rest.reduce((s, [, n]) => s + n, 0),
      reason: `${rest.length} further reasons (every not-run attempt is listed in the report)`,
    });
  }
  return gaps;
}

function filterGaps(index: CoverageIndex, control: Control): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  const skipped = control.probeIds.filter((p) => (index.facts.skippedProbes ?? []).includes(p));
  if (skipped.length > 0)
    gaps.push({ kind: 'skip-probe', count: skipped.length, reason: `--skip-probe ${skipped.join(', ')}` });
  const excluded = index.facts.excludedNamespaces ?? [];
  if (excluded.length > 0) {
    const by = [...new Set(excluded.map((n) => n.by))].sort().join(' / ');
    const cde = excluded.filter((n) => n.inScope).map((n) => n.name);
    const names = excluded.map((n) => n.name);
    const shown = `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
    const cdeShown = `${cde.slice(0, 5).join(', ')}${cde.length > 5 ? `, … (${cde.length})` : ''}`;
    gaps.push({
      kind: 'namespace-filter',
      count: excluded.length,
      reason: `${plural(excluded.length, 'namespace')} left out by ${by} (${shown})${cde.length > 0 ? `, of which in the CDE: ${cdeShown}` : ''}`,
    });
  }
  return gaps;
}

/** Why no attempt of a slice was tried: every cause that applies, in one clause. */
function sliceMissing(
  slice: RequiredSlice,
  probes: ReadonlySet<string>,
  index: CoverageIndex,
  planned: readonly Evidence[],
  notRun: readonly NotRunAttempt[],
): string {
  const causes: string[] = [];
  const skipped = [...probes].filter((p) => (index.facts.skippedProbes ?? []).includes(p));
  if (skipped.length === probes.size && skipped.length > 0)
    causes.push(`skipped by --skip-probe ${skipped.join(', ')}`);
  const gaps = notRun.filter((n) => n.cause !== 'inapplicable' && inSlice(slice, probes, index.cde, n));
  for (const [reason, n] of ranked(counted(gaps.map((g) => g.reason))).slice(0, 3))
    causes.push(`not run: ${reason} (${plural(n, 'attempt')})`);
  const silent = planned.filter((e) => e.observation === undefined && inSlice(slice, probes, index.cde, e.attempt));
  for (const [v, n] of ranked(counted(silent.map((e) => vantageId(e.attempt.vantage)))))
    causes.push(`${plural(n, 'attempt')} without observation: ${silenceOf(index, v)}`);
  if (slice.cdeTargets === true) {
    const cdeOut = (index.facts.excludedNamespaces ?? []).filter((n) => n.inScope);
    if (cdeOut.length > 0)
      causes.push(
        `CDE namespaces left out by ${[...new Set(cdeOut.map((n) => n.by))].sort().join(' / ')}: ${cdeOut.map((n) => n.name).join(', ')}`,
      );
    if (index.cde.size === 0) causes.push('no namespace of this run is in the CDE');
  }
  if (index.facts.stopped !== undefined) causes.push(index.facts.stopped);
  if (causes.length === 0) causes.push('no target of this run offered one');
  return causes.join('; ');
}

/** Coverage of one control. */
export function coverageOf(control: Control, index: CoverageIndex): Coverage {
  const probeIds = [...new Set(control.probeIds)];
  const planned = probeIds.flatMap((p) => index.attempts.get(p) ?? []);
  const notRun = probeIds.flatMap((p) => index.notRun.get(p) ?? []);
  const tried = planned.filter((e) => e.observation !== undefined);
  const vantages = new Set<string>();
  const targets = new Set<string>();
  const ports = new Set<string>();
  const udpPorts = new Set<string>();
  let udpTried = 0;
  for (const e of tried) {
    vantages.add(vantageId(e.attempt.vantage));
    const key = targetKey(e.attempt.target);
    targets.add(key);
    ports.add(`${key}:${e.attempt.port}`);
    if (e.attempt.technique !== 'udp') continue;
    udpTried += 1;
    udpPorts.add(`${key}:${e.attempt.port}`);
  }
  const silent = planned.filter((e) => e.observation === undefined);
  const leftOut: CoverageGap[] = [
    ...notRunGaps(notRun.filter((n) => n.cause !== 'inapplicable')),
    ...ranked(counted(silent.map((e) => vantageId(e.attempt.vantage)))).map(
      ([v, count]): CoverageGap => ({ kind: 'no-observation', count, reason: silenceOf(index, v) }),
    ),
    ...filterGaps(index, control),
  ];
  const required = requiredSlices(control).map((slice): SliceCoverage => {
    const probes = new Set(slice.probeIds ?? probeIds);
    const n = tried.filter((e) => inSlice(slice, probes, index.cde, e.attempt)).length;
    return n > 0
      ? { label: slice.label, tried: n }
      : { label: slice.label, tried: 0, missing: sliceMissing(slice, probes, index, planned, notRun) };
  });
  // Controls whose probes try the ports the sweep finds (application probes, and TCP reachability:
  // 1.3.1, 11.4.5/11.4.6) also need every swept pod's listeners to be known (sweepGaps): an
  // undeclared listener on a pod whose sweep was lost is a path nothing tried.
  if (probeIds.some((p) => PORT_PROBES.has(p))) required.push(...(index.unfinishedSweeps ?? []));
  return {
    planned: planned.length,
    tried: tried.length,
    vantages: vantages.size,
    targets: targets.size,
    ports: ports.size,
    byVantageKind: Object.fromEntries(ranked(counted(tried.map((e) => e.attempt.vantage.kind)))),
    byTargetKind: Object.fromEntries(ranked(counted(tried.map((e) => e.attempt.target.kind)))),
    ...(udpTried > 0 ? { udp: { tried: udpTried, ports: udpPorts.size } } : {}),
    inapplicable: notRun.length - notRun.filter((n) => n.cause !== 'inapplicable').length,
    leftOut,
    required,
  };
}

/**
 * Attach coverage to a verdict and enforce the required slices: a control that would hold (or
 * is already inconclusive) without a tried attempt in a slice it needs is inconclusive, and says
 * which slice was not probed and why. A failure stands (what was seen is a finding); a
 * not-applicable verdict stays as the judge gave it.
 */
export function enforceCoverage(verdict: Verdict, coverage: Coverage, keep: (s: string) => string = (s) => s): Verdict {
  const missing = coverage.required.filter((s) => s.tried === 0);
  if (missing.length === 0 || verdict.status === 'fails' || verdict.status === 'not-applicable')
    return { ...verdict, coverage };
  const reasons = missing.map((s) =>
    keep(`Not probed: ${s.label} (${s.missing ?? 'nothing was tried'}), so this control cannot hold.`),
  );
  // Turning a "holds" into inconclusive, the gap is the reason and comes first; an inconclusive
  // judgement keeps its own reasons (a judge bug, a failed canary) first.
  const merged =
    verdict.status === 'holds' ? uniqueWith(verdict.reasons, reasons, []) : uniqueWith(verdict.reasons, [], reasons);
  return { ...verdict, status: 'inconclusive', reasons: merged, coverage };
}
