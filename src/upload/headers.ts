/**
 * Upload headers for an HTTPS target (pure): `Name: value` lines, as in a Secret file or the
 * MESHPROBE_UPLOAD_HEADERS variable. Problems name the line, never the value: these headers
 * carry credentials and must not reach a log or a report.
 */

/** Header names the client sets itself; a user value would corrupt the request. */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'content-type']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parsed headers (lower-case names) or problems (each naming the source and line only). */
export type ParsedHeaders =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parse header lines; blank lines and lines starting with # are skipped. Pure. */
export function parseHeaderLines(text: string, source: string): ParsedHeaders {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    const value = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) problems.push(`${source} line ${i + 1} is not "Name: value"`);
    else if (RESERVED.has(name.toLowerCase()))
      problems.push(`${source} line ${i + 1} sets ${name}, which meshprobe sets itself`);
    else if (value === '' || /[\0\r\n]/.test(value))
      problems.push(`${source} line ${i + 1} (${name}) has an empty or invalid value`);
    else headers[name.toLowerCase()] = value;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, headers };
}

/** Replace every secret value in a text (an error body from a server) with [redacted]. Pure. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
