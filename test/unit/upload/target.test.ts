/** Upload targets are parsed once, before the cluster is contacted; a target never carries a secret. */
import t from 'tap';
import { describeTarget, fileUrl, parseUploadTarget } from '../../../src/upload/target.js';
import { parseHeaderLines, redactSecrets } from '../../../src/upload/headers.js';
import { DEFAULT_RETRY, delayBefore, isTransient } from '../../../src/upload/retry.js';
import { explainFailure, s3ErrorOf } from '../../../src/upload/explain.js';
import { EXIT, mostSevere } from '../../../src/shared/exit-codes.js';

t.test('an s3:// target on a custom endpoint is addressed path-style under <prefix>/<run-id>/', async (t) => {
  // Given an S3 target with a prefix and a custom endpoint
  const p = parseUploadTarget('s3://evidence/pci/quarterly/', 'http://127.0.0.1:9000');
  // Then the object URL is endpoint/bucket/prefix/run/file
  t.ok(p.ok);
  if (!p.ok) return;
  t.equal(
    fileUrl(p.target, 'eu-west-1', '20261203-1-ab12', 'report.json').href,
    'http://127.0.0.1:9000/evidence/pci/quarterly/20261203-1-ab12/report.json',
  );
  t.equal(describeTarget(p.target), 's3://evidence/pci/quarterly at http://127.0.0.1:9000');
});

t.test('an s3:// target on AWS is virtual-hosted in the region, path-style when the bucket has a dot', async (t) => {
  const a = parseUploadTarget('s3://evidence', undefined);
  const b = parseUploadTarget('s3://evidence.example', undefined);
  if (!a.ok || !b.ok) return t.fail('both parse');
  t.equal(
    fileUrl(a.target, 'eu-central-1', 'r1', 'SHA256SUMS').href,
    'https://evidence.s3.eu-central-1.amazonaws.com/r1/SHA256SUMS',
  );
  t.equal(
    fileUrl(b.target, 'eu-central-1', 'r1', 'SHA256SUMS').href,
    'https://s3.eu-central-1.amazonaws.com/evidence.example/r1/SHA256SUMS',
  );
});

t.test('a file name outside the plain set is percent-encoded the way SigV4 canonicalises it', async (t) => {
  const p = parseUploadTarget('s3://evidence/pci', 'http://127.0.0.1:9000');
  if (!p.ok) return t.fail();
  t.equal(
    fileUrl(p.target, 'us-east-1', 'r1', 'notes (draft)!.txt').pathname,
    '/evidence/pci/r1/notes%20%28draft%29%21.txt',
  );
});

t.test('an https:// target takes one PUT per file under <path>/<run-id>/', async (t) => {
  const p = parseUploadTarget('https://evidence.example:8443/pci/', undefined);
  if (!p.ok) return t.fail(p.problems.join());
  t.equal(fileUrl(p.target, '', 'r1', 'report.html').href, 'https://evidence.example:8443/pci/r1/report.html');
});

const bad: [string, string | undefined, RegExp][] = [
  ['http://evidence.example/x', undefined, /plain http: the upload headers carry credentials/],
  ['ftp://x', undefined, /neither s3:\/\/bucket\/prefix nor an https:\/\/ URL/],
  ['s3://Bad_Bucket', undefined, /is not an S3 bucket name/],
  ['s3://evidence/a//b', undefined, /prefix "a\/\/b" must be path segments/],
  ['s3://evidence/../up', undefined, /must be path segments/],
  ['s3://evidence', 'ftp://x', /--upload-endpoint "ftp:\/\/x" must be an http/],
  ['s3://evidence', 'http://key:secret@minio:9000', /must not carry credentials/],
  ['s3://evidence', 'http://minio:9000/bucket', /must be only scheme, host and port/],
  ['https://user:pw@evidence.example/x', undefined, /must not carry credentials/],
  ['https://evidence.example/x?sig=abc', undefined, /must not have a query/],
  ['https://evidence.example/x', 'http://minio:9000', /applies only to s3:\/\//],
];
for (const [raw, endpoint, problem] of bad) {
  t.test(
    `"${raw}"${endpoint ? ` with endpoint ${endpoint}` : ''} is refused with a sentence that says what to do`,
    async (t) => {
      const p = parseUploadTarget(raw, endpoint);
      t.notOk(p.ok);
      if (!p.ok) t.match(p.problems.join('\n'), problem);
      if (!p.ok) t.notMatch(p.problems.join('\n'), /secret|pw@|sig=abc/, 'no credential echoed');
    },
  );
}

t.test('header lines parse to lower-case names; problems name the line, never the value', async (t) => {
  const ok = parseHeaderLines(
    '# token for the evidence store\nAuthorization: Bearer abc.def\n\nX-Tenant:  pci \n',
    'MESHPROBE_UPLOAD_HEADERS',
  );
  t.same(ok, { ok: true, headers: { authorization: 'Bearer abc.def', 'x-tenant': 'pci' } });
  const badLines = parseHeaderLines('Authorization Bearer hunter2\nHost: evil\nX-Empty:\n', 'file h.txt');
  t.notOk(badLines.ok);
  if (badLines.ok) return;
  t.same(badLines.problems, [
    'file h.txt line 1 is not "Name: value"',
    'file h.txt line 2 sets Host, which meshprobe sets itself',
    'file h.txt line 3 (X-Empty) has an empty or invalid value',
  ]);
  t.notMatch(badLines.problems.join(), /hunter2|evil/);
});

t.test('secrets in a server answer are redacted', async (t) => {
  t.equal(
    redactSecrets('echo: Bearer tok-123456 and tok-123456', ['Bearer tok-123456', 'tok-123456']),
    'echo: [redacted] and [redacted]',
  );
});

t.test('5xx, 429 and dropped connections are retried; other answers are final', async (t) => {
  t.ok(isTransient({ kind: 'status', status: 503, body: '' }));
  t.ok(isTransient({ kind: 'status', status: 500, body: '' }));
  t.ok(isTransient({ kind: 'status', status: 429, body: '' }));
  t.notOk(isTransient({ kind: 'status', status: 403, body: '' }));
  t.notOk(isTransient({ kind: 'status', status: 400, body: '' }));
  t.ok(isTransient({ kind: 'network', code: 'ECONNRESET', message: '' }));
  t.ok(isTransient({ kind: 'network', code: 'UND_ERR_SOCKET', message: '' }));
  t.notOk(isTransient({ kind: 'network', code: 'CERT_HAS_EXPIRED', message: '' }));
});

t.test('the backoff doubles and is capped, so the default loop is bounded in count and time', async (t) => {
  t.same(
    [2, 3, 4, 5, 6].map((n) => delayBefore(n, DEFAULT_RETRY)),
    [1000, 2000, 4000, 8000, 8000],
  );
  let waited = 0;
  for (let n = 2; n <= DEFAULT_RETRY.attempts; n++) waited += delayBefore(n, DEFAULT_RETRY);
  t.equal(waited, 7000, '7 s of waiting across 4 attempts');
});

t.test('a 403 from S3 names the target, the S3 error and what to check', async (t) => {
  const p = parseUploadTarget('s3://evidence/pci', undefined);
  if (!p.ok) return t.fail();
  const body =
    '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><CanonicalRequest>x-amz-security-token:sEsSiOnTok</CanonicalRequest></Error>';
  t.same(s3ErrorOf(body), {
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match',
  });
  const f = explainFailure({
    target: p.target,
    file: 'report.json',
    attempts: 1,
    last: { kind: 'status', status: 403, body },
    secrets: ['sEsSiOnTok'],
  });
  t.equal(
    f.message,
    'upload of report.json to s3://evidence/pci was refused (403: SignatureDoesNotMatch: The request signature we calculated does not match)',
  );
  t.match(f.hint, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*s3:PutObject on bucket evidence.*AWS_REGION.*clock/);
  t.notMatch(f.message + f.hint, /sEsSiOnTok/);
});

t.test('an HTTPS 401 quotes a redacted prefix of the body and points at the headers', async (t) => {
  const p = parseUploadTarget('https://evidence.example/pci', undefined);
  if (!p.ok) return t.fail();
  const f = explainFailure({
    target: p.target,
    file: 'SHA256SUMS',
    attempts: 1,
    last: { kind: 'status', status: 401, body: 'bad token Bearer xyz-secret' },
    secrets: ['Bearer xyz-secret'],
  });
  t.equal(f.message, 'upload of SHA256SUMS to https://evidence.example/pci was refused (401: bad token [redacted])');
  t.match(f.hint, /MESHPROBE_UPLOAD_HEADERS or the --upload-headers-file/);
});

t.test('a failed upload (5) outranks fails and inconclusive, never usage, abort or interrupt', async (t) => {
  t.equal(mostSevere([EXIT.FAILS, EXIT.UPLOAD_FAILED]), 5);
  t.equal(mostSevere([EXIT.INCONCLUSIVE, EXIT.UPLOAD_FAILED]), 5);
  t.equal(mostSevere([EXIT.ABORTED, EXIT.UPLOAD_FAILED]), 3);
  t.equal(mostSevere([EXIT.INTERRUPTED, EXIT.UPLOAD_FAILED]), 130);
});
