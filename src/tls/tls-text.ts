/**
 * Human summary of `meshprobe tls` results, and its JSON document. Pure render.
 */
import type { CertificateFacts, CryptoFinding } from '../domain/certificate.js';
import type { TlsEndpointResult } from './tls-assess.js';
import { SCAN_VERSIONS } from './tls-scan.js';

type Assessed = Extract<TlsEndpointResult, { kind: 'assessed' }>;

/** Schema id of the `meshprobe tls -o json` document. */
const TLS_REPORT_SCHEMA = 'meshprobe.tls/v1' as const;

/** The `-o json` document: every endpoint's result, in the order given. */
export function tlsJsonDocument(
  results: readonly TlsEndpointResult[],
  meta: { readonly checkedAt: string; readonly toolVersion: string },
): object {
  return {
    schema: TLS_REPORT_SCHEMA,
    tool: { name: 'meshprobe', version: meta.toolVersion },
    checkedAt: meta.checkedAt,
    endpoints: results,
  };
}

function keyText(f: CertificateFacts): string {
  if (f.keyType === 'rsa') return `RSA ${f.keyBits ?? '?'}`;
  if (f.keyType === 'ec') return `EC ${f.curve ?? '?'}`;
  return f.keyType === 'ed25519' ? 'Ed25519' : 'unknown key';
}

function sanText(f: CertificateFacts): string {
  const all = [
    ...f.sans.dns.map((d) => `DNS:${d}`),
    ...f.sans.ip.map((i) => `IP:${i}`),
    ...f.sans.uri.map((u) => `URI:${u}`),
  ];
  return all.length > 0 ? all.join(', ') : 'none';
}

function certificateLines(f: CertificateFacts, index: number): string[] {
  const head = index === 0 ? '  certificate ' : `  chain[${index}]    `;
  if (!f.parsed) return [`${head}unparseable: ${f.parseError ?? ''}`];
  return [
    `${head}${f.subject === '' ? '(empty subject)' : f.subject}`,
    `              issuer ${f.issuer}${f.selfSigned ? ' (self-signed)' : ''}${f.isCa ? ', CA' : ''}`,
    `              ${keyText(f)}, ${f.signatureAlgorithm}, valid ${f.notBefore} to ${f.notAfter}`,
    `              SAN ${sanText(f)}`,
    `              sha256 ${f.fingerprintSha256}`,
  ];
}

function findingLine(f: CryptoFinding): string {
  return `    ${f.severity.toUpperCase().padEnd(4)} ${f.code}: ${f.message}`;
}

/** Both trust facts, named so that nobody reads "chains to the bundle" as "trusted today". */
function trustText(r: Assessed): string {
  const c = r.chain;
  if (c.chainValid === undefined) return 'not checked (give --ca-file to validate the chain)';
  if (!c.chainValid) return `chain-valid no, trusted-now no: ${c.trustError ?? ''}`;
  if (c.trustedNow === false)
    return `chain-valid yes (chains to the --ca-file bundle), trusted-now NO: ${c.validityError ?? ''}`;
  return 'chain-valid yes (chains to the --ca-file bundle), trusted-now yes (every certificate within its dates)';
}

function assessedLines(r: Assessed, verbose: boolean): string[] {
  const protocols = SCAN_VERSIONS.map((v) => `${v} ${r.protocols[v] ? 'yes' : 'no'}`).join(' · ');
  const n = r.negotiated;
  const lines = [
    `${r.endpoint}${r.servername !== undefined ? ` (SNI ${r.servername})` : ''}  ${r.status.toUpperCase()}  profile ${r.profile}`,
    `  protocols   ${protocols}${r.protocolsNotTestable.length > 0 ? ` (${r.protocolsNotTestable.join(', ')}: not testable from this client)` : ''}`,
    `  negotiated  ${n ? `${n.protocol} ${n.cipher ?? ''}${n.alpn ? ` (ALPN ${n.alpn})` : ''}` : 'none: a default modern client could not complete a handshake'}`,
    ...SCAN_VERSIONS.filter((v) => r.ciphers[v] !== undefined).map(
      (v) => `  ${`${v}`.padEnd(11)} ${(r.ciphers[v] ?? []).join(', ') || '(no suite from this client accepted)'}`,
    ),
  ];
  if (r.ciphersNotTestable.length > 0)
    lines.push(`  not tested  ${r.ciphersNotTestable.length} weak suites this client cannot offer (see -o json)`);
  if (r.clientCertificateRequired)
    lines.push('  client certificate required: yes (the handshake facts above were read before the rejection)');
  const certs = verbose ? r.chain.certificates : r.chain.certificates.slice(0, 1);
  for (const [i, f] of certs.entries()) lines.push(...certificateLines(f, i));
  if (!verbose && r.chain.certificates.length > 1)
    lines.push(`              (+${r.chain.certificates.length - 1} chain certificates; --verbose shows them)`);
  lines.push(`  trust       ${trustText(r)}`);
  const shown = verbose ? r.findings : r.findings.filter((f) => f.severity !== 'info');
  lines.push(shown.length > 0 ? '  findings' : '  findings    none');
  lines.push(...shown.map(findingLine));
  if (r.servername === undefined && r.findings.some((f) => f.code === 'IDENTITY_MISMATCH')) {
    lines.push(
      '  hint        the certificate was matched against the address you gave; pass --servername <name> to send SNI and match that name',
    );
  }
  return lines;
}

/**
 * Text summary for stdout of the endpoints that were assessed. Unreachable ones are not
 * repeated here: the command prints exactly one line for each on stderr.
 */
export function renderTlsText(results: readonly TlsEndpointResult[], opts: { readonly verbose: boolean }): string {
  const blocks = results.flatMap((r) => (r.kind === 'assessed' ? [assessedLines(r, opts.verbose).join('\n')] : []));
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}
