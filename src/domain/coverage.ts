/**
 * Coverage (DESIGN §10): what backs a verdict — the vantages × targets × ports tried — and
 * what was left out and why. Computed by evaluate/coverage.ts from the plan and the evidence.
 */
import type { TargetRef } from './target.js';
import type { VantageKind } from './vantage.js';

/**
 * A slice of attempts a control needs before it can hold: at least one attempt in it must have
 * been tried (the agent reported it). Declared on the Control next to its probe ids; evaluate
 * enforces it in one place. Unset fields match anything.
 */
export interface RequiredSlice {
  /** What the slice is, as a noun phrase: "anonymous requests to the kubelet ports of the nodes". */
  readonly label: string;
  /** Probes that count (default: all of the control's probes). */
  readonly probeIds?: readonly string[];
  readonly vantageKinds?: readonly VantageKind[];
  readonly targetKinds?: readonly TargetRef['kind'][];
  /** Only targets in CDE namespaces. */
  readonly cdeTargets?: boolean;
}

/** Why part of a control's coverage is missing. */
type CoverageGapKind =
  /** The plan did not make these attempts (no vantage could be placed, or an option such as --no-nodes). */
  | 'not-run'
  /** --skip-probe removed the control's probe. */
  | 'skip-probe'
  /** --namespace / --exclude-namespace left namespaces out of the run. */
  | 'namespace-filter'
  /** The attempts were planned but no observation came back (a pod that could not start, an agent that broke). */
  | 'no-observation';

/** One reason part of the coverage is missing, with how much it left out. */
export interface CoverageGap {
  readonly kind: CoverageGapKind;
  /** Attempts (or, for namespace-filter and skip-probe, namespaces or probes) left out. */
  readonly count: number;
  readonly reason: string;
}

/** A required slice of the control and how many attempts in it were tried. */
export interface SliceCoverage {
  readonly label: string;
  readonly tried: number;
  /** Why nothing was tried in it (only when `tried` is 0). */
  readonly missing?: string;
}

/** What backs one verdict. Counts are over probe attempts of the control's probes. */
export interface Coverage {
  /** Attempts the plan made for this control. */
  readonly planned: number;
  /** Of those, attempts an agent reported on: what the verdict rests on. */
  readonly tried: number;
  /** Distinct vantages, targets and target ports among the tried attempts. */
  readonly vantages: number;
  readonly targets: number;
  readonly ports: number;
  /** Tried attempts per vantage kind and per target kind. */
  readonly byVantageKind: Readonly<Record<string, number>>;
  readonly byTargetKind: Readonly<Record<string, number>>;
  /**
   * Of the tried attempts, those over UDP and the target ports they reached (issue 13); absent
   * when none was tried, so a UDP slice shows where it exists and TCP-only reports stay as they were.
   */
  readonly udp?: { readonly tried: number; readonly ports: number };
  /** Attempts the plan skipped because the probe does not apply to a port (not a gap). */
  readonly inapplicable: number;
  /** What was left out, and why; largest first. */
  readonly leftOut: readonly CoverageGap[];
  readonly required: readonly SliceCoverage[];
}
