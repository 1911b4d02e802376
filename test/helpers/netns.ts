/**
 * Test hosts in network namespaces: a veth pair from this (root) namespace to a fresh
 * one, addresses from 198.18.200.0/22 (RFC 2544 benchmarking space; the lab cluster
 * uses 198.18.0.0/24 and 198.19.0.0/24, so those are avoided), and iptables rules
 * applied INSIDE the test namespace only: the host's own firewall is never touched.
 *
 *   const reason = netnsUnavailable();
 *   if (reason) return t.skip(reason);
 *   const ns = await createNetnsHost();
 *   t.teardown(ns.destroy);                       // removes namespace, veth and listeners
 *   ns.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', '81', '-j', 'DROP']);
 *   await ns.listen([{ port: 86, behaviour: 'echo' }]);
 *   // connect to ns.address:81 → no SYN-ACK, ns.address:86 → echo
 *
 * Names are unique per process and call; destroy() also runs at process exit, so a
 * failing test does not leave namespaces behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DNS_ANSWER_SOURCE } from './udp-servers.js';

/** A namespace with one address, reachable from here over a veth pair. */
export interface NetnsHost {
  /** The namespace's name (`ip netns exec <name> …`). */
  readonly name: string;
  /** The test host's address (inside the namespace). */
  readonly address: string;
  /** This side's address on the veth pair. */
  readonly localAddress: string;
  /** Run `iptables <args>` inside the namespace. */
  readonly iptables: (args: readonly string[]) => void;
  /** Set a (per-namespace) sysctl inside the namespace, e.g. ('net.ipv4.icmp_ratelimit', '0'). */
  readonly sysctl: (name: string, value: string) => void;
  /** Start TCP listeners inside the namespace; resolves once they accept. */
  readonly listen: (listeners: readonly NetnsListener[]) => Promise<void>;
  /** Kill listeners, delete the namespace (and with it the veth pair). Idempotent. */
  readonly destroy: () => Promise<void>;
}

/** A listener run inside the namespace by a child `node` process. */
interface NetnsListener {
  readonly port: number;
  /**
   * echo: write back the first chunk, then close; silent: accept and say nothing.
   * udp-echo: a UDP socket sending every datagram back; udp-dns: a UDP DNS responder (udp-servers.ts).
   */
  readonly behaviour: 'echo' | 'silent' | 'udp-echo' | 'udp-dns';
}

function run(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespace tests need root (run as root or in CI)';
  const probe = `mpchk${process.pid.toString(36)}`;
  try {
    run('ip', ['netns', 'add', probe]);
  } catch (err) {
    return `\`ip netns add\` failed (${(err as Error).message.split('\n')[0] ?? ''}); install iproute2 or run with CAP_SYS_ADMIN`;
  }
  try {
    run('ip', ['netns', 'exec', probe, 'iptables', '-S']);
    return undefined;
  } catch (err) {
    return `iptables does not work inside a namespace (${(err as Error).message.split('\n')[0] ?? ''}); install iptables`;
  } finally {
    run('ip', ['netns', 'del', probe]);
  }
}

let created = 0;
const live = new Set<() => void>();
const cleanupAll = (): void => {
  for (const cleanup of live) cleanup();
};
process.once('exit', cleanupAll);
// tap stops a test that times out with SIGTERM; remove namespaces before dying of it.
process.once('SIGTERM', () => {
  cleanupAll();
  process.exit(143);
});

/** Addresses already configured on this host (to pick a free /30). */
function usedAddresses(): string {
  return run('ip', ['-4', '-o', 'addr', 'show']);
}

/** A free 198.18.200.0/22 /30 subnet: [our address, namespace address]. */
function freeSubnet(): [string, string] {
  const used = usedAddresses();
  const start = randomBytes(2).readUInt16BE(0) % 256;
  for (let i = 0; i < 256; i += 1) {
    const slot = (start + i) % 256;
    const third = 200 + Math.floor(slot / 64);
    const fourth = (slot % 64) * 4;
    const ours = `198.18.${third}.${fourth + 1}`;
    if (!used.includes(` ${ours}/`)) return [ours, `198.18.${third}.${fourth + 2}`];
  }
  throw new Error('no free /30 in 198.18.200.0/22 for a test namespace');
}

const LISTENER_SCRIPT = `
const net = require('node:net');
const dgram = require('node:dgram');
const specs = JSON.parse(process.argv[1]);
const dnsAnswer = ${DNS_ANSWER_SOURCE};
let ready = 0;
for (const { port, behaviour } of specs) {
  if (behaviour.startsWith('udp-')) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m, r) => udp.send(behaviour === 'udp-dns' ? dnsAnswer(m) : m, r.port, r.address));
    udp.bind(port, '0.0.0.0', () => {
      if (++ready === specs.length) process.stdout.write('ready\\n');
    });
    continue;
  }
  const server = net.createServer((s) => {
    s.on('error', () => {});
    if (behaviour === 'echo') s.once('data', (d) => s.end(d)); else s.resume();
  });
  server.listen({ port, host: '0.0.0.0', backlog: 4096 }, () => {
    if (++ready === specs.length) process.stdout.write('ready\\n');
  });
}
`;

/** Namespace + veth pair + addresses, links up (loopback too, for listeners on 0.0.0.0). */
function wire(o: { name: string; ours: string; theirs: string; localAddress: string; address: string }): void {
  run('ip', ['netns', 'add', o.name]);
  run('ip', ['link', 'add', o.ours, 'type', 'veth', 'peer', 'name', o.theirs]);
  run('ip', ['link', 'set', o.theirs, 'netns', o.name]);
  run('ip', ['addr', 'add', `${o.localAddress}/30`, 'dev', o.ours]);
  run('ip', ['link', 'set', o.ours, 'up']);
  const inNs = (args: readonly string[]): string => run('ip', ['netns', 'exec', o.name, ...args]);
  inNs(['ip', 'addr', 'add', `${o.address}/30`, 'dev', o.theirs]);
  inNs(['ip', 'link', 'set', o.theirs, 'up']);
  inNs(['ip', 'link', 'set', 'lo', 'up']);
}

/** Create a namespace test host. Call `destroy()` in teardown. */
export async function createNetnsHost(): Promise<NetnsHost> {
  created += 1;
  const tag = `${process.pid.toString(36)}${created.toString(36)}${randomBytes(1).toString('hex')}`.slice(-9);
  const name = `mpns${tag}`;
  const ours = `mpa${tag}`;
  const theirs = `mpb${tag}`;
  const [localAddress, address] = freeSubnet();
  const children: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    try {
      run('ip', ['netns', 'del', name]);
    } catch {
      /* already gone */
    }
    try {
      run('ip', ['link', 'del', ours]);
    } catch {
      /* went with the namespace */
    }
    live.delete(cleanup);
  };
  live.add(cleanup);
  try {
    wire({ name, ours, theirs, localAddress, address });
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    name,
    address,
    localAddress,
    iptables: (args) => {
      run('ip', ['netns', 'exec', name, 'iptables', ...args]);
    },
    sysctl: (key, value) => {
      run('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', `${key}=${value}`]);
    },
    listen: (listeners) => startListeners(name, listeners, children),
    destroy: async () => {
      await Promise.all(children.map(waitForExitAfterKill));
      cleanup();
    },
  };
}

function startListeners(name: string, listeners: readonly NetnsListener[], children: ChildProcess[]): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', name, process.execPath, '-e', LISTENER_SCRIPT, JSON.stringify(listeners)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`listeners in ${name} did not start within 20 s`)), 20_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`listener process in ${name} exited early (code ${String(code)})`));
    });
  });
}

function waitForExitAfterKill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
