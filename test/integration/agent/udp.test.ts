/**
 * The agent's `udp` technique against real UDP servers on 127.0.0.1: a DNS responder (checked
 * with `dig`), an NTP server, an SNMP agent stand-in, an echo socket, a silent socket and a
 * closed port. The requests are the protocols' real bytes: the DNS query equals dig's, the SNMP
 * get decodes with node-forge's ASN.1 parser.
 */
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { runAttempt } from '../../../probes/agent/attempt.js';
import { dnsQuery, snmpGet } from '../../../probes/agent/udp-payloads.js';
import type { AttemptSpec, UdpRequest } from '../../../probes/protocol.js';
import {
  closedUdpPort,
  DNS_ANSWER_ADDRESS,
  dnsAnswer,
  ntpAnswer,
  snmpAnswer,
  startUdpServer,
} from '../../helpers/udp-servers.js';

const spec = (port: number, udp: UdpRequest, timeoutMs = 2000): AttemptSpec => ({
  id: `udp-${port}`,
  technique: 'udp',
  host: '127.0.0.1',
  port,
  timeoutMs,
  udp,
});

function digAvailable(): string | undefined {
  try {
    execFileSync('dig', ['-v'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'dig is not installed (apt-get install bind9-dnsutils)';
  }
}

t.test('a DNS query to a resolver that answers is a reply with its rcode and A records', async (t) => {
  // Given a DNS responder on loopback
  const server = await startUdpServer(dnsAnswer);
  t.teardown(server.close);
  // When the agent sends its DNS query
  const obs = await runAttempt(spec(server.port, { payload: 'dns', dnsName: 'exfil.meshprobe.invalid' }));
  // Then it reports the reply, parsed
  t.equal(obs.transport, 'connected');
  t.ok(obs.bytesReceived > 12);
  t.same(obs.udp?.dns, { rcode: 0, answers: 1, addresses: [DNS_ANSWER_ADDRESS] });
  t.equal(obs.udp?.summary, 'DNS reply NOERROR, 1 answer');
  t.equal(obs.udp?.sent, 1);
  t.equal(server.received.length, 1);
});

t.test('an NXDOMAIN answer is still a reply: the resolver answered', async (t) => {
  const server = await startUdpServer(dnsAnswer);
  t.teardown(server.close);
  const obs = await runAttempt(spec(server.port, { payload: 'dns', dnsName: 'gone.nx.test' }));
  t.equal(obs.transport, 'connected');
  t.same(obs.udp?.dns, { rcode: 3, answers: 0, addresses: [] });
  t.equal(obs.udp?.summary, 'DNS reply NXDOMAIN, 0 answers');
});

t.test(
  'the DNS query is byte for byte the one dig sends, and dig reads the responder as the agent does',
  { skip: digAvailable() ?? false },
  async (t) => {
    // Given the responder, When dig queries it (no EDNS, no AD flag, no cookie: a plain RFC 1035 query)
    const server = await startUdpServer(dnsAnswer);
    t.teardown(server.close);
    // (async: the responder runs in this process's event loop)
    const { stdout: out } = await promisify(execFile)(
      'dig',
      [
        '+noedns',
        '+noadflag',
        '+nocookie',
        '+tries=1',
        '+time=2',
        '-p',
        String(server.port),
        '@127.0.0.1',
        'mp-abc.meshprobe.invalid',
        'A',
      ],
      { encoding: 'utf8' },
    );
    // Then dig sees NOERROR and the A record the agent parsed above
    t.match(out, /status: NOERROR/);
    t.match(
      out,
      new RegExp(`mp-abc\\.meshprobe\\.invalid\\.\\s+60\\s+IN\\s+A\\s+${DNS_ANSWER_ADDRESS.replaceAll('.', '\\.')}`),
    );
    // And dig's query equals the agent's query for the same id and name
    const digQuery = server.received[0]!;
    t.equal(dnsQuery(digQuery.readUInt16BE(0), 'mp-abc.meshprobe.invalid').toString('hex'), digQuery.toString('hex'));
  },
);

t.test('an NTP request to an NTP server is a reply with mode and stratum', async (t) => {
  const server = await startUdpServer(ntpAnswer);
  t.teardown(server.close);
  const obs = await runAttempt(spec(server.port, { payload: 'ntp' }));
  t.equal(obs.transport, 'connected');
  t.same(obs.udp?.ntp, { mode: 4, version: 4, stratum: 2 });
  t.equal(server.received[0]?.length, 48);
  t.equal(server.received[0]?.[0], 0x23, 'LI 0, VN 4, mode 3 (client)');
});

t.test('an SNMP get is well-formed BER and its Response is parsed with the error-status', async (t) => {
  // Given an SNMP stand-in that answers noSuchName (2)
  const server = await startUdpServer((q) => snmpAnswer(q, 2));
  t.teardown(server.close);
  const obs = await runAttempt(spec(server.port, { payload: 'snmp' }));
  t.equal(obs.transport, 'connected');
  t.same(obs.udp?.snmp, { pdu: 0xa2, errorStatus: 2 });
  t.equal(obs.udp?.summary, 'SNMP Response, error-status 2');
  // And the request decodes as SNMP v2c GetRequest public sysDescr.0 with an independent ASN.1 parser
  const msg = forge.asn1.fromDer(forge.util.createBuffer(snmpGet(0x1234).toString('binary')));
  const [version, community, pdu] = msg.value as forge.asn1.Asn1[];
  t.equal(forge.util.bytesToHex(version!.value as string), '01');
  t.equal(community!.value, 'public');
  t.equal(pdu!.tagClass, forge.asn1.Class.CONTEXT_SPECIFIC);
  t.equal(pdu!.type, 0);
  const varbind = ((pdu!.value as forge.asn1.Asn1[])[3]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  t.equal(forge.asn1.derToOid(forge.util.createBuffer(varbind[0]!.value as string)), '1.3.6.1.2.1.1.1.0');
});

t.test('an echo datagram comes back from an echo socket', async (t) => {
  const server = await startUdpServer((d) => d);
  t.teardown(server.close);
  const obs = await runAttempt(spec(server.port, { payload: 'echo' }));
  t.equal(obs.transport, 'connected');
  t.equal(obs.dataPrefix, 'MESHPROBE-UDP\n');
});

t.test('a closed UDP port is refused: the ICMP port-unreachable surfaces as ECONNREFUSED', async (t) => {
  const port = await closedUdpPort();
  const obs = await runAttempt(spec(port, { payload: 'dns' }));
  t.equal(obs.transport, 'refused');
  t.equal(obs.errorCode, 'ECONNREFUSED');
  t.equal(obs.udp?.replies, 0);
});

t.test('a server that stays silent is a timeout, after the request was sent twice', async (t) => {
  // Given a socket that reads and never answers
  const server = await startUdpServer(() => undefined);
  t.teardown(server.close);
  // When the agent tries with a short timeout
  const obs = await runAttempt(spec(server.port, { payload: 'ntp' }, 400));
  // Then nothing came back: timeout, no reply, and the retry went out
  t.equal(obs.transport, 'timeout');
  t.equal(obs.errorCode, undefined);
  t.equal(obs.udp?.sent, 2);
  t.equal(server.received.length, 2);
  t.ok(obs.durationMs >= 380 && obs.durationMs < 1500, `took ${obs.durationMs} ms`);
});

t.test('a bad udp spec is an agent-error naming the problem', async (t) => {
  const obs = await runAttempt({ ...spec(53, { payload: 'dns', dnsName: 'bad name!' }) });
  t.equal(obs.transport, 'agent-error');
  t.equal(obs.errorCode, 'E_SPEC');
  t.match(obs.detail, /dnsName/);
  const other = await runAttempt({ ...spec(53, { payload: 'quic' as never }) });
  t.match(other.detail, /udp\.payload must be dns, ntp, snmp or echo/);
});

t.test('an aborted udp attempt is an agent-error with the abort code, and the socket is closed', async (t) => {
  const server = await startUdpServer(() => undefined);
  t.teardown(server.close);
  const controller = new AbortController();
  setTimeout(() => controller.abort(Object.assign(new Error('deadline'), { code: 'E_DEADLINE' })), 50);
  const obs = await runAttempt(spec(server.port, { payload: 'echo' }, 5000), controller.signal);
  t.equal(obs.transport, 'agent-error');
  t.equal(obs.errorCode, 'E_DEADLINE');
  t.ok(obs.durationMs < 1000);
});
