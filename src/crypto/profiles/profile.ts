/**
 * A crypto profile is data: which protocol versions, cipher classes, key sizes and
 * signature hashes pass, each with the reason that goes into a finding. A stricter
 * policy (e.g. TLS 1.3 only) is a small file next to this one, listed in index.ts.
 */
import type { FindingSeverity } from '../../domain/certificate.js';
import type { CipherClass } from '../cipher-suite.js';

/** Protocol names as node:tls and sslscan spell them. */
export type ProtocolName = 'SSLv2' | 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** A rule that makes a finding: how bad, and why (one clause, names its basis). */
interface ProfileRule {
  readonly severity: FindingSeverity;
  readonly reason: string;
}

/** A named crypto policy. */
export interface CryptoProfile {
  readonly id: string;
  readonly title: string;
  /** Accepting one of these protocols is a finding. */
  readonly protocols: Readonly<Partial<Record<ProtocolName, ProfileRule>>>;
  /** Accepting a suite of one of these classes is a finding (CIPHER_WEAK). 'cbc' is handled by cbcOnly. */
  readonly cipherClasses: Readonly<Partial<Record<Exclude<CipherClass, 'cbc'>, ProfileRule>>>;
  /** When every accepted TLS ≤ 1.2 suite is CBC (CIPHER_CBC_ONLY); absent = not a finding. */
  readonly cbcOnly?: ProfileRule;
  /** Minimum public key sizes in bits (RSA modulus, EC field). */
  readonly minKeyBits: { readonly rsa: number; readonly ec: number };
  /** Signature hashes that fail (lowercase: md2, md4, md5, sha1). */
  readonly weakSignatureHashes: readonly string[];
  readonly weakSignatureReason: string;
}
