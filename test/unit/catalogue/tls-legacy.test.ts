/**
 * The legacy-TLS probes (tls-legacy-1-0, tls-legacy-1-1): where they apply and what they ask
 * the agent for. The agent side (SECLEVEL=0 so OpenSSL 3 offers TLS 1.0/1.1 at all) is proven
 * against real servers in test/integration/agent/tls-legacy.test.ts.
 */
import t from 'tap';
import { TLS_LEGACY_PROBES, tlsLegacy10, tlsLegacy11 } from '../../../src/catalogue/probes/tls-legacy.js';
import { findControl, probeById } from '../../../src/catalogue/index.js';
import type { Target, TargetPort } from '../../../src/domain/target.js';

const https: TargetPort = { port: 8443, name: 'https', protocol: 'TCP', mtls: 'not-meshed' };
const http: TargetPort = { port: 8080, name: 'http', protocol: 'TCP', mtls: 'not-meshed' };
const target = (over: Partial<Target> = {}): Target => ({
  ref: { kind: 'Service', namespace: 'cde-crypto', name: 'tls-legacy' },
  address: '10.96.0.20',
  ports: [https, http],
  mesh: 'none',
  enrolment: 'none',
  inScope: true,
  workload: 'tls-legacy',
  labels: {},
  ...over,
});
const endpoint = (name: string, address: string, port: number): Target =>
  target({
    ref: { kind: 'Endpoint', namespace: '', name },
    address,
    ports: [{ port, protocol: 'TCP', mtls: 'not-meshed' }],
    inScope: false,
    labels: { 'meshprobe.io/endpoint': 'untrusted' },
  });

t.test('the legacy probes are in the catalogue and 4.2.1 judges them', async (t) => {
  t.same(
    TLS_LEGACY_PROBES.map((p) => [p.probe.id, p.version]),
    [
      ['tls-legacy-1-0', 'TLSv1'],
      ['tls-legacy-1-1', 'TLSv1.1'],
    ],
  );
  for (const { probe } of TLS_LEGACY_PROBES) {
    t.equal(probeById.get(probe.id), probe, `${probe.id} is registered`);
    t.ok(findControl('4.2.1')!.probeIds.includes(probe.id), `4.2.1 uses ${probe.id}`);
    t.same(probe.vantages, ['probe-namespace', 'host'], 'same vantages as tls-handshake');
  }
});

t.test('they apply to every port of an --untrusted-path endpoint and to TLS ports of CDE workloads only', async (t) => {
  // Given an untrusted endpoint on a port with no TLS name, and CDE / out-of-scope Services
  const cases: ReadonlyArray<[string, Target, TargetPort, true | RegExp]> = [
    [
      'untrusted endpoint, unnamed port',
      endpoint('partner.example:9000', 'partner.example', 9000),
      { port: 9000, protocol: 'TCP', mtls: 'not-meshed' },
      true,
    ],
    ['CDE https port', target(), https, true],
    ['CDE plaintext port', target(), http, /not named as a TLS port/],
    [
      'out-of-scope https port',
      target({ inScope: false, ref: { kind: 'Service', namespace: 'shop', name: 'web' } }),
      https,
      /shop\/web is outside the CDE/,
    ],
    ['UDP port', target(), { port: 8443, name: 'https', protocol: 'UDP', mtls: 'not-meshed' }, /TLS needs TCP/],
    [
      'mesh by-design port',
      target(),
      { port: 15090, protocol: 'TCP', mtls: 'unknown', meshBypass: 'istio-envoy-prometheus' },
      /mesh by-design/,
    ],
  ];
  for (const [name, tg, port, want] of cases) {
    for (const probe of [tlsLegacy10, tlsLegacy11]) {
      const got = probe.applies(tg, port);
      if (want === true) t.equal(got, true, `${probe.id}: ${name}`);
      else t.match(got, want, `${probe.id}: ${name}`);
    }
  }
});

t.test('each pins one version (min = max) at OpenSSL security level 0, with SNI only for names', async (t) => {
  // When the probes build their requests for a name and for an address
  const named = endpoint('pay.example:443', 'pay.example', 443);
  t.same(tlsLegacy10.request(named, named.ports[0]!, 's'), {
    technique: 'tls',
    tls: {
      servername: 'pay.example',
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1',
      ciphers: 'ALL:eNULL:@SECLEVEL=0',
      handshakeOnly: true,
    },
  });
  t.same(
    tlsLegacy11.request(target(), https, 's'),
    {
      technique: 'tls',
      tls: { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'ALL:eNULL:@SECLEVEL=0', handshakeOnly: true },
    },
    'no SNI for an IP address (RFC 6066)',
  );
});
