/**
 * Evidence leaves the cluster (issue 18): a real `meshprobe run --upload` on the lab sends its
 * signed bundle to a real S3-compatible server on 127.0.0.1 (versitygw, SigV4-verifying); the
 * bundle is downloaded back and `meshprobe verify --public-key` passes on the copy. Skips with a
 * clear message when the lab (or versitygw outside CI) is missing.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '../../src/report/bundle.js';
import { startS3Server, versitygwMissing, type S3Server } from '../helpers/s3-server.js';
import { kubectl } from './helpers/kubectl.js';
import { CLI, runCli } from './helpers/meshprobe.js';
import { e2eReady } from './helpers/skip.js';
import { applyAndWaitForWeb, LAB_NODE_IMAGE, webWorkload } from './helpers/web-workload.js';

const CDE = 'k18-upload-cde';
const IMAGE = LAB_NODE_IMAGE;

function fixture(): object[] {
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CDE } }, ...webWorkload(CDE)];
}

const ready = e2eReady(true);
const missing = versitygwMissing();
if (missing !== undefined && process.env.CI === 'true') throw new Error(`${missing} (.ci/run installs it)`);
if ('skip' in ready || missing !== undefined) {
  t.plan(0, 'skip' in ready ? ready.skip : `e2e upload skipped: ${missing}`);
} else {
  const lab = ready.lab;
  t.setTimeout(1_200_000);
  let s3: S3Server;
  let work: string;
  t.before(async () => {
    s3 = await startS3Server();
    const made = await s3.send('PUT', '/evidence');
    if (made.status !== 200) throw new Error(`CreateBucket ${made.status}`);
    work = mkdtempSync(join(tmpdir(), 'k18-upload-e2e-'));
    applyAndWaitForWeb(lab, fixture(), CDE);
  });
  t.teardown(async () => {
    kubectl(lab, ['delete', 'namespace', CDE, '--ignore-not-found', '--wait=false']);
    await s3?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  t.test('a lab run uploads its signed bundle to the S3-compatible server; the downloaded copy verifies', async (t) => {
    // Given a signing key and credentials of the S3-compatible server
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = join(work, 'sign.pem');
    const pub = join(work, 'sign.pub.pem');
    writeFileSync(key, pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    // When meshprobe runs on the lab with --upload
    const dir = join(work, 'bundle');
    const r = await runCli({
      args: [
        'run',
        '--kubeconfig',
        lab.kubeconfig,
        '--cde-namespace',
        CDE,
        '--namespace',
        CDE,
        '--control',
        '1.3.1',
        '--agent-image',
        IMAGE,
        '--ports',
        'none',
        '--pod-ready-timeout',
        '180',
        '--timeout',
        '900',
        '--sign-key',
        key,
        '--upload',
        's3://evidence/quarterly',
        '--upload-endpoint',
        s3.endpoint,
      ],
      outputDir: dir,
      timeoutMs: 1_000_000,
      env: { AWS_ACCESS_KEY_ID: s3.access, AWS_SECRET_ACCESS_KEY: s3.secret, AWS_REGION: 'us-east-1' },
    });
    const runId = (r.report as { run?: { runId?: string } } | undefined)?.run?.runId ?? '';
    t.comment(`run ${runId}: exit ${r.code}, ${Math.round(r.wallMs / 1000)} s wall`);
    // Then the run finished (not aborted) and said where the bundle went
    t.ok(r.code === 0 || r.code === 1 || r.code === 4, `exit ${r.code}: ${r.stderr.slice(-2000)}`);
    t.match(
      r.stderr,
      new RegExp(`^meshprobe: bundle uploaded to s3://evidence/quarterly/${runId}/ \\(\\d+ files\\)$`, 'm'),
    );
    // And the copy downloaded from the server is the whole bundle and verifies, signature included
    const copy = join(work, 'copy');
    mkdirSync(copy);
    const manifest = await s3.send('GET', `/evidence/quarterly/${runId}/SHA256SUMS`);
    t.equal(manifest.status, 200);
    for (const name of [...parseManifest(manifest.body.toString()).digests.keys(), 'SHA256SUMS', 'SHA256SUMS.sig']) {
      const got = await s3.send('GET', `/evidence/quarterly/${runId}/${name}`);
      t.equal(got.status, 200, name);
      writeFileSync(join(copy, name), got.body);
    }
    t.same(
      readdirSync(copy).sort(),
      readdirSync(dir)
        .filter((f) => !f.startsWith('.'))
        .sort(),
      'every local file is in the bucket',
    );
    const v = spawnSync(process.execPath, [CLI, 'verify', copy, '--public-key', pub], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    t.equal(v.status, 0, v.stdout + v.stderr);
    t.match(v.stdout, /^OK \d+ files match SHA256SUMS; signature valid$/m);
    t.comment(v.stdout.trim());
  });
}
