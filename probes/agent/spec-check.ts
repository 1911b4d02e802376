/**
 * Checks one AttemptSpec before the agent acts on it. A bad spec becomes an
 * agent-error line (E_SPEC) for that attempt only; the rest of the batch runs. Pure.
 */
import { isIP } from 'node:net';
import type { AttemptSpec, TlsVersion } from '../protocol.js';
import { FORBIDDEN_REQUEST_HEADERS, HTTP_TOKEN } from './http-request.js';

const TECHNIQUES: ReadonlySet<string> = new Set(['tcp', 'tls', 'http', 'dns']);
const TLS_VERSIONS: ReadonlySet<string> = new Set<TlsVersion>(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
/** No single attempt may take longer than this (10 minutes). */
export const MAX_ATTEMPT_TIMEOUT_MS = 600_000;
/** Bytes that would end a header line or request line early (request smuggling). */
const LINE_BREAK = /[\r\n\0]/;

/** The first thing wrong with `spec`, as a sentence, or undefined when it can run. */
export function specProblem(spec: AttemptSpec): string | undefined {
  if (!TECHNIQUES.has(spec.technique)) return `unknown technique ${JSON.stringify(spec.technique)}; use tcp, tls, http or dns`;
  if (!Number.isInteger(spec.timeoutMs) || spec.timeoutMs <= 0 || spec.timeoutMs > MAX_ATTEMPT_TIMEOUT_MS) {
    return `timeoutMs must be a whole number of milliseconds between 1 and ${MAX_ATTEMPT_TIMEOUT_MS}`;
  }
  if (spec.technique === 'dns') return dnsProblem(spec);
  if (typeof spec.host !== 'string' || spec.host === '' || LINE_BREAK.test(spec.host)) return 'host must be a non-empty name or address';
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) return 'port must be a whole number between 1 and 65535';
  if (spec.payload !== undefined && typeof spec.payload !== 'string') return 'payload must be a string';
  return tlsProblem(spec) ?? httpProblem(spec);
}

function dnsProblem(spec: AttemptSpec): string | undefined {
  const name = spec.dnsName ?? spec.host;
  if (typeof name !== 'string' || name === '') return 'a dns attempt needs dnsName';
  if (spec.dnsServer !== undefined && (typeof spec.dnsServer !== 'string' || !isResolverAddress(spec.dnsServer))) {
    return 'dnsServer must be an IP address, optionally with :port ([v6]:port for IPv6)';
  }
  return undefined;
}

function isResolverAddress(server: string): boolean {
  if (isIP(server) !== 0) return true;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(server);
  const port = Number(match?.[3]);
  return match !== null && isIP(match[1] ?? match[2] ?? '') !== 0 && port >= 1 && port <= 65535;
}

function tlsProblem(spec: AttemptSpec): string | undefined {
  const tls = spec.tls;
  if (tls === undefined) return undefined;
  for (const version of [tls.minVersion, tls.maxVersion]) {
    if (version !== undefined && !TLS_VERSIONS.has(version)) return `unknown TLS version ${JSON.stringify(version)}`;
  }
  if (tls.servername !== undefined && (typeof tls.servername !== 'string' || LINE_BREAK.test(tls.servername))) {
    return 'TLS servername must be a single-line string';
  }
  if (tls.ciphers !== undefined && typeof tls.ciphers !== 'string') return 'TLS ciphers must be an OpenSSL cipher string';
  if (tls.handshakeOnly !== undefined && typeof tls.handshakeOnly !== 'boolean') return 'TLS handshakeOnly must be true or false';
  if (tls.alpn !== undefined && !(Array.isArray(tls.alpn) && tls.alpn.every((p) => typeof p === 'string' && p.length > 0 && p.length < 256))) {
    return 'every ALPN protocol must be a non-empty string shorter than 256 bytes';
  }
  return undefined;
}

function httpProblem(spec: AttemptSpec): string | undefined {
  const http = spec.http;
  if (http === undefined) return undefined;
  if (typeof http.method !== 'string' || (http.method !== '' && !HTTP_TOKEN.test(http.method))) {
    return `bad HTTP method ${JSON.stringify(http.method)}`;
  }
  if (typeof http.path !== 'string' || (http.path !== '' && (!http.path.startsWith('/') || /[\s\0]/.test(http.path)))) {
    return 'HTTP path must start with / and contain no spaces or line breaks (empty means a random probe path)';
  }
  if (http.headers !== undefined && (typeof http.headers !== 'object' || http.headers === null)) return 'HTTP headers must be an object';
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (!HTTP_TOKEN.test(name)) return `bad HTTP header name ${JSON.stringify(name)}`;
    if (FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase())) return `the agent never sends credentials; remove the ${name} header`;
    if (typeof value !== 'string' || LINE_BREAK.test(value)) return `HTTP header ${name} must be a single-line string`;
  }
  return undefined;
}
