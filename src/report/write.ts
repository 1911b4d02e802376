/**
 * Writing (and reading back) the evidence bundle: evidence.jsonl appended while the run goes,
 * every rendered format streamed to a temporary name and renamed (never a half-written report,
 * never the whole text of a big report in memory), then SHA256SUMS and an optional detached
 * signature. The imperative shell around bundle.ts.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { evidenceRecord, type Evidence } from '../domain/evidence.js';
import type { Report } from '../domain/report.js';
import { MeshprobeError } from '../shared/errors.js';
import {
  MANIFEST,
  SIGNATURE,
  type BundleProblem,
  checkDigests,
  manifestText,
  parseManifest,
  signManifest,
  verifySignature,
} from './bundle.js';
import { describeIncomplete, EVIDENCE_JOURNAL, readJournalText } from './journal.js';
import { renderCertificatesCsv } from './reporters/certificates-csv.js';
import { bundlePieces, type Piece } from './reporters/index.js';
import { ioError, WRITE_CHUNK, writeAll, writeAtomic, writeTogether } from './atomic-files.js';

/** Evidence log name inside the output directory. */
const EVIDENCE_LOG = 'evidence.jsonl';

/**
 * An append-only evidence log. A promise from append/appendAll resolves only once its lines
 * are on disk (written and fdatasync'ed), in the order the calls were made.
 */
export interface EvidenceLog {
  /** One item, written and fdatasync'ed on its own (a run uses appendAll). */
  append(e: Evidence): Promise<void>;
  /** Many items in order: written in ~60 KiB pieces, one fdatasync at the end (not one per item). */
  appendAll(items: Iterable<Evidence>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Open (create or append to) dir/evidence.jsonl. Writes are serialised; each append/appendAll
 * resolves after an fdatasync that covers it, so what a resolved call wrote survives a crash;
 * appendAll pays one fdatasync for a whole run's evidence, not one per line.
 */
export async function openEvidenceLog(dir: string): Promise<EvidenceLog> {
  const path = join(dir, EVIDENCE_LOG);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw ioError('create', dir, err);
  }
  const handle = await open(path, 'a').catch((err: unknown) => {
    throw ioError('open', path, err);
  });
  // The serial queue of writes; after a failure every later call rejects with that error.
  let tail: Promise<void> = Promise.resolve();
  let failure: { err: unknown } | undefined;
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const next = tail.then(async () => {
      if (failure) throw failure.err;
      try {
        await work();
      } catch (err) {
        failure = { err };
        throw err;
      }
    });
    tail = next.catch(() => undefined);
    return next;
  };
  const appendAll = (items: Iterable<Evidence>): Promise<void> =>
    enqueue(async () => {
      let parts: string[] = [];
      let size = 0;
      for (const e of items) {
        const line = `${JSON.stringify(evidenceRecord(e))}\n`;
        parts.push(line);
        size += line.length;
        if (size >= WRITE_CHUNK) {
          await writeAll(handle, parts.join(''));
          parts = [];
          size = 0;
        }
      }
      if (parts.length > 0) await writeAll(handle, parts.join(''));
      await handle.datasync();
    });
  return {
    append: (e) => appendAll([e]),
    appendAll,
    async close() {
      await tail;
      await handle.close();
    },
  };
}

/** The report's rendered files by name (rendered lazily, all at once: bundlePieces, writeTogether). */
function bundleFiles(report: Report): Record<string, () => Iterable<Piece>> {
  return {
    ...bundlePieces(report),
    'certificates.csv': () => [renderCertificatesCsv(report.certificates)],
  };
}

/** SHA-256 of a file, read in pieces. */
async function digestFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path, { highWaterMark: WRITE_CHUNK })) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** Digests of every regular file in dir except the manifest and its signature (`known`: digests of files just written). */
async function digestsOnDisk(
  dir: string,
  known: ReadonlyMap<string, string> = new Map(),
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    if (name === MANIFEST || name === SIGNATURE || name.startsWith('.')) continue;
    if (!(await stat(join(dir, name))).isFile()) continue;
    out.set(name, known.get(name) ?? (await digestFile(join(dir, name))));
  }
  return out;
}

/**
 * Write report.json, report.md, report.html, junit.xml, report.tap, report.sarif,
 * certificates.csv (+ extraFiles), then SHA256SUMS over every file in dir (evidence.jsonl
 * included) and SHA256SUMS.sig when a signing key is given. Returns the paths written.
 * The files are rendered while they are written, all at once (writeTogether): each reason sentence
 * is built once for all of them, and only a ~60 KiB piece of each file's text is held at a time.
 */
export async function writeReportBundle(
  report: Report,
  dir: string,
  opts: { signKeyPem?: string; extraFiles?: Record<string, string> } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw ioError('create', dir, err);
  });
  const extra = Object.fromEntries(Object.entries(opts.extraFiles ?? {}).map(([name, text]) => [name, () => [text]]));
  const files: Record<string, () => Iterable<Piece>> = { ...bundleFiles(report), ...extra };
  const names = Object.keys(files).sort();
  const sorted = Object.fromEntries(names.map((name) => [name, files[name] ?? (() => [])]));
  const fileDigests = await writeTogether(dir, sorted, report.verdicts);
  const digests = new Map(names.map((name, i) => [name, fileDigests[i] ?? '']));
  const written = names.map((name) => join(dir, name));
  const manifest = manifestText(await digestsOnDisk(dir, digests));
  await writeAtomic(join(dir, MANIFEST), [manifest]);
  written.push(join(dir, MANIFEST));
  if (opts.signKeyPem !== undefined) {
    let signature: string;
    try {
      signature = signManifest(manifest, opts.signKeyPem);
    } catch (err) {
      throw new MeshprobeError('E_USAGE', 'the --sign-key file is not an RSA private key in PEM form', {
        hint: 'Create one with: openssl genrsa -out sign.pem 3072',
        cause: err,
      });
    }
    await writeAtomic(join(dir, SIGNATURE), [signature]);
    written.push(join(dir, SIGNATURE));
  }
  return written;
}

/** Result of verifying a bundle directory. */
export interface VerifyResult {
  readonly ok: boolean;
  readonly problems: readonly BundleProblem[];
  /** 'valid' | 'invalid' | 'absent' | 'not-checked' (signature present, no public key given) */
  readonly signature: 'valid' | 'invalid' | 'absent' | 'not-checked';
  readonly files: number;
  /** Set when the directory is the trace of a run that died before it finished (it still holds the evidence journal). */
  readonly incomplete?: string;
}

/**
 * Everything in a bundle directory for verification: regular files by relative path (dot-files
 * and files in subdirectories too) with their digests, and other entries (folders, links,
 * devices) by path. Only the manifest and its signature at the top are left out.
 */
async function everythingOnDisk(dir: string, prefix = ''): Promise<{ files: Map<string, string>; others: string[] }> {
  const files = new Map<string, string>();
  const others: string[] = [];
  for (const entry of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (prefix === '' && (entry.name === MANIFEST || entry.name === SIGNATURE)) continue;
    if (entry.isFile()) files.set(rel, await digestFile(join(dir, rel)));
    else if (entry.isDirectory()) {
      others.push(`${rel}/`);
      const inner = await everythingOnDisk(dir, rel);
      for (const [k, v] of inner.files) files.set(k, v);
      others.push(...inner.others);
    } else others.push(rel);
  }
  return { files, others };
}

/** Verify digests (and the signature when a public key is given) of a bundle directory. */
export async function verifyBundleDir(dir: string, publicKeyPem?: string): Promise<VerifyResult> {
  // A finished run deletes its journal before sealing; one still here means the run died (issue 14).
  const journal = await readFile(join(dir, EVIDENCE_JOURNAL), 'utf8').catch(() => undefined);
  if (journal !== undefined) {
    const incomplete = describeIncomplete(readJournalText(journal));
    return {
      ok: false,
      problems: [{ file: EVIDENCE_JOURNAL, problem: incomplete }],
      signature: 'absent',
      files: 0,
      incomplete,
    };
  }
  const manifestRaw = await readFile(join(dir, MANIFEST), 'utf8').catch((err: unknown) => {
    throw new MeshprobeError(
      'E_VERIFY',
      `${dir} has no readable ${MANIFEST} (${(err as { code?: string }).code ?? 'error'})`,
      { hint: 'Point verify at the directory meshprobe wrote (--output-dir).', cause: err },
    );
  });
  const parsed = parseManifest(manifestRaw);
  const onDisk = await everythingOnDisk(dir);
  const problems: BundleProblem[] = [
    ...parsed.problems.map((p) => ({ file: MANIFEST, problem: p })),
    ...checkDigests(parsed.digests, onDisk.files),
    ...onDisk.others.map((o) => ({
      file: o,
      problem: `${o} is not a regular file listed in ${MANIFEST} (added after the bundle was sealed)`,
    })),
  ];
  const sig = await readFile(join(dir, SIGNATURE), 'utf8').catch(() => undefined);
  let signature: VerifyResult['signature'] = sig === undefined ? 'absent' : 'not-checked';
  if (publicKeyPem !== undefined) {
    if (sig === undefined)
      problems.push({ file: SIGNATURE, problem: `${SIGNATURE} is missing but a public key was given` });
    else {
      signature = verifySignature(manifestRaw, sig, publicKeyPem) ? 'valid' : 'invalid';
      if (signature === 'invalid')
        problems.push({
          file: SIGNATURE,
          problem: `${SIGNATURE} does not verify against ${MANIFEST} with the given public key (the manifest or the signature was altered, or the key is not the signer's)`,
        });
    }
  }
  return { ok: problems.length === 0, problems, signature, files: parsed.digests.size };
}

/** Read a report from a report.json path or a bundle directory. */
export async function readReport(pathOrDir: string): Promise<Report> {
  const s = await stat(pathOrDir).catch((err: unknown) => {
    throw new MeshprobeError('E_USAGE', `${pathOrDir} does not exist`, {
      hint: 'Give a report.json file or the bundle directory that holds it.',
      cause: err,
    });
  });
  const path = s.isDirectory() ? join(pathOrDir, 'report.json') : pathOrDir;
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw ioError('read', path, err);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MeshprobeError('E_USAGE', `${path} is not valid JSON`, {
      hint: 'Give a report.json written by meshprobe.',
      cause: err,
    });
  }
  if (typeof value !== 'object' || value === null || (value as { schema?: unknown }).schema !== 'meshprobe.report/v1') {
    throw new MeshprobeError('E_USAGE', `${path} is not a meshprobe report (schema meshprobe.report/v1)`, {
      hint: 'Give a report.json written by meshprobe.',
    });
  }
  return value as Report;
}
