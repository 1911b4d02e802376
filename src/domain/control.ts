import type { Evidence } from './evidence.js';
import type { InventorySummary } from './inventory.js';
import type { CertificateInventoryEntry } from './certificate.js';
import type { VerdictStatus } from './verdict.js';
import type { RequiredSlice } from './coverage.js';

/** What a control's judge receives. Pure data; `now` is passed in, never read. */
export interface JudgeInput {
  /** Evidence of this control's probes (plus canary/control evidence they refer to). */
  readonly evidence: readonly Evidence[];
  readonly inventory: InventorySummary;
  readonly certificates: readonly CertificateInventoryEntry[];
  readonly now: Date;
  /** Control-relevant options (approved flows, tenants, untrusted paths, ...). */
  readonly context: Readonly<Record<string, unknown>>;
}

/** What a judge returns; the evaluator adds the control id. */
export interface Judgement {
  readonly status: VerdictStatus;
  readonly reasons: readonly string[];
  readonly evidenceIds: readonly string[];
  /** The reasons that are failures (a subset of `reasons`), so diffs can track findings across runs. */
  readonly findings?: readonly string[];
}

/** A PCI DSS v4.0.1 requirement as data. */
export interface Control {
  /** e.g. "pci-dss-4.0.1/1.3.1" */
  readonly id: string;
  /** e.g. "1.3.1" */
  readonly requirement: string;
  readonly title: string;
  /** What "holds at runtime" means, one or two sentences. */
  readonly holdsMeans: string;
  readonly probeIds: readonly string[];
  /**
   * Slices of attempts without which the control cannot hold (inconclusive with the reason).
   * Unset: one tried attempt of any of its probes. Controls without probes need none.
   */
  readonly requires?: readonly RequiredSlice[];
  judge(input: JudgeInput): Judgement;
}
