/**
 * Send a sealed evidence bundle to its upload target: every file SHA256SUMS lists, then the
 * signature, then SHA256SUMS itself last, so a half-finished upload has no manifest and
 * `meshprobe verify` of it fails instead of passing on a partial copy. Each file is retried
 * on 5xx/429 and dropped connections within the bounds of a RetryPolicy. The local bundle is
 * only read, never changed or removed.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { MeshprobeError } from '../shared/errors.js';
import { MANIFEST, SIGNATURE, parseManifest, sha256 } from '../report/bundle.js';
import { explainFailure } from './explain.js';
import { DEFAULT_RETRY, delayBefore, isTransient, type AttemptResult, type RetryPolicy } from './retry.js';
import { loadUploadLibs, putOnce, type FilePut, type UploadLibs } from './send.js';
import type { UploadSettings } from './settings.js';
import { describeTarget, fileUrl } from './target.js';

/** What an upload did. */
export interface UploadDone {
  /** Where the bundle now is, e.g. s3://bucket/prefix/<run-id>/ */
  readonly location: string;
  readonly files: readonly string[];
  /** Attempts that were retried (5xx, reset…), for the log line. */
  readonly retries: number;
}

/** Inputs of {@link uploadBundle}. */
export interface UploadInput {
  readonly dir: string;
  readonly runId: string;
  readonly settings: UploadSettings;
  readonly signal: AbortSignal;
  readonly policy?: RetryPolicy;
  /** Called before each attempt of each file (progress line). */
  readonly onAttempt?: (file: string, attempt: number) => void;
}

function secretsOf(s: UploadSettings): string[] {
  if ('credentials' in s) return [s.credentials.secretAccessKey, s.credentials.sessionToken ?? ''];
  return Object.values(s.headers);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The files to send, in order (manifest last), with their sizes and digests. */
async function filesToSend(input: UploadInput): Promise<FilePut[]> {
  const manifest = await readFile(join(input.dir, MANIFEST), 'utf8').catch((err: unknown) => {
    throw new MeshprobeError('E_UPLOAD', `${input.dir} has no readable ${MANIFEST}; only a sealed bundle is uploaded`, {
      hint: 'Point at the directory a run wrote (--output-dir).',
      cause: err,
    });
  });
  const { digests } = parseManifest(manifest);
  const names = [...digests.keys()].sort();
  const sig = await readFile(join(input.dir, SIGNATURE)).catch(() => undefined);
  const entries: [string, string][] = names.map((n) => [n, digests.get(n)!]);
  if (sig !== undefined) entries.push([SIGNATURE, sha256(sig)]);
  entries.push([MANIFEST, sha256(manifest)]);
  const region = 'region' in input.settings ? input.settings.region : '';
  const out: FilePut[] = [];
  for (const [name, digest] of entries) {
    const path = join(input.dir, name);
    const size = (
      await stat(path).catch((err: unknown) => {
        throw new MeshprobeError('E_UPLOAD', `${path} is listed in ${MANIFEST} but cannot be read`, {
          hint: 'Run `meshprobe verify` on the bundle.',
          cause: err,
        });
      })
    ).size;
    out.push({ url: fileUrl(input.settings.target, region, input.runId, name), path, name, size, sha256: digest });
  }
  return out;
}

async function putWithRetries(
  put: FilePut,
  input: UploadInput,
  dispatcher: Agent,
  libs: UploadLibs,
): Promise<{ retries: number }> {
  const policy = input.policy ?? DEFAULT_RETRY;
  let last: AttemptResult | undefined;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await sleep(delayBefore(attempt, policy), input.signal);
    if (input.signal.aborted) throw new MeshprobeError('E_INTERRUPTED', `upload interrupted before ${put.name}`);
    input.onAttempt?.(put.name, attempt);
    last = await putOnce(put, input.settings, {
      signal: input.signal,
      timeoutMs: policy.requestTimeoutMs,
      dispatcher,
      libs,
    });
    if (last.kind === 'status' && last.status >= 200 && last.status < 300) return { retries: attempt - 1 };
    if (!isTransient(last)) break;
  }
  const attempts = last !== undefined && isTransient(last) ? policy.attempts : undefined;
  const f = explainFailure({
    target: input.settings.target,
    file: put.name,
    attempts: attempts ?? 1,
    last: last!,
    secrets: secretsOf(input.settings),
  });
  throw new MeshprobeError('E_UPLOAD', f.message, { hint: f.hint });
}

/** Upload the bundle in `dir`; throws E_UPLOAD (what failed and what to check) or E_INTERRUPTED. */
export async function uploadBundle(input: UploadInput): Promise<UploadDone> {
  const files = await filesToSend(input);
  const policy = input.policy ?? DEFAULT_RETRY;
  const libs = await loadUploadLibs();
  const { Agent: AgentClass } = await import('undici');
  const dispatcher = new AgentClass({ connect: { timeout: policy.requestTimeoutMs }, keepAliveTimeout: 1000 });
  let retries = 0;
  try {
    for (const put of files) retries += (await putWithRetries(put, input, dispatcher, libs)).retries;
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
  const t = input.settings.target;
  const location =
    t.kind === 's3' ? `${describeTarget({ ...t, endpoint: undefined })}/${input.runId}/` : `${t.base}/${input.runId}/`;
  return { location, files: files.map((f) => f.name), retries };
}
