/**
 * An API server stand-in on 127.0.0.1:0 that misbehaves on purpose, at the socket level, so
 * the real client library meets the faults a sick control plane produces: it accepts and
 * never answers, answers an error status, resets the connection in the middle of a body,
 * or trickles a body one byte at a time and never finishes it.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How the stand-in misbehaves. */
export type Fault =
  | { readonly kind: 'hang' }
  | { readonly kind: 'status'; readonly status: 403 | 429 | 500 }
  | { readonly kind: 'reset-mid-body' }
  | { readonly kind: 'trickle'; readonly everyMs: number };

/** A running stand-in. */
export interface FaultServer {
  readonly url: string;
  /** Requests whose head arrived (method and path). */
  readonly seen: string[];
  /** When the first request head arrived (Date.now()), to time a CLI from its first call, not its start-up. */
  readonly firstAt: () => number | undefined;
  /** A kubeconfig (plain http, skip-verify) pointing at this server. */
  readonly kubeconfig: string;
  close(): Promise<void>;
}

const REASONS: Readonly<Record<number, string>> = { 403: 'Forbidden', 429: 'TooManyRequests', 500: 'InternalError' };

function statusBody(status: number): string {
  const reason = REASONS[status] ?? 'Unknown';
  const message =
    status === 429
      ? 'the server has received too many requests and has asked us to try again later'
      : status === 403
        ? 'forbidden by the fault stand-in'
        : 'etcdserver: request timed out';
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code: status,
  });
}

/** Answer one request head on `sock` according to the fault. */
function answer(sock: net.Socket, fault: Fault, timers: Set<NodeJS.Timeout>): void {
  switch (fault.kind) {
    case 'hang':
      return;
    case 'status': {
      const body = statusBody(fault.status);
      const retry = fault.status === 429 ? 'Retry-After: 1\r\n' : '';
      sock.end(
        `HTTP/1.1 ${fault.status} ${REASONS[fault.status]}\r\nContent-Type: application/json\r\n${retry}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    case 'reset-mid-body':
      sock.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"kind":"NamespaceList","items":[',
      );
      timers.add(setTimeout(() => sock.resetAndDestroy(), 50));
      return;
    case 'trickle': {
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n');
      const t = setInterval(() => (sock.destroyed ? clearInterval(t) : sock.write(' ')), fault.everyMs);
      timers.add(t);
      return;
    }
    default: {
      const never: never = fault;
      throw new Error(`unknown fault ${String(never)}`);
    }
  }
}

/** A kubeconfig (plain http, skip-verify, a dummy token) for a stand-in at `url`, in a fresh temp dir. */
export function writeFaultKubeconfig(url: string): { readonly kubeconfig: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-fault-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: fault',
      'clusters:',
      '- name: fault',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fault',
      '  user:',
      '    token: fault-token',
      'contexts:',
      '- name: fault',
      '  context:',
      '    cluster: fault',
      '    user: fault',
    ].join('\n'),
  );
  return { kubeconfig, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Start a stand-in with the given fault. */
export async function startFaultServer(fault: Fault): Promise<FaultServer> {
  const seen: string[] = [];
  let first: number | undefined;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let head = '';
    sock.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      // One request per connection is enough for the client (it opens another when needed).
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      first ??= Date.now();
      seen.push(head.slice(0, head.indexOf('\r\n')));
      head = '';
      answer(sock, fault, timers);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = writeFaultKubeconfig(url);
  return {
    url,
    seen,
    firstAt: () => first,
    kubeconfig: config.kubeconfig,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
      config.remove();
    },
  };
}
