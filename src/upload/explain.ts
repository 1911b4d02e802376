/**
 * One sentence and one hint for a failed upload (pure). Names the target and the file, says
 * what to check; quotes the server only through the S3 error code/message or a short, redacted
 * prefix of its body (an echoed header must never reach a log).
 */
import { describeTarget, type UploadTarget } from './target.js';
import type { AttemptResult } from './retry.js';
import { redactSecrets } from './headers.js';

/** What went wrong, for the user. */
export interface UploadFailure {
  readonly message: string;
  readonly hint: string;
}

/** `<Code>` and `<Message>` of an S3 XML error body, when there are. */
export function s3ErrorOf(body: string): { code?: string; message?: string } {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,300})<\/Message>/.exec(body)?.[1];
  return { ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message } : {}) };
}

function serverSays(t: UploadTarget, body: string, secrets: readonly string[]): string {
  if (t.kind === 's3') {
    const e = s3ErrorOf(body);
    const said = [e.code, e.message].filter((x) => x !== undefined).join(': ');
    return said === '' ? '' : `: ${redactSecrets(said, secrets)}`;
  }
  const prefix = body.replace(/\s+/g, ' ').trim().slice(0, 160);
  return prefix === '' ? '' : `: ${redactSecrets(prefix, secrets)}`;
}

function refusedHint(t: UploadTarget): string {
  if (t.kind === 'https') {
    return (
      'Check the credentials in MESHPROBE_UPLOAD_HEADERS or the --upload-headers-file (expired token, ' +
      `wrong header name) and that they may PUT under ${t.base}/.`
    );
  }
  const bucket = t.bucket;
  const base =
    'Check that AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ' +
    `credentials) are current and allowed s3:PutObject on bucket ${bucket}`;
  const region = t.endpoint === undefined ? ", that AWS_REGION is the bucket's region" : '';
  return `${base}${region}, and that this machine's clock is right (signatures expire after 15 minutes).`;
}

/** Explain the last attempt of a file that could not be uploaded. */
export function explainFailure(input: {
  readonly target: UploadTarget;
  readonly file: string;
  readonly attempts: number;
  readonly last: AttemptResult;
  readonly secrets: readonly string[];
}): UploadFailure {
  const { target: t, file, attempts, last } = input;
  const where = describeTarget(t);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (last.kind === 'network') {
    return {
      message: `upload of ${file} to ${where} failed${tries}: ${last.code} (${redactSecrets(last.message, input.secrets)})`,
      hint:
        'Check the address (and --upload-endpoint or AWS_ENDPOINT_URL), that it is reachable from here, ' +
        'and its TLS certificate (NODE_EXTRA_CA_CERTS adds a private CA).',
    };
  }
  const said = serverSays(t, last.body, input.secrets);
  if (last.status === 401 || last.status === 403) {
    return { message: `upload of ${file} to ${where} was refused (${last.status}${said})`, hint: refusedHint(t) };
  }
  if (last.status === 404 && t.kind === 's3') {
    return {
      message: `upload of ${file} to ${where} failed (404${said})`,
      hint: `Check that bucket ${t.bucket} exists at this endpoint/region; meshprobe does not create buckets.`,
    };
  }
  return {
    message: `upload of ${file} to ${where} failed${tries} (HTTP ${last.status}${said})`,
    hint:
      last.status >= 500
        ? 'The store kept failing; retry later with `meshprobe upload <dir>`.'
        : 'Check the target URL and what the server expects for a PUT.',
  };
}
