/**
 * TLS client options for an attempt and the facts read back from the socket.
 *
 * Facts only: the chain is never trusted or rejected here (rejectUnauthorized: false);
 * node:tls's own verdict is kept as information. No client certificate is sent from here; the http
 * technique adds the pod's own mesh identity when an attempt asks for it (mesh-identity.ts).
 */
import { isIP } from 'node:net';
import type { ConnectionOptions, PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsFacts, TlsRequest, TlsVersion } from '../protocol.js';
import type { SocketEnding } from './classify-error.js';
import { tlsAlertNumber } from './tls-alert.js';

const LEGACY: ReadonlySet<TlsVersion> = new Set(['TLSv1', 'TLSv1.1']);

/**
 * Node's OpenSSL 3 refuses TLS 1.0/1.1 at its default security level
 * (ERR_SSL_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED), so version probes that allow a
 * legacy protocol drop to SECLEVEL=0; otherwise the attempt could not learn what the port accepts.
 */
export function cipherList(req: TlsRequest): string | undefined {
  const legacy =
    (req.minVersion !== undefined && LEGACY.has(req.minVersion)) ||
    (req.maxVersion !== undefined && LEGACY.has(req.maxVersion));
  if (!legacy) return req.ciphers;
  if (req.ciphers === undefined) return 'DEFAULT@SECLEVEL=0';
  return req.ciphers.includes('@SECLEVEL=') ? req.ciphers : `${req.ciphers}:@SECLEVEL=0`;
}

/** node:tls connect options for `host:port` with the attempt's TLS request. */
export function tlsConnectOptions(host: string, port: number, req: TlsRequest = {}): ConnectionOptions {
  const servername = req.servername ?? (isIP(host) === 0 ? host : undefined);
  const ciphers = cipherList(req);
  return {
    host,
    port,
    rejectUnauthorized: false,
    // RFC 6066 forbids IP addresses as SNI; Node warns if one is set.
    ...(servername !== undefined && isIP(servername) === 0 ? { servername } : {}),
    ...(req.alpn !== undefined && req.alpn.length > 0 ? { ALPNProtocols: [...req.alpn] } : {}),
    ...(req.minVersion !== undefined ? { minVersion: req.minVersion } : {}),
    ...(req.maxVersion !== undefined ? { maxVersion: req.maxVersion } : {}),
    ...(ciphers !== undefined ? { ciphers } : {}),
  };
}

/** DER → PEM, 64 characters a line. */
function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The peer chain as PEM, leaf first, walking issuerCertificate until it points at itself. */
export function peerChainPem(socket: TLSSocket): string[] {
  let cert: PeerCertificate | null | undefined;
  try {
    cert = socket.getPeerCertificate(true);
  } catch {
    return [];
  }
  const chain: string[] = [];
  const seen = new Set<string>();
  while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(derToPem(cert.raw));
    const next: PeerCertificate | undefined = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
    if (next === cert) break;
    cert = next;
  }
  return chain;
}

/** Read TLS facts from `socket` (call before it is destroyed). */
export function readTlsFacts(socket: TLSSocket, ending: SocketEnding, chainAtHandshake?: string[]): TlsFacts {
  const handshake = ending.handshake === true;
  const cipher = socket.getCipher() as ReturnType<TLSSocket['getCipher']> | undefined;
  // Before ServerHello getProtocol() echoes what the client offered; only report a negotiated version.
  const negotiated = handshake || cipher?.name !== undefined;
  const protocol = negotiated ? socket.getProtocol() : null;
  // The chain read at secureConnect survives a later alert; otherwise read it now (alert 40 case).
  const chain = chainAtHandshake !== undefined && chainAtHandshake.length > 0 ? chainAtHandshake : peerChainPem(socket);
  const alert = tlsAlertNumber(ending.code);
  const verifyError = handshake && !socket.authorized ? socket.authorizationError : undefined;
  return {
    protocol: protocol === 'unknown' ? null : protocol,
    cipher: negotiated ? (cipher?.name ?? null) : null,
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    peerChainPem: chain,
    ...(alert !== undefined ? { alert } : {}),
    handshake,
    authorized: handshake && socket.authorized,
    ...(verifyError !== undefined ? { verifyError: String(verifyError) } : {}),
  };
}
