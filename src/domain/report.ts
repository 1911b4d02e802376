import type { CertificateInventoryEntry } from './certificate.js';
import type { Evidence } from './evidence.js';
import type { InventorySummary } from './inventory.js';
import type { NotRunAttempt } from './attempt.js';
import type { Stage } from './stage.js';
import type { Verdict, VerdictStatus } from './verdict.js';

/** Schema id written into every report. */
export const REPORT_SCHEMA = 'meshprobe.report/v1' as const;

export interface RunMetadata {
  readonly runId: string;
  readonly tool: { readonly name: 'meshprobe'; readonly version: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Options as given, with secrets redacted. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** What cleanup did. `ok` is false when something of the run may still be in the cluster. */
export interface CleanupResult {
  readonly attempted: boolean;
  readonly ok: boolean;
  readonly deleted: readonly string[];
  readonly problems: readonly string[];
  /** True when a list after the deletes found nothing of the run left (objects being deleted count as gone). */
  readonly verified?: boolean;
  /** Cleanup calls made again because the API server was unreachable, overloaded (429) or failing (5xx). */
  readonly retries?: number;
  /** Set when cleanup did not finish: the exact command that removes what is left. */
  readonly finishCommand?: string;
}

/** Why a run stopped early: the error's stable code, the pipeline stage it stopped in, the message. */
export interface AbortInfo {
  readonly code: string;
  readonly stage: Stage;
  readonly message: string;
}

/**
 * A probe of the catalogue the run planned with, as the report describes its method (the
 * Markdown report's probe table), so a report rendered by a later meshprobe names the probes
 * it was run with, not the ones that meshprobe has.
 */
export interface ProbeInfo {
  readonly id: string;
  readonly technique: string;
  readonly vantages: readonly string[];
  /** One sentence: what a secure system does when this probe runs. */
  readonly secureLooksLike: string;
}

/** The report is a value; reporters render it. One is always written, also on abort. */
export interface Report {
  readonly schema: typeof REPORT_SCHEMA;
  readonly run: RunMetadata;
  readonly inventory: InventorySummary;
  readonly verdicts: readonly Verdict[];
  readonly evidence: readonly Evidence[];
  readonly notRun: readonly NotRunAttempt[];
  readonly certificates: readonly CertificateInventoryEntry[];
  readonly summary: Readonly<Record<VerdictStatus, number>> & { readonly attempts: number };
  readonly aborted?: AbortInfo;
  /** Set when the run was interrupted by a signal (exit 130). */
  readonly interrupted?: boolean;
  readonly cleanup: CleanupResult;
  /** The probe catalogue the run planned with (absent in reports written before it was recorded). */
  readonly probes?: readonly ProbeInfo[];
}
