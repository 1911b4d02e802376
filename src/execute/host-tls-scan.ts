/**
 * The I/O half of `meshprobe tls`: runs the handshakes planned by evaluate/tls-scan.ts
 * from the machine running the CLI, in-process with the agent's own runAttempt (the
 * same TLS technique the probe pods use), and returns the raw observations.
 */
import { createSecureContext, getCiphers } from 'node:tls';
import { runAttempt } from '../../probes/agent/attempt.js';
import type { AttemptSpec, ObservationLine, TlsVersion } from '../../probes/protocol.js';
import { OPENSSL_TLS12_SUITES } from '../evaluate/cipher-catalogue.js';
import type { TlsScanObservations } from '../evaluate/tls-assess.js';
import {
  defaultSpec, suiteCandidates, suiteSpecs, TLS13_SUITES, versionAccepted, versionSpecs,
  WEAK_SUITE_CANDIDATES, type TlsEndpoint,
} from '../evaluate/tls-scan.js';
import { unreachableFromDefault } from '../evaluate/tls-assess.js';

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
  const builtin = getCiphers().filter((s) => !/psk|srp/i.test(s)).map((s) => s.toUpperCase());
  const extra = [...WEAK_SUITE_CANDIDATES, ...OPENSSL_TLS12_SUITES];
  const tls13 = TLS13_SUITES.filter((s) => !builtin.includes(s));
  return {
    offerable: [...new Set([...builtin, ...tls13, ...extra.filter(offerable)])].sort(),
    notTestable: WEAK_SUITE_CANDIDATES.filter((s) => !offerable(s)),
  };
}

/** Run specs with at most `limit` in flight; results in spec order. Bounded: one attempt per spec. */
async function runAll(specs: readonly AttemptSpec[], opts: HostTlsScanOptions): Promise<ObservationLine[]> {
  const run = opts.run ?? runAttempt;
  const results: ObservationLine[] = new Array<ObservationLine>(specs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      const i = next++;
      const spec = specs[i];
      if (spec !== undefined) results[i] = await run(spec, opts.signal);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, specs.length)) }, worker));
  return results;
}

/**
 * Scan one endpoint: a default handshake; if the endpoint answers, one handshake per
 * pinned protocol version; then one per pinned suite at each accepted version.
 */
export async function scanTlsEndpoint(ep: TlsEndpoint, opts: HostTlsScanOptions): Promise<TlsScanObservations> {
  const suites = clientSuites();
  const [first] = await runAll([defaultSpec(ep, opts.timeoutMs)], opts);
  if (first === undefined) throw new Error('no observation for the default handshake');
  if (unreachableFromDefault(ep, first) !== undefined || opts.signal?.aborted === true) {
    return { default: first, versions: [], suites: [], notTestable: suites.notTestable };
  }
  const vSpecs = versionSpecs(ep, opts.timeoutMs);
  const vObs = await runAll(vSpecs, opts);
  const versions = vSpecs.map((s, i) => ({ version: s.tls?.minVersion as TlsVersion, observation: vObs[i] as ObservationLine }));
  const accepted = versions.filter((v) => versionAccepted(v.observation, v.version)).map((v) => v.version);
  const plan = accepted.flatMap((version) => {
    const names = suiteCandidates(version, suites.offerable);
    return suiteSpecs(ep, version, names, opts.timeoutMs).map((spec, i) => ({ version, suite: names[i] as string, spec }));
  });
  const sObs = await runAll(plan.map((p) => p.spec), opts);
  return {
    default: first,
    versions,
    suites: plan.map((p, i) => ({ version: p.version, suite: p.suite, observation: sObs[i] as ObservationLine })),
    notTestable: suites.notTestable,
  };
}
