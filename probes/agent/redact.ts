/**
 * The one redaction rule set (DESIGN §7: secrets never reach a report), used by the agent on
 * what may leave the pod (an allow-list of response headers, token-like values blanked out)
 * and by the CLI on everything that reaches a report (src/report/redact.ts), with one marker.
 * Pure.
 */

/** Stand-in for a removed value, in observations and reports alike. */
export const REDACTED = '[REDACTED]';

/** Response headers worth keeping as evidence (exact names). */
const ALLOWED_HEADERS: ReadonlySet<string> = new Set([
  'server',
  'content-type',
  'content-length',
  'www-authenticate',
  'location',
]);

/** Header-name prefixes of mesh proxies (Envoy/Istio, Linkerd). */
const ALLOWED_PREFIXES: readonly string[] = ['x-envoy-', 'l5d-'];

/** Header names whose values are always secrets: never kept by the agent, blanked by the CLI. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-amz-security-token',
]);

/**
 * Control characters (C0 but tab, DEL, C1), line/paragraph separators and bidi overrides: a
 * hostile peer could use them to forge lines or colours in a terminal or a Markdown report.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose.
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every unprintable character replaced by U+FFFD, for peer-chosen strings (headers, certificate names). */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '\ufffd');
}

/** True when a response header may be reported. */
export function isAllowedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_HEADERS.has(lower)) return false;
  return ALLOWED_HEADERS.has(lower) || ALLOWED_PREFIXES.some((p) => lower.startsWith(p));
}

/** A JSON string value's characters, also inside escaped JSON (`\"`), e.g. last-applied-configuration. */
const JSON_VALUE = String.raw`(?:[^"\\]|\\(?!"))+`;
/** Key names whose values are secrets. */
const SECRET_NAME = String.raw`[\w.-]*(?:password|passwd|secret|token|api[-_]?key|private[-_]?key|credentials?)[\w.-]*`;

/** Secrets recognised by what surrounds them (a key name, a URL shape); each pattern matches only the secret. */
const CONTEXT_PATTERNS: readonly RegExp[] = [
  // JSON values under secret-looking keys: {"password":"x"}, also escaped inside a JSON string
  new RegExp(String.raw`(?<=\\?"${SECRET_NAME}\\?"\s*:\s*\\?")${JSON_VALUE}`, 'gi'),
  // env-style pairs ({"name":"DB_URL","value":"x"}, kubelet /pods): any value may be a credential
  new RegExp(
    String.raw`(?<=\\?"name\\?"\s*:\s*\\?"${JSON_VALUE}\\?"\s*,\s*\\?"value\\?"\s*:\s*\\?")${JSON_VALUE}`,
    'gi',
  ),
  // the password of URL user-info: scheme://user:password@host
  /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^@\s/"]+(?=@)/gi,
  // secret-looking URL query/cookie parameters
  /(?<=[?&;\s](?:access_token|id_token|refresh_token|token|code|key|api_key|apikey|secret|password|passwd|sig|signature|session|sessionid|auth)=)[^&#;\s"]+/gi,
];

const TOKEN_PATTERNS: readonly RegExp[] = [
  // PEM private keys (a key that leaks into an error message or a body)
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  ...CONTEXT_PATTERNS,
  // JSON Web Tokens (three base64url parts, the first starting with '{"')
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*)?/g,
  // credentials after an auth scheme (token68), but not auth-params like `realm="x"`: the scheme stays
  /(?<=\b(?:bearer|basic|token)\s+)[A-Za-z0-9\-._~+/]{8,}=*(?=\s*(?:,|$))/gi,
  // the same inside running text (an error message quoting a header): scheme and credentials go
  /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // long hex runs (keys, session ids, digests)
  /\b[0-9a-fA-F]{32,}\b/g,
  // long base64 runs that mix upper case, lower case and digits (so file paths and names stay readable)
  /(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*[A-Z])(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[0-9])[A-Za-z0-9+/_-]{40,}={0,2}/g,
];

/** Long opaque strings (API keys, session ids); '/' excluded so URL paths survive. */
const OPAQUE = /(?<![A-Za-z0-9_+=-])[A-Za-z0-9_+-]{40,}={0,2}(?![A-Za-z0-9_+=-])/g;

/** Lower-case words joined by hyphens (Kubernetes names, run ids, output directories): long, but never a token. */
const NAME_LIKE = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

/** `text` with every secret these rules recognise replaced by REDACTED. */
export function redactText(text: string): string {
  const out = TOKEN_PATTERNS.reduce((acc, pattern) => acc.replace(pattern, REDACTED), text);
  return out.replace(OPAQUE, (m) => (NAME_LIKE.test(m) ? m : REDACTED));
}

/**
 * The reportable subset of response headers: allow-listed names, lower-cased, sorted,
 * repeated headers joined with ", ", values made printable and redacted.
 */
export function selectHeaders(pairs: readonly (readonly [string, string])[]): Readonly<Record<string, string>> {
  const kept = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    if (!isAllowedHeader(name)) continue;
    const lower = name.toLowerCase();
    kept.set(lower, [...(kept.get(lower) ?? []), redactText(printable(value))]);
  }
  const out: Record<string, string> = {};
  for (const name of [...kept.keys()].sort()) out[name] = (kept.get(name) ?? []).join(', ');
  return out;
}
