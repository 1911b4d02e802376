/**
 * The pod's own mesh identity (identity vantages, 7.2.2): the X.509 SVID files a mesh injector
 * mounted (TlsRequest.clientIdentityDir). Read once per directory and kept in memory for the
 * batch; the key is only handed to node:tls and never printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The identity to present, or why there is none. */
export type MeshIdentity =
  | { readonly kind: 'found'; readonly cert: Buffer; readonly key: Buffer; readonly bundle?: Buffer }
  | { readonly kind: 'missing'; readonly detail: string };

const loaded = new Map<string, MeshIdentity>();

function load(dir: string): MeshIdentity {
  try {
    const cert = readFileSync(join(dir, 'certificates.pem'));
    const key = readFileSync(join(dir, 'private_key.pem'));
    if (!cert.includes('-----BEGIN CERTIFICATE-----') || !key.includes('PRIVATE KEY-----')) {
      return { kind: 'missing', detail: `the mesh identity in ${dir} is not a PEM certificate and key` };
    }
    let bundle: Buffer | undefined;
    try {
      bundle = readFileSync(join(dir, 'ca_certificates.pem'));
    } catch {
      bundle = undefined; // without the trust bundle the server's certificate is simply not checked against the mesh
    }
    return { kind: 'found', cert, key, ...(bundle !== undefined ? { bundle } : {}) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    const file = join(dir, 'certificates.pem');
    return { kind: 'missing', detail: `no mesh identity was injected into this pod (${file}: ${code})` };
  }
}

/**
 * node:tls options that present the identity: its certificate and key, and its mesh trust bundle as
 * the CAs the server's certificate is checked against (still never rejected: the verdict is kept as
 * TlsFacts.authorized, "the server is of the same mesh"). Mesh certificates name SPIFFE ids, not
 * hosts, so no host name check is made.
 */
export function identityTlsOptions(id: Extract<MeshIdentity, { kind: 'found' }>): object {
  return {
    cert: id.cert,
    key: id.key,
    ...(id.bundle !== undefined ? { ca: id.bundle, checkServerIdentity: () => undefined } : {}),
  };
}

/** The identity in `dir` (read on first use). */
export function meshIdentity(dir: string): MeshIdentity {
  let found = loaded.get(dir);
  if (found === undefined) {
    found = load(dir);
    loaded.set(dir, found);
  }
  return found;
}
