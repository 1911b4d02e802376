/**
 * Checks one AttemptSpec before the agent acts on it. A bad spec becomes an
 * agent-error line (E_SPEC) for that attempt only; the rest of the batch runs. Pure.
 */
import { isIP } from 'node:net';
import type { AttemptSpec, TlsVersion } from '../protocol.js';
import { FORBIDDEN_REQUEST_HEADERS, HTTP_TOKEN } from './http-request.js';

const TECHNIQUES: ReadonlySet<string> = new Set(['tcp', 'tls', 'http', 'dns', 'udp', 'sweep']);
const UDP_PAYLOADS: ReadonlySet<string> = new Set(['dns', 'ntp', 'snmp', 'echo']);
/** A DNS name the hand-built query can carry: labels of 1–63 letters, digits, '-' or '_'. */
const DNS_NAME = /^(?:[A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?$/;
const TLS_VERSIONS: ReadonlySet<string> = new Set<TlsVersion>(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
/** No single attempt may take longer than this (10 minutes). */
const MAX_ATTEMPT_TIMEOUT_MS = 600_000;
/** Bytes that would end a header line or request line early (request smuggling). */
const LINE_BREAK = /[\r\n\0]/;

/** The first thing wrong with `spec`, as a sentence, or undefined when it can run. */
export function specProblem(spec: AttemptSpec): string | undefined {
  if (!TECHNIQUES.has(spec.technique))
    return `unknown technique ${JSON.stringify(spec.technique)}; use tcp, tls, http, dns, udp or sweep`;
  if (!Number.isInteger(spec.timeoutMs) || spec.timeoutMs <= 0 || spec.timeoutMs > MAX_ATTEMPT_TIMEOUT_MS) {
    return `timeoutMs must be a whole number of milliseconds between 1 and ${MAX_ATTEMPT_TIMEOUT_MS}`;
  }
  if (spec.after !== undefined && (typeof spec.after !== 'string' || spec.after === ''))
    return 'after must be the id of another attempt in the batch';
  if (spec.technique === 'dns') return dnsProblem(spec);
  if (typeof spec.host !== 'string' || spec.host === '' || LINE_BREAK.test(spec.host))
    return 'host must be a non-empty name or address';
  if (spec.technique === 'sweep') return sweepProblem(spec);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)
    return 'port must be a whole number between 1 and 65535';
  if (spec.payload !== undefined && typeof spec.payload !== 'string') return 'payload must be a string';
  return tlsProblem(spec) ?? httpProblem(spec) ?? udpProblem(spec);
}

function udpProblem(spec: AttemptSpec): string | undefined {
  const udp = spec.udp;
  if (udp === undefined) return undefined;
  if (typeof udp !== 'object' || udp === null || !UDP_PAYLOADS.has(udp.payload)) {
    return 'udp.payload must be dns, ntp, snmp or echo';
  }
  const name = udp.dnsName;
  if (name !== undefined && (typeof name !== 'string' || name.length > 253 || !DNS_NAME.test(name))) {
    return 'udp.dnsName must be a DNS name (labels of letters, digits, - or _, at most 253 characters)';
  }
  return undefined;
}

function dnsProblem(spec: AttemptSpec): string | undefined {
  const name = spec.dnsName ?? spec.host;
  if (typeof name !== 'string' || name === '') return 'a dns attempt needs dnsName';
  if (spec.dnsServer !== undefined && (typeof spec.dnsServer !== 'string' || !isResolverAddress(spec.dnsServer))) {
    return 'dnsServer must be an IP address, optionally with :port ([v6]:port for IPv6)';
  }
  return undefined;
}

function validPort(p: unknown): boolean {
  return Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
}

function sweepProblem(spec: AttemptSpec): string | undefined {
  const sweep = spec.sweep;
  if (typeof sweep !== 'object' || sweep === null || !Array.isArray(sweep.ports))
    return 'a sweep attempt needs sweep.ports';
  const bad = sweep.ports.find(
    (p) =>
      !(validPort(p) || (Array.isArray(p) && p.length === 2 && validPort(p[0]) && validPort(p[1]) && p[0] <= p[1])),
  );
  if (bad !== undefined) return `sweep port ${JSON.stringify(bad)} is not a port 1–65535 or a [from, to] range`;
  if (!Number.isInteger(sweep.concurrency) || sweep.concurrency < 1 || sweep.concurrency > 4096)
    return 'sweep.concurrency must be a whole number between 1 and 4096';
  if (
    !Number.isInteger(sweep.connectTimeoutMs) ||
    sweep.connectTimeoutMs < 1 ||
    sweep.connectTimeoutMs > spec.timeoutMs
  ) {
    return 'sweep.connectTimeoutMs must be a whole number of milliseconds between 1 and timeoutMs';
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
  if (tls.ciphers !== undefined && typeof tls.ciphers !== 'string')
    return 'TLS ciphers must be an OpenSSL cipher string';
  if (tls.handshakeOnly !== undefined && typeof tls.handshakeOnly !== 'boolean')
    return 'TLS handshakeOnly must be true or false';
  if (
    tls.clientIdentityDir !== undefined &&
    !(typeof tls.clientIdentityDir === 'string' && tls.clientIdentityDir.startsWith('/'))
  ) {
    return 'TLS clientIdentityDir must be an absolute directory path';
  }
  if (tls.clientIdentityDir !== undefined && spec.technique !== 'http')
    return 'TLS clientIdentityDir is only used by http attempts';
  if (
    tls.alpn !== undefined &&
    !(Array.isArray(tls.alpn) && tls.alpn.every((p) => typeof p === 'string' && p.length > 0 && p.length < 256))
  ) {
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
  if (http.headers !== undefined && (typeof http.headers !== 'object' || http.headers === null))
    return 'HTTP headers must be an object';
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (!HTTP_TOKEN.test(name)) return `bad HTTP header name ${JSON.stringify(name)}`;
    if (FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase()))
      return `the agent never sends credentials; remove the ${name} header`;
    if (typeof value !== 'string' || LINE_BREAK.test(value)) return `HTTP header ${name} must be a single-line string`;
  }
  return undefined;
}
