/**
 * Real UDP requests built by hand (no dependencies: the agent bundle stays small) and cheap
 * parsers for the replies. Parsers never throw: a reply that does not parse as the protocol
 * sent is still a reply, just without a summary of its contents. Pure.
 */
import type { UdpDnsFacts, UdpFacts, UdpPayload } from '../protocol.js';

/** What the echo payload sends (the run's echo pod sends it back). */
export const UDP_ECHO_TEXT = 'MESHPROBE-UDP\n';

/** Default DNS query name: under .invalid (RFC 6761), so a resolver answers without asking anyone else. */
const DEFAULT_DNS_NAME = 'meshprobe.invalid';

/** The request of one attempt; `id` is a 16-bit number the reply must echo (DNS id, SNMP request-id). */
export function udpRequestBytes(payload: UdpPayload, id: number, dnsName = DEFAULT_DNS_NAME): Buffer {
  switch (payload) {
    case 'dns':
      return dnsQuery(id, dnsName);
    case 'ntp':
      return ntpRequest();
    case 'snmp':
      return snmpGet(id);
    case 'echo':
      return Buffer.from(UDP_ECHO_TEXT, 'latin1');
    default: {
      const never: never = payload;
      throw new Error(`unknown UDP payload ${String(never)}`);
    }
  }
}

/** A standard query, recursion desired, one question: `name` IN A. */
export function dnsQuery(id: number, name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l.length > 0);
  const qname = Buffer.concat([
    ...labels.map((l) => {
      const bytes = Buffer.from(l, 'latin1').subarray(0, 63);
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([header, qname, Buffer.from([0, 1, 0, 1])]); // QTYPE A, QCLASS IN
}

/** An NTP v4 client packet (RFC 5905): LI 0, VN 4, mode 3, the rest zero. */
export function ntpRequest(): Buffer {
  const b = Buffer.alloc(48);
  b[0] = 0x23;
  return b;
}

function ber(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

/** SNMP v2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0), community "public" (the well-known default). */
export function snmpGet(id: number): Buffer {
  const int = (v: number): Buffer => ber(0x02, v > 0x7f ? Buffer.from([0, v]) : Buffer.from([v]));
  const reqId = ber(0x02, Buffer.from([(id >> 8) & 0x7f, id & 0xff]));
  const oid = ber(0x06, Buffer.from([0x2b, 6, 1, 2, 1, 1, 1, 0]));
  const varbinds = ber(0x30, ber(0x30, Buffer.concat([oid, Buffer.from([0x05, 0x00])])));
  const pdu = ber(0xa0, Buffer.concat([reqId, int(0), int(0), varbinds]));
  return ber(0x30, Buffer.concat([int(1), ber(0x04, Buffer.from('public', 'latin1')), pdu]));
}

const RCODES: readonly string[] = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** Skip a (possibly compressed) domain name; the offset after it, or -1. */
function skipName(b: Buffer, at: number): number {
  let i = at;
  for (let hops = 0; hops < 128 && i < b.length; hops++) {
    const len = b[i] ?? 0;
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2;
    i += len + 1;
  }
  return -1;
}

/** Header, answer count and A records of a DNS reply to query `id`; undefined when it is not one. */
export function parseDnsReply(b: Buffer, id: number): UdpDnsFacts | undefined {
  if (b.length < 12 || b.readUInt16BE(0) !== (id & 0xffff) || (b.readUInt16BE(2) & 0x8000) === 0) return undefined;
  const rcode = b.readUInt16BE(2) & 0x0f;
  const questions = b.readUInt16BE(4);
  const answers = b.readUInt16BE(6);
  let at = 12;
  for (let q = 0; q < questions && at >= 0; q++) {
    const end = skipName(b, at);
    at = end < 0 ? -1 : end + 4;
  }
  const addresses: string[] = [];
  for (let a = 0; a < Math.min(answers, 64) && at >= 0 && at < b.length; a++) {
    at = skipName(b, at);
    if (at < 0 || at + 10 > b.length) break;
    const type = b.readUInt16BE(at);
    const rdlength = b.readUInt16BE(at + 8);
    if (type === 1 && rdlength === 4 && at + 14 <= b.length) {
      addresses.push([...b.subarray(at + 10, at + 14)].join('.'));
    }
    at += 10 + rdlength;
  }
  return { rcode, answers, addresses };
}

/** Tag, content start and end of the BER element at `at`; undefined when malformed. */
function berAt(b: Buffer, at: number): { tag: number; start: number; end: number } | undefined {
  const tag = b[at];
  let len = b[at + 1];
  if (tag === undefined || len === undefined) return undefined;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || start + n > b.length) return undefined;
    len = n === 1 ? (b[start] ?? 0) : b.readUInt16BE(start);
    start += n;
  }
  return start + len <= b.length ? { tag, start, end: start + len } : undefined;
}

function berInt(b: Buffer, el: { start: number; end: number }): number {
  let v = 0;
  for (let i = el.start; i < el.end && i < el.start + 4; i++) v = v * 256 + (b[i] ?? 0);
  return v;
}

/** PDU tag and error-status of an SNMP message; undefined when it does not parse. */
export function parseSnmpReply(b: Buffer): { pdu: number; errorStatus: number } | undefined {
  const msg = berAt(b, 0);
  if (msg?.tag !== 0x30) return undefined;
  const version = berAt(b, msg.start);
  const community = version && berAt(b, version.end);
  const pdu = community && berAt(b, community.end);
  const reqId = pdu && berAt(b, pdu.start);
  const status = reqId && berAt(b, reqId.end);
  if (!pdu || !status || (pdu.tag & 0xe0) !== 0xa0 || status.tag !== 0x02) return undefined;
  return { pdu: pdu.tag, errorStatus: berInt(b, status) };
}

/** Parsed facts and a one-phrase summary of the first reply, for the payload that was sent. */
export function describeReply(
  payload: UdpPayload,
  reply: Buffer,
  id: number,
): Pick<UdpFacts, 'summary' | 'dns' | 'ntp' | 'snmp'> {
  const bytes = `${reply.length} bytes`;
  if (payload === 'dns') {
    const dns = parseDnsReply(reply, id);
    if (!dns) return { summary: `a reply of ${bytes} that is not a DNS answer to the query` };
    const answers = `${dns.answers} answer${dns.answers === 1 ? '' : 's'}`;
    return { dns, summary: `DNS reply ${RCODES[dns.rcode] ?? `rcode ${dns.rcode}`}, ${answers}` };
  }
  if (payload === 'ntp' && reply.length >= 48) {
    const b0 = reply[0] ?? 0;
    const ntp = { mode: b0 & 7, version: (b0 >> 3) & 7, stratum: reply[1] ?? 0 };
    return { ntp, summary: `NTP reply mode ${ntp.mode}, stratum ${ntp.stratum}` };
  }
  if (payload === 'snmp') {
    const snmp = parseSnmpReply(reply);
    const pdu = snmp?.pdu === 0xa2 ? 'Response' : `PDU 0x${snmp?.pdu.toString(16) ?? ''}`;
    if (snmp) return { snmp, summary: `SNMP ${pdu}, error-status ${snmp.errorStatus}` };
  }
  return { summary: `a reply of ${bytes}` };
}
