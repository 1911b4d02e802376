/**
 * The pure half of `meshprobe tls`: which handshakes to make (one default; per protocol
 * version one offering every suite; then the same offer less each suite the server chose,
 * until it refuses) and what their observations mean. The I/O half (tls/host-tls-scan.ts) runs the attempts with the agent's
 * runAttempt and feeds the observations back here.
 */
import type { AttemptSpec, ObservationLine, TlsVersion } from '../../probes/protocol.js';
import { isTls13Suite } from '../crypto/cipher-suite.js';

/** One endpoint to scan. */
export interface TlsEndpoint {
  readonly host: string;
  readonly port: number;
  readonly servername?: string;
  readonly alpn?: readonly string[];
}

/** Protocol versions a node:tls client can pin, oldest first (SSLv2/3 are compiled out of OpenSSL 3). */
export const SCAN_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** TLS 1.3 suites (RFC 8446 §B.4), pinned one at a time. */
export const TLS13_SUITES: readonly string[] = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
];

/**
 * Weak TLS ≤ 1.2 suites worth asking about by name (OpenSSL spelling). Some cannot be
 * offered by Node's OpenSSL 3 (RC4, DES, 3DES, EXPORT are compiled out): those are
 * reported as not testable from this client, never as "not accepted".
 */
export const WEAK_SUITE_CANDIDATES: readonly string[] = [
  'NULL-MD5',
  'NULL-SHA',
  'NULL-SHA256',
  'ECDHE-RSA-NULL-SHA',
  'ECDHE-ECDSA-NULL-SHA',
  'AECDH-NULL-SHA',
  'ADH-AES128-SHA',
  'ADH-AES256-SHA',
  'ADH-AES128-SHA256',
  'ADH-AES256-SHA256',
  'ADH-AES128-GCM-SHA256',
  'ADH-AES256-GCM-SHA384',
  'AECDH-AES128-SHA',
  'AECDH-AES256-SHA',
  'RC4-MD5',
  'RC4-SHA',
  'ECDHE-RSA-RC4-SHA',
  'ECDHE-ECDSA-RC4-SHA',
  'DES-CBC3-SHA',
  'ECDHE-RSA-DES-CBC3-SHA',
  'ECDHE-ECDSA-DES-CBC3-SHA',
  'EDH-RSA-DES-CBC3-SHA',
  'DES-CBC-SHA',
  'EDH-RSA-DES-CBC-SHA',
  'EXP-RC4-MD5',
  'EXP-DES-CBC-SHA',
  'EXP-EDH-RSA-DES-CBC-SHA',
];

/** Parse "host:port" or "[v6]:port". Returns the endpoint or a sentence saying what is wrong. */
export function parseEndpoint(text: string): { host: string; port: number } | { problem: string } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    return {
      problem: `"${text}" is not host:port; give e.g. example.com:443, 10.0.0.5:8443 or [::1]:443 (port 1-65535).`,
    };
  }
  return { host, port };
}

/** Display form of an endpoint: host:port or [v6]:port. */
export function endpointText(ep: Pick<TlsEndpoint, 'host' | 'port'>): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

function spec(
  ep: TlsEndpoint,
  id: string,
  timeoutMs: number,
  pin: { version?: TlsVersion; ciphers?: string },
): AttemptSpec {
  return {
    id,
    technique: 'tls',
    host: ep.host,
    port: ep.port,
    timeoutMs,
    tls: {
      ...(ep.servername !== undefined ? { servername: ep.servername } : {}),
      ...(ep.alpn !== undefined && ep.alpn.length > 0 ? { alpn: ep.alpn } : {}),
      // Pinned handshakes only read the ServerHello's choices; the default one looks for a late client-cert demand.
      ...(pin.version !== undefined ? { minVersion: pin.version, maxVersion: pin.version, handshakeOnly: true } : {}),
      ...(pin.ciphers !== undefined ? { ciphers: pin.ciphers } : {}),
    },
  };
}

/** The handshake an ordinary modern client makes (Node defaults): what the endpoint negotiates. */
export function defaultSpec(ep: TlsEndpoint, timeoutMs: number): AttemptSpec {
  return spec(ep, 'default', timeoutMs, {});
}

/** Suites that exist only from TLS 1.2 on (AEAD modes, SHA-2 MACs): OpenSSL will not offer them below it. */
const TLS12_ONLY = /GCM|CCM|CHACHA20|SHA256|SHA384|ARIA/;

/**
 * The suites to offer at `version`: TLS 1.3 names at 1.3; below it the client's other
 * suites, without the TLS 1.2-only ones at TLS 1.0/1.1 (OpenSSL would refuse to send a
 * ClientHello with nothing usable in it).
 */
export function suiteCandidates(version: TlsVersion, offerable: readonly string[]): string[] {
  const names = [...new Set(offerable.map((s) => s.toUpperCase()))];
  if (version === 'TLSv1.3') return names.filter(isTls13Suite).sort();
  const legacy = version === 'TLSv1' || version === 'TLSv1.1';
  return names.filter((s) => !isTls13Suite(s) && !(legacy && TLS12_ONLY.test(s))).sort();
}

/**
 * One handshake pinned to `version` that offers `suites` at once. SECLEVEL=0 so OpenSSL
 * offers NULL and anonymous suites at all: the point is to learn whether the server takes them.
 */
export function offerSpec(
  ep: TlsEndpoint,
  version: TlsVersion,
  suites: readonly string[],
  timeoutMs: number,
  id: string,
): AttemptSpec {
  const ciphers = version === 'TLSv1.3' ? suites.join(':') : `${suites.join(':')}:@SECLEVEL=0`;
  return spec(ep, id, timeoutMs, { version, ciphers });
}

/**
 * One handshake per protocol version, pinned with min = max, offering every suite this
 * client can offer at that version: a server whose suites are all outside Node's default
 * list (NULL-only, anonymous-only) is still found, and the suite it picks is the first
 * accepted suite of that version.
 */
export function versionSpecs(ep: TlsEndpoint, timeoutMs: number, offerable: readonly string[]): AttemptSpec[] {
  return SCAN_VERSIONS.map((version) =>
    offerSpec(ep, version, suiteCandidates(version, offerable), timeoutMs, `version:${version}`),
  );
}

/** Split `suites` into at most `parts` non-empty lists, round robin, so each list can be enumerated on its own. */
export function partitionSuites(suites: readonly string[], parts: number): string[][] {
  const n = Math.max(1, Math.min(parts, suites.length));
  const out: string[][] = Array.from({ length: n }, () => []);
  for (const [i, s] of suites.entries()) out[i % n]?.push(s);
  return out.filter((l) => l.length > 0);
}

/** The server chose this version: a ServerHello with it arrived (even if a client-cert demand followed). */
export function versionAccepted(obs: ObservationLine, version: TlsVersion): boolean {
  return obs.tls?.protocol === version;
}

/** The suite the server chose among `offered` (OpenSSL spelling, upper case), or undefined when it chose none. */
export function chosenSuite(obs: ObservationLine, offered: readonly string[]): string | undefined {
  const name = obs.tls?.cipher?.toUpperCase();
  return name !== undefined && offered.includes(name) ? name : undefined;
}

/**
 * The server wants a client certificate: TLS 1.3 alert 116 after the handshake, or a
 * TLS ≤ 1.2 handshake_failure (40) that came after its ServerHello and Certificate
 * (MESH-NOTES §A.3).
 */
export function clientCertificateRequired(observations: readonly ObservationLine[]): boolean {
  return observations.some(
    (o) => o.tls?.alert === 116 || (o.tls?.alert === 40 && o.tls.protocol !== null && o.tls.peerChainPem.length > 0),
  );
}
