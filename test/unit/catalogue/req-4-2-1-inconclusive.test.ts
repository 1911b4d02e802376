/**
 * 4.2.1 judges only decided attempts: an inconclusive TLS attempt (probe-meshed: the probe pod's own
 * proxy may have made that handshake; a repeat the settle rule discredits) says nothing about the
 * server, whatever protocol its raw observation names. It leaves the version open (inconclusive,
 * with the reason), never "accepts TLS 1.0" (fails) nor "negotiates TLS 1.3" (holds).
 */
import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import type { Evidence } from '../../../src/domain/evidence.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { vantageId } from '../../../src/domain/vantage.js';
import type { TlsVersion } from '../../../probes/protocol.js';
import { mintCa, mintCert } from '../../helpers/certs.js';
import { evidenceOf, judgeInput, PROBE_NS, svc, type Step } from '../../helpers/report-fixtures.js';

const HOST: Vantage = { kind: 'host' };
const ca = mintCa('meshprobe 4.2.1 inconclusive CA');
const leaf = mintCert({ cn: 'pay.example', dns: ['pay.example'], issuer: ca });
const chain = [leaf.certPem, ca.certPem];
/** A protocol_version alert: how a TLS 1.2+ server refuses a pinned legacy version. */
const refusal = { kind: 'tls' as const, handshake: false, alert: 70 };

function ordinary(protocol: string, vantage: Vantage = PROBE_NS): Step {
  const cipher = protocol === 'TLSv1.3' ? 'TLS_AES_128_GCM_SHA256' : 'ECDHE-RSA-AES256-SHA';
  return {
    probeId: 'tls-handshake',
    vantage,
    target: svc('payments', 'gateway'),
    port: 443,
    address: 'pay.example',
    observed: { kind: 'tls', protocol, cipher, chain },
  };
}

function pinned(probeId: string, version: TlsVersion, observed: Step['observed'], vantage: Vantage = PROBE_NS): Step {
  return {
    probeId,
    vantage,
    target: svc('payments', 'gateway'),
    port: 443,
    address: 'pay.example',
    tls: { minVersion: version, maxVersion: version, ciphers: 'ALL:eNULL:@SECLEVEL=0', handshakeOnly: true },
    observed,
  };
}

/** A TLS 1.0 handshake the server completed when pinned: its raw observation says protocol TLSv1. */
const ACCEPTED_TLS10 = { kind: 'tls' as const, protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA', chain };

function judge(evidence: readonly Evidence[]) {
  return findControl('4.2.1')!.judge({
    ...judgeInput(evidence, { context: { untrustedPaths: ['pay.example:443'] } }),
    now: new Date(),
  });
}

t.test('an inconclusive pinned TLS 1.0 attempt whose raw protocol is TLSv1 does not fail 4.2.1', async (t) => {
  // Given a decided ordinary TLS 1.3 handshake from the probe namespace, and the legacy handshakes
  // made from the host vantage, whose agent found mesh listeners in its own pod (probe-meshed)
  const steps = [
    ordinary('TLSv1.3'),
    pinned('tls-legacy-1-0', 'TLSv1', ACCEPTED_TLS10, HOST),
    pinned('tls-legacy-1-1', 'TLSv1.1', refusal, HOST),
  ];
  const ev = evidenceOf(steps, [vantageId(HOST)]);
  const tls10 = ev.find((e) => e.attempt.probeId === 'tls-legacy-1-0')!;
  t.equal(tls10.observation?.tls?.protocol, 'TLSv1', 'the raw observation names TLSv1');
  t.match(tls10.outcome, { kind: 'inconclusive', reason: 'probe-meshed' });
  // When 4.2.1 judges the path
  const j = judge(ev);
  // Then it is inconclusive, naming why TLS 1.0 is open, and never says the server accepts TLS 1.0
  t.equal(j.status, 'inconclusive', j.reasons.join(' '));
  t.match(
    j.reasons.join(' '),
    'whether it still accepts legacy TLS is unknown (TLSv1 (connected, inconclusive: probe-meshed)',
  );
  t.notMatch(j.reasons.join(' '), 'accepts TLSv1');
});

t.test('an inconclusive outcome of any reason leaves the pinned version open', async (t) => {
  // Given the same attempts from one decided vantage, then the TLS 1.0 one discredited (before-settle)
  const ev = evidenceOf([
    ordinary('TLSv1.3'),
    pinned('tls-legacy-1-0', 'TLSv1', ACCEPTED_TLS10),
    pinned('tls-legacy-1-1', 'TLSv1.1', refusal),
  ]);
  const discredited = ev.map(
    (e): Evidence =>
      e.attempt.probeId === 'tls-legacy-1-0'
        ? { ...e, outcome: { kind: 'inconclusive', reason: 'before-settle', detail: 'before the settle point' } }
        : e,
  );
  // When 4.2.1 judges the path
  const j = judge(discredited);
  // Then it is inconclusive with the reason, not failing
  t.equal(j.status, 'inconclusive', j.reasons.join(' '));
  t.match(j.reasons[0], 'TLSv1 (connected, inconclusive: before-settle)');
});

t.test('a decided pinned TLS 1.0 handshake still fails 4.2.1', async (t) => {
  // Given the same attempts, all from an unmeshed probe pod
  const ev = evidenceOf([
    ordinary('TLSv1.3'),
    pinned('tls-legacy-1-0', 'TLSv1', ACCEPTED_TLS10),
    pinned('tls-legacy-1-1', 'TLSv1.1', refusal),
  ]);
  // When 4.2.1 judges the path
  const j = judge(ev);
  // Then it fails: the server accepts TLS 1.0
  t.equal(j.status, 'fails');
  t.match(j.reasons[0], 'The endpoint accepts TLSv1 (a version-pinned handshake negotiated ECDHE-RSA-AES256-SHA)');
});

t.test('an inconclusive ordinary handshake neither holds nor fails 4.2.1 on its raw protocol', async (t) => {
  // Given a probe-meshed pod whose ordinary handshake names TLS 1.3 (or TLS 1.0) and whose pinned
  // handshakes look refused
  for (const protocol of ['TLSv1.3', 'TLSv1']) {
    const ev = evidenceOf(
      [ordinary(protocol), pinned('tls-legacy-1-0', 'TLSv1', refusal), pinned('tls-legacy-1-1', 'TLSv1.1', refusal)],
      [vantageId(PROBE_NS)],
    );
    // When 4.2.1 judges the path
    const j = judge(ev);
    // Then it is inconclusive, naming the probe-meshed outcome
    t.equal(j.status, 'inconclusive', `${protocol}: ${j.reasons.join(' ')}`);
    t.match(j.reasons[0], /probe-meshed.*so strong cryptography on this untrusted path cannot be decided/);
  }
  // And the same handshakes from an unmeshed pod are judged as before
  const decided = (protocol: string) =>
    judge(
      evidenceOf([
        ordinary(protocol),
        pinned('tls-legacy-1-0', 'TLSv1', refusal),
        pinned('tls-legacy-1-1', 'TLSv1.1', refusal),
      ]),
    ).status;
  t.equal(decided('TLSv1.3'), 'holds');
  t.equal(decided('TLSv1'), 'fails');
});

t.test(
  'without an untrusted path, an inconclusive legacy acceptance is not named as supporting evidence',
  async (t) => {
    // Given a probe-meshed pod whose pinned TLS 1.0 handshake names TLSv1
    const steps = [ordinary('TLSv1.3'), pinned('tls-legacy-1-0', 'TLSv1', ACCEPTED_TLS10)];
    const input = (ev: readonly Evidence[]) => ({ ...judgeInput(ev), now: new Date() });
    // When 4.2.1 judges without --untrusted-path
    const meshed = findControl('4.2.1')!.judge(input(evidenceOf(steps, [vantageId(PROBE_NS)])));
    const unmeshed = findControl('4.2.1')!.judge(input(evidenceOf(steps)));
    // Then only the decided acceptance is listed
    t.equal(meshed.status, 'not-applicable');
    t.notMatch(meshed.reasons.join(' '), 'legacy TLS was accepted');
    t.match(unmeshed.reasons.join(' '), 'legacy TLS was accepted in version-pinned handshakes by payments/gateway');
  },
);
