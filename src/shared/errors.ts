/**
 * Errors with stable codes. Classify by `err.code`, never by message text.
 * Wrap with `{ cause }` when crossing stages so context is kept.
 */
const ERROR_CODES = {
  E_USAGE: 'bad command-line usage or option value',
  E_CONFIG: 'bad configuration file or environment value',
  E_KUBECONFIG: 'kubeconfig missing, unreadable or without a usable context',
  E_CLUSTER_UNREACHABLE: 'the Kubernetes API server could not be reached',
  E_CLUSTER_TLS: 'the API server certificate is not trusted',
  E_UNAUTHORIZED: 'the API server rejected the credentials (401)',
  E_FORBIDDEN: 'the API server forbade a request (403)',
  E_API: 'the API server returned an unexpected error',
  E_DEPLOY: 'probe objects could not be created',
  E_IMAGE_PULL: 'the agent image could not be pulled',
  E_POD_TIMEOUT: 'probe pods did not become ready in time',
  E_AGENT: 'the agent failed or printed invalid output',
  E_TIMEOUT: 'the run exceeded its --timeout',
  E_INTERRUPTED: 'interrupted by a signal',
  E_TARGET: 'a target endpoint could not be reached or parsed',
  E_IO: 'a file could not be read or written',
  E_VERIFY: 'an evidence bundle failed verification',
  E_UPLOAD: 'the evidence bundle could not be uploaded (the local bundle is kept)',
  E_INTERNAL: 'an internal error (a bug in meshprobe)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error meshprobe expects and explains: one line for the user plus a hint. */
export class MeshprobeError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, one sentence. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshprobeError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** True for a MeshprobeError (also across bundle boundaries, by shape). */
export function isMeshprobeError(err: unknown): err is MeshprobeError {
  return (
    err instanceof MeshprobeError ||
    (typeof err === 'object' &&
      err !== null &&
      (err as { name?: unknown }).name === 'MeshprobeError' &&
      typeof (err as { code?: unknown }).code === 'string' &&
      (err as { code: string }).code in ERROR_CODES)
  );
}

/** Any thrown value as a MeshprobeError; unknown errors become E_INTERNAL with the cause kept. */
export function toMeshprobeError(err: unknown): MeshprobeError {
  if (isMeshprobeError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MeshprobeError('E_INTERNAL', `unexpected error: ${message}`, {
    hint: 'This is a bug in meshprobe; please report it with the command you ran.',
    cause: err,
  });
}
