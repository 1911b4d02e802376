/**
 * One PUT of one bundle file over undici, signed with SigV4 (aws4) for S3 targets or carrying
 * the configured headers for HTTPS targets. The body is streamed from disk; the payload hash
 * signed for S3 is the file's digest from SHA256SUMS, so the store checks the bytes it got.
 */
import { createReadStream } from 'node:fs';
import type aws4 from 'aws4';
import type { Dispatcher, request } from 'undici';
import { MeshprobeError } from '../shared/errors.js';
import type { AttemptResult } from './retry.js';
import type { UploadSettings } from './settings.js';

/**
 * The two libraries an upload needs, loaded only when a command uploads (`await import`), so
 * no other command pays for loading them at start.
 */
export interface UploadLibs {
  readonly request: typeof request;
  readonly sign: typeof aws4.sign;
}

/** Load undici and aws4 on first use. */
export async function loadUploadLibs(): Promise<UploadLibs> {
  const [undici, signer] = await Promise.all([import('undici'), import('aws4')]);
  return { request: undici.request, sign: signer.default.sign };
}

/** One file to send. */
export interface FilePut {
  readonly url: URL;
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

const TYPES: Readonly<Record<string, string>> = {
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  xml: 'application/xml',
  csv: 'text/csv; charset=utf-8',
  sarif: 'application/sarif+json',
  tap: 'text/plain; charset=utf-8',
};

/** Content type by file extension (SHA256SUMS and the signature are plain text). */
export function contentType(name: string): string {
  const ext = /\.([a-z]+)$/.exec(name)?.[1];
  return (ext !== undefined ? TYPES[ext] : undefined) ?? 'text/plain; charset=utf-8';
}

/** Request headers for one PUT (signed for S3). Pure apart from aws4 reading the clock. */
export function putHeaders(put: FilePut, s: UploadSettings, sign: UploadLibs['sign']): Record<string, string> {
  const base: Record<string, string> = { 'content-type': contentType(put.name), 'content-length': String(put.size) };
  if (s.target.kind === 'https') return { ...('headers' in s ? s.headers : {}), ...base };
  if (!('credentials' in s)) throw new Error('S3 settings without credentials');
  const signed = sign(
    {
      host: put.url.host,
      path: put.url.pathname,
      method: 'PUT',
      service: 's3',
      region: s.region,
      headers: { ...base, 'x-amz-content-sha256': put.sha256 },
    },
    s.credentials,
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers ?? {}))
    if (k.toLowerCase() !== 'host' && v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

function networkResult(err: unknown): AttemptResult {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code =
    typeof e.code === 'string'
      ? e.code
      : typeof e.cause?.code === 'string'
        ? e.cause.code
        : e.name === 'TimeoutError'
          ? 'ETIMEDOUT'
          : 'ERROR';
  const message =
    typeof e.cause?.message === 'string' ? e.cause.message : typeof e.message === 'string' ? e.message : String(err);
  return { kind: 'network', code, message: message.split('\n')[0] ?? '' };
}

/** Make one attempt; an abort of `signal` (Ctrl-C) throws E_INTERRUPTED, everything else is a result. */
export async function putOnce(
  put: FilePut,
  s: UploadSettings,
  o: { signal: AbortSignal; timeoutMs: number; dispatcher: Dispatcher; libs: UploadLibs },
): Promise<AttemptResult> {
  const signal = AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]);
  try {
    const res = await o.libs.request(put.url, {
      method: 'PUT',
      headers: putHeaders(put, s, o.libs.sign),
      body: createReadStream(put.path),
      signal,
      dispatcher: o.dispatcher,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    const body = await res.body.text();
    return { kind: 'status', status: res.statusCode, body: body.slice(0, 4096) };
  } catch (err) {
    if (o.signal.aborted)
      throw new MeshprobeError('E_INTERRUPTED', `upload interrupted while sending ${put.name}`, { cause: err });
    return networkResult(err);
  }
}
