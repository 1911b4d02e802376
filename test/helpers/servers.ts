/**
 * Real servers on 127.0.0.1 for integration tests, one per wire behaviour the agent
 * must tell apart (MESH-NOTES §0): HTTP answers, TLS with and without client-cert
 * demands, plaintext answering a ClientHello, reset, clean close, silence, a closed
 * port, and a tiny DNS responder. Each listens on port 0 and `close()` destroys every
 * socket it accepted, so tests leave no handles behind.
 *
 *   const srv = await startHttpServer({ status: 403, headers: { server: 'istio-envoy' } });
 *   t.teardown(srv.close);
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer as createHttpServer, type OutgoingHttpHeaders } from 'node:http';
import { createServer as createNetServer, isIPv6, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, DEFAULT_CIPHERS, type TlsOptions } from 'node:tls';

/** A running test server. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far (TCP level). */
  readonly accepted: () => number;
  /** Most connections open at the same time so far. */
  readonly peakOpen: () => number;
  /** Stop listening and destroy every open connection. Safe to call twice. */
  readonly close: () => Promise<void>;
}

const HOST = '127.0.0.1';

/** Listen on 127.0.0.1:0, track sockets, and wrap it as a TestServer. */
async function serve(server: Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let peak = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  // TLS servers report failed handshakes here; expected in these tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test server has no TCP address');
  let closing: Promise<void> | undefined;
  return {
    host: HOST,
    port: address.port,
    accepted: () => accepted,
    peakOpen: () => peak,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** What startHttpServer answers to every request. */
export interface HttpAnswer {
  readonly status?: number;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string;
}

/** A plaintext HTTP/1.1 server answering every request the same way (default 200 "ok"). */
export function startHttpServer(answer: HttpAnswer = {}): Promise<TestServer> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'text/plain' });
    res.end(answer.body ?? 'ok');
  });
  return serve(server);
}

/** Options for startTlsServer: node:tls server options plus what to send once secure. */
export interface TlsServerOptions extends TlsOptions {
  /** Sent to the client after it sends its first bytes (default "pong"). */
  readonly reply?: string;
}

/**
 * A TLS server. With `requestCert: true, rejectUnauthorized: true` and no client cert
 * it fails TLS 1.2 clients in the handshake (alert 40) and TLS 1.3 clients just after
 * it (alert 116), as Envoy does for a STRICT port (MESH-NOTES §A.3).
 */
export function startTlsServer(options: TlsServerOptions): Promise<TestServer> {
  const { reply = 'pong', ...tlsOptions } = options;
  // Node 24's OpenSSL 3.5 defaults to security level 2 and will not even load the RSA-1024 keys
  // the weak-crypto tests serve; level 1 is OpenSSL 3.0's (Node 20's) default, so this is a no-op there.
  const ciphers = tlsOptions.ciphers ?? DEFAULT_CIPHERS;
  const seclevel = ciphers.includes('@SECLEVEL=') ? ciphers : `${ciphers}:@SECLEVEL=1`;
  const server = createTlsServer({ ...tlsOptions, ciphers: seclevel }, (socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write(reply));
  });
  return serve(server);
}

/** What a raw TCP server does with each connection. */
export type TcpBehaviour =
  /** RST at once (socket.resetAndDestroy()): Istio STRICT with plaintext, a crashing app */
  | 'reset-on-accept'
  /** RST after the client's first bytes arrive */
  | 'reset-on-data'
  /** read everything, send FIN and nothing else: Envoy network RBAC deny (EOF) */
  | 'close-clean'
  /** accept and never answer: a captured port waiting for more, a server-first protocol */
  | 'silent'
  /** write back what arrives, then close */
  | 'echo';

/** A raw TCP server with one behaviour. */
export function startTcpServer(behaviour: TcpBehaviour): Promise<TestServer> {
  const server = createNetServer((socket) => {
    switch (behaviour) {
      case 'reset-on-accept':
        socket.resetAndDestroy();
        return;
      case 'reset-on-data':
        socket.once('data', () => socket.resetAndDestroy());
        return;
      case 'close-clean':
        // Consume what arrives so the kernel has no unread data (that would turn FIN into RST).
        socket.resume();
        socket.end();
        return;
      case 'silent':
        socket.resume();
        return;
      case 'echo':
        socket.once('data', (data) => socket.end(data));
        return;
      default: {
        const never: never = behaviour;
        throw new Error(`unknown behaviour ${String(never)}`);
      }
    }
  });
  return serve(server);
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = await serve(createNetServer());
  await srv.close();
  return srv.port;
}

/** A running DNS responder. */
export interface TestDnsServer {
  /** "127.0.0.1:port", the form AttemptSpec.dnsServer takes. */
  readonly address: string;
  readonly queries: () => number;
  readonly close: () => Promise<void>;
}

/**
 * A UDP DNS responder on 127.0.0.1:0 for A/AAAA queries: known names get their
 * addresses (IPv4 → A, IPv6 → AAAA), unknown names NXDOMAIN. With `silent` it never
 * answers (a DNS egress DROP). Enough for the agent's dns technique, nothing more.
 */
export async function startDnsServer(
  records: Readonly<Record<string, readonly string[]>>,
  opts: { silent?: boolean } = {},
): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    queries += 1;
    if (opts.silent === true) return;
    const answer = dnsAnswer(query, records);
    if (answer !== undefined) socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  let closing: Promise<void> | undefined;
  return {
    address: `${HOST}:${socket.address().port}`,
    queries: () => queries,
    close: () => (closing ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  };
}

/** Question name and type of a query, or undefined when it cannot be read. */
function dnsQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  const labels: string[] = [];
  let pos = 12;
  while (pos < query.length) {
    const len = query[pos] ?? 0;
    if (len === 0) break;
    labels.push(query.subarray(pos + 1, pos + 1 + len).toString('ascii'));
    pos += len + 1;
  }
  if (pos + 5 > query.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(pos + 1), end: pos + 5 };
}

function dnsAnswer(query: Buffer, records: Readonly<Record<string, readonly string[]>>): Buffer | undefined {
  const question = dnsQuestion(query);
  if (question === undefined) return undefined;
  const known = records[question.name];
  const wantV6 = question.type === 28;
  const rdatas = (known ?? [])
    .filter((ip) => isIPv6(ip) === wantV6)
    .map((ip) => (wantV6 ? ipv6Bytes(ip) : Buffer.from(ip.split('.').map(Number))));
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  // QR=1, opcode 0, AA=1, RD copied, RA=1, rcode 0 (NOERROR) or 3 (NXDOMAIN)
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (known === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(question.type, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(30, 6); // TTL
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
