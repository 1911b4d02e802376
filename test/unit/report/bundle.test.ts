import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../../src/domain/report.js';
import { openEvidenceLog, readReport, verifyBundleDir, writeReportBundle } from '../../../src/report/write.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';
import { validate } from '../../helpers/json-schema-lite.js';

const report: Report = buildExample(SCENARIOS[1]!);

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rsaPair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    priv: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

t.test('the evidence log appends one flushed JSON line per evidence item', async (t) => {
  // Given an open log
  const dir = tempDir(t);
  const log = await openEvidenceLog(dir);
  // When two items are appended (and before close)
  await log.append(report.evidence[0]!);
  const afterOne = readFileSync(join(dir, 'evidence.jsonl'), 'utf8');
  await log.append(report.evidence[1]!);
  await log.close();
  // Then the first line is already on disk after its append resolved, and both parse
  t.equal(afterOne.split('\n').filter(Boolean).length, 1);
  const lines = readFileSync(join(dir, 'evidence.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(
    lines.map((e) => e.id),
    [report.evidence[0]!.id, report.evidence[1]!.id],
  );
  // And each line is an Evidence value as report.v1.schema.json defines it
  const schema = JSON.parse(readFileSync('reports/schema/report.v1.schema.json', 'utf8')) as Record<string, unknown>;
  const evidenceSchema = (schema['$defs'] as Record<string, Record<string, unknown>>)['evidence']!;
  for (const line of lines) t.same(validate(evidenceSchema, line, schema), []);
});

t.test('appendAll writes every item in order and resolves once they are all on disk', async (t) => {
  // Given an open log and many evidence items (more than one ~1 MiB write)
  const dir = tempDir(t);
  const log = await openEvidenceLog(dir);
  const many = Array.from({ length: 3000 }, (_, i) => ({
    ...report.evidence[i % report.evidence.length]!,
    id: `item-${String(i).padStart(5, '0')}`,
  }));
  // When they are appended in one call (and before close)
  await log.appendAll(many);
  // Then every line is on disk, in order
  t.same(
    readFileSync(join(dir, 'evidence.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id),
    many.map((e) => e.id),
  );
  await log.close();
});

t.test('appends and appendAll calls keep the order they were made in, also when made without waiting', async (t) => {
  const dir = tempDir(t);
  const log = await openEvidenceLog(dir);
  const item = (id: string) => ({ ...report.evidence[0]!, id });
  // Given calls made back to back, appendAll between single appends
  const done = [
    log.append(item('a')),
    log.append(item('b')),
    log.appendAll([item('c'), item('d')]),
    log.append(item('e')),
  ];
  await Promise.all(done);
  await log.close();
  t.same(
    readFileSync(join(dir, 'evidence.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id),
    ['a', 'b', 'c', 'd', 'e'],
  );
});

t.test(
  'after a failed write every later append rejects with that error (none is left pending) and close still works',
  async (t) => {
    const dir = tempDir(t);
    const log = await openEvidenceLog(dir);
    // Given an item JSON cannot encode (a BigInt), so its write fails
    const broken = { ...report.evidence[0]!, id: 'broken', extra: 1n } as unknown as (typeof report.evidence)[number];
    await t.rejects(log.appendAll([broken]));
    // Then each later call settles (rejects) instead of waiting forever
    const later = [
      log.append(report.evidence[0]!),
      log.append(report.evidence[0]!),
      log.appendAll([report.evidence[0]!]),
    ];
    const settled = await Promise.race([
      Promise.allSettled(later),
      new Promise<'pending'>((r) => setTimeout(() => r('pending'), 2000)),
    ]);
    t.not(settled, 'pending', 'every later call settled');
    if (settled !== 'pending')
      t.ok(
        settled.every((x) => x.status === 'rejected'),
        'and rejected',
      );
    await log.close();
  },
);

t.test('a written bundle holds every format, a manifest covering evidence.jsonl, and verifies', async (t) => {
  const dir = tempDir(t);
  const log = await openEvidenceLog(dir);
  for (const e of report.evidence) await log.append(e);
  await log.close();
  const written = await writeReportBundle(report, dir);
  const names = readdirSync(dir).sort();
  t.same(names, [
    'SHA256SUMS',
    'certificates.csv',
    'evidence.jsonl',
    'junit.xml',
    'report.html',
    'report.json',
    'report.md',
    'report.sarif',
    'report.tap',
  ]);
  t.equal(written.length, 8);
  t.match(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'), /^[0-9a-f]{64} {2}certificates\.csv\n/);
  t.match(readFileSync(join(dir, 'SHA256SUMS'), 'utf8'), /evidence\.jsonl/);
  const result = await verifyBundleDir(dir);
  t.equal(result.ok, true);
  t.equal(result.files, 8);
  t.same(await readReport(dir), JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')));
});

t.test('verify names exactly the file in which one byte was changed, for every file of the bundle', async (t) => {
  const dir = tempDir(t);
  const log = await openEvidenceLog(dir);
  await log.append(report.evidence[0]!);
  await log.close();
  await writeReportBundle(report, dir);
  for (const name of readdirSync(dir)
    .filter((n) => n !== 'SHA256SUMS')
    .sort()) {
    // Given one byte flipped in this file
    const path = join(dir, name);
    const original = readFileSync(path);
    const changed = Buffer.from(original);
    changed[Math.floor(changed.length / 2)] = changed[Math.floor(changed.length / 2)]! ^ 0x01;
    writeFileSync(path, changed);
    // When verifying
    const result = await verifyBundleDir(dir);
    // Then exactly that file is named as altered
    t.equal(result.ok, false, name);
    t.same(
      result.problems.map((p) => p.file),
      [name],
      name,
    );
    t.match(result.problems[0]?.problem, `${name} was altered`);
    writeFileSync(path, original);
  }
  t.equal((await verifyBundleDir(dir)).ok, true, 'restored bundle verifies again');
});

t.test('verify names a removed file and an added file', async (t) => {
  const dir = tempDir(t);
  await writeReportBundle(report, dir);
  unlinkSync(join(dir, 'report.md'));
  writeFileSync(join(dir, 'notes.txt'), 'added later');
  const result = await verifyBundleDir(dir);
  t.same(
    result.problems.map((p) => p.problem),
    [
      'report.md is listed in SHA256SUMS but missing',
      'notes.txt is not listed in SHA256SUMS (added after the bundle was sealed)',
    ],
  );
});

t.test(
  'a signed bundle verifies with the public key; a consistently rewritten manifest fails the signature',
  async (t) => {
    const dir = tempDir(t);
    const { priv, pub } = rsaPair();
    await writeReportBundle(report, dir, { signKeyPem: priv });
    const ok = await verifyBundleDir(dir, pub);
    t.equal(ok.signature, 'valid');
    t.equal(ok.ok, true);
    // Given an attacker who edits report.json AND rewrites its line in SHA256SUMS
    const { createHash } = await import('node:crypto');
    const edited = readFileSync(join(dir, 'report.json'), 'utf8').replace('"fails": 4', '"fails": 0');
    writeFileSync(join(dir, 'report.json'), edited);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').replace(
      /^[0-9a-f]{64}(?= {2}report\.json$)/m,
      createHash('sha256').update(edited).digest('hex'),
    );
    writeFileSync(join(dir, 'SHA256SUMS'), sums);
    // Then digests match but the signature does not
    const bad = await verifyBundleDir(dir, pub);
    t.equal(bad.ok, false);
    t.equal(bad.signature, 'invalid');
    t.same(
      bad.problems.map((p) => p.file),
      ['SHA256SUMS.sig'],
    );
    // And without the public key, verify says the signature was not checked
    t.equal((await verifyBundleDir(dir)).signature, 'not-checked');
  },
);

t.test('a bundle written twice from the same report is byte-identical (deterministic output)', async (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  await writeReportBundle(report, a);
  await writeReportBundle(report, b);
  t.equal(readFileSync(join(a, 'SHA256SUMS'), 'utf8'), readFileSync(join(b, 'SHA256SUMS'), 'utf8'));
});

t.test('verify of a directory without a manifest is an E_VERIFY error with a hint', async (t) => {
  const dir = tempDir(t);
  await t.rejects(verifyBundleDir(dir), { code: 'E_VERIFY' });
});

t.test('verify names a dot-file, a subdirectory and a file inside it added to a sealed bundle', async (t) => {
  // Given a sealed bundle that verifies
  const dir = tempDir(t);
  await writeReportBundle(report, dir);
  t.equal((await verifyBundleDir(dir)).ok, true);
  // When a dot-file, a folder and a file in it are added
  writeFileSync(join(dir, '.hidden'), 'added later');
  mkdirSync(join(dir, 'extra'));
  writeFileSync(join(dir, 'extra', 'report.json'), '{}');
  const result = await verifyBundleDir(dir);
  // Then each is named
  t.equal(result.ok, false);
  t.same(result.problems.map((p) => p.file).sort(), ['.hidden', 'extra/', 'extra/report.json']);
  t.match(result.problems.find((p) => p.file === '.hidden')?.problem, /not listed in SHA256SUMS/);
});

t.test('verify names an empty subdirectory added to a sealed bundle', async (t) => {
  const dir = tempDir(t);
  await writeReportBundle(report, dir);
  mkdirSync(join(dir, 'empty'));
  const result = await verifyBundleDir(dir);
  t.equal(result.ok, false);
  t.same(
    result.problems.map((p) => p.file),
    ['empty/'],
  );
});
