/**
 * Everything an upload needs, from options and the environment (the I/O edge: reads the
 * headers file). Credentials and headers live only in the returned value, never in options,
 * the report or a message.
 */
import { readFile } from 'node:fs/promises';
import type { Options } from '../config/options.js';
import { parseHeaderLines } from './headers.js';
import { parseUploadTarget, type UploadTarget } from './target.js';

/** S3 credentials from AWS_* variables. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A checked upload target with what it needs to authenticate. */
export type UploadSettings =
  | {
      readonly target: UploadTarget & { readonly kind: 's3' };
      readonly region: string;
      readonly credentials: S3Credentials;
    }
  | { readonly target: UploadTarget & { readonly kind: 'https' }; readonly headers: Readonly<Record<string, string>> };

/** Options an upload reads. */
export type UploadOptions = Pick<Options, 'upload' | 'uploadEndpoint' | 'uploadHeadersFile'>;

/** Env variable of extra headers for HTTPS targets (`Name: value` lines). */
export const HEADERS_ENV = 'MESHPROBE_UPLOAD_HEADERS';

function s3Settings(
  target: UploadTarget & { kind: 's3' },
  env: NodeJS.ProcessEnv,
  problems: string[],
): UploadSettings | undefined {
  const id = env.AWS_ACCESS_KEY_ID?.trim();
  const secret = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!id || !secret) {
    problems.push(
      '--upload s3://… needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment ' +
        '(from a Secret in the scheduled mode)',
    );
    return undefined;
  }
  const token = env.AWS_SESSION_TOKEN?.trim();
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
  return {
    target,
    region,
    credentials: { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) },
  };
}

async function httpsHeaders(
  o: UploadOptions,
  env: NodeJS.ProcessEnv,
  problems: string[],
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const sources: { text: string; source: string }[] = [];
  if (o.uploadHeadersFile !== undefined) {
    const text = await readFile(o.uploadHeadersFile, 'utf8').catch((err: unknown) => {
      problems.push(
        `--upload-headers-file ${o.uploadHeadersFile} cannot be read (${(err as { code?: string }).code ?? 'error'})`,
      );
      return undefined;
    });
    if (text !== undefined) sources.push({ text, source: `--upload-headers-file ${o.uploadHeadersFile}` });
  }
  const fromEnv = env[HEADERS_ENV];
  if (fromEnv !== undefined) sources.push({ text: fromEnv, source: HEADERS_ENV });
  for (const s of sources) {
    const parsed = parseHeaderLines(s.text, s.source);
    if (parsed.ok) Object.assign(headers, parsed.headers);
    else problems.push(...parsed.problems);
  }
  return headers;
}

/**
 * Resolve the upload settings, collecting every problem (one line each, values never quoted).
 * The environment wins over the file for a header both set. S3 targets take
 * `--upload-endpoint`, else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
 */
export async function resolveUploadSettings(
  o: UploadOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ settings?: UploadSettings; problems: string[] }> {
  if (o.upload === undefined) {
    const stray =
      o.uploadEndpoint !== undefined
        ? '--upload-endpoint'
        : o.uploadHeadersFile !== undefined
          ? '--upload-headers-file'
          : undefined;
    return { problems: stray ? [`${stray} is set but --upload is not`] : [] };
  }
  const s3 = o.upload.startsWith('s3://');
  const endpoint = o.uploadEndpoint ?? (s3 ? env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined : undefined);
  const parsed = parseUploadTarget(o.upload, endpoint);
  if (!parsed.ok) return { problems: [...parsed.problems] };
  const problems: string[] = [];
  const t = parsed.target;
  if (t.kind === 's3') {
    if (o.uploadHeadersFile !== undefined)
      problems.push('--upload-headers-file applies only to https:// targets (S3 uses AWS_* credentials)');
    const settings = s3Settings(t, env, problems);
    return problems.length > 0 || !settings ? { problems } : { settings, problems };
  }
  const headers = await httpsHeaders(o, env, problems);
  return problems.length > 0 ? { problems } : { settings: { target: t, headers }, problems };
}
