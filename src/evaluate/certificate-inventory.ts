/**
 * The 4.2.1.1 certificate inventory: every distinct certificate seen in a run,
 * deduplicated by fingerprint, with where it was seen and its policy findings. Pure.
 */
import { workloadKey } from '../domain/target.js';
import { vantageId } from '../domain/vantage.js';
import type {
  CertificateFacts,
  CertificateInventoryEntry,
  CertificateSighting,
  CertificateTrust,
  CryptoFinding,
} from '../domain/certificate.js';
import type { Evidence } from '../domain/evidence.js';
import { fingerprintOfPem, parseChain, type ChainFacts } from '../crypto/certificate.js';
import { certificateFindings, sortFindings } from '../crypto/crypto-policy.js';
import { PCI_STRONG_CRYPTO, type CryptoProfile } from '../crypto/profiles/index.js';

/** How to judge inventory entries. `now` is passed in, never read. */
export interface InventoryOptions {
  readonly now: Date;
  readonly expiryWarningDays: number;
  readonly trustPem?: string;
  readonly profile?: CryptoProfile;
}

interface Accumulator {
  facts: CertificateFacts;
  sightings: Map<string, CertificateSighting>;
  /** Seen as a leaf (position 0) at least once. */
  leaf: boolean;
  /** Why a chain it led was not chain-valid, when a trust bundle was given. */
  untrusted?: string;
  /** Every chain it led was chain-valid / trusted now (undefined: no bundle, or never a leaf). */
  chainValid?: boolean;
  trustedNow?: boolean;
  /** Why a chain-valid chain it led was not trusted now. */
  outsideDates?: string;
}

/** Code-unit order: the same on every machine (localeCompare depends on the ICU locale). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sightingKey(s: CertificateSighting): string {
  return `${s.target}\u0000${String(s.port).padStart(5, '0')}\u0000${s.vantage}`;
}

function who(f: CertificateFacts): string {
  if (!f.parsed) return 'The certificate';
  if (f.subject !== '') return `The certificate "${f.subject}"`;
  return `The certificate with an empty subject (SAN ${[...f.sans.uri, ...f.sans.dns, ...f.sans.ip][0] ?? 'none'})`;
}

function entryFindings(acc: Accumulator, opts: InventoryOptions, profile: CryptoProfile): CryptoFinding[] {
  const name = who(acc.facts);
  const out = certificateFindings(
    acc.facts,
    { index: acc.leaf ? 0 : 1, who: name, now: opts.now, expiryWarningDays: opts.expiryWarningDays },
    profile,
  );
  if (acc.leaf && acc.facts.parsed && acc.facts.selfSigned && acc.chainValid !== true) {
    out.push({
      code: 'CERT_SELF_SIGNED',
      severity: 'fail',
      message: `${name} is served as a self-signed leaf that no given trust bundle contains.`,
    });
  }
  if (acc.untrusted !== undefined) {
    out.push({
      code: 'CERT_UNTRUSTED',
      severity: 'fail',
      message: `${name} does not chain to the given trust bundle: ${acc.untrusted}`,
    });
  }
  return sortFindings(out);
}

/** The entry's trust facts: only for leaves judged against a bundle. */
function trustOf(acc: Accumulator): { trust?: CertificateTrust } {
  if (acc.chainValid === undefined) return {};
  const trustedNow = acc.chainValid && acc.trustedNow !== false;
  const detail = acc.untrusted ?? (trustedNow ? undefined : acc.outsideDates);
  return { trust: { chainValid: acc.chainValid, trustedNow, ...(detail !== undefined ? { detail } : {}) } };
}

/** Chains repeat across attempts (every vantage sees the same server): parse each distinct one once. */
type ChainCache = Map<string, ChainFacts>;

function record(
  map: Map<string, Accumulator>,
  cache: ChainCache,
  e: Evidence,
  pems: readonly string[],
  opts: InventoryOptions,
): void {
  const key = pems.map(fingerprintOfPem).join('/');
  const chain =
    cache.get(key) ?? parseChain(pems, opts.trustPem !== undefined ? { trustPem: opts.trustPem, now: opts.now } : {});
  cache.set(key, chain);
  const sighting: CertificateSighting = {
    // By workload: a sighting on a Deployment's pod is the same row after a rollout.
    target: workloadKey(e.attempt.target),
    port: e.attempt.port,
    vantage: vantageId(e.attempt.vantage),
  };
  pems.forEach((pem, index) => {
    const fp = fingerprintOfPem(pem);
    const facts = chain.certificates[index];
    if (facts === undefined) return;
    const acc: Accumulator = map.get(fp) ?? { facts, sightings: new Map(), leaf: false };
    acc.sightings.set(sightingKey(sighting), sighting);
    if (index === 0) {
      acc.leaf = true;
      if (chain.chainValid !== undefined) acc.chainValid = (acc.chainValid ?? true) && chain.chainValid;
      if (chain.trustedNow !== undefined) acc.trustedNow = (acc.trustedNow ?? true) && chain.trustedNow;
      if (chain.chainValid === false) acc.untrusted ??= chain.trustError ?? 'no reason given.';
      if (chain.validityError !== undefined) acc.outsideDates ??= chain.validityError;
    }
    map.set(fp, acc);
  });
}

/**
 * Every distinct certificate in the evidence's peer chains, sorted by subject then
 * fingerprint, with sightings sorted by target, port, vantage. Canary attempts are left
 * out: they reach meshprobe's own echo pod, which is not part of the assessed estate.
 */
export function buildCertificateInventory(
  evidence: readonly Evidence[],
  opts: InventoryOptions,
): CertificateInventoryEntry[] {
  const profile = opts.profile ?? PCI_STRONG_CRYPTO;
  const map = new Map<string, Accumulator>();
  const cache: ChainCache = new Map();
  for (const e of evidence) {
    const pems = e.observation?.tls?.peerChainPem ?? [];
    if (e.attempt.role !== 'canary' && pems.length > 0) record(map, cache, e, pems, opts);
  }
  const entries = [...map.entries()].map(([fp, acc]) => ({
    fp,
    entry: {
      facts: acc.facts,
      seenAt: [...acc.sightings.entries()].sort(([a], [b]) => cmp(a, b)).map(([, s]) => s),
      findings: entryFindings(acc, opts, profile),
      ...trustOf(acc),
    },
  }));
  entries.sort((a, b) => cmp(a.entry.facts.subject, b.entry.facts.subject) || cmp(a.fp, b.fp));
  return entries.map((x) => x.entry);
}
