/**
 * Every wire behaviour the agent must tell apart, as data: real servers on 127.0.0.1,
 * the attempt to make against each, and what the observation must say. Shared by the
 * in-process technique tests and the bundled-agent test, so both check the same table.
 */
import { X509Certificate } from 'node:crypto';
import type { AttemptSpec, ObservationLine, TransportResult } from '../../../probes/protocol.js';
import { mintCa, mintCert } from '../../helpers/certs.js';
import {
  closedPort,
  startDnsServer,
  startHttpServer,
  startTcpServer,
  startTlsServer,
  type TestDnsServer,
  type TestServer,
} from '../../helpers/servers.js';

/** What an observation must show; absent fields are not checked. */
export interface Expectation {
  readonly transport: TransportResult;
  readonly errorCode?: string;
  readonly alert?: number;
  readonly handshake?: boolean;
  readonly protocol?: string;
  readonly alpn?: string;
  /** Peer chain length (leaf first). */
  readonly chainLength?: number;
  /** A URI SAN the leaf must carry. */
  readonly leafUri?: string;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Headers that must NOT be reported. */
  readonly absentHeaders?: readonly string[];
  readonly bodyPrefix?: string;
  readonly dataPrefix?: string;
  readonly addresses?: readonly string[];
}

/** One row of the table: a sentence, the attempt, the expectation. */
interface WireCase {
  readonly sentence: string;
  readonly spec: AttemptSpec;
  readonly expect: Expectation;
}

/** The running servers behind the cases. */
export interface WireCases {
  readonly cases: readonly WireCase[];
  readonly close: () => Promise<void>;
}

const SPIFFE_ID = 'spiffe://cluster.local/ns/demo/sa/server';
const ISTIO_ALPN = ['istio-http/1.1', 'istio', 'http/1.1'];
const TIMEOUT_MS = 5000;
/** Cases that must wait for silence use a short timeout. */
const SILENT_TIMEOUT_MS = 1000;

function spec(
  id: string,
  technique: AttemptSpec['technique'],
  port: number,
  extra: Partial<AttemptSpec> = {},
): AttemptSpec {
  return { id, technique, host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS, ...extra };
}

/** Start every server and describe the attempts against them. */
/** Node's code for a received handshake_failure alert: OpenSSL 3.0 (Node 20) vs newer (Node 24). */
const HANDSHAKE_FAILURE_CODE = process.versions.openssl.startsWith('3.0.')
  ? 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'
  : 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE';

export async function startWireCases(): Promise<WireCases> {
  const servers: (TestServer | TestDnsServer)[] = [];
  const keep = <S extends TestServer | TestDnsServer>(s: S): S => {
    servers.push(s);
    return s;
  };
  const ca = mintCa('meshprobe test mesh CA');
  const leaf = mintCert({ emptySubject: true, issuer: ca, uris: [SPIFFE_ID], sanCritical: true });
  const chain = { key: leaf.keyPem, cert: leaf.certPem + ca.certPem };

  const ok = keep(await startHttpServer({ status: 200, body: 'ok' }));
  const denied = keep(
    await startHttpServer({
      status: 403,
      headers: {
        server: 'istio-envoy',
        'content-type': 'text/plain',
        'x-envoy-upstream-service-time': '1',
        'set-cookie': 'session=abc',
      },
      body: 'RBAC: access denied',
    }),
  );
  const mtls = keep(await startTlsServer({ ...chain, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }));
  const spiffe = keep(await startTlsServer({ ...chain, ALPNProtocols: ['http/1.1'] }));
  const https = keep(
    await startTlsServer({
      ...chain,
      reply: 'HTTP/1.1 200 OK\r\nserver: test-https\r\ncontent-length: 5\r\n\r\nhello',
    }),
  );
  const tls10 = keep(
    await startTlsServer({ ...chain, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
  );
  const resetOnAccept = keep(await startTcpServer('reset-on-accept'));
  const resetOnData = keep(await startTcpServer('reset-on-data'));
  const closeClean = keep(await startTcpServer('close-clean'));
  const silent = keep(await startTcpServer('silent'));
  const echo = keep(await startTcpServer('echo'));
  const dns = keep(await startDnsServer({ 'echo.meshprobe.test': ['198.18.200.9', '2001:db8::9'] }));
  const deafDns = keep(await startDnsServer({}, { silent: true }));
  const closed = await closedPort();

  const cases: WireCase[] = [
    {
      sentence: 'plaintext HTTP 200 is connected with status and body',
      spec: spec('http-200', 'http', ok.port, { http: { method: 'GET', path: '' } }),
      expect: { transport: 'connected', status: 200, bodyPrefix: 'ok' },
    },
    {
      sentence: 'plaintext HTTP 403 from istio-envoy keeps server and x-envoy headers and drops set-cookie',
      spec: spec('http-403-envoy', 'http', denied.port, { http: { method: 'GET', path: '' } }),
      expect: {
        transport: 'connected',
        status: 403,
        headers: { server: 'istio-envoy' },
        absentHeaders: ['set-cookie'],
        bodyPrefix: 'RBAC: access denied',
      },
    },
    {
      sentence: 'a client-cert-required server at TLS 1.2 fails the handshake with alert 40 and still shows its chain',
      spec: spec('tls12-client-cert', 'tls', mtls.port, { tls: { maxVersion: 'TLSv1.2' } }),
      expect: {
        transport: 'connected',
        errorCode: HANDSHAKE_FAILURE_CODE,
        alert: 40,
        handshake: false,
        chainLength: 2,
        leafUri: SPIFFE_ID,
      },
    },
    {
      sentence: 'a client-cert-required server at TLS 1.3 completes the handshake, then sends alert 116',
      spec: spec('tls13-client-cert', 'tls', mtls.port, { tls: { minVersion: 'TLSv1.3', alpn: ISTIO_ALPN } }),
      expect: {
        transport: 'connected',
        errorCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        alert: 116,
        handshake: true,
        protocol: 'TLSv1.3',
        chainLength: 2,
      },
    },
    {
      sentence: 'a server with a SPIFFE URI SAN certificate shows its full chain and the negotiated ALPN',
      spec: spec('tls-spiffe', 'tls', spiffe.port, { tls: { alpn: ISTIO_ALPN } }),
      expect: { transport: 'connected', handshake: true, alpn: 'http/1.1', chainLength: 2, leafUri: SPIFFE_ID },
    },
    {
      sentence: 'a plaintext server answering a ClientHello is ERR_SSL_WRONG_VERSION_NUMBER without a handshake',
      spec: spec('tls-vs-plaintext', 'tls', ok.port),
      expect: { transport: 'connected', errorCode: 'ERR_SSL_WRONG_VERSION_NUMBER', handshake: false, chainLength: 0 },
    },
    {
      sentence: 'a TLS 1.0-only server accepts an attempt pinned to TLSv1',
      spec: spec('tls10-pinned', 'tls', tls10.port, { tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1' } }),
      expect: { transport: 'connected', handshake: true, protocol: 'TLSv1' },
    },
    {
      sentence: 'a TLS 1.0-only server refuses a TLS 1.2+ attempt with alert 70',
      spec: spec('tls12-vs-tls10', 'tls', tls10.port, { tls: { minVersion: 'TLSv1.2' } }),
      expect: {
        transport: 'connected',
        errorCode: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
        alert: 70,
        handshake: false,
      },
    },
    {
      sentence: 'HTTP over TLS reports both the TLS facts and the response',
      spec: spec('https-200', 'http', https.port, { http: { method: 'GET', path: '/healthz', tls: true } }),
      expect: {
        transport: 'connected',
        handshake: true,
        status: 200,
        headers: { server: 'test-https' },
        bodyPrefix: 'hello',
      },
    },
    {
      sentence: 'a server that resets on accept is reset',
      spec: spec('tcp-reset-accept', 'tcp', resetOnAccept.port),
      expect: { transport: 'reset' },
    },
    {
      sentence: 'a server that resets when bytes arrive is reset with ECONNRESET',
      spec: spec('tcp-reset-data', 'tcp', resetOnData.port),
      expect: { transport: 'reset', errorCode: 'ECONNRESET' },
    },
    {
      sentence: 'a server that closes cleanly without data is eof',
      spec: spec('tcp-close-clean', 'tcp', closeClean.port),
      expect: { transport: 'eof' },
    },
    {
      sentence: 'a server that accepts and stays silent is silent',
      spec: spec('tcp-silent', 'tcp', silent.port, { timeoutMs: SILENT_TIMEOUT_MS }),
      expect: { transport: 'silent' },
    },
    {
      sentence: 'a closed port is refused',
      spec: spec('tcp-closed', 'tcp', closed),
      expect: { transport: 'refused', errorCode: 'ECONNREFUSED' },
    },
    {
      sentence: 'an echo server is connected and its answer is the data prefix',
      spec: spec('tcp-echo', 'tcp', echo.port, { payload: 'hello mesh\n' }),
      expect: { transport: 'connected', dataPrefix: 'hello mesh\n' },
    },
    {
      sentence: 'HTTP to a server that resets on the request is reset, not a hang-up',
      spec: spec('http-reset', 'http', resetOnData.port, { http: { method: 'GET', path: '' } }),
      expect: { transport: 'reset', errorCode: 'ECONNRESET' },
    },
    {
      sentence: 'HTTP to a server that closes cleanly is eof, not a reset',
      spec: spec('http-close-clean', 'http', closeClean.port, { http: { method: 'GET', path: '' } }),
      expect: { transport: 'eof' },
    },
    {
      sentence: 'HTTP to a silent server is silent',
      spec: spec('http-silent', 'http', silent.port, {
        timeoutMs: SILENT_TIMEOUT_MS,
        http: { method: 'GET', path: '' },
      }),
      expect: { transport: 'silent' },
    },
    {
      sentence: 'TLS to a server that closes cleanly on the ClientHello is eof',
      spec: spec('tls-close-clean', 'tls', closeClean.port),
      expect: { transport: 'eof', handshake: false },
    },
    {
      sentence: 'TLS to a server that resets on the ClientHello is reset',
      spec: spec('tls-reset-data', 'tls', resetOnData.port),
      expect: { transport: 'reset', errorCode: 'ECONNRESET', handshake: false },
    },
    {
      sentence: 'TLS to a silent server is silent',
      spec: spec('tls-silent', 'tls', silent.port, { timeoutMs: SILENT_TIMEOUT_MS }),
      expect: { transport: 'silent', handshake: false },
    },
    {
      sentence: 'TLS to a closed port is refused',
      spec: spec('tls-closed', 'tls', closed),
      expect: { transport: 'refused', errorCode: 'ECONNREFUSED' },
    },
    {
      sentence: 'a name the resolver knows resolves to its A and AAAA addresses',
      spec: {
        id: 'dns-ok',
        technique: 'dns',
        host: '',
        port: 0,
        timeoutMs: TIMEOUT_MS,
        dnsName: 'echo.meshprobe.test',
        dnsServer: dns.address,
      },
      expect: { transport: 'connected', addresses: ['198.18.200.9', '2001:db8::9'] },
    },
    {
      sentence: 'a name the resolver does not know is a dns-failure with ENOTFOUND',
      spec: {
        id: 'dns-nxdomain',
        technique: 'dns',
        host: '',
        port: 0,
        timeoutMs: TIMEOUT_MS,
        dnsName: 'nope.meshprobe.test',
        dnsServer: dns.address,
      },
      expect: { transport: 'dns-failure', errorCode: 'ENOTFOUND' },
    },
    {
      sentence: 'a resolver that never answers is a dns-failure with ETIMEOUT',
      spec: {
        id: 'dns-silent',
        technique: 'dns',
        host: '',
        port: 0,
        timeoutMs: SILENT_TIMEOUT_MS,
        dnsName: 'echo.meshprobe.test',
        dnsServer: deafDns.address,
      },
      expect: { transport: 'dns-failure', errorCode: 'ETIMEOUT' },
    },
    {
      sentence: 'an attempt asking to send credentials is refused by the agent as E_SPEC',
      spec: spec('http-credentials', 'http', ok.port, {
        http: { method: 'GET', path: '', headers: { Authorization: 'Bearer x' } },
      }),
      expect: { transport: 'agent-error', errorCode: 'E_SPEC' },
    },
  ];
  return { cases, close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}

/** The URI SANs of a PEM certificate. */
function uriSans(pem: string): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  return san
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

/** Test-framework-neutral comparison: the list of mismatches (empty = as expected). */
export function mismatches(obs: ObservationLine, e: Expectation): string[] {
  const out: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown): void => {
    if (expected !== undefined && JSON.stringify(actual) !== JSON.stringify(expected)) {
      out.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  check('transport', obs.transport, e.transport);
  check('errorCode', obs.errorCode, e.errorCode);
  check('tls.alert', obs.tls?.alert, e.alert);
  check('tls.handshake', obs.tls?.handshake, e.handshake);
  check('tls.protocol', obs.tls?.protocol, e.protocol);
  check('tls.alpn', obs.tls?.alpn, e.alpn);
  check('tls.peerChainPem.length', obs.tls?.peerChainPem.length ?? 0, e.chainLength);
  if (e.leafUri !== undefined) {
    const leafPem = obs.tls?.peerChainPem[0];
    check('leaf URI SANs', leafPem === undefined ? [] : uriSans(leafPem), [e.leafUri]);
  }
  check('http.status', obs.http?.status, e.status);
  for (const [name, value] of Object.entries(e.headers ?? {}))
    check(`http.headers.${name}`, obs.http?.headers[name], value);
  for (const name of e.absentHeaders ?? [])
    check(`http.headers.${name} (must be absent)`, obs.http?.headers[name] ?? null, null);
  check('http.bodyPrefix', obs.http?.bodyPrefix, e.bodyPrefix);
  check('dataPrefix', obs.dataPrefix, e.dataPrefix);
  check('dns.addresses', obs.dns?.addresses, e.addresses);
  return out;
}
