import { PCI_STRONG_CRYPTO } from './pci-strong-crypto.js';
import type { CryptoProfile } from './profile.js';
import { TLS13_ONLY } from './tls13-only.js';

export type { CryptoProfile, ProtocolName } from './profile.js';
export { PCI_STRONG_CRYPTO, TLS13_ONLY };

/** Every crypto profile by id; the first is the default. */
export const CRYPTO_PROFILES: readonly CryptoProfile[] = [PCI_STRONG_CRYPTO, TLS13_ONLY];

/** The profile with this id, or undefined. */
export function cryptoProfile(id: string): CryptoProfile | undefined {
  return CRYPTO_PROFILES.find((p) => p.id === id);
}
