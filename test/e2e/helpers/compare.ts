/**
 * Comparing a meshprobe report with the ground truth of one scenario. Pure: the e2e test
 * feeds it report.json and the expectations entry and prints `formatDiff` on mismatch.
 */

/** A verdict status as the report spells it. */
export type Status = 'holds' | 'fails' | 'inconclusive' | 'not-applicable';

/** Expected verdict of one control: status plus fragment groups (each group in ONE reason). */
export interface ControlExpectation {
  readonly status: Status;
  readonly reasons?: readonly (readonly string[])[];
}

/** A documented, evidenced case where meshprobe legitimately cannot reach the ground truth. */
export interface KnownDeviation {
  readonly control: string;
  readonly observed: Status;
  readonly why: string;
  readonly evidence: string;
}

/** One scenario of expectations.json. */
export interface Scenario {
  readonly name: string;
  readonly intent: string;
  readonly namespaces: readonly string[];
  readonly args: readonly string[];
  readonly expect: Readonly<Record<string, ControlExpectation>>;
  readonly knownDeviations: readonly KnownDeviation[];
  /**
   * Set when the run must be refused as a usage error: the exit code, fragments stderr must
   * contain, and (implied) no report and nothing created in the cluster. `expect` is then empty.
   */
  readonly usageError?: { readonly exit: number; readonly stderr: readonly string[] };
}

/** The whole expectations file. */
export interface Expectations {
  readonly runDefaults: readonly string[];
  readonly scenarios: readonly Scenario[];
}

/** The part of report.json the comparison reads. */
export interface ReportVerdicts {
  readonly verdicts: readonly {
    readonly controlId: string;
    readonly status: string;
    readonly reasons: readonly string[];
  }[];
}

/** One difference between report and ground truth. */
export interface Mismatch {
  readonly control: string;
  readonly kind: 'status' | 'missing-control' | 'unexpected-control' | 'missing-reason';
  readonly expected: string;
  readonly got: string;
  /** The verdict's reasons, for the readable diff. */
  readonly reasons: readonly string[];
  /** Set when a known deviation documents exactly this observation. */
  readonly knownDeviation?: KnownDeviation;
}

/** Requirement number of a control id: "pci-dss-4.0.1/1.3.1" → "1.3.1". */
export function requirementOf(controlId: string): string {
  return controlId.split('/').pop() ?? controlId;
}

function fill(fragment: string, placeholders: Readonly<Record<string, string>>): string {
  let out = fragment;
  for (const [k, v] of Object.entries(placeholders)) out = out.replaceAll(k, v);
  return out;
}

/** Compare exactly: same control set, same statuses, every fragment group found in one reason. */
export function compareReport(
  report: ReportVerdicts,
  scenario: Scenario,
  placeholders: Readonly<Record<string, string>> = {},
): Mismatch[] {
  const out: Mismatch[] = [];
  const got = new Map(report.verdicts.map((v) => [v.controlId, v]));
  for (const [control, exp] of Object.entries(scenario.expect).sort(([a], [b]) => a.localeCompare(b))) {
    const v = got.get(control);
    if (!v) {
      out.push({ control, kind: 'missing-control', expected: exp.status, got: '(no verdict)', reasons: [] });
      continue;
    }
    if (v.status !== exp.status) {
      const dev = scenario.knownDeviations.find((d) => d.control === control && d.observed === v.status);
      out.push({
        control,
        kind: 'status',
        expected: exp.status,
        got: v.status,
        reasons: v.reasons,
        ...(dev ? { knownDeviation: dev } : {}),
      });
      continue;
    }
    for (const group of exp.reasons ?? []) {
      const frags = group.map((f) => fill(f, placeholders));
      if (!v.reasons.some((r) => frags.every((f) => r.includes(f)))) {
        out.push({
          control,
          kind: 'missing-reason',
          expected: `a reason naming ${frags.map((f) => JSON.stringify(f)).join(' + ')}`,
          got: `${v.reasons.length} reasons without it`,
          reasons: v.reasons,
        });
      }
    }
  }
  for (const v of report.verdicts) {
    if (!(v.controlId in scenario.expect))
      out.push({
        control: v.controlId,
        kind: 'unexpected-control',
        expected: '(not selected)',
        got: v.status,
        reasons: v.reasons,
      });
  }
  return out;
}

/** The readable diff printed on mismatch. */
export function formatDiff(scenario: string, mismatches: readonly Mismatch[]): string {
  if (mismatches.length === 0) return `${scenario}: report matches the ground truth`;
  const lines = [`${scenario}: ${mismatches.length} difference(s) from the ground truth`];
  for (const m of mismatches) {
    lines.push(`  ${m.knownDeviation ? '~' : '✗'} ${m.control} [${m.kind}]`);
    lines.push(`      - expected: ${m.expected}`);
    lines.push(`      + got:      ${m.got}`);
    if (m.knownDeviation) lines.push(`      known deviation: ${m.knownDeviation.why}`);
    for (const r of m.reasons.slice(0, 8)) lines.push(`        reason: ${r}`);
    if (m.reasons.length > 8) lines.push(`        … ${m.reasons.length - 8} more reasons`);
  }
  return lines.join('\n');
}
