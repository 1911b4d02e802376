/**
 * The crypto policy: what was accepted on the wire and what certificates were presented
 * → findings with stable codes and full-sentence reasons. Pure: `now` is passed in.
 *
 * Codes: TLS_PROTOCOL_BELOW_MIN, CIPHER_WEAK, CIPHER_CBC_ONLY, CIPHER_CBC_NEGOTIATED,
 * CIPHER_NOT_TESTABLE, KEY_TOO_SMALL, SIGNATURE_WEAK, CERT_EXPIRED, CERT_NOT_YET_VALID,
 * CERT_EXPIRING_SOON, CERT_SELF_SIGNED, CERT_LEAF_IS_CA, CERT_UNTRUSTED, CERT_CHAIN_ORDER,
 * CERT_MISSING, CERT_SHORT_LIVED, IDENTITY_MISMATCH, CERT_UNPARSEABLE.
 */
import type { CertificateFacts, CryptoFinding, FindingSeverity } from '../domain/certificate.js';
import type { ChainFacts } from './certificate.js';
import { CIPHER_CLASS_REASONS, classifyCipher, isTls13Suite, type CipherClass } from './cipher-suite.js';
import { PCI_STRONG_CRYPTO, type CryptoProfile, type ProtocolName } from './profiles/index.js';

/** What was learned about one endpoint. Absent lists mean "not tested", never "none". */
export interface CryptoInput {
  /** Protocol versions a version-pinned handshake succeeded with. */
  readonly protocolsAccepted?: readonly string[];
  /** Cipher suites a handshake succeeded with (OpenSSL or IANA names). */
  readonly ciphersAccepted?: readonly string[];
  /** What one ordinary handshake negotiated (e.g. an agent observation). */
  readonly negotiated?: { readonly protocol: string | null; readonly cipher: string | null };
  readonly chain: ChainFacts;
  readonly now: Date;
  readonly expiryWarningDays: number;
  /** Weak suites this client cannot offer, so their acceptance is unknown (reported, not assumed). */
  readonly ciphersNotTestable?: readonly string[];
}

/** Where a certificate sits, for its findings. */
export interface CertificateRole {
  /** 0 = leaf. */
  readonly index: number;
  /** How messages name the certificate; default from its chain position ("The leaf certificate ..."). */
  readonly who?: string;
  readonly now: Date;
  readonly expiryWarningDays: number;
}

const DAY_MS = 86_400_000;
const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = { fail: 0, warn: 1, info: 2 };

function finding(code: string, severity: FindingSeverity, message: string): CryptoFinding {
  return { code, severity, message };
}

/** Code-unit order, identical on every machine (localeCompare follows the ICU locale). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Findings sorted: fails first, then warnings, then info; by code, then message. */
export function sortFindings(findings: readonly CryptoFinding[]): CryptoFinding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      byCodeUnit(a.code, b.code) ||
      byCodeUnit(a.message, b.message),
  );
}

/** "the leaf certificate "CN=x"" / "chain certificate 2 "CN=ca"", naming a SAN when the subject is empty. */
function describeCertificate(f: CertificateFacts, index: number): string {
  const where = index === 0 ? 'The leaf certificate' : `Chain certificate ${index + 1}`;
  if (!f.parsed) return where;
  const firstSan = [...f.sans.uri, ...f.sans.dns, ...f.sans.ip][0];
  return f.subject !== '' ? `${where} "${f.subject}"` : `${where} (empty subject, SAN ${firstSan ?? 'none'})`;
}

function protocolFindings(protocols: readonly string[], profile: CryptoProfile): CryptoFinding[] {
  return protocols.flatMap((p) => {
    const rule = profile.protocols[p as ProtocolName];
    return rule
      ? [
          finding(
            'TLS_PROTOCOL_BELOW_MIN',
            rule.severity,
            `The endpoint accepts ${p}; ${rule.reason} (profile ${profile.id}).`,
          ),
        ]
      : [];
  });
}

function cipherFindings(ciphers: readonly string[], profile: CryptoProfile): CryptoFinding[] {
  return ciphers.flatMap((suite) => {
    const classes = classifyCipher(suite).filter(
      (c): c is Exclude<CipherClass, 'cbc'> => c !== 'cbc' && profile.cipherClasses[c] !== undefined,
    );
    const first = classes[0];
    if (first === undefined) return [];
    const rule = profile.cipherClasses[first];
    if (rule === undefined) return [];
    const why = classes.map((c) => CIPHER_CLASS_REASONS[c]).join('; ');
    return [
      finding(
        'CIPHER_WEAK',
        rule.severity,
        `The endpoint accepts cipher suite ${suite} (${why}); ${rule.reason} (profile ${profile.id}).`,
      ),
    ];
  });
}

function cbcFindings(input: CryptoInput, profile: CryptoProfile): CryptoFinding[] {
  const rule = profile.cbcOnly;
  if (rule === undefined) return [];
  const legacy = (input.ciphersAccepted ?? []).filter((s) => !isTls13Suite(s));
  if (legacy.length > 0 && legacy.every((s) => classifyCipher(s).includes('cbc'))) {
    return [
      finding(
        'CIPHER_CBC_ONLY',
        rule.severity,
        `Every TLS 1.2-or-older suite the endpoint accepts is CBC (${legacy.join(', ')}); ${rule.reason}.`,
      ),
    ];
  }
  const n = input.negotiated;
  if (
    input.ciphersAccepted === undefined &&
    n?.cipher &&
    n.protocol !== 'TLSv1.3' &&
    classifyCipher(n.cipher).includes('cbc')
  ) {
    return [
      finding(
        'CIPHER_CBC_NEGOTIATED',
        rule.severity,
        `The endpoint chose the CBC suite ${n.cipher} over the AEAD suites offered; ${rule.reason}.`,
      ),
    ];
  }
  return [];
}

function signatureHash(algorithm: string): string | undefined {
  return /(md2|md4|md5|sha-?1(?!\d)|sha-?2(24|56)|sha-?384|sha-?512)/i
    .exec(algorithm)?.[1]
    ?.toLowerCase()
    .replace('-', '');
}

function keyFinding(f: CertificateFacts, who: string, profile: CryptoProfile): CryptoFinding[] {
  const min = f.keyType === 'rsa' ? profile.minKeyBits.rsa : f.keyType === 'ec' ? profile.minKeyBits.ec : undefined;
  if (min === undefined || f.keyBits === null || f.keyBits >= min) return [];
  const kind = f.keyType === 'rsa' ? 'RSA' : `EC ${f.curve ?? ''}`.trim();
  return [
    finding(
      'KEY_TOO_SMALL',
      'fail',
      `${who} has a ${f.keyBits}-bit ${kind} key; strong cryptography needs at least ${min} bits (profile ${profile.id}).`,
    ),
  ];
}

function validityFindings(f: CertificateFacts, who: string, role: CertificateRole): CryptoFinding[] {
  const now = role.now.getTime();
  const notBefore = Date.parse(f.notBefore);
  const notAfter = Date.parse(f.notAfter);
  if (notAfter < now) return [finding('CERT_EXPIRED', 'fail', `${who} expired at ${f.notAfter}.`)];
  if (notBefore > now) return [finding('CERT_NOT_YET_VALID', 'fail', `${who} is not valid before ${f.notBefore}.`)];
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);
  if (notAfter - now < role.expiryWarningDays * DAY_MS) {
    return [
      finding(
        'CERT_EXPIRING_SOON',
        'warn',
        `${who} expires at ${f.notAfter}, in ${daysLeft} days (warning threshold ${role.expiryWarningDays} days).`,
      ),
    ];
  }
  return [];
}

/** Leaves living at most this long rotate automatically (mesh workload certificates: 24 h, MESH-NOTES §A.3, §B.2). */
const SHORT_LIVED_DAYS = 7;

/** 4.2.1.1 hint: a rotating leaf is not an inventory item; its issuer is. */
function shortLived(f: CertificateFacts, who: string): CryptoFinding[] {
  const lifetimeMs = Date.parse(f.notAfter) - Date.parse(f.notBefore);
  if (!(lifetimeMs <= SHORT_LIVED_DAYS * DAY_MS)) return [];
  const hours = Math.round(lifetimeMs / 3_600_000);
  return [
    finding(
      'CERT_SHORT_LIVED',
      'info',
      `${who} lives ${hours} hours and rotates; keep its issuer "${f.issuer}" in the 4.2.1.1 inventory rather than the leaf.`,
    ),
  ];
}

/** Findings about one certificate on its own: parse, key, signature, validity, self-signed/CA leaf. */
export function certificateFindings(
  f: CertificateFacts,
  role: CertificateRole,
  profile: CryptoProfile = PCI_STRONG_CRYPTO,
): CryptoFinding[] {
  const who = role.who ?? describeCertificate(f, role.index);
  if (!f.parsed)
    return [finding('CERT_UNPARSEABLE', 'fail', `${who} could not be parsed: ${f.parseError ?? 'unknown reason'}.`)];
  const out = [...keyFinding(f, who, profile), ...validityFindings(f, who, role)];
  const hash = signatureHash(f.signatureAlgorithm);
  // A self-signed root's own signature is never checked by clients, so only judge signatures someone relies on.
  if (hash !== undefined && profile.weakSignatureHashes.includes(hash) && (role.index === 0 || !f.selfSigned)) {
    out.push(
      finding(
        'SIGNATURE_WEAK',
        'fail',
        `${who} is signed with ${f.signatureAlgorithm}; ${profile.weakSignatureReason}.`,
      ),
    );
  }
  if (role.index === 0) out.push(...shortLived(f, who));
  if (role.index === 0 && f.isCa)
    out.push(
      finding(
        'CERT_LEAF_IS_CA',
        'warn',
        `${who} is a CA certificate (basicConstraints CA:TRUE) served as a server certificate.`,
      ),
    );
  return out;
}

function chainFindings(input: CryptoInput, profile: CryptoProfile): CryptoFinding[] {
  const { chain } = input;
  const certs = chain.certificates;
  const leaf = certs[0];
  if (leaf === undefined)
    return [
      finding(
        'CERT_MISSING',
        'warn',
        'No certificate was observed, so key size, signature, validity, trust and identity could not be checked.',
      ),
    ];
  const out = certs.flatMap((f, index) =>
    certificateFindings(f, { index, now: input.now, expiryWarningDays: input.expiryWarningDays }, profile),
  );
  if (leaf.parsed && leaf.selfSigned && chain.chainValid !== true) {
    out.push(
      finding(
        'CERT_SELF_SIGNED',
        'fail',
        `${describeCertificate(leaf, 0)} is self-signed and not in a given trust bundle, so clients cannot authenticate the endpoint.`,
      ),
    );
  }
  if (chain.chainValid === false)
    out.push(
      finding(
        'CERT_UNTRUSTED',
        'fail',
        `The chain does not lead to the given trust bundle: ${chain.trustError ?? 'no reason given.'}`,
      ),
    );
  // Dates of presented certificates are findings already; this catches an anchor of the bundle outside its dates.
  const dated = out.some((f) => f.code === 'CERT_EXPIRED' || f.code === 'CERT_NOT_YET_VALID');
  if (chain.chainValid === true && chain.trustedNow === false && !dated) {
    out.push(
      finding(
        'CERT_UNTRUSTED',
        'fail',
        `The chain leads to the given trust bundle but is not trusted now: ${chain.validityError ?? 'a certificate is outside its dates.'}`,
      ),
    );
  }
  if (!chain.chainOrderOk && certs.every((c) => c.parsed)) {
    out.push(
      finding(
        'CERT_CHAIN_ORDER',
        'warn',
        'The presented chain is not in order (each certificate should be issued by the next one).',
      ),
    );
  }
  if (chain.identityMatch === false)
    out.push(
      finding(
        'IDENTITY_MISMATCH',
        'fail',
        `The certificate does not carry the expected identity. ${chain.identityDetail ?? ''}`.trim(),
      ),
    );
  return out;
}

function uniqueSorted(values: readonly (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();
}

/** All findings for one endpoint under a profile (default: PCI strong cryptography), sorted. */
export function evaluateCrypto(input: CryptoInput, profile: CryptoProfile = PCI_STRONG_CRYPTO): CryptoFinding[] {
  const protocols = uniqueSorted([...(input.protocolsAccepted ?? []), input.negotiated?.protocol]);
  const ciphers = uniqueSorted([...(input.ciphersAccepted ?? []), input.negotiated?.cipher]);
  const notTestable = uniqueSorted(input.ciphersNotTestable ?? []);
  const out = [
    ...protocolFindings(protocols, profile),
    ...cipherFindings(ciphers, profile),
    ...cbcFindings(input, profile),
    ...chainFindings(input, profile),
  ];
  if (notTestable.length > 0) {
    out.push(
      finding(
        'CIPHER_NOT_TESTABLE',
        'info',
        `This client's TLS library cannot offer ${notTestable.join(', ')}, so whether the endpoint accepts them is unknown (use an independent scanner).`,
      ),
    );
  }
  return sortFindings(out);
}
