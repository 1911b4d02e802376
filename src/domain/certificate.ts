/** Facts about one X.509 certificate, as parsed from PEM (no judgement). */
export interface CertificateFacts {
  /** SHA-256 of the DER, lowercase hex, no separators. Empty when the PEM has no decodable base64 body. */
  readonly fingerprintSha256: string;
  readonly parsed: boolean;
  /** Why parsing failed, when `parsed` is false. */
  readonly parseError?: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyType: 'rsa' | 'ec' | 'ed25519' | 'unknown';
  /** RSA modulus bits or EC field bits. */
  readonly keyBits: number | null;
  readonly curve?: string;
  /** e.g. sha256WithRSAEncryption, ecdsa-with-SHA256. */
  readonly signatureAlgorithm: string;
  readonly selfSigned: boolean;
  readonly isCa: boolean;
  readonly sans: {
    readonly dns: readonly string[];
    readonly ip: readonly string[];
    readonly uri: readonly string[];
  };
  /** Parsed SPIFFE ids from URI SANs. */
  readonly spiffe: readonly SpiffeId[];
}

/** spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount> (namespace/sa when in Istio form). */
export interface SpiffeId {
  readonly uri: string;
  readonly trustDomain: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
}

/** Severity of a crypto-policy finding. */
export type FindingSeverity = 'fail' | 'warn' | 'info';

/** One reason from the crypto policy, with a stable code (e.g. TLS_PROTOCOL_WEAK). */
export interface CryptoFinding {
  readonly code: string;
  readonly severity: FindingSeverity;
  readonly message: string;
}

/** Where a certificate was seen. */
export interface CertificateSighting {
  readonly target: string;
  readonly port: number;
  readonly vantage: string;
}

/**
 * Trust of the chains a certificate led (as leaf), against the --ca-file bundle. Two facts
 * on purpose: `chainValid` ignores validity dates, `trustedNow` does not.
 */
export interface CertificateTrust {
  /** Every chain it led leads to the bundle (issuer names and signatures; dates ignored). */
  readonly chainValid: boolean;
  /** Chain-valid and every certificate on the path is within its validity dates at the run's time. */
  readonly trustedNow: boolean;
  /** Why not, one sentence, when either is false. */
  readonly detail?: string;
}

/** One row of the 4.2.1.1 inventory: a distinct certificate (by fingerprint). */
export interface CertificateInventoryEntry {
  readonly facts: CertificateFacts;
  readonly seenAt: readonly CertificateSighting[];
  readonly findings: readonly CryptoFinding[];
  /** Set for certificates seen as a leaf when a trust bundle (--ca-file) was given. */
  readonly trust?: CertificateTrust;
}
