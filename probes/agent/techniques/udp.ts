/**
 * Technique `udp`: send one real request of the port's protocol over a connected UDP socket
 * and report what came back, with no judgement:
 * - a datagram from the target → connected (bytes, a parsed summary where cheap);
 * - ECONNREFUSED → refused: on Linux a connected UDP socket reports an ICMP port-unreachable
 *   as ECONNREFUSED on its next receive (or send);
 * - EHOSTUNREACH / ENETUNREACH → unreachable (ICMP host/admin-prohibited);
 * - nothing before the timeout → timeout. Silence alone proves nothing (UDP is lossy, and many
 *   servers ignore requests they do not like); the CLI decides with the UDP canary.
 * A silent first request is sent once more at half the timeout.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { AttemptSpec, ObservationLine, UdpFacts } from '../../protocol.js';
import { classifyTransport, type SocketEnding } from '../classify-error.js';
import { observation, startClock, textPrefix, type AttemptClock } from '../observation.js';
import { redactText } from '../redact.js';
import { describeReply, udpRequestBytes } from '../udp-payloads.js';

const PREFIX_BYTES = 512;

interface UdpEnding {
  readonly ending: SocketEnding;
  readonly reply?: Buffer;
  readonly sent: number;
  readonly replies: number;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'E_UDP';
}

/** Send, resend once, and wait for the first reply, an error, the timeout or an abort. */
function exchangeDatagram(
  spec: AttemptSpec,
  request: Buffer,
  deadline: number,
  signal?: AbortSignal,
): Promise<UdpEnding> {
  const socket: Socket = createSocket(isIP(spec.host) === 6 ? 'udp6' : 'udp4');
  let sent = 0;
  let replies = 0;
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = (ending: Omit<SocketEnding, 'connected' | 'sent' | 'bytesReceived'>, reply?: Buffer): void => {
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('message');
      socket.on('error', () => {});
      try {
        socket.close();
      } catch {
        // already closed
      }
      const bytesReceived = reply?.length ?? 0;
      const full: SocketEnding = { ...ending, connected: false, sent: sent > 0, bytesReceived };
      resolve({ ending: full, sent, replies, ...(reply ? { reply } : {}) });
    };
    const onAbort = (): void => finish({ kind: 'aborted' });
    const send = (): void => {
      sent += 1;
      socket.send(request, (err) => {
        if (err) finish({ kind: 'error', code: errorCode(err), syscall: 'send' });
      });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err) => finish({ kind: 'error', code: errorCode(err), syscall: 'recvmsg' }));
    socket.on('message', (msg) => {
      replies += 1;
      finish({ kind: 'settled' }, msg);
    });
    const left = Math.max(0, deadline - performance.now());
    timers.push(setTimeout(() => finish({ kind: 'timeout' }), left));
    socket.connect(spec.port, spec.host, (err?: Error) => {
      if (err) return finish({ kind: 'error', code: errorCode(err), syscall: 'connect' });
      send();
      timers.push(setTimeout(() => replies === 0 && send(), Math.floor(left / 2)));
    });
  });
}

/** Make a `udp` attempt. Never rejects. */
export async function udpAttempt(
  spec: AttemptSpec,
  signal?: AbortSignal,
  clock: AttemptClock = startClock(),
): Promise<ObservationLine> {
  const payload = spec.udp?.payload ?? 'echo';
  const id = Math.floor(Math.random() * 0x10000);
  const request = udpRequestBytes(payload, id, spec.udp?.dnsName);
  const { ending, reply, sent, replies } = await exchangeDatagram(spec, request, clock.t0 + spec.timeoutMs, signal);
  const udp: UdpFacts = { payload, sent, replies, ...(reply ? describeReply(payload, reply, id) : {}) };
  const transport = classifyTransport(ending);
  return observation(spec, clock, transport, {
    errorCode: ending.code,
    bytesReceived: ending.bytesReceived,
    dataPrefix: reply && payload === 'echo' ? redactText(textPrefix(reply, PREFIX_BYTES)) : undefined,
    ...(transport === 'agent-error' && ending.kind === 'aborted' ? {} : { udp }),
  });
}
