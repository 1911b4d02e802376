import type { CryptoProfile } from './profile.js';
import { PCI_STRONG_CRYPTO } from './pci-strong-crypto.js';

/** Stricter than PCI: only TLS 1.3 (e.g. Linkerd meshes, MESH-NOTES §B.2), CBC fails. */
export const TLS13_ONLY: CryptoProfile = {
  ...PCI_STRONG_CRYPTO,
  id: 'tls13-only',
  title: 'TLS 1.3 only',
  protocols: {
    ...PCI_STRONG_CRYPTO.protocols,
    'TLSv1.2': { severity: 'fail', reason: 'the tls13-only profile accepts TLS 1.3 only' },
  },
  cbcOnly: { severity: 'fail', reason: 'the tls13-only profile accepts AEAD suites only' },
};
