/**
 * The upload step of a run (after the bundle is sealed): never throws, never touches the local
 * bundle. Its outcome goes to stderr and the exit code, not into the report, which was sealed
 * (digested and signed) before the upload began.
 */
import type { ProgressSink } from '../shared/progress.js';
import type { Options } from '../config/options.js';
import { toMeshprobeError, type ErrorCode } from '../shared/errors.js';
import type { RetryPolicy } from './retry.js';
import { resolveUploadSettings } from './settings.js';
import { describeTarget } from './target.js';
import { uploadBundle } from './upload.js';

/** What the upload step did. */
export type UploadOutcome =
  | { readonly kind: 'uploaded'; readonly location: string; readonly files: number; readonly retries: number }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly message: string; readonly hint: string | undefined }
  | { readonly kind: 'skipped'; readonly reason: string };

/** Inputs of {@link uploadStep}. */
export interface UploadStepInput {
  readonly options: Pick<Options, 'upload' | 'uploadEndpoint' | 'uploadHeadersFile'>;
  readonly dir: string;
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly progress: ProgressSink;
  readonly env: NodeJS.ProcessEnv;
  /** A run stopped by a signal is not uploaded (the user asked it to stop). */
  readonly interrupted: boolean;
  readonly policy?: RetryPolicy;
}

/** Upload the sealed bundle when --upload is set; undefined when it is not. */
export async function uploadStep(i: UploadStepInput): Promise<UploadOutcome | undefined> {
  if (i.options.upload === undefined) return undefined;
  if (i.interrupted) return { kind: 'skipped', reason: 'the run was interrupted' };
  try {
    const { settings, problems } = await resolveUploadSettings(i.options, i.env);
    if (settings === undefined)
      return { kind: 'failed', code: 'E_UPLOAD', message: problems.join('; '), hint: undefined };
    i.progress.start(`Uploading the bundle to ${describeTarget(settings.target)}`);
    const done = await uploadBundle({
      dir: i.dir,
      runId: i.runId,
      settings,
      signal: i.signal,
      ...(i.policy ? { policy: i.policy } : {}),
      onAttempt: (file, n) => i.progress.update(`Uploading ${file}${n > 1 ? ` (attempt ${n})` : ''}`),
    });
    i.progress.succeed(`Uploaded ${done.files.length} file(s) to ${done.location}`);
    return { kind: 'uploaded', location: done.location, files: done.files.length, retries: done.retries };
  } catch (err) {
    const e = toMeshprobeError(err);
    i.progress.fail(`Upload failed: ${e.message}`);
    return { kind: 'failed', code: e.code, message: e.message, hint: e.hint };
  }
}
