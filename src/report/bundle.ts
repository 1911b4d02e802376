/**
 * Evidence-bundle integrity (pure): the SHA256SUMS manifest (GNU coreutils format, so
 * `sha256sum -c SHA256SUMS` works too), a detached RSA-SHA256 signature of the manifest made with
 * node-forge, and the check that names exactly which file was altered, added or removed.
 */
import { createHash } from 'node:crypto';
import forge from 'node-forge';

/** Manifest file name. */
export const MANIFEST = 'SHA256SUMS';
/** Detached signature file name (base64 of an RSA PKCS#1 v1.5 SHA-256 signature over the manifest bytes). */
export const SIGNATURE = 'SHA256SUMS.sig';

/** Lowercase hex SHA-256 of bytes or UTF-8 text. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Manifest text for files (name → digest), sorted by name. */
export function manifestText(digests: ReadonlyMap<string, string>): string {
  return [...digests.keys()]
    .sort()
    .map((name) => `${digests.get(name)}  ${name}\n`)
    .join('');
}

/** Parse a manifest; lines that do not parse are returned as problems. */
export function parseManifest(text: string): { digests: Map<string, string>; problems: string[] } {
  const digests = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m || m[2]!.includes('/')) problems.push(`${MANIFEST} line ${i + 1} is not "<sha256>  <file>"`);
    else digests.set(m[2]!, m[1]!);
  });
  return { digests, problems };
}

/** One verification problem, naming the file. */
export interface BundleProblem {
  readonly file: string;
  readonly problem: string;
}

/** Compare the manifest with what is on disk (file → digest of its current bytes). */
export function checkDigests(
  manifest: ReadonlyMap<string, string>,
  onDisk: ReadonlyMap<string, string>,
): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const [file, want] of [...manifest].sort(([a], [b]) => a.localeCompare(b))) {
    const got = onDisk.get(file);
    if (got === undefined) problems.push({ file, problem: `${file} is listed in ${MANIFEST} but missing` });
    else if (got !== want)
      problems.push({ file, problem: `${file} was altered (sha256 ${got}, manifest says ${want})` });
  }
  for (const file of [...onDisk.keys()].sort()) {
    if (!manifest.has(file))
      problems.push({ file, problem: `${file} is not listed in ${MANIFEST} (added after the bundle was sealed)` });
  }
  return problems;
}

/** Sign manifest text with an RSA private key (PEM); returns base64 plus newline. */
export function signManifest(manifest: string, privateKeyPem: string): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const md = forge.md.sha256.create();
  md.update(manifest, 'utf8');
  return `${forge.util.encode64(key.sign(md))}\n`;
}

/** Verify a detached signature against manifest text with an RSA public key or certificate (PEM). */
export function verifySignature(manifest: string, signatureText: string, publicPem: string): boolean {
  const key = publicPem.includes('CERTIFICATE')
    ? (forge.pki.certificateFromPem(publicPem).publicKey as forge.pki.rsa.PublicKey)
    : forge.pki.publicKeyFromPem(publicPem);
  const md = forge.md.sha256.create();
  md.update(manifest, 'utf8');
  try {
    return key.verify(md.digest().bytes(), forge.util.decode64(signatureText.trim()));
  } catch {
    return false;
  }
}
