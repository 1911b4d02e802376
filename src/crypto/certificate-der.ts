/**
 * The few X.509 fields node:crypto's X509Certificate does not give on Node 20, read
 * straight from the DER with node-forge's ASN.1 parser: the signature algorithm and the
 * subjectAltName entries (no string quoting; control characters become U+FFFD). Works for any key type —
 * forge's certificate parser rejects EC keys, its ASN.1 parser does not.
 */
import forge from 'node-forge';
import { printable } from '../../probes/host.js';

/** Fields read from the certificate DER. */
export interface DerFacts {
  /** Readable name, e.g. sha256WithRSAEncryption, ecdsa-with-SHA256, rsassa-pss-sha256; the OID when unknown. */
  readonly signatureAlgorithm: string;
  readonly sans: { readonly dns: readonly string[]; readonly ip: readonly string[]; readonly uri: readonly string[] };
}

/** Signature algorithm OIDs (RFC 3279, 4055, 5758, 8410). */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-sha256',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

/** Hash OIDs that can appear in RSASSA-PSS parameters. */
const HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const SUBJECT_ALT_NAME = '2.5.29.17';
const { Class, Type } = forge.asn1;

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node !== undefined && Array.isArray(node.value) ? node.value : [];
}

function oidOf(node: forge.asn1.Asn1 | undefined): string {
  if (node === undefined || node.type !== Type.OID || typeof node.value !== 'string')
    throw new Error('expected an OID');
  return forge.asn1.derToOid(node.value);
}

/** RSASSA-PSS names its hash in the parameters; absent means SHA-1 (RFC 4055 §3.1). */
function pssName(params: forge.asn1.Asn1 | undefined): string {
  const hashField = children(params).find((n) => n.tagClass === Class.CONTEXT_SPECIFIC && n.type === 0);
  const hashOid = hashField ? oidOf(children(children(hashField)[0])[0]) : '1.3.14.3.2.26';
  return `rsassa-pss-${HASHES[hashOid] ?? hashOid}`;
}

function signatureOf(algorithmIdentifier: forge.asn1.Asn1 | undefined): { oid: string; name: string } {
  const [oidNode, params] = children(algorithmIdentifier);
  const oid = oidOf(oidNode);
  if (oid === RSASSA_PSS) return { oid, name: pssName(params) };
  return { oid, name: SIGNATURE_ALGORITHMS[oid] ?? oid };
}

function asBytes(node: forge.asn1.Asn1): string {
  return typeof node.value === 'string' ? node.value : forge.asn1.toDer(node).getBytes();
}

/** iPAddress SAN bytes as text: dotted IPv4, or IPv6 with the longest zero run compressed. */
function ipText(bytes: string): string {
  const b = Array.from(bytes, (ch) => ch.charCodeAt(0));
  if (b.length === 4) return b.join('.');
  if (b.length !== 16) return forge.util.bytesToHex(bytes);
  const groups = Array.from({ length: 8 }, (_, i) => (((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0)).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

function readSans(extnValue: forge.asn1.Asn1): DerFacts['sans'] {
  const dns: string[] = [];
  const ip: string[] = [];
  const uri: string[] = [];
  const names = typeof extnValue.value === 'string' ? forge.asn1.fromDer(extnValue.value) : children(extnValue)[0];
  for (const name of children(names)) {
    if (name.tagClass !== Class.CONTEXT_SPECIFIC) continue;
    const bytes = asBytes(name);
    // GeneralName tags (RFC 5280 §4.2.1.6): [2] dNSName, [6] URI, [7] iPAddress.
    // Peer-chosen text reaches terminals and Markdown: control characters become U+FFFD.
    if (name.type === 2) dns.push(printable(forge.util.decodeUtf8(bytes)));
    else if (name.type === 6) uri.push(printable(forge.util.decodeUtf8(bytes)));
    else if (name.type === 7) ip.push(ipText(bytes));
  }
  return { dns, ip, uri };
}

function extensionsOf(tbs: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  const wrapper = children(tbs).find((n) => n.tagClass === Class.CONTEXT_SPECIFIC && n.type === 3);
  return children(children(wrapper)[0]);
}

/** Read the signature algorithm and SANs from a certificate's DER. Throws on malformed DER. */
export function readDerFacts(der: Uint8Array): DerFacts {
  // decodeBitStrings off: the signature and key bit strings are opaque here (runtime option, untyped).
  const fromDer = forge.asn1.fromDer as unknown as (bytes: forge.util.ByteBuffer, options: object) => forge.asn1.Asn1;
  const root = fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary')), { decodeBitStrings: false });
  const [tbs, sigAlg] = children(root);
  const signature = signatureOf(sigAlg);
  let sans: DerFacts['sans'] = { dns: [], ip: [], uri: [] };
  for (const ext of extensionsOf(tbs)) {
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const parts = children(ext);
    const value = parts[parts.length - 1];
    if (oidOf(parts[0]) === SUBJECT_ALT_NAME && value !== undefined) sans = readSans(value);
  }
  return { signatureAlgorithm: signature.name, sans };
}
