/**
 * PEM in, certificate facts out (pure: no clock, no network, no files).
 *
 * node:crypto's X509Certificate parses every key type (RSA, EC, Ed25519) and gives
 * fingerprints, dates, key details and issuance/host checks; node-forge's ASN.1 parser
 * supplies what X509Certificate lacks on Node 20 (signature algorithm, exact SANs), see
 * certificate-der.ts. forge's own certificate parser is not used: it throws on EC keys.
 * Anything that cannot be parsed becomes facts with `parsed: false` and a reason.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateFacts, SpiffeId } from '../domain/certificate.js';
import { readDerFacts } from './certificate-der.js';

/** Facts about a presented chain (leaf first), with optional trust and identity checks. */
export interface ChainFacts {
  readonly certificates: readonly CertificateFacts[];
  /** Each certificate is issued (and signed) by the next one. True for 0 or 1 certificates. */
  readonly chainOrderOk: boolean;
  /**
   * Set only when a trust bundle was given: the leaf chains to a certificate in it (issuer
   * names and signatures), validity dates NOT considered. An expired but otherwise correct
   * chain is chain-valid; see `trustedNow`.
   */
  readonly chainValid?: boolean;
  /**
   * Set only when a trust bundle and `now` were given: chain-valid AND every certificate on
   * the path (leaf to anchor) is within its validity dates now, i.e. what `openssl verify`
   * and a browser call trusted.
   */
  readonly trustedNow?: boolean;
  /**
   * Deprecated alias of `chainValid` (dates ignored), kept so `meshprobe.tls/v1` documents
   * stay readable by existing consumers. Read `chainValid` or `trustedNow` instead.
   */
  readonly trusted?: boolean;
  /** Why the chain is not chain-valid, one sentence. */
  readonly trustError?: string;
  /** Why a chain-valid chain is not trusted now (a certificate outside its dates), one sentence. */
  readonly validityError?: string;
  /** Set only when an identity was expected. */
  readonly identityMatch?: boolean;
  /** What was expected and what the certificate names, one sentence. */
  readonly identityDetail?: string;
}

/** Identities a leaf certificate is expected to carry; each given one must match. */
export interface ExpectedIdentity {
  /** Host name or IP address, matched like a TLS client does (wildcards, SAN before CN). */
  readonly hostname?: string;
  /** Exact SPIFFE id in a URI SAN (Istio). */
  readonly spiffe?: string;
  /** Exact DNS SAN (Linkerd identity names). */
  readonly dns?: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]+$/;

/** Every CERTIFICATE block in a PEM bundle (e.g. a --ca-file), each as its own PEM text. */
export function splitPemBundle(text: string): string[] {
  return Array.from(text.matchAll(PEM_BLOCK), (m) => m[0]);
}

/** The DER of the first CERTIFICATE block, or undefined when there is none or it is not base64. */
function derOf(pem: string): Buffer | undefined {
  const body = new RegExp(PEM_BLOCK.source).exec(pem)?.[1];
  if (body === undefined || !BASE64_BODY.test(body)) return undefined;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  return der.length > 0 ? der : undefined;
}

/**
 * SHA-256 fingerprint (lowercase hex) of a PEM certificate's DER — the inventory key and
 * what Evidence.certificates holds. Text without a decodable block is hashed as text, so
 * even a broken certificate has a stable key.
 */
export function fingerprintOfPem(pem: string): string {
  const der = derOf(pem);
  return createHash('sha256')
    .update(der ?? Buffer.from(pem.trim(), 'utf8'))
    .digest('hex');
}

/** spiffe://<trust-domain>/<path>; namespace/serviceAccount when the path is Istio's /ns/<ns>/sa/<sa>. */
export function parseSpiffeId(uri: string): SpiffeId | undefined {
  const m = /^spiffe:\/\/([^/]+)(\/.*)?$/i.exec(uri);
  if (!m || m[1] === undefined) return undefined;
  const istio = /^\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(m[2] ?? '');
  if (istio?.[1] !== undefined && istio[2] !== undefined) {
    return { uri, trustDomain: m[1], namespace: istio[1], serviceAccount: istio[2] };
  }
  return { uri, trustDomain: m[1] };
}

/** NIST names for the curves people ask about; bits = field size. */
const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
  prime192v1: { name: 'P-192', bits: 192 },
  secp224r1: { name: 'P-224', bits: 224 },
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
  secp256k1: { name: 'secp256k1', bits: 256 },
};

type KeyFacts = Pick<CertificateFacts, 'keyType' | 'keyBits'> & { readonly curve?: string };

function keyFacts(x: X509Certificate): KeyFacts {
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { keyType: 'rsa', keyBits: details.modulusLength ?? null };
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      const known = CURVES[curve];
      return { keyType: 'ec', keyBits: known?.bits ?? null, curve: known?.name ?? curve };
    }
    case 'ed25519':
      return { keyType: 'ed25519', keyBits: 256, curve: 'Ed25519' };
    default:
      return { keyType: 'unknown', keyBits: null };
  }
}

/** "CN=a\nO=b" (Node's form) → "CN=a, O=b"; empty subjects (Istio leaves) → "". */
function dn(text: string | undefined): string {
  return (text ?? '')
    .split('\n')
    .filter((s) => s !== '')
    .join(', ');
}

function isoDate(nodeDate: string): string {
  const d = new Date(nodeDate);
  return Number.isNaN(d.getTime()) ? nodeDate : d.toISOString();
}

/** Signed by its own key under its own name (checkIssued would also demand keyCertSign, which self-signed leaves lack). */
function selfSigned(x: X509Certificate): boolean {
  try {
    return x.subject === x.issuer && x.verify(x.publicKey);
  } catch {
    return false;
  }
}

function unparseable(pem: string, reason: string): CertificateFacts {
  return {
    fingerprintSha256: derOf(pem) === undefined ? '' : fingerprintOfPem(pem),
    parsed: false,
    parseError: reason,
    subject: '',
    issuer: '',
    serialNumber: '',
    notBefore: '',
    notAfter: '',
    keyType: 'unknown',
    keyBits: null,
    signatureAlgorithm: 'unknown',
    selfSigned: false,
    isCa: false,
    sans: { dns: [], ip: [], uri: [] },
    spiffe: [],
  };
}

interface Loaded {
  readonly facts: CertificateFacts;
  readonly x509?: X509Certificate;
}

function load(pem: string): Loaded {
  const der = derOf(pem);
  if (der === undefined) return { facts: unparseable(pem, 'the text holds no base64 CERTIFICATE PEM block') };
  let x: X509Certificate;
  let extra: ReturnType<typeof readDerFacts>;
  try {
    x = new X509Certificate(der);
    extra = readDerFacts(der);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { facts: unparseable(pem, `the certificate DER could not be decoded (${detail})`) };
  }
  const facts: CertificateFacts = {
    fingerprintSha256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
    parsed: true,
    subject: dn(x.subject),
    issuer: dn(x.issuer),
    serialNumber: x.serialNumber.toUpperCase(),
    notBefore: isoDate(x.validFrom),
    notAfter: isoDate(x.validTo),
    ...keyFacts(x),
    signatureAlgorithm: extra.signatureAlgorithm,
    selfSigned: selfSigned(x),
    isCa: x.ca,
    sans: extra.sans,
    spiffe: extra.sans.uri.map(parseSpiffeId).filter((s): s is SpiffeId => s !== undefined),
  };
  return { facts, x509: x };
}

/** Facts about one PEM certificate. Never throws: unparseable input gives `parsed: false` + reason. */
export function parseCertificate(pem: string): CertificateFacts {
  return load(pem).facts;
}

/** True when `issuer` issued `child`: names/key ids line up and the signature verifies. */
function issued(issuer: X509Certificate, child: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function label(f: CertificateFacts): string {
  return f.subject !== ''
    ? `"${f.subject}"`
    : `with an empty subject (SAN ${[...f.sans.uri, ...f.sans.dns][0] ?? 'none'})`;
}

const MAX_PATH = 10;

type TrustFacts = Pick<ChainFacts, 'chainValid' | 'trustedNow' | 'trusted' | 'trustError' | 'validityError'>;

/** The path from the leaf to an anchor of the bundle (dates ignored), or why there is none. */
function trustPath(chain: readonly Loaded[], trustPem: string): { path: Loaded[] } | { error: string } {
  const anchors = splitPemBundle(trustPem)
    .map(load)
    .flatMap((l) => (l.x509 ? [l] : []));
  if (anchors.length === 0) return { error: 'The trust bundle contains no readable certificate.' };
  const leaf = chain[0];
  if (!leaf?.x509) return { error: 'The leaf certificate is missing or could not be parsed.' };
  const anchorPrints = new Set(anchors.map((a) => a.facts.fingerprintSha256));
  const pool = chain.filter((l) => l.x509 !== undefined);
  const path: Loaded[] = [];
  let current: Loaded = leaf;
  for (let step = 0; step < MAX_PATH; step++) {
    const cx = current.x509;
    if (cx === undefined) break;
    path.push(current);
    if (anchorPrints.has(current.facts.fingerprintSha256)) return { path };
    const anchor = anchors.find((a) => a.x509 && issued(a.x509, cx));
    if (anchor !== undefined) return { path: [...path, anchor] };
    const next = pool.find((l) => !path.includes(l) && l.x509 && issued(l.x509, cx));
    if (next === undefined) {
      return {
        error: `No issuer of the certificate ${label(current.facts)} (issuer "${current.facts.issuer}") was found in the presented chain or the trust bundle.`,
      };
    }
    current = next;
  }
  return { error: `No path to the trust bundle was found within ${MAX_PATH} certificates.` };
}

/** The first certificate on `path` outside its validity dates at `now`, as a sentence. */
function outsideDates(path: readonly Loaded[], now: Date): string | undefined {
  const t = now.getTime();
  for (const l of path) {
    const f = l.facts;
    if (Date.parse(f.notAfter) < t) return `The certificate ${label(f)} on the trust path expired at ${f.notAfter}.`;
    if (Date.parse(f.notBefore) > t)
      return `The certificate ${label(f)} on the trust path is not valid before ${f.notBefore}.`;
  }
  return undefined;
}

/** Chain-valid (to the bundle, dates ignored) and, given `now`, trusted-now (dates too). */
function trust(chain: readonly Loaded[], trustPem: string, now: Date | undefined): TrustFacts {
  const found = trustPath(chain, trustPem);
  if ('error' in found)
    return {
      chainValid: false,
      ...(now !== undefined ? { trustedNow: false } : {}),
      trusted: false,
      trustError: found.error,
    };
  const dates = now === undefined ? undefined : outsideDates(found.path, now);
  return {
    chainValid: true,
    ...(now !== undefined ? { trustedNow: dates === undefined } : {}),
    trusted: true,
    ...(dates !== undefined ? { validityError: dates } : {}),
  };
}

function hostMatches(x: X509Certificate, host: string): boolean {
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
  return isIp ? x.checkIP(host) !== undefined : x.checkHost(host) !== undefined;
}

function identity(
  leaf: Loaded | undefined,
  want: ExpectedIdentity,
): Pick<ChainFacts, 'identityMatch' | 'identityDetail'> {
  const expected = [
    want.hostname !== undefined ? `host "${want.hostname}"` : undefined,
    want.spiffe !== undefined ? `SPIFFE id "${want.spiffe}"` : undefined,
    want.dns !== undefined ? `DNS identity "${want.dns}"` : undefined,
  ].filter((s): s is string => s !== undefined);
  if (!leaf?.x509)
    return {
      identityMatch: false,
      identityDetail: `Expected ${expected.join(' and ')}, but the leaf certificate could not be parsed.`,
    };
  const f = leaf.facts;
  const ok =
    (want.hostname === undefined || hostMatches(leaf.x509, want.hostname)) &&
    (want.spiffe === undefined || f.sans.uri.includes(want.spiffe)) &&
    (want.dns === undefined || f.sans.dns.some((d) => d.toLowerCase() === want.dns?.toLowerCase()));
  const names = [
    ...f.sans.dns.map((d) => `DNS:${d}`),
    ...f.sans.ip.map((i) => `IP:${i}`),
    ...f.sans.uri.map((u) => `URI:${u}`),
  ];
  const named = names.length > 0 ? names.join(', ') : `no SANs (subject "${f.subject}")`;
  return {
    identityMatch: ok,
    identityDetail: `Expected ${expected.join(' and ')}; the leaf certificate names ${named}.`,
  };
}

/**
 * Facts about a presented chain (leaf first), its order, and optional trust (given a
 * bundle: chain-valid; given `now` too: trusted-now) and identity checks.
 */
export function parseChain(
  pems: readonly string[],
  opts: { readonly trustPem?: string; readonly expectedIdentity?: ExpectedIdentity; readonly now?: Date } = {},
): ChainFacts {
  const chain = pems.map(load);
  const chainOrderOk = chain.every((l, i) => {
    const parent = chain[i + 1];
    if (parent === undefined) return l.x509 !== undefined;
    return l.x509 !== undefined && parent.x509 !== undefined && issued(parent.x509, l.x509);
  });
  const want = opts.expectedIdentity;
  const wantsIdentity = want !== undefined && (want.hostname ?? want.spiffe ?? want.dns) !== undefined;
  return {
    certificates: chain.map((l) => l.facts),
    chainOrderOk,
    ...(opts.trustPem !== undefined ? trust(chain, opts.trustPem, opts.now) : {}),
    ...(wantsIdentity ? identity(chain[0], want) : {}),
  };
}
