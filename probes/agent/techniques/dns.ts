/**
 * Technique `dns`: resolve a name (A and AAAA) with a cancellable c-ares resolver, so
 * a hung lookup cannot outlive its attempt the way getaddrinfo would. Names are
 * queried as given (no search list): the planner passes fully qualified names.
 */
import { Resolver } from 'node:dns/promises';
import type { AttemptSpec, ObservationLine } from '../../protocol.js';
import { observation, startClock, type AttemptClock } from '../observation.js';

interface Lookup {
  readonly addresses: readonly string[];
  readonly errorCode?: string;
}

function errorCodeOf(reason: unknown): string {
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'E_DNS';
}

async function resolveBoth(resolver: Resolver, name: string): Promise<Lookup> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ].sort();
  if (addresses.length > 0) return { addresses };
  // The A query's error explains best (AAAA is often just ENODATA).
  const failed = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined;
  return { addresses, errorCode: failed === undefined ? 'ENODATA' : errorCodeOf(failed) };
}

/** Make a `dns` attempt: `connected` with the addresses, or `dns-failure` with the c-ares code. Never rejects. */
export async function dnsAttempt(
  spec: AttemptSpec,
  signal?: AbortSignal,
  clock: AttemptClock = startClock(),
): Promise<ObservationLine> {
  const name = spec.dnsName ?? spec.host;
  const resolver = new Resolver({ timeout: spec.timeoutMs, tries: 1 });
  if (spec.dnsServer !== undefined) resolver.setServers([spec.dnsServer]);
  let why: 'timeout' | 'aborted' | undefined;
  const stop = (reason: 'timeout' | 'aborted'): void => {
    why ??= reason;
    resolver.cancel();
  };
  const timer = setTimeout(() => stop('timeout'), Math.max(0, clock.t0 + spec.timeoutMs - performance.now()));
  const onAbort = (): void => stop('aborted');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await resolveBoth(resolver, name);
    if (why === 'aborted') return observation(spec, clock, 'agent-error');
    if (result.addresses.length > 0)
      return observation(spec, clock, 'connected', { dns: { name, addresses: result.addresses } });
    const errorCode = why === 'timeout' ? 'ETIMEOUT' : result.errorCode;
    return observation(spec, clock, 'dns-failure', { errorCode, dns: { name, addresses: [] } });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
