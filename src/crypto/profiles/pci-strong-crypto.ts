import type { CryptoProfile } from './profile.js';

const EARLY_TLS = 'PCI DSS v4.0.1 does not count SSL and early TLS as strong cryptography (4.2.1, 2.2.7)';

/**
 * The default profile: PCI DSS v4.0.1 "strong cryptography" as the tool applies it
 * (PCI-CONTROLS.md, "What strong cryptography means"). TLS 1.1 fails by policy — NIST
 * SP 800-52r2 requires TLS 1.2 — and its reason says so, so the assessor sees the basis.
 */
export const PCI_STRONG_CRYPTO: CryptoProfile = {
  id: 'pci-strong-crypto',
  title: 'PCI DSS v4.0.1 strong cryptography',
  protocols: {
    SSLv2: { severity: 'fail', reason: EARLY_TLS },
    SSLv3: { severity: 'fail', reason: EARLY_TLS },
    TLSv1: { severity: 'fail', reason: EARLY_TLS },
    'TLSv1.1': {
      severity: 'fail',
      reason:
        'meshprobe policy, not PCI text: NIST SP 800-52r2 requires TLS 1.2 or later and TLS 1.1 has no AEAD suites',
    },
  },
  cipherClasses: {
    null: { severity: 'fail', reason: 'PCI DSS 4.2.1 requires strong cryptography' },
    export: { severity: 'fail', reason: 'PCI DSS 4.2.1 requires strong cryptography' },
    anon: { severity: 'fail', reason: 'PCI DSS 4.2.1 requires trusted keys and certificates' },
    rc4: { severity: 'fail', reason: 'PCI DSS 4.2.1 requires strong cryptography' },
    des: { severity: 'fail', reason: 'PCI DSS 4.2.1 requires at least 112 bits of effective strength' },
    '3des': {
      severity: 'fail',
      reason: 'meshprobe policy: the PCI glossary still lists TDEA, but its 64-bit block is broken by Sweet32',
    },
  },
  cbcOnly: {
    severity: 'warn',
    reason: 'NIST SP 800-52r2 prefers AEAD suites; CBC-only servers leave TLS 1.2 clients without one',
  },
  minKeyBits: { rsa: 2048, ec: 224 },
  weakSignatureHashes: ['md2', 'md4', 'md5', 'sha1'],
  weakSignatureReason: 'MD5 and SHA-1 signatures are collision-prone and not strong cryptography (PCI DSS 4.2.1)',
};
