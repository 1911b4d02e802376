/**
 * Writing (and reading back) the evidence bundle: evidence.jsonl appended while the run goes,
 * every rendered format written to a temporary name and renamed (never a half-written report),
 * then SHA256SUMS and an optional detached signature. The imperative shell around bundle.ts.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Evidence } from '../domain/evidence.js';
import type { Report } from '../domain/report.js';
import { MeshprobeError } from '../errors.js';
import { MANIFEST, SIGNATURE, type BundleProblem, checkDigests, manifestText, parseManifest, signManifest, verifySignature } from './bundle.js';
import { renderCertificatesCsv } from './reporters/certificates-csv.js';
import { renderHtml, renderJson, renderJunit, renderMarkdown, renderSarif, renderTap } from './reporters/index.js';

/** Evidence log name inside the output directory. */
export const EVIDENCE_LOG = 'evidence.jsonl';

/** An append-only evidence log; each append is flushed before it resolves. */
export interface EvidenceLog {
  append(e: Evidence): Promise<void>;
  close(): Promise<void>;
}

function ioError(action: string, path: string, err: unknown): MeshprobeError {
  const code = (err as { code?: string }).code ?? 'error';
  return new MeshprobeError('E_IO', `cannot ${action} ${path} (${code})`, { hint: 'Check the path exists and is writable (--output-dir).', cause: err });
}

/** Open (create or append to) dir/evidence.jsonl. Appends are serialised and fdatasync'ed. */
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
  let chain: Promise<void> = Promise.resolve();
  return {
    append(e) {
      chain = chain.then(async () => {
        await handle.appendFile(`${JSON.stringify(e)}\n`, 'utf8');
        await handle.datasync();
      });
      return chain;
    },
    async close() {
      await chain.catch(() => undefined);
      await handle.close();
    },
  };
}

/** Write text to path atomically: temp file in the same directory, then rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = join(path, '..', `.${basename(path)}.tmp-${process.pid}`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    throw ioError('write', path, err);
  }
}

/** Every rendered file of a report, by name. */
export function bundleFiles(report: Report): Record<string, string> {
  return {
    'report.json': renderJson(report),
    'report.md': renderMarkdown(report),
    'report.html': renderHtml(report),
    'junit.xml': renderJunit(report),
    'report.tap': renderTap(report),
    'report.sarif': renderSarif(report),
    'certificates.csv': renderCertificatesCsv(report.certificates),
  };
}

/** Digests of every regular file in dir except the manifest and its signature. */
async function digestsOnDisk(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    if (name === MANIFEST || name === SIGNATURE || name.startsWith('.')) continue;
    if (!(await stat(join(dir, name))).isFile()) continue;
    out.set(name, createHash('sha256').update(await readFile(join(dir, name))).digest('hex'));
  }
  return out;
}

/**
 * Write report.json, report.md, report.html, junit.xml, report.tap, report.sarif,
 * certificates.csv (+ extraFiles), then SHA256SUMS over every file in dir (evidence.jsonl
 * included) and SHA256SUMS.sig when a signing key is given. Returns the paths written.
 */
export async function writeReportBundle(report: Report, dir: string, opts: { signKeyPem?: string; extraFiles?: Record<string, string> } = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw ioError('create', dir, err);
  });
  const files = { ...bundleFiles(report), ...(opts.extraFiles ?? {}) };
  const written: string[] = [];
  for (const name of Object.keys(files).sort()) {
    await writeAtomic(join(dir, name), files[name] ?? '');
    written.push(join(dir, name));
  }
  const manifest = manifestText(await digestsOnDisk(dir));
  await writeAtomic(join(dir, MANIFEST), manifest);
  written.push(join(dir, MANIFEST));
  if (opts.signKeyPem !== undefined) {
    let signature: string;
    try {
      signature = signManifest(manifest, opts.signKeyPem);
    } catch (err) {
      throw new MeshprobeError('E_USAGE', 'the --sign-key file is not an RSA private key in PEM form', { hint: 'Create one with: openssl genrsa -out sign.pem 3072', cause: err });
    }
    await writeAtomic(join(dir, SIGNATURE), signature);
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
}

/** Verify digests (and the signature when a public key is given) of a bundle directory. */
export async function verifyBundleDir(dir: string, publicKeyPem?: string): Promise<VerifyResult> {
  const manifestRaw = await readFile(join(dir, MANIFEST), 'utf8').catch((err: unknown) => {
    throw new MeshprobeError('E_VERIFY', `${dir} has no readable ${MANIFEST} (${(err as { code?: string }).code ?? 'error'})`, { hint: 'Point verify at the directory meshprobe wrote (--output-dir).', cause: err });
  });
  const parsed = parseManifest(manifestRaw);
  const problems: BundleProblem[] = [...parsed.problems.map((p) => ({ file: MANIFEST, problem: p })), ...checkDigests(parsed.digests, await digestsOnDisk(dir))];
  const sig = await readFile(join(dir, SIGNATURE), 'utf8').catch(() => undefined);
  let signature: VerifyResult['signature'] = sig === undefined ? 'absent' : 'not-checked';
  if (publicKeyPem !== undefined) {
    if (sig === undefined) problems.push({ file: SIGNATURE, problem: `${SIGNATURE} is missing but a public key was given` });
    else {
      signature = verifySignature(manifestRaw, sig, publicKeyPem) ? 'valid' : 'invalid';
      if (signature === 'invalid') problems.push({ file: SIGNATURE, problem: `${SIGNATURE} does not verify against ${MANIFEST} with the given public key (the manifest or the signature was altered, or the key is not the signer's)` });
    }
  }
  return { ok: problems.length === 0, problems, signature, files: parsed.digests.size };
}

/** Read a report from a report.json path or a bundle directory. */
export async function readReport(pathOrDir: string): Promise<Report> {
  const s = await stat(pathOrDir).catch((err: unknown) => {
    throw new MeshprobeError('E_USAGE', `${pathOrDir} does not exist`, { hint: 'Give a report.json file or the bundle directory that holds it.', cause: err });
  });
  const path = s.isDirectory() ? join(pathOrDir, 'report.json') : pathOrDir;
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw ioError('read', path, err);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MeshprobeError('E_USAGE', `${path} is not valid JSON`, { hint: 'Give a report.json written by meshprobe.', cause: err });
  }
  if (typeof value !== 'object' || value === null || (value as { schema?: unknown }).schema !== 'meshprobe.report/v1') {
    throw new MeshprobeError('E_USAGE', `${path} is not a meshprobe report (schema meshprobe.report/v1)`, { hint: 'Give a report.json written by meshprobe.' });
  }
  return value as Report;
}
