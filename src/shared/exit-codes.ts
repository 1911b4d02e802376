import type { ErrorCode } from './errors.js';
import type { Report } from '../domain/report.js';

/** The one exit-code table (DESIGN §6), documented in README. */
export const EXIT = {
  /** every selected control holds or is not applicable */
  OK: 0,
  /** at least one control fails */
  FAILS: 1,
  /** usage / configuration error; nothing was done to the cluster */
  USAGE: 2,
  /**
   * run aborted (unreachable, forbidden, image pull, pods never ready), or cleanup could not remove
   * (or verify the removal of) everything the run created; report still written
   */
  ABORTED: 3,
  /** no failures, but something inconclusive (--inconclusive-ok makes it 0) */
  INCONCLUSIVE: 4,
  /** the report was written but --upload could not deliver it; the local bundle is kept */
  UPLOAD_FAILED: 5,
  /** interrupted, after cleanup was attempted */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Precedence when several apply: 2 > 3 > 130 > 5 > 1 > 4 > 0. A failed upload outranks the
 * verdicts: evidence that never left the machine is the first thing to fix (the verdicts are
 * still in the local bundle and on stdout).
 */
export const EXIT_PRECEDENCE: readonly ExitCode[] = [2, 3, 130, 5, 1, 4, 0];

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_USAGE', 'E_CONFIG', 'E_KUBECONFIG']);

/** Exit code for an error that ended a command before a report existed. */
export function exitCodeForError(code: ErrorCode): ExitCode {
  if (USAGE_CODES.has(code)) return EXIT.USAGE;
  if (code === 'E_INTERRUPTED') return EXIT.INTERRUPTED;
  if (code === 'E_UPLOAD') return EXIT.UPLOAD_FAILED;
  return EXIT.ABORTED;
}

/** The most severe of several exit codes, by the precedence rule. */
export function mostSevere(codes: readonly ExitCode[]): ExitCode {
  for (const c of EXIT_PRECEDENCE) if (codes.includes(c)) return c;
  return EXIT.OK;
}

/** Exit code for a finished (or aborted) run's report. Pure. */
export function exitCodeFor(
  report: Pick<Report, 'verdicts' | 'aborted' | 'interrupted'> & { readonly cleanup?: { readonly ok: boolean } },
  options: { readonly inconclusiveOk?: boolean } = {},
): ExitCode {
  const codes: ExitCode[] = [];
  // Objects left in the cluster need someone to act, whatever the verdicts say (README "Exit codes").
  if (report.cleanup?.ok === false) codes.push(EXIT.ABORTED);
  if (report.aborted)
    codes.push(
      report.aborted.code === 'E_INTERRUPTED' ? EXIT.INTERRUPTED : exitCodeForError(report.aborted.code as ErrorCode),
    );
  if (report.interrupted) codes.push(EXIT.INTERRUPTED);
  if (report.verdicts.some((v) => v.status === 'fails')) codes.push(EXIT.FAILS);
  if (!options.inconclusiveOk && report.verdicts.some((v) => v.status === 'inconclusive'))
    codes.push(EXIT.INCONCLUSIVE);
  return mostSevere(codes);
}
