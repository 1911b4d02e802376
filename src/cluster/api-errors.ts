/**
 * Map whatever the Kubernetes client threw to a MeshprobeError with a stable code and one
 * clear sentence (never a stack trace). Pure: classifies by HTTP status and error `code`
 * (ApiException `code` number, node-fetch/undici system `code`), never by message text.
 */
import { MeshprobeError, isMeshprobeError } from '../shared/errors.js';
import { describePermission, type Permission } from './permissions.js';

/** What the failed call was doing, for the message. */
export interface CallContext {
  readonly permission: Permission;
  readonly namespace?: string | undefined;
  readonly server: string;
  readonly context: string;
}

/** The Kubernetes `Status` object an API error carries (parsed from the JSON string body). */
interface ApiStatus {
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

const TLS_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** HTTP status of an ApiException-shaped error (numeric `code` plus a `body`), else undefined. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; body?: unknown };
  return typeof e.code === 'number' && 'body' in e ? e.code : undefined;
}

/** The API server's Status message of an ApiException-shaped error ('' when none). */
export function apiMessageOf(err: unknown): string {
  return apiStatusOf(err).message ?? '';
}

/** Seconds of an ApiException-shaped error's Retry-After header, when it has one in seconds. */
export function retryAfterOf(err: unknown): number | undefined {
  const headers = (err as { headers?: unknown } | null)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const v = (headers as Record<string, unknown>)['retry-after'];
  const n = typeof v === 'string' ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The parsed Status body of an API error; {} when the body is not a JSON Status (e.g. "404 page not found"). */
function apiStatusOf(err: unknown): ApiStatus {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'object' && body !== null) return body as ApiStatus;
  if (typeof body !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ApiStatus) : {};
  } catch {
    return {};
  }
}

/** The system error code of a transport failure (node-fetch FetchError.code, or fetch's cause.code). */
function transportCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: unknown }).cause;
  const inner = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof inner === 'string' ? inner : undefined;
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

function where(ctx: CallContext): string {
  return ctx.namespace === undefined ? 'at cluster scope' : `in namespace ${ctx.namespace}`;
}

/** Turn any client error into a MeshprobeError. A MeshprobeError (e.g. an abort reason) passes through. */
export function toClusterError(err: unknown, ctx: CallContext, signal?: AbortSignal): MeshprobeError {
  if (isMeshprobeError(err)) return err;
  if (signal?.aborted && isMeshprobeError(signal.reason)) return signal.reason;
  if (signal?.aborted || (err as { name?: unknown } | null)?.name === 'AbortError') {
    return new MeshprobeError('E_INTERRUPTED', `request to ${describePermission(ctx.permission)} was cancelled`, {
      cause: err,
    });
  }
  const status = httpStatusOf(err);
  if (status !== undefined) return fromStatus(status, apiStatusOf(err), ctx, err);
  const code = transportCodeOf(err);
  if (code !== undefined && isTlsCode(code)) {
    return new MeshprobeError(
      'E_CLUSTER_TLS',
      `the API server ${ctx.server} presented a certificate that is not trusted (${code})`,
      {
        hint: `Check certificate-authority-data for context "${ctx.context}" in your kubeconfig; meshprobe never skips verification for you.`,
        cause: err,
      },
    );
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new MeshprobeError('E_CLUSTER_UNREACHABLE', `cannot reach the API server ${ctx.server} (${code})`, {
      hint: `Check that the cluster is running and that context "${ctx.context}" points at it (kubectl --context ${ctx.context} get ns).`,
      cause: err,
    });
  }
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return new MeshprobeError('E_API', `${describePermission(ctx.permission)} failed: ${message}`, { cause: err });
}

function fromStatus(status: number, body: ApiStatus, ctx: CallContext, cause: unknown): MeshprobeError {
  const what = `${describePermission(ctx.permission)} ${where(ctx)}`;
  const detail = body.message === undefined ? '' : `: ${body.message}`;
  if (status === 401) {
    return new MeshprobeError(
      'E_UNAUTHORIZED',
      `the API server ${ctx.server} rejected the credentials of context "${ctx.context}" (401)`,
      {
        hint: 'Your credentials are missing or expired; log in again (or refresh the token) and retry.',
        cause,
      },
    );
  }
  if (status === 403) {
    return new MeshprobeError('E_FORBIDDEN', `forbidden to ${what}${detail}`, {
      hint: 'Run `meshprobe rbac` to print the least-privilege ClusterRole meshprobe needs and have it bound to you.',
      cause,
    });
  }
  const text = `the API server answered ${status}${body.reason ? ` ${body.reason}` : ''} to ${what}${detail}`;
  return status >= 500
    ? new MeshprobeError('E_API', text, {
        hint: 'The API server had an internal problem; check its health and retry.',
        cause,
      })
    : new MeshprobeError('E_API', text, { cause });
}

/**
 * True when the same call may succeed if made again later: the API server could not be reached
 * or did not answer in time (E_CLUSTER_UNREACHABLE), or answered 429 or 5xx (E_API with that
 * status) — what a restarting or overloaded control plane produces. Every other error is final.
 */
export function isTransientClusterError(err: unknown): err is MeshprobeError {
  if (!isMeshprobeError(err)) return false;
  if (err.code === 'E_CLUSTER_UNREACHABLE') return true;
  if (err.code !== 'E_API') return false;
  const status = httpStatusOf(err.cause);
  return status !== undefined && (status === 429 || status >= 500);
}
