/** Hand-built UDP requests and their reply parsers: exact bytes, and no throw on hostile replies. */
import t from 'tap';
import {
  describeReply,
  dnsQuery,
  ntpRequest,
  parseDnsReply,
  parseSnmpReply,
  snmpGet,
  udpRequestBytes,
  UDP_ECHO_TEXT,
} from '../../../probes/agent/udp-payloads.js';
import { dnsAnswer, ntpAnswer, snmpAnswer } from '../../helpers/udp-servers.js';

t.test('the DNS query is a standard RD query for one A record', async (t) => {
  // Given an id and a name, When the query is built, Then header and question are RFC 1035's
  t.equal(
    dnsQuery(0xabcd, 'a.bc.').toString('hex'),
    'abcd01000001000000000000' + '0161' + '026263' + '00' + '00010001',
  );
});

t.test('each payload builds the bytes of its protocol', async (t) => {
  t.equal(ntpRequest().length, 48);
  t.equal(ntpRequest()[0], 0x23);
  t.equal(udpRequestBytes('echo', 1).toString(), UDP_ECHO_TEXT);
  t.equal(udpRequestBytes('dns', 7).readUInt16BE(0), 7);
  const snmp = snmpGet(0x1234);
  t.equal(snmp[0], 0x30);
  t.equal(snmp[1], snmp.length - 2, 'outer SEQUENCE length covers the message');
  t.ok(snmp.includes(Buffer.from('public')), 'community public');
});

t.test('a DNS reply is parsed only when it answers this query id', async (t) => {
  const reply = dnsAnswer(dnsQuery(0x1111, 'x.example'));
  t.same(parseDnsReply(reply, 0x1111), { rcode: 0, answers: 1, addresses: ['198.18.0.53'] });
  t.equal(parseDnsReply(reply, 0x2222), undefined, 'another id');
  t.equal(parseDnsReply(dnsQuery(0x1111, 'x.example'), 0x1111), undefined, 'a query (QR 0) is not a reply');
  t.match(describeReply('dns', reply, 0x2222), { summary: /not a DNS answer/ });
});

t.test('truncated, looping or garbage replies never throw and are still described', async (t) => {
  const good = dnsAnswer(dnsQuery(5, 'x.example'));
  for (let cut = 0; cut < good.length; cut++)
    t.doesNotThrow(() => describeReply('dns', good.subarray(0, cut), 5), `DNS cut at ${cut}`);
  // A name whose label lengths run past the end, and an answer count far above what is there
  const hostile = Buffer.concat([Buffer.from('0005818000010fff00000000', 'hex'), Buffer.from([63, 1, 2])]);
  t.match(describeReply('dns', hostile, 5), { dns: { rcode: 0, answers: 0x0fff } });
  const snmp = snmpAnswer(snmpGet(9));
  for (let cut = 0; cut < snmp.length; cut++)
    t.doesNotThrow(() => describeReply('snmp', snmp.subarray(0, cut), 9), `SNMP cut at ${cut}`);
  t.equal(parseSnmpReply(Buffer.from([0x30, 0x84, 1, 2, 3, 4])), undefined, 'long-form length beyond 2 bytes');
  t.same(describeReply('ntp', Buffer.alloc(10), 0), { summary: 'a reply of 10 bytes' });
});

t.test('NTP and SNMP replies are summarised in one phrase', async (t) => {
  t.same(describeReply('ntp', ntpAnswer(ntpRequest())!, 0), {
    ntp: { mode: 4, version: 4, stratum: 2 },
    summary: 'NTP reply mode 4, stratum 2',
  });
  t.same(describeReply('snmp', snmpAnswer(snmpGet(3)), 3), {
    snmp: { pdu: 0xa2, errorStatus: 0 },
    summary: 'SNMP Response, error-status 0',
  });
});
