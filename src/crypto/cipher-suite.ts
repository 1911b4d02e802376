/**
 * What a cipher suite name says about its strength. Works on OpenSSL names (what
 * node:tls and sslscan print, e.g. ECDHE-RSA-AES128-GCM-SHA256, DES-CBC3-SHA) and on
 * IANA names (TLS_RSA_WITH_3DES_EDE_CBC_SHA). Pure.
 */

/** Weakness classes a crypto profile can forbid or warn about. */
export type CipherClass = 'null' | 'export' | 'anon' | 'rc4' | 'des' | '3des' | 'cbc';

/** Why each class is weak, one clause, for finding messages. */
export const CIPHER_CLASS_REASONS: Readonly<Record<CipherClass, string>> = {
  null: 'NULL encryption: traffic is not encrypted',
  export: 'EXPORT grade: deliberately weakened 40/56-bit keys',
  anon: 'anonymous key exchange: the server is not authenticated',
  rc4: 'RC4 stream cipher: known keystream biases (RFC 7465 forbids it)',
  des: 'single DES: 56-bit key',
  '3des': '3DES: 64-bit block cipher vulnerable to Sweet32',
  cbc: 'CBC mode with MAC-then-encrypt: no AEAD (padding-oracle class attacks)',
};

const TESTS: ReadonlyArray<readonly [CipherClass, RegExp]> = [
  ['null', /(^|[-_])E?NULL([-_]|$)/],
  ['export', /(^|[-_])EXP(ORT)?(1024)?([-_]|$)/],
  ['anon', /^(ADH|AECDH)-|_ANON_/],
  ['rc4', /(^|[-_])RC4([-_]|$)/],
  ['3des', /DES-CBC3|(^|[-_])3DES([-_]|$)|DES_EDE/],
  ['des', /(^|[-_])DES(40)?[-_]CBC([-_](SHA|MD5)|_SHA|$)(?!3)/],
];

/** AEAD suites: GCM, CCM, ChaCha20-Poly1305, and every TLS 1.3 suite. */
function isAead(name: string): boolean {
  return /GCM|CCM|CHACHA20/.test(name) || /^TLS_(AES|CHACHA20)_/.test(name);
}

/** The weakness classes of one suite, in a fixed order; empty for a strong suite. */
export function classifyCipher(suite: string): CipherClass[] {
  const name = suite.toUpperCase();
  const classes = TESTS.filter(([, re]) => re.test(name)).map(([c]) => c);
  // "Stream" or "no cipher" suites are not CBC; everything else that is not AEAD is.
  if (!isAead(name) && !classes.includes('rc4') && !classes.includes('null')) classes.push('cbc');
  return classes;
}

/** True for TLS 1.3 suite names (they cannot be pinned with a TLS ≤ 1.2 cipher string). */
export function isTls13Suite(suite: string): boolean {
  return /^TLS_(AES|CHACHA20)_/i.test(suite);
}
