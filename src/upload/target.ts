/**
 * Upload targets (pure): `s3://bucket/prefix` for an S3-compatible store, or an HTTPS URL that
 * takes one PUT per file. Parsed and checked once, before the cluster is contacted; the parsed
 * target holds no secret (credentials come from the environment, never from the URL), so it may
 * be printed and recorded in the report's options.
 */

/** Where a bundle goes. */
export type UploadTarget =
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix without leading or trailing slash ('' for the bucket root). */
      readonly prefix: string;
      /** Custom endpoint origin (path-style addressing), or undefined for AWS. */
      readonly endpoint: URL | undefined;
    }
  | {
      readonly kind: 'https';
      /** Base URL without a trailing slash; files go to `<base>/<run-id>/<file>`. */
      readonly base: string;
    };

/** The target, or the problems with it (one sentence each, naming the flag). */
export type ParsedTarget =
  | { readonly ok: true; readonly target: UploadTarget }
  | { readonly ok: false; readonly problems: readonly string[] };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Key characters that need no percent-encoding, so the signed path is the sent path. */
const KEY_PART = /^[A-Za-z0-9._~-]+$/;

function prefixProblems(prefix: string, flag: string): string[] {
  if (prefix === '') return [];
  const parts = prefix.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || !KEY_PART.test(p))) {
    return [
      `${flag} prefix "${prefix}" must be path segments of letters, digits and . _ ~ - (e.g. s3://evidence/pci/quarterly)`,
    ];
  }
  return [];
}

function endpointOf(raw: string | undefined): { endpoint?: URL; problems: string[] } {
  if (raw === undefined) return { problems: [] };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problems: [`--upload-endpoint "${raw}" is not a URL (e.g. https://minio.example:9000)`] };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { problems: [`--upload-endpoint "${raw}" must be an http:// or https:// URL`] };
  if (url.username !== '' || url.password !== '') {
    return {
      problems: [
        '--upload-endpoint must not carry credentials; they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      ],
    };
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return {
      problems: [
        `--upload-endpoint "${raw}" must be only scheme, host and port (the bucket goes in --upload s3://bucket)`,
      ],
    };
  }
  return { endpoint: url, problems: [] };
}

function parseS3(raw: string, endpointRaw: string | undefined): ParsedTarget {
  const rest = raw.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  const problems: string[] = [];
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    problems.push(
      `--upload "${raw}": "${bucket}" is not an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`,
    );
  }
  problems.push(...prefixProblems(prefix, '--upload'));
  const ep = endpointOf(endpointRaw);
  problems.push(...ep.problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, target: { kind: 's3', bucket, prefix, endpoint: ep.endpoint } };
}

function parseHttps(raw: string, endpointRaw: string | undefined): ParsedTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problems: [`--upload "${raw}" is not a URL`] };
  }
  const problems: string[] = [];
  const where = 'put them in MESHPROBE_UPLOAD_HEADERS or --upload-headers-file';
  if (url.username !== '' || url.password !== '') problems.push(`--upload URL must not carry credentials; ${where}`);
  if (url.search !== '' || url.hash !== '') {
    problems.push(
      `--upload URL must not have a query or fragment (it is recorded in the report); ${where.replace('them', 'tokens')}`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/^\//, '');
  problems.push(...prefixProblems(path, '--upload URL path'));
  if (endpointRaw !== undefined) problems.push('--upload-endpoint applies only to s3:// targets');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, target: { kind: 'https', base: `${url.origin}${path === '' ? '' : `/${path}`}` } };
}

/** Parse `--upload` (and `--upload-endpoint`). Pure. */
export function parseUploadTarget(raw: string, endpointRaw: string | undefined): ParsedTarget {
  if (raw.startsWith('s3://')) return parseS3(raw, endpointRaw);
  if (raw.startsWith('https://')) return parseHttps(raw, endpointRaw);
  if (raw.startsWith('http://')) {
    return {
      ok: false,
      problems: [
        `--upload "${raw}" is plain http: the upload headers carry credentials, so an HTTPS URL is needed ` +
          '(for an S3-compatible store on http use --upload s3://bucket --upload-endpoint http://host:port)',
      ],
    };
  }
  return { ok: false, problems: [`--upload "${raw}" is neither s3://bucket/prefix nor an https:// URL`] };
}

/** How a target is shown to people (no secret in it by construction). */
export function describeTarget(t: UploadTarget): string {
  if (t.kind === 'https') return t.base;
  const where = `s3://${t.bucket}${t.prefix === '' ? '' : `/${t.prefix}`}`;
  return t.endpoint === undefined ? where : `${where} at ${t.endpoint.origin}`;
}

/**
 * One key segment percent-encoded the way SigV4 canonicalises S3 paths (RFC 3986: everything but
 * letters, digits and - . _ ~), so the path that is signed is byte for byte the path that is sent.
 */
export function encodeKeyPart(part: string): string {
  return encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Object key of one bundle file: `<prefix>/<run-id>/<file>`. */
export function objectKey(prefix: string, runId: string, file: string): string {
  return [prefix, runId, file].filter((p) => p !== '').join('/');
}

/**
 * URL of one bundle file. S3: path-style on a custom endpoint (MinIO, Ceph, SeaweedFS and
 * versitygw all take it), virtual-hosted on AWS unless the bucket name has a dot (TLS wildcard).
 */
export function fileUrl(t: UploadTarget, region: string, runId: string, file: string): URL {
  if (t.kind === 'https') return new URL(`${t.base}/${encodeKeyPart(runId)}/${encodeKeyPart(file)}`);
  const key = objectKey(t.prefix, encodeKeyPart(runId), encodeKeyPart(file));
  if (t.endpoint !== undefined) return new URL(`${t.endpoint.origin}/${t.bucket}/${key}`);
  if (t.bucket.includes('.')) return new URL(`https://s3.${region}.amazonaws.com/${t.bucket}/${key}`);
  return new URL(`https://${t.bucket}.s3.${region}.amazonaws.com/${key}`);
}
