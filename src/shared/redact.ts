/**
 * Redaction before anything reaches a reporter, with the agent's rule set and marker
 * (probes/agent/redact.ts through probes/host.ts, the one set): credential headers, cookies and token-like values
 * become "[REDACTED]"; option values named like secrets too. Pure.
 */
import type { Observation } from '../domain/observation.js';
import { printable, REDACTED, redactText, SECRET_HEADERS } from '../../probes/host.js';

export { REDACTED, redactText };

/** Option/field names whose values are secrets (run metadata). */
const SECRET_KEY = /(authorization|cookie|token|secret|password|passwd|api[-_]?key|private[-_]?key|sign[-_]?key)/i;

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
