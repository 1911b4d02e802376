/** Checking attempts and batches before the agent acts on them. */
import t from 'tap';
import { parseBatch } from '../../../probes/agent/batch.js';
import { workerCount } from '../../../probes/agent/run-batch.js';
import { specProblem } from '../../../probes/agent/spec-check.js';
import { cipherList, tlsConnectOptions } from '../../../probes/agent/tls-facts.js';
import type { AttemptSpec } from '../../../probes/protocol.js';

const base: AttemptSpec = { id: 'a', technique: 'tcp', host: '10.1.2.3', port: 8080, timeoutMs: 3000 };

t.test('a well-formed attempt of each technique has no problem', async (t) => {
  const specs: AttemptSpec[] = [
    base,
    {
      ...base,
      technique: 'tls',
      tls: {
        servername: 'svc.ns.svc',
        alpn: ['istio', 'h2'],
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.3',
        ciphers: 'AES128-SHA',
      },
    },
    { ...base, technique: 'http', http: { method: 'HEAD', path: '/', headers: { 'x-probe': '1' }, tls: true } },
    {
      ...base,
      technique: 'dns',
      host: '',
      port: 0,
      dnsName: 'kubernetes.default.svc.cluster.local',
      dnsServer: '10.96.0.10:53',
    },
    { ...base, technique: 'dns', host: '', port: 0, dnsName: 'x', dnsServer: '[fd00::a]:53' },
    { ...base, technique: 'udp', port: 53, udp: { payload: 'dns', dnsName: 'mp-0123abcd.meshprobe.invalid' } },
    { ...base, technique: 'udp', port: 123, udp: { payload: 'ntp' } },
    { ...base, technique: 'udp', port: 161, udp: { payload: 'snmp' } },
    { ...base, technique: 'udp', port: 8080 },
  ];
  for (const spec of specs) t.equal(specProblem(spec), undefined, spec.technique);
});

t.test('each kind of bad attempt is named in one sentence', async (t) => {
  const rows: readonly (readonly [string, AttemptSpec, RegExp])[] = [
    ['unknown technique', { ...base, technique: 'sctp' as AttemptSpec['technique'] }, /unknown technique "sctp"/],
    ['unknown UDP payload', { ...base, technique: 'udp', udp: { payload: 'quic' as 'dns' } }, /udp\.payload/],
    [
      'DNS name with a space',
      { ...base, technique: 'udp', udp: { payload: 'dns', dnsName: 'a b.example' } },
      /udp\.dnsName/,
    ],
    [
      'DNS label longer than 63',
      { ...base, technique: 'udp', udp: { payload: 'dns', dnsName: `${'a'.repeat(64)}.example` } },
      /udp\.dnsName/,
    ],
    ['zero timeout', { ...base, timeoutMs: 0 }, /timeoutMs/],
    ['fractional timeout', { ...base, timeoutMs: 1.5 }, /timeoutMs/],
    ['port out of range', { ...base, port: 70_000 }, /port/],
    ['empty host', { ...base, host: '' }, /host/],
    ['host with a line break', { ...base, host: 'a\r\nb' }, /host/],
    ['dns without a name', { ...base, technique: 'dns', host: '' }, /dnsName/],
    [
      'dns server that is not an address',
      { ...base, technique: 'dns', dnsName: 'x', dnsServer: 'kube-dns' },
      /dnsServer/,
    ],
    [
      'unknown TLS version',
      { ...base, technique: 'tls', tls: { minVersion: 'SSLv3' as 'TLSv1' } },
      /unknown TLS version/,
    ],
    ['empty ALPN entry', { ...base, technique: 'tls', tls: { alpn: [''] } }, /ALPN/],
    ['bad method', { ...base, technique: 'http', http: { method: 'GE T', path: '/' } }, /method/],
    ['relative path', { ...base, technique: 'http', http: { method: 'GET', path: 'x' } }, /path/],
    ['path with a space', { ...base, technique: 'http', http: { method: 'GET', path: '/a b' } }, /path/],
    [
      'credential header',
      { ...base, technique: 'http', http: { method: 'GET', path: '/', headers: { Cookie: 'a=b' } } },
      /never sends credentials/,
    ],
    [
      'header injection',
      { ...base, technique: 'http', http: { method: 'GET', path: '/', headers: { 'x-a': 'b\r\nHost: evil' } } },
      /single-line/,
    ],
  ];
  for (const [sentence, spec, message] of rows) t.match(specProblem(spec) ?? '', message, sentence);
});

t.test('legacy TLS versions drop to SECLEVEL=0 so the attempt can learn what the port accepts', async (t) => {
  t.equal(cipherList({ maxVersion: 'TLSv1' }), 'DEFAULT@SECLEVEL=0');
  t.equal(cipherList({ minVersion: 'TLSv1.1', ciphers: 'AES128-SHA' }), 'AES128-SHA:@SECLEVEL=0');
  t.equal(cipherList({ minVersion: 'TLSv1.2', ciphers: 'AES128-SHA' }), 'AES128-SHA');
  t.equal(cipherList({}), undefined);
});

t.test('SNI is never an IP address and no verification is enforced', async (t) => {
  const byIp = tlsConnectOptions('10.1.2.3', 443);
  t.equal(byIp.servername, undefined);
  t.equal(byIp.rejectUnauthorized, false);
  t.equal(tlsConnectOptions('svc.ns', 443).servername, 'svc.ns');
  t.equal(tlsConnectOptions('10.1.2.3', 443, { servername: 'web.ns.svc' }).servername, 'web.ns.svc');
  t.same(tlsConnectOptions('10.1.2.3', 443, { alpn: ['istio'] }).ALPNProtocols, ['istio']);
});

t.test('a batch envelope is checked, attempts are left to run-time checks', async (t) => {
  const ok = {
    v: 1,
    runId: 'r',
    podName: 'p',
    concurrency: 4,
    deadlineMs: 1000,
    attempts: [{ id: 'a' }, { id: 'b', technique: 'bogus' }],
  };
  t.equal(parseBatch(JSON.stringify(ok)).kind, 'batch');
  t.equal(
    parseBatch(JSON.stringify({ ...ok, policyReadyMs: 999 })).kind,
    'batch',
    'a policy-ready point inside the deadline',
  );
  const rows: readonly (readonly [string, unknown, RegExp])[] = [
    ['not an object', [], /JSON object/],
    ['wrong version', { ...ok, v: 2 }, /unsupported batch version 2/],
    ['zero concurrency', { ...ok, concurrency: 0 }, /concurrency/],
    ['no deadline', { ...ok, deadlineMs: undefined }, /deadlineMs/],
    ['attempts not a list', { ...ok, attempts: {} }, /attempts must be an array/],
    ['attempt without id', { ...ok, attempts: [{}] }, /attempt 0 has no id/],
    ['duplicate id', { ...ok, attempts: [{ id: 'a' }, { id: 'a' }] }, /appears twice/],
    ['negative policy-ready point', { ...ok, policyReadyMs: -1 }, /policyReadyMs/],
    ['policy-ready point beyond the deadline', { ...ok, policyReadyMs: 1000 }, /policyReadyMs .* below deadlineMs/],
  ];
  for (const [sentence, value, message] of rows) {
    const parsed = parseBatch(JSON.stringify(value));
    t.match(parsed.kind === 'invalid' ? parsed.message : '', message, sentence);
  }
  t.match(parseBatch('{').kind === 'invalid' ? 'invalid' : '', 'invalid', 'broken JSON');
});

t.test('the pool size is clamped to the number of attempts and at least one', async (t) => {
  const attempts = [base, base, base];
  t.equal(workerCount({ concurrency: 64, attempts }), 3);
  t.equal(workerCount({ concurrency: 2, attempts }), 2);
  t.equal(workerCount({ concurrency: 0, attempts }), 1);
  t.equal(workerCount({ concurrency: 8, attempts: [] }), 1);
});
