/**
 * The pod's own mesh identity (identity vantages, 7.2.2): the X.509 SVID files a mesh injector
 * mounted (TlsRequest.clientIdentityDir). Read once per directory and kept in memory for the
 * batch; the key is only handed to node:tls and never printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The identity to present, or why there is none. */
export type MeshIdentity =
  | { readonly kind: 'found'; readonly cert: Buffer; readonly key: Buffer }
  | { readonly kind: 'missing'; readonly detail: string };


const loaded = new Map<string, MeshIdentity>();

function load(dir: string): MeshIdentity {
  try {
    const cert = readFileSync(join(dir, 'certificates.pem'));
    const key = readFileSync(join(dir, 'private_key.pem'));
    if (!cert.includes('-----BEGIN CERTIFICATE-----') || !key.includes('PRIVATE KEY-----')) {
      return { kind: 'missing', detail: `the mesh identity in ${dir} is not a PEM certificate and key` };
    }
    return { kind: 'found', cert, key };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    return { kind: 'missing', detail: `no mesh identity was injected into this pod (${join(dir, 'certificates.pem')}: ${code})` };
  }
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
