/**
 * Redaction before anything reaches a reporter: credential headers, cookies and token-like
 * values (JWTs, bearer tokens, long hex/base64 secrets) become "[REDACTED]". Pure.
 */
import type { Observation } from '../domain/observation.js';
import { printable, redactContextual } from '../../probes/host.js';

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

/** Header names whose values are always secrets. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-amz-security-token',
]);

/** Option/field names whose values are secrets (run metadata). */
const SECRET_KEY = /(authorization|cookie|token|secret|password|passwd|api[-_]?key|private[-_]?key|sign[-_]?key)/i;

/**
 * Token-like substrings: JWTs, "Bearer x", "Basic x", long hex runs, long base64 runs that mix
 * upper case, lower case and digits (so file paths and names stay readable), PEM private keys.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(\.[A-Za-z0-9_-]*)?/g,
  /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b[0-9a-fA-F]{32,}\b/g,
  /(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*[A-Z])(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[0-9])[A-Za-z0-9+/_-]{40,}={0,2}/g,
];

/**
 * Replace token-like substrings of free text: these patterns, then the agent's contextual ones (JSON
 * secret keys, env values, URL passwords, secret query parameters), so text the agent did not
 * redact (older agents, error details, host-side observations) meets the same rules.
 */
export function redactText(text: string): string {
  let out = text;
  for (const p of TOKEN_PATTERNS) out = out.replace(p, REDACTED);
  return redactContextual(out, REDACTED);
}

/** Redact a header map (names compared case-insensitively); values are made printable first. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers).sort()) {
    const value = headers[name] ?? '';
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : redactText(printable(value));
  }
  return out;
}

/** Redact everything secret-looking in an observation (headers, body and data prefixes, error detail). */
export function redactObservation(o: Observation): Observation {
  return {
    ...o,
    ...(o.dataPrefix !== undefined ? { dataPrefix: redactText(o.dataPrefix) } : {}),
    ...(o.detail !== undefined ? { detail: redactText(o.detail) } : {}),
    ...(o.http !== undefined
      ? { http: { ...o.http, headers: redactHeaders(o.http.headers), bodyPrefix: redactText(o.http.bodyPrefix) } }
      : {}),
  };
}

/** Redact option values whose names say they are secrets; recurse into arrays/objects. */
export function redactOptions(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactOptions(v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = redactOptions((value as Record<string, unknown>)[k], k);
    return out;
  }
  return typeof value === 'string' ? redactText(value) : value;
}
