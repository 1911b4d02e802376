/**
 * The I/O half of `meshprobe tls`: runs the handshakes planned by tls/tls-scan.ts
 * from the machine running the CLI, in-process with the agent's own runAttempt (the
 * same TLS technique the probe pods use), and returns the raw observations.
 */
import { createSecureContext, getCiphers } from 'node:tls';
import { runAttempt } from '../../probes/host.js';
import type { AttemptSpec, ObservationLine, TlsVersion } from '../../probes/protocol.js';
import { OPENSSL_TLS12_SUITES } from './cipher-catalogue.js';
import type { TlsScanObservations } from './tls-assess.js';
import {
  chosenSuite,
  defaultSpec,
  offerSpec,
  partitionSuites,
  SCAN_VERSIONS,
  suiteCandidates,
  TLS13_SUITES,
  versionAccepted,
  versionSpecs,
  WEAK_SUITE_CANDIDATES,
  type TlsEndpoint,
} from './tls-scan.js';
import { unreachableFromDefault } from './tls-assess.js';

/** Runs one attempt; injectable so the loop can be tested without sockets. */
export type AttemptRunner = (spec: AttemptSpec, signal?: AbortSignal) => Promise<ObservationLine>;

/** Limits of one scan. */
export interface HostTlsScanOptions {
  /** Per-handshake limit, milliseconds. */
  readonly timeoutMs: number;
  /** Handshakes in flight at once (kept small: this is someone's server). */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly run?: AttemptRunner;
}

/** Can this process's OpenSSL offer the suite at all? (RC4/DES/3DES/EXPORT are compiled out of Node's.) */
function offerable(suite: string): boolean {
  try {
    createSecureContext({ ciphers: `${suite}:@SECLEVEL=0` });
    return true;
  } catch {
    return false;
  }
}

/** Suites this client can pin, and the weak ones it cannot (reported as not testable). */
export function clientSuites(): { readonly offerable: readonly string[]; readonly notTestable: readonly string[] } {
  // PSK and SRP suites need a pre-shared secret no certificate server will use.
  const builtin = getCiphers()
    .filter((s) => !/psk|srp/i.test(s))
    .map((s) => s.toUpperCase());
  const extra = [...WEAK_SUITE_CANDIDATES, ...OPENSSL_TLS12_SUITES];
  const tls13 = TLS13_SUITES.filter((s) => !builtin.includes(s));
  return {
    offerable: [...new Set([...builtin, ...tls13, ...extra.filter(offerable)])].sort(),
    notTestable: WEAK_SUITE_CANDIDATES.filter((s) => !offerable(s)),
  };
}

/** A pool of `max` slots: tasks beyond it wait for one to free up. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** Lists a version's remaining suites are split into, each enumerated by its own chain of handshakes. */
function chainsFor(version: TlsVersion): number {
  return version === 'TLSv1.3' ? 1 : ENUMERATION_CHAINS;
}

/** Handshake chains running at once per version below TLS 1.3: depth ≈ accepted suites / 3. */
const ENUMERATION_CHAINS = 3;

type Round = TlsScanObservations['suites'][number] & { readonly order: readonly number[] };

/**
 * Offer `suites` at `version`, drop the suite the server chose, and offer the rest again
 * until it refuses (or does not answer): one handshake per accepted suite plus one.
 * Bounded: every round removes a suite or ends the chain.
 */
async function enumerate(
  ctx: ScanContext,
  version: TlsVersion,
  suites: readonly string[],
  chain: number,
): Promise<Round[]> {
  const rounds: Round[] = [];
  let remaining = [...suites];
  for (let i = 0; remaining.length > 0 && ctx.signal?.aborted !== true; i++) {
    const spec = offerSpec(ctx.ep, version, remaining, ctx.timeoutMs, `suites:${version}:${chain}:${i}`);
    const observation = await ctx.attempt(spec);
    rounds.push({ version, offered: remaining, observation, order: [SCAN_VERSIONS.indexOf(version), chain, i] });
    const chosen = chosenSuite(observation, remaining);
    if (chosen === undefined) break;
    remaining = remaining.filter((s) => s !== chosen);
  }
  return rounds;
}

interface ScanContext {
  readonly ep: TlsEndpoint;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly attempt: (spec: AttemptSpec) => Promise<ObservationLine>;
}

function byOrder(a: Round, b: Round): number {
  for (let i = 0; i < 3; i++) {
    const d = (a.order[i] ?? 0) - (b.order[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Scan one endpoint. The default handshake and one handshake per pinned version (offering
 * every suite this client has for it) go out together; at each version the server took,
 * the suites it did not choose yet are offered again in a few parallel chains, each
 * dropping the suite chosen last, until the server refuses. At most `concurrency`
 * handshakes are in flight; what one handshake proved (its version, its suite) is not asked again.
 */
export async function scanTlsEndpoint(ep: TlsEndpoint, opts: HostTlsScanOptions): Promise<TlsScanObservations> {
  const suites = clientSuites();
  const run = opts.run ?? runAttempt;
  const limit = limiter(Math.max(1, opts.concurrency));
  const ctx: ScanContext = {
    ep,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    attempt: (spec) => limit(() => run(spec, opts.signal)),
  };
  const offers = SCAN_VERSIONS.map((version) => ({ version, offered: suiteCandidates(version, suites.offerable) }));
  const firstP = ctx.attempt(defaultSpec(ep, opts.timeoutMs));
  const vSpecs = versionSpecs(ep, opts.timeoutMs, suites.offerable);
  const vObs = await Promise.all(vSpecs.map(ctx.attempt));
  const first = await firstP;
  const versions = offers.map((o, i) => ({ ...o, observation: vObs[i] as ObservationLine }));
  if (unreachableFromDefault(ep, first) !== undefined || opts.signal?.aborted === true) {
    return { default: first, versions, suites: [], notTestable: suites.notTestable };
  }
  const chains = versions
    .filter((v) => versionAccepted(v.observation, v.version))
    .flatMap((v) => {
      const chosen = chosenSuite(v.observation, v.offered);
      const rest = v.offered.filter((s) => s !== chosen);
      return partitionSuites(rest, chainsFor(v.version)).map((list, k) => enumerate(ctx, v.version, list, k));
    });
  const rounds = (await Promise.all(chains)).flat().sort(byOrder);
  return {
    default: first,
    versions,
    suites: rounds.map(({ version, offered, observation }) => ({ version, offered, observation })),
    notTestable: suites.notTestable,
  };
}
