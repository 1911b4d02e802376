/**
 * Start-up self-check (MESH-NOTES §G.3): does anything listen on the mesh proxies'
 * localhost ports? If so this pod was meshed by accident and its "unmeshed client"
 * observations are worthless; the CLI marks them inconclusive.
 */
import { connect } from 'node:net';
import { MESH_PROXY_PORTS, type SelfCheck } from '../protocol.js';

/** Options for tests and unusual hosts; the defaults are what the agent uses. */
export interface SelfCheckOptions {
  readonly ports?: readonly number[];
  readonly host?: string;
  readonly timeoutMs?: number;
}

/** True when something accepted a TCP connection on host:port within timeoutMs. */
function listening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (accepted: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(accepted);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

/** Which mesh proxy ports accept connections on 127.0.0.1. Never rejects. */
export async function meshSelfCheck(opts: SelfCheckOptions = {}): Promise<SelfCheck> {
  const ports = opts.ports ?? MESH_PROXY_PORTS;
  const host = opts.host ?? '127.0.0.1';
  const timeoutMs = opts.timeoutMs ?? 300;
  const accepted = await Promise.all(ports.map((port) => listening(host, port, timeoutMs)));
  const meshListeners = ports.filter((_, i) => accepted[i] === true).sort((a, b) => a - b);
  return { meshListeners, meshed: meshListeners.length > 0, nodeVersion: process.version };
}
