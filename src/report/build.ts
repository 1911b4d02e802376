/**
 * The Report value (pure, deterministic): everything sorted by stable keys, timestamps only in
 * run metadata, so two runs diff cleanly. Built on every path, also when the run aborted.
 */
import type { NotRunAttempt } from '../domain/attempt.js';
import type { CertificateInventoryEntry } from '../domain/certificate.js';
import type { Evidence } from '../domain/evidence.js';
import type { InventorySummary } from '../domain/inventory.js';
import {
  REPORT_SCHEMA,
  type AbortInfo,
  type CleanupResult,
  type ProbeInfo,
  type Report,
  type RunMetadata,
} from '../domain/report.js';
import { workloadKey } from '../domain/target.js';
import { vantageId } from '../domain/vantage.js';
import type { Verdict, VerdictStatus } from '../domain/verdict.js';
import { compareControlIds } from '../catalogue/index.js';
import { redactOptions, redactText } from '../shared/redact.js';

/** What buildReport needs. */
export interface BuildReportInput {
  readonly run: RunMetadata;
  readonly inventory: InventorySummary;
  readonly verdicts: readonly Verdict[];
  readonly evidence: readonly Evidence[];
  readonly notRun: readonly NotRunAttempt[];
  readonly certificates: readonly CertificateInventoryEntry[];
  readonly aborted?: AbortInfo;
  readonly interrupted?: boolean;
  readonly cleanup: CleanupResult;
  /** The probe catalogue the run planned with (catalogue/index.ts probeInfos); reporters describe the method from it. */
  readonly probes?: readonly ProbeInfo[];
}

function notRunKey(n: NotRunAttempt): string {
  return [n.probeId, vantageId(n.vantage), workloadKey(n.target), String(n.port ?? '').padStart(5, '0'), n.reason].join(
    '|',
  );
}

/** The default collation, as String.prototype.localeCompare uses it. */
const collator = new Intl.Collator();

/** Not-run attempts in key order, each key built once (not twice per comparison: 130 000 entries at 100 000 attempts). */
function sortNotRun(list: readonly NotRunAttempt[]): NotRunAttempt[] {
  const keyed = list.map((n) => ({ n, key: notRunKey(n) }));
  keyed.sort((a, b) => collator.compare(a.key, b.key));
  return keyed.map((k) => k.n);
}

/** Counts per verdict status, plus the number of attempts. */
function summarise(verdicts: readonly Verdict[], attempts: number): Report['summary'] {
  const counts: Record<VerdictStatus, number> = { fails: 0, inconclusive: 0, holds: 0, 'not-applicable': 0 };
  for (const v of verdicts) counts[v.status] += 1;
  return { ...counts, attempts };
}

/** Build the report value. */
export function buildReport(input: BuildReportInput): Report {
  const verdicts = [...input.verdicts].sort((a, b) => compareControlIds(a.controlId, b.controlId));
  const evidence = [...input.evidence].sort((a, b) => a.id.localeCompare(b.id));
  return {
    schema: REPORT_SCHEMA,
    run: { ...input.run, options: redactOptions(input.run.options) as Record<string, unknown> },
    inventory: {
      ...input.inventory,
      namespaces: [...input.inventory.namespaces].sort((a, b) => a.name.localeCompare(b.name)),
      meshes: [...input.inventory.meshes].sort(),
    },
    verdicts,
    evidence,
    notRun: sortNotRun(input.notRun),
    certificates: [...input.certificates].sort((a, b) =>
      a.facts.fingerprintSha256.localeCompare(b.facts.fingerprintSha256),
    ),
    summary: summarise(verdicts, evidence.length),
    // Abort and cleanup messages quote cluster errors, which may echo credentials.
    ...(input.aborted !== undefined
      ? { aborted: { ...input.aborted, message: redactText(input.aborted.message) } }
      : {}),
    ...(input.interrupted === true ? { interrupted: true } : {}),
    cleanup: {
      ...input.cleanup,
      deleted: [...input.cleanup.deleted].sort(),
      problems: input.cleanup.problems.map(redactText),
    },
    ...(input.probes !== undefined ? { probes: [...input.probes].sort((a, b) => a.id.localeCompare(b.id)) } : {}),
  };
}
