/**
 * --upload against a REAL S3-compatible server on 127.0.0.1 (versitygw, which verifies SigV4
 * signatures and payload hashes): a whole run (fake cluster, real bundle writing) uploads its
 * signed bundle; it is downloaded back and `meshprobe verify` passes on the copy. A stand-in
 * proxy in front of the server answers 503 and resets connections to show the bounded retry;
 * wrong credentials give one clear 403 line, exit 5, and the local bundle stays intact.
 */
import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { runConformance, type RunResult } from '../../../src/pipeline/run.js';
import { SILENT_PROGRESS } from '../../../src/shared/progress.js';
import { parseManifest } from '../../../src/report/bundle.js';
import { verifyBundleDir } from '../../../src/report/write.js';
import type { RetryPolicy } from '../../../src/upload/retry.js';
import { encodeKeyPart } from '../../../src/upload/target.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { connectedLog, DONE, READY } from '../../fakes/connected-agent.js';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';
import { startFaultServer } from '../faults/fault-server.js';
import { startFaultProxy, startS3Server, versitygwMissing, type S3Server } from '../../helpers/s3-server.js';

t.setTimeout(600_000);
/** One CLI process may take long to start on a loaded 2-core machine; the default 60 s limit killed it there. */
const CLI_LIMIT_MS = 240_000;
const missing = versitygwMissing();
if (missing !== undefined && process.env.CI === 'true')
  throw new Error(`${missing} (.ci/run installs it; CI must not skip these tests)`);

const FIXTURE = new URL('../../fixtures/cluster/istio.json', import.meta.url);
/** Short waits so the retry tests take seconds; the bounds are the same shape as the defaults. */
const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200, requestTimeoutMs: 10_000 };

let s3: S3Server;
let cli: CliBundle;
let work: string;
let keyPem: string;
let pubPem: string;

t.before(async () => {
  if (missing !== undefined) return;
  s3 = await startS3Server();
  const made = await s3.send('PUT', '/evidence');
  if (made.status !== 200) throw new Error(`CreateBucket: ${made.status} ${made.body.toString()}`);
  cli = await buildCliBundle();
  work = mkdtempSync(join(tmpdir(), 'meshprobe-upload-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyPem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  pubPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(join(work, 'sign.pem'), keyPem);
  writeFileSync(join(work, 'sign.pub.pem'), pubPem);
});
t.teardown(async () => {
  await s3?.close();
  cli?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A whole run against the fake cluster, writing a signed bundle and uploading it as configured. */
async function runWithUpload(
  name: string,
  upload: Partial<Options>,
  env: NodeJS.ProcessEnv,
  signal = new AbortController().signal,
): Promise<RunResult> {
  const dir = join(work, name);
  const api: FakeClusterApi = FakeClusterApi.fromFixture(FIXTURE, {
    hooks: {
      podStatus: (pod) => (pod.metadata?.name === 'meshprobe-echo' ? READY : DONE),
      podLog: (pod) => connectedLog(api, pod),
    },
  });
  const options: Options = {
    ...DEFAULTS,
    scope: 'pci.scope=cde',
    outputDir: dir,
    podReadyTimeout: 2,
    signKey: join(work, 'sign.pem'),
    ...upload,
  };
  return runConformance(options, {
    cluster: api,
    progress: SILENT_PROGRESS,
    signal,
    random: () => name.slice(0, 4).padEnd(4, '0'),
    agentSource: async () => '/* agent */',
    pollMs: 5,
    env,
    uploadPolicy: FAST,
  });
}

const creds = (): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: s3.access,
  AWS_SECRET_ACCESS_KEY: s3.secret,
  AWS_REGION: 'us-east-1',
});

/** Download every file of an uploaded bundle (SHA256SUMS says which) into a fresh directory. */
async function download(prefix: string, into: string): Promise<string[]> {
  mkdirSync(into, { recursive: true });
  const manifest = await s3.send('GET', `/evidence/${prefix}/SHA256SUMS`);
  if (manifest.status !== 200) throw new Error(`GET SHA256SUMS: ${manifest.status}`);
  const names = [...parseManifest(manifest.body.toString()).digests.keys(), 'SHA256SUMS', 'SHA256SUMS.sig'];
  for (const name of names) {
    const got = await s3.send('GET', `/evidence/${prefix}/${encodeKeyPart(name)}`);
    if (got.status === 200) writeFileSync(join(into, name), got.body);
  }
  return readdirSync(into).sort();
}

t.test(
  'a run uploads its signed bundle to the S3-compatible server; the downloaded copy verifies',
  { skip: missing ?? false },
  async (t) => {
    // Given a real S3-compatible server and credentials for it in the environment
    // And an operator's note in the output directory, whose name needs percent-encoding (sealed with the bundle)
    mkdirSync(join(work, 'good'), { recursive: true });
    writeFileSync(join(work, 'good', 'operator notes (Q4)!.txt'), 'scope agreed with the QSA on 2026-11-30\n');
    // When a run with --upload s3://evidence/pci/quarterly and a custom endpoint finishes
    const r = await runWithUpload(
      'good',
      { upload: 's3://evidence/pci/quarterly', uploadEndpoint: s3.endpoint },
      creds(),
    );
    // Then the upload succeeded and the exit code is the report's own
    t.equal(r.upload?.kind, 'uploaded', JSON.stringify(r.upload));
    if (r.upload?.kind !== 'uploaded') return;
    t.equal(r.upload.location, `s3://evidence/pci/quarterly/${r.runId}/`);
    t.equal(r.upload.retries, 0);
    t.not(r.exitCode, 5);
    // And the copy downloaded from the server holds every file of the local bundle, byte for byte
    const copy = join(work, 'good-copy');
    const files = await download(`pci/quarterly/${r.runId}`, copy);
    t.same(
      files,
      readdirSync(r.outputDir)
        .filter((f) => !f.startsWith('.'))
        .sort(),
    );
    t.equal(r.upload.files, files.length);
    for (const f of files)
      t.equal(readFileSync(join(copy, f)).toString(), readFileSync(join(r.outputDir, f)).toString(), f);
    // And `meshprobe verify` of the copy passes, signature included
    const v = await cli.run(['verify', copy, '--public-key', join(work, 'sign.pub.pem')], { timeoutMs: CLI_LIMIT_MS });
    t.equal(v.code, 0, v.stdout + v.stderr);
    t.match(v.stdout, /^OK \d+ files match SHA256SUMS; signature valid$/m);
    // And the local bundle is still there and intact
    t.ok((await verifyBundleDir(r.outputDir, pubPem)).ok);
  },
);

t.test(
  'the server rejects a wrong signature: wrong credentials are one clear 403, exit 5, the local bundle kept',
  { skip: missing ?? false },
  async (t) => {
    // Given a secret key that is not the server's (so every signature is wrong)
    const env = { ...creds(), AWS_SECRET_ACCESS_KEY: 'not-the-secret-key-at-all' };
    // When a run uploads with it
    const r = await runWithUpload('deny', { upload: 's3://evidence/pci', uploadEndpoint: s3.endpoint }, env);
    // Then the upload failed on the first file with a 403 that names the target and what to check
    t.equal(r.upload?.kind, 'failed');
    if (r.upload?.kind !== 'failed') return;
    t.equal(r.upload.code, 'E_UPLOAD');
    t.match(
      r.upload.message,
      new RegExp(
        `^upload of \\S+ to s3://evidence/pci at ${s3.endpoint.replace(/[.]/g, '\\.')} was refused \\(403: SignatureDoesNotMatch`,
      ),
    );
    t.match(r.upload.hint ?? '', /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .* s3:PutObject on bucket evidence/);
    t.notMatch(`${r.upload.message} ${r.upload.hint}`, /not-the-secret-key-at-all/, 'the secret is never quoted');
    // And the exit code says the upload failed (precedence over fails/inconclusive), the report is complete locally
    t.equal(r.exitCode, 5);
    t.ok((await verifyBundleDir(r.outputDir, pubPem)).ok, 'the local bundle verifies');
    // And nothing of the bundle reached the bucket
    t.equal((await s3.send('GET', `/evidence/pci/${r.runId}/SHA256SUMS`)).status, 404);
  },
);

t.test(
  'a 503 and a reset connection are retried, and the bundle arrives whole',
  { skip: missing ?? false },
  async (t) => {
    // Given a proxy in front of the real server that answers the 1st PUT with 503 and resets the 3rd
    const proxy = await startFaultProxy(s3.endpoint, (n) =>
      n === 1 ? { status: 503 } : n === 3 ? 'reset' : 'forward',
    );
    t.teardown(() => proxy.close());
    // When a run uploads through it
    const r = await runWithUpload('flaky', { upload: 's3://evidence/flaky', uploadEndpoint: proxy.endpoint }, creds());
    // Then both failures were retried and the upload succeeded
    t.equal(r.upload?.kind, 'uploaded', JSON.stringify(r.upload));
    if (r.upload?.kind !== 'uploaded') return;
    t.equal(r.upload.retries, 2);
    t.same(
      proxy.seen.slice(0, 4).map((s) => s.action),
      ['503', 'forward', 'reset', 'forward'],
    );
    t.equal(proxy.seen[0]?.path, proxy.seen[1]?.path, 'the 503 file was sent again');
    t.equal(proxy.seen[2]?.path, proxy.seen[3]?.path, 'the reset file was sent again');
    // And the downloaded copy verifies (signed through the proxy: the server checked every signature)
    const copy = join(work, 'flaky-copy');
    await download(`flaky/${r.runId}`, copy);
    t.ok((await verifyBundleDir(copy, pubPem)).ok);
  },
);

t.test(
  'a store that keeps failing is tried a bounded number of times, then exit 5 naming the attempts',
  { skip: missing ?? false },
  async (t) => {
    // Given a proxy that answers every request with 500
    const proxy = await startFaultProxy(s3.endpoint, () => ({ status: 500 }));
    t.teardown(() => proxy.close());
    // When a run uploads through it
    const started = Date.now();
    const r = await runWithUpload('down', { upload: 's3://evidence/down', uploadEndpoint: proxy.endpoint }, creds());
    // Then exactly `attempts` requests were made for the first file, and the run ended with exit 5
    t.equal(proxy.seen.length, FAST.attempts);
    t.equal(r.exitCode, 5);
    t.equal(r.upload?.kind, 'failed');
    if (r.upload?.kind === 'failed')
      t.match(r.upload.message, /failed after 4 attempts \(HTTP 500: ServiceUnavailable: stand-in 500\)/);
    t.ok((await verifyBundleDir(r.outputDir, pubPem)).ok, 'the local bundle verifies');
    t.comment(`gave up after ${Date.now() - started} ms (run included)`);
  },
);

const early = [
  {
    name: 'missing AWS credentials',
    args: ['--upload', 's3://evidence/x'],
    line: /^meshprobe: --upload s3:\/\/… needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment/m,
  },
  {
    name: 'a plain http:// URL',
    args: ['--upload', 'http://evidence.example/x'],
    line: /^meshprobe: --upload "http:\/\/evidence\.example\/x" is plain http/m,
  },
  {
    name: 'an unreadable headers file',
    args: ['--upload', 'https://evidence.example/x', '--upload-headers-file', '/nonexistent/h'],
    line: /^meshprobe: --upload-headers-file \/nonexistent\/h cannot be read \(ENOENT\)$/m,
  },
];
for (const c of early) {
  t.test(
    `the CLI: run --upload with ${c.name} is exit 2 before any API request`,
    { skip: missing ?? false },
    async (t) => {
      // Given an API server stand-in that records every request
      const api = await startFaultServer({ kind: 'status', status: 500 });
      t.teardown(() => api.close());
      // When run is started with the bad upload input and no AWS credentials
      const r = await cli.run(
        [
          'run',
          '--kubeconfig',
          api.kubeconfig,
          '--cde-namespace',
          'pay',
          '-q',
          '--output-dir',
          join(work, 'early'),
          ...c.args,
        ],
        {
          timeoutMs: CLI_LIMIT_MS,
          env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, MESHPROBE_UPLOAD_HEADERS: undefined },
        },
      );
      // Then it is a usage error naming the problem, and the cluster was never contacted
      t.equal(r.code, 2, r.stderr);
      t.match(r.stderr, c.line);
      t.equal(api.seen.length, 0, 'no API request was made');
    },
  );
}

t.test(
  'the CLI: meshprobe upload <dir> sends an existing bundle and prints where it went',
  { skip: missing ?? false },
  async (t) => {
    // Given a bundle a run wrote without uploading
    const r = await runWithUpload('later', {}, {});
    t.equal(r.upload, undefined);
    // When `meshprobe upload` sends it
    const u = await cli.run(
      ['upload', r.outputDir, '--upload', 's3://evidence/later', '--upload-endpoint', s3.endpoint],
      { timeoutMs: CLI_LIMIT_MS, env: creds() as Record<string, string> },
    );
    // Then it is in the bucket under the run id from report.json
    t.equal(u.code, 0, u.stderr);
    t.match(u.stdout, new RegExp(`^uploaded \\d+ files to s3://evidence/later/${r.runId}/$`, 'm'));
    const copy = join(work, 'later-copy');
    await download(`later/${r.runId}`, copy);
    t.ok((await verifyBundleDir(copy, pubPem)).ok);
    // And with a wrong key it is exit 5 with the 403 line and a hint
    const bad = await cli.run(
      ['upload', r.outputDir, '--upload', 's3://evidence/later', '--upload-endpoint', s3.endpoint],
      {
        timeoutMs: CLI_LIMIT_MS,
        env: { ...creds(), AWS_SECRET_ACCESS_KEY: 'wrong-wrong-wrong' } as Record<string, string>,
      },
    );
    t.equal(bad.code, 5, bad.stderr);
    t.match(bad.stderr, /^meshprobe: upload of \S+ to s3:\/\/evidence\/later at \S+ was refused \(403/m);
    t.match(bad.stderr, /^hint: Check that AWS_ACCESS_KEY_ID/m);
    t.notMatch(bad.stderr + bad.stdout, /wrong-wrong-wrong/);
  },
);

t.test(
  'an aborted run is still uploaded (the abort is evidence too), and keeps exit 3',
  { skip: missing ?? false },
  async (t) => {
    // Given an API server that answers every request with 500, so the run aborts at discover
    const api = await startFaultServer({ kind: 'status', status: 500 });
    t.teardown(() => api.close());
    // When the CLI runs with --upload
    const dir = join(work, 'aborted');
    const r = await cli.run(
      [
        'run',
        '--kubeconfig',
        api.kubeconfig,
        '--cde-namespace',
        'pay',
        '-q',
        '--output-dir',
        dir,
        '--request-timeout',
        '5',
        '--upload',
        's3://evidence/aborted',
        '--upload-endpoint',
        s3.endpoint,
      ],
      { timeoutMs: CLI_LIMIT_MS, env: creds() as Record<string, string> },
    );
    // Then the exit code is the abort's, and stderr says where the bundle went
    t.equal(r.code, 3, r.stderr);
    const runId = (JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { run: { runId: string } }).run.runId;
    t.match(
      r.stderr,
      new RegExp(`^meshprobe: bundle uploaded to s3://evidence/aborted/${runId}/ \\(\\d+ files\\)$`, 'm'),
    );
    // And the report in the bucket is the aborted one
    const got = await s3.send('GET', `/evidence/aborted/${runId}/report.json`);
    t.equal(got.status, 200);
    t.ok((JSON.parse(got.body.toString()) as { aborted?: unknown }).aborted, 'the uploaded report records the abort');
  },
);

t.test(
  'a run stopped by a signal is not uploaded; it says so and keeps exit 130',
  { skip: missing ?? false },
  async (t) => {
    // Given a run whose signal is already aborted (Ctrl-C)
    const ac = new AbortController();
    ac.abort('SIGINT');
    // When it ends
    const r = await runWithUpload(
      'intr',
      { upload: 's3://evidence/intr', uploadEndpoint: s3.endpoint },
      creds(),
      ac.signal,
    );
    // Then nothing was sent, the outcome says why, and the exit code is the interrupt's
    t.same(r.upload, { kind: 'skipped', reason: 'the run was interrupted' });
    t.equal(r.exitCode, 130);
    t.equal((await s3.send('GET', `/evidence/intr/${r.runId}/SHA256SUMS`)).status, 404);
  },
);
