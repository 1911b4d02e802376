/**
 * Certificates minted at test time (never checked in): node:crypto makes the keys,
 * node-forge builds and signs RSA certificates, and Debian's `openssl` makes EC ones
 * (forge cannot handle EC keys, TS-STACK.md step 5).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** A certificate with its private key, as PEM, plus forge objects for signing children. */
export interface MintedCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly subjectAttrs: forge.pki.CertificateField[];
  /** Present for RSA certificates minted by forge (needed to sign children). */
  readonly forgeKey?: forge.pki.rsa.PrivateKey;
}

/** What to put in a certificate. Defaults give a valid 2048-bit RSA leaf for localhost. */
export interface MintOptions {
  readonly cn?: string;
  /** Leave the subject empty (Istio workload certificates, MESH-NOTES §A.3). */
  readonly emptySubject?: boolean;
  readonly org?: string;
  /** Signing CA; absent = self-signed. */
  readonly issuer?: MintedCert;
  readonly keyBits?: number;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly uris?: readonly string[];
  readonly sanCritical?: boolean;
  readonly isCa?: boolean;
  readonly hash?: 'sha256' | 'sha1' | 'md5';
  /** Hex serial number. */
  readonly serial?: string;
}

const DAY_MS = 86_400_000;
const keyCache = new Map<number, { pem: string; key: forge.pki.rsa.PrivateKey }>();

/** An RSA key of the given size, cached per size so a test file pays each keygen once. */
function rsaKey(bits: number): { pem: string; key: forge.pki.rsa.PrivateKey } {
  const cached = keyCache.get(bits);
  if (cached) return cached;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const made = { pem: privateKey, key: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey };
  keyCache.set(bits, made);
  return made;
}

function sanExtension(o: MintOptions): object[] {
  const altNames = [
    ...(o.dns ?? []).map((value) => ({ type: 2, value })),
    ...(o.ips ?? []).map((ip) => ({ type: 7, ip })),
    ...(o.uris ?? []).map((value) => ({ type: 6, value })),
  ];
  return altNames.length === 0 ? [] : [{ name: 'subjectAltName', critical: o.sanCritical ?? false, altNames }];
}

function subjectOf(o: MintOptions): forge.pki.CertificateField[] {
  if (o.emptySubject) return [];
  const attrs: forge.pki.CertificateField[] = [{ name: 'commonName', value: o.cn ?? 'localhost' }];
  if (o.org !== undefined) attrs.push({ name: 'organizationName', value: o.org });
  return attrs;
}

/** Mint an RSA certificate with node-forge. */
export function mintCert(o: MintOptions = {}): MintedCert {
  const { pem, key } = rsaKey(o.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = o.serial ?? forge.util.bytesToHex(forge.random.getBytesSync(8)).replace(/^[89a-f]/, '1');
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 90 * DAY_MS);
  const subject = subjectOf(o);
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.subjectAttrs : subject);
  const ext: object[] = o.isCa
    ? [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
      ]
    : [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      ];
  cert.setExtensions([...ext, { name: 'subjectKeyIdentifier' }, ...sanExtension(o)]);
  const signer = o.issuer?.forgeKey ?? key;
  if (o.issuer && !o.issuer.forgeKey)
    throw new Error('mintCert: the issuer must be an RSA certificate minted by mintCert');
  cert.sign(signer, forge.md[o.hash ?? 'sha256'].create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: pem, subjectAttrs: subject, forgeKey: key };
}

/** A CA certificate (RSA 2048, 10 years), for signing leaves. */
export function mintCa(cn = 'meshprobe test CA'): MintedCert {
  return mintCert({ cn, isCa: true, notAfter: new Date(Date.now() + 3650 * DAY_MS) });
}

/**
 * Mint an EC certificate (default P-256, like Linkerd's identity certificates) with
 * Debian's openssl; signed by `issuer` (an RSA CA from mintCa) or self-signed.
 */
export function mintEcCert(o: {
  readonly cn: string;
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly uris?: readonly string[];
  readonly issuer?: MintedCert;
  readonly curve?: string;
  readonly days?: number;
}): MintedCert {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-ec-'));
  try {
    const f = (n: string): string => join(dir, n);
    const sans = [
      ...(o.dns ?? []).map((d) => `DNS:${d}`),
      ...(o.ips ?? []).map((i) => `IP:${i}`),
      ...(o.uris ?? []).map((u) => `URI:${u}`),
    ];
    writeFileSync(f('ext.cnf'), sans.length > 0 ? `subjectAltName=${sans.join(',')}\n` : 'basicConstraints=CA:FALSE\n');
    const run = (args: string[]): void => {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    run(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${o.curve ?? 'P-256'}`, '-out', f('key.pem')]);
    run(['req', '-new', '-key', f('key.pem'), '-subj', `/CN=${o.cn}`, '-out', f('csr.pem')]);
    const days = String(o.days ?? 30);
    if (o.issuer) {
      writeFileSync(f('ca.pem'), o.issuer.certPem);
      writeFileSync(f('ca.key'), o.issuer.keyPem);
      run([
        'x509',
        '-req',
        '-in',
        f('csr.pem'),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca.key'),
        '-set_serial',
        '0x2a',
        '-days',
        days,
        '-sha256',
        '-extfile',
        f('ext.cnf'),
        '-out',
        f('cert.pem'),
      ]);
    } else {
      run([
        'x509',
        '-req',
        '-in',
        f('csr.pem'),
        '-signkey',
        f('key.pem'),
        '-days',
        days,
        '-sha256',
        '-extfile',
        f('ext.cnf'),
        '-out',
        f('cert.pem'),
      ]);
    }
    return {
      certPem: readFileSync(f('cert.pem'), 'utf8'),
      keyPem: readFileSync(f('key.pem'), 'utf8'),
      subjectAttrs: [{ name: 'commonName', value: o.cn }],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Days from now as a Date (negative = past). */
export function daysFromNow(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() + days * DAY_MS);
}
