/**
 * UDP servers on 127.0.0.1 for the agent's `udp` technique: a DNS responder, an NTP server,
 * an SNMP agent stand-in and an echo socket, each bound to port 0 with a close() for teardown.
 * The DNS responder's answer function is also shipped as source to the namespace listeners
 * (netns.ts), so both speak the same DNS (checked against `dig` in the tests).
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/** Address every A answer carries (lab/benchmark space, never routed anywhere). */
export const DNS_ANSWER_ADDRESS = '198.18.0.53';

/**
 * Source of `(query: Buffer) => Buffer`: the reply to a DNS query. Names ending in
 * "nx.test" get NXDOMAIN with no answer; every other name one A record (DNS_ANSWER_ADDRESS).
 */
export const DNS_ANSWER_SOURCE = `(q) => {
  let end = 12;
  while (end < q.length && q[end] !== 0) end += q[end] + 1;
  const question = q.subarray(12, end + 5);
  const name = [];
  for (let i = 12; i < end; i += q[i] + 1) name.push(q.subarray(i + 1, i + 1 + q[i]).toString('latin1'));
  const nx = name.join('.').endsWith('nx.test');
  const header = Buffer.alloc(12);
  q.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | (nx ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(nx ? 0 : 1, 6);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 53]);
  return Buffer.concat(nx ? [header, question] : [header, question, answer]);
}`;

/** The DNS answer function, in-process. */
export const dnsAnswer = new Function(`return ${DNS_ANSWER_SOURCE}`)() as (query: Buffer) => Buffer;

/** An NTP v4 server reply (mode 4, stratum 2) to any 48-byte request. */
export function ntpAnswer(request: Buffer): Buffer | undefined {
  if (request.length < 48) return undefined;
  const reply = Buffer.alloc(48);
  reply[0] = 0x24; // LI 0, VN 4, mode 4
  reply[1] = 2;
  request.copy(reply, 24, 40, 48); // originate timestamp = the client's transmit timestamp
  return reply;
}

/**
 * An SNMP v2c Response to a GetRequest: the request with its PDU tag turned into 0xa2
 * (Response) and, when `errorStatus` is set, that error-status (e.g. 2 = noSuchName).
 */
export function snmpAnswer(request: Buffer, errorStatus = 0): Buffer {
  const reply = Buffer.from(request);
  // Walk: SEQUENCE → version → community → PDU (short-form lengths, as the agent sends them).
  const communityAt = 2 + 2 + (reply[3] ?? 0);
  const pduAt = communityAt + 2 + (reply[communityAt + 1] ?? 0);
  reply[pduAt] = 0xa2;
  const reqIdAt = pduAt + 2;
  const statusAt = reqIdAt + 2 + (reply[reqIdAt + 1] ?? 0);
  reply[statusAt + 2] = errorStatus;
  return reply;
}

/** A UDP server on 127.0.0.1 answering each datagram with `answer(datagram)` (undefined = stay silent). */
export async function startUdpServer(
  answer: (datagram: Buffer) => Buffer | undefined,
): Promise<{ port: number; received: Buffer[]; close: () => Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (m, r) => {
    received.push(m);
    const reply = answer(m);
    if (reply) socket.send(reply, r.port, r.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    port: socket.address().port,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 where nothing listens over UDP (bound, then closed). */
export async function closedUdpPort(): Promise<number> {
  const server = await startUdpServer(() => undefined);
  await server.close();
  return server.port;
}
