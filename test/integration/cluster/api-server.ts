/**
 * A tiny HTTP(S) server on 127.0.0.1:0 that speaks the Kubernetes API's JSON and error
 * format (Status objects), so the real client-node adapter can be driven through every
 * error path. Routes are a function of (method, path); every request is recorded.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One recorded request. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: string;
  readonly authorization: string | undefined;
}

/** What a route answers: status + JSON body, or raw text. */
export interface Reply {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
}

/** Route function; return undefined for the default 404 "page not found". */
export type Route = (req: SeenRequest) => Reply | undefined;

/** A Kubernetes Status error body. */
export function status(code: number, reason: string, message: string, details?: object): Reply {
  return {
    status: code,
    json: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    },
  };
}

/** A running fake API server. */
export interface FakeApiServer {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Write a kubeconfig for this server; returns its path. */
  kubeconfig(opts?: { readonly caPem?: string; readonly token?: string; readonly server?: string }): string;
  close(): Promise<void>;
}

/** Start a fake API server (TLS when `tls` is given). */
export async function startApiServer(
  route: Route,
  tls?: { readonly certPem: string; readonly keyPem: string },
): Promise<FakeApiServer> {
  const seen: SeenRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path = '', query = ''] = (req.url ?? '').split('?');
      const seenReq: SeenRequest = {
        method: req.method ?? '',
        path,
        query,
        body: Buffer.concat(chunks).toString('utf8'),
        authorization: req.headers.authorization,
      };
      seen.push(seenReq);
      const reply = route(seenReq) ?? { status: 404, text: '404 page not found\n' };
      if (reply.json !== undefined) {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.json));
      } else {
        res.writeHead(reply.status, { 'content-type': 'text/plain' });
        res.end(reply.text ?? '');
      }
    });
  };
  const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, handler) : http.createServer(handler);
  // Track raw sockets: a client that fails the TLS handshake is not an HTTP connection, and
  // closeAllConnections() would leave it open (close() would then wait forever).
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (sock: import('node:net').Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-kc-'));
  return {
    url,
    seen,
    kubeconfig(opts = {}) {
      const clusterLines = opts.caPem
        ? [`    certificate-authority-data: ${Buffer.from(opts.caPem).toString('base64')}`]
        : tls
          ? []
          : ['    insecure-skip-tls-verify: true'];
      const text = [
        'apiVersion: v1',
        'kind: Config',
        'current-context: fake',
        'clusters:',
        '- name: fake',
        '  cluster:',
        `    server: ${opts.server ?? url}`,
        ...clusterLines,
        'users:',
        '- name: fake',
        '  user:',
        `    token: ${opts.token ?? 'test-token'}`,
        'contexts:',
        '- name: fake',
        '  context:',
        '    cluster: fake',
        '    user: fake',
      ].join('\n');
      const file = join(dir, `kubeconfig-${Math.random().toString(16).slice(2)}`);
      writeFileSync(file, text);
      return file;
    },
    async close() {
      server.closeAllConnections();
      for (const sock of sockets) sock.destroy();
      server.close();
      await once(server, 'close');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A list body of the given kind with items. */
export function listOf(kind: string, items: readonly object[]): Reply {
  return { status: 200, json: { kind, apiVersion: 'v1', metadata: {}, items } };
}

/** A loopback port that was just closed (connecting to it is refused). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}
