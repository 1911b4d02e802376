/**
 * A real S3-compatible server on 127.0.0.1 for the upload tests: versitygw (Versity S3 Gateway,
 * Go, built from its module by test/helpers/install-versitygw.sh into ~/.cache/meshprobe-lab) on
 * its posix backend in a temporary directory. It verifies SigV4 signatures and payload hashes,
 * so a test that uploads to it proves the signing. Plus a fault proxy that answers 5xx or resets
 * chosen requests and forwards the rest unchanged (Host included, so signatures still verify).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';

/** Pinned versitygw release (served on the Go module proxy). */
export const VERSITYGW_VERSION = 'v1.8.0';

/** Where install-versitygw.sh puts the binary (MESHPROBE_VERSITYGW overrides). */
export function versitygwPath(): string {
  if (process.env.MESHPROBE_VERSITYGW) return process.env.MESHPROBE_VERSITYGW;
  const cache = process.env.MESHPROBE_LAB_CACHE ?? join(homedir(), '.cache', 'meshprobe-lab');
  return join(cache, `versitygw-${VERSITYGW_VERSION}`, 'versitygw');
}

/** Why the server cannot start here, or undefined when it can. */
export function versitygwMissing(): string | undefined {
  return existsSync(versitygwPath())
    ? undefined
    : `versitygw not found at ${versitygwPath()}; install it with: bash test/helpers/install-versitygw.sh`;
}

/** A running server. */
export interface S3Server {
  readonly endpoint: string;
  readonly access: string;
  readonly secret: string;
  /** Signed request with the server's root credentials (test set-up and read-back only). */
  send(method: string, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function signedSend(
  endpoint: string,
  cred: { accessKeyId: string; secretAccessKey: string },
  method: string,
  path: string,
  body?: Buffer,
): Promise<{ status: number; body: Buffer }> {
  const url = new URL(path, endpoint);
  const opts = aws4.sign(
    {
      host: url.host,
      path: url.pathname + url.search,
      method,
      service: 's3',
      region: 'us-east-1',
      ...(body ? { body } : {}),
      headers: {},
    },
    cred,
  );
  const headers = Object.fromEntries(
    Object.entries(opts.headers ?? {})
      .filter(([k]) => k.toLowerCase() !== 'host')
      .map(([k, v]) => [k, String(v)]),
  );
  const res = await fetch(url, {
    method,
    headers,
    ...(body ? { body: new Uint8Array(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Start versitygw on a free loopback port with a fresh posix root; waits until it answers (≤ 20 s). */
export async function startS3Server(): Promise<S3Server> {
  const root = mkdtempSync(join(tmpdir(), 'meshprobe-s3-'));
  mkdirSync(join(root, 'data'));
  const port = await freePort();
  const access = 'meshprobetestaccess';
  const secret = 'meshprobe-test-secret-key-0123456789';
  const child: ChildProcess = spawn(
    versitygwPath(),
    ['--access', access, '--secret', secret, '--port', `127.0.0.1:${port}`, '--quiet', 'posix', join(root, 'data')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const cred = { accessKeyId: access, secretAccessKey: secret };
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const ok = await signedSend(endpoint, cred, 'GET', '/').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { endpoint, access, secret, send: (m, p, b) => signedSend(endpoint, cred, m, p, b), close };
    await new Promise((r) => setTimeout(r, 200));
  }
  await close();
  throw new Error(`versitygw did not start on ${endpoint}: ${stderr.slice(0, 500)}`);
}

/** What the fault proxy does with one request (by count of PUTs seen so far). */
export type FaultAction = 'forward' | { readonly status: number } | 'reset';

/** A proxy in front of the real server. */
export interface FaultProxy {
  readonly endpoint: string;
  /** Every request: method, path and what was done. */
  readonly seen: { method: string; path: string; action: string }[];
  close(): Promise<void>;
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const out = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

/** Start a proxy on 127.0.0.1:0; `decide(n, req)` picks the action for the n-th request (1-based). */
export async function startFaultProxy(
  upstream: string,
  decide: (n: number, req: IncomingMessage) => FaultAction,
): Promise<FaultProxy> {
  const seen: FaultProxy['seen'] = [];
  const up = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const action = decide(seen.length + 1, req);
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      action: typeof action === 'string' ? action : String(action.status),
    });
    if (action === 'forward') return forward(req, res, up);
    if (action === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    req.resume();
    res.writeHead(action.status, { 'content-type': 'application/xml', connection: 'close' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>stand-in ${action.status}</Message></Error>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
