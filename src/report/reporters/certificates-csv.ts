/**
 * certificates.csv: the 4.2.1.1 certificate inventory as one row per distinct
 * certificate, for the assessor's spreadsheet. RFC 4180 (CRLF, quoted fields); cells
 * that a spreadsheet would run as a formula are prefixed with an apostrophe. Pure.
 */
import type { CertificateInventoryEntry, CryptoFinding } from '../../domain/certificate.js';

/** Column order of certificates.csv (a published contract: append, never reorder). */
export const CERTIFICATE_CSV_COLUMNS = [
  'fingerprint_sha256',
  'subject',
  'issuer',
  'serial',
  'not_before',
  'not_after',
  'key_type',
  'key_bits',
  'curve',
  'signature_algorithm',
  'self_signed',
  'is_ca',
  'san_dns',
  'san_ip',
  'san_uri',
  'spiffe_trust_domains',
  'seen_at',
  'worst_severity',
  'finding_codes',
  'findings',
  'parse_error',
] as const;

/** Quote a field when needed; neutralise leading = + - @ (CSV/formula injection, OWASP). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function worst(findings: readonly CryptoFinding[]): string {
  for (const s of ['fail', 'warn', 'info'] as const) if (findings.some((f) => f.severity === s)) return s;
  return 'none';
}

function row(e: CertificateInventoryEntry): string[] {
  const f = e.facts;
  return [
    f.fingerprintSha256,
    f.subject,
    f.issuer,
    f.serialNumber,
    f.notBefore,
    f.notAfter,
    f.keyType,
    f.keyBits === null ? '' : String(f.keyBits),
    f.curve ?? '',
    f.signatureAlgorithm,
    String(f.selfSigned),
    String(f.isCa),
    f.sans.dns.join(' '),
    f.sans.ip.join(' '),
    f.sans.uri.join(' '),
    [...new Set(f.spiffe.map((s) => s.trustDomain))].join(' '),
    e.seenAt.map((s) => `${s.target}:${s.port}@${s.vantage}`).join('; '),
    worst(e.findings),
    e.findings.map((x) => x.code).join(' '),
    e.findings.map((x) => `${x.severity.toUpperCase()} ${x.code}: ${x.message}`).join(' | '),
    f.parseError ?? '',
  ];
}

/** The inventory as CSV text with a header row; entries keep the inventory's (sorted) order. */
export function renderCertificatesCsv(entries: readonly CertificateInventoryEntry[]): string {
  const lines = [CERTIFICATE_CSV_COLUMNS.join(','), ...entries.map((e) => row(e).map(csvCell).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
