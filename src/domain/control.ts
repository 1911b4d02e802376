import type { Evidence } from './evidence.js';
import type { InventorySummary } from './inventory.js';
import type { CertificateInventoryEntry } from './certificate.js';
import type { VerdictStatus } from './verdict.js';
import type { RequiredSlice } from './coverage.js';

/** One approved flow (1.2.5): `from` is a namespace or "*", `to` "ns/name" or "ns/*", `port` a number or "*". */
export interface ApprovedFlow {
  readonly from: string;
  readonly to: string;
  readonly port: number | '*';
  /** The user's reference (ticket, rule id) shown next to the flow. */
  readonly ref?: string;
}

/**
 * The control-relevant options judges read, typed and checked once at the boundary
 * (shared/judge-context.ts builds it: controlContext from options, judgeContext in tests).
 */
export interface JudgeContext {
  readonly tenants: readonly string[];
  readonly untrustedPaths: readonly string[];
  readonly egressTargets: readonly string[];
  /** The checked --approved-flows file; absent when none was given. */
  readonly approvedFlows?: readonly ApprovedFlow[];
  /** True when --ca-file gave a trust bundle (the entity's trusted CAs) to check certificates against. */
  readonly trustBundleSupplied: boolean;
  /** Workloads CDE policies admit by label that were not probed as themselves, with why (issue 16). */
  readonly identityGaps: readonly string[];
  /** Tenant policy rules that admit another tenant's pods by label, which no probe pod carried (A1.1.2). */
  readonly tenantLabelAdmissions: readonly string[];
  /** CDE workloads on their node's network (hostNetwork), which no probe tried (1.3.1, 11.4.5, 11.4.6). */
  readonly hostNetworkCde: readonly string[];
  /** Workloads of --tenant namespaces on their node's network, which no probe tried (A1.1.2). */
  readonly hostNetworkTenants: readonly string[];
  /** --cert-expiry-warning-days: certificates expiring sooner are named in reasons. */
  readonly certExpiryWarningDays: number;
}

/**
 * Work the judges of ONE evaluation share (evaluate.ts makes a fresh one per call, so nothing
 * outlives it): `make()` runs once per key and scope object (an inventory, an evidence list)
 * and its value is returned for every later ask. Without one, a judge just computes.
 */
export type JudgeMemo = <T>(key: string, scope: object, make: () => T) => T;

/** What a control's judge receives. Pure data; `now` is passed in, never read. */
export interface JudgeInput {
  /** Evidence of this control's probes (plus canary/control evidence they refer to). */
  readonly evidence: readonly Evidence[];
  readonly inventory: InventorySummary;
  readonly certificates: readonly CertificateInventoryEntry[];
  readonly now: Date;
  /** Control-relevant options (approved flows, tenants, untrusted paths, ...). */
  readonly context: JudgeContext;
  /** Shared work within one evaluation (see JudgeMemo). */
  readonly memo?: JudgeMemo;
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
