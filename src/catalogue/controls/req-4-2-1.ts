import type { CryptoFinding } from '../../domain/certificate.js';
import type { Control, JudgeInput } from '../../domain/control.js';
import type { Evidence } from '../../domain/evidence.js';
import { targetKey } from '../../domain/target.js';
import { vantageId } from '../../domain/vantage.js';
import type { TlsFacts, TlsVersion, TransportResult } from '../../../probes/protocol.js';
import { parseChain } from '../../crypto/certificate.js';
import { evaluateCrypto } from '../../crypto/crypto-policy.js';
import { TLS_LEGACY_PROBES } from '../probes/tls-legacy.js';
import { type Finding, finding, fold, probeEvidence, said, targetPort } from './judge-kit.js';

/** The ordinary handshake: what a modern client negotiates, and the certificate. */
const DEFAULT_PROBE = 'tls-handshake';
const LEGACY_VERSIONS: readonly TlsVersion[] = TLS_LEGACY_PROBES.map((p) => p.version);
const PROBES = [DEFAULT_PROBE, ...TLS_LEGACY_PROBES.map((p) => p.probe.id)];
/** Endings that say nothing about whether the server would take the pinned version (silence is not a refusal). */
const NO_ANSWER: ReadonlySet<TransportResult> = new Set<TransportResult>([
  'timeout',
  'silent',
  'agent-error',
  'unreachable',
  'dns-failure',
  'refused',
]);
/** Supporting sentences listed when no path is marked untrusted. */
const MAX_SUPPORTING = 5;

function matches(e: Evidence, path: string): boolean {
  return (
    path === `${e.attempt.address}:${e.attempt.port}` ||
    path === `${e.attempt.target.name}:${e.attempt.port}` ||
    path === e.attempt.dnsName
  );
}

/** The target as the user named the path: "untrusted path pay.example:443", or "payments/api port 443 (untrusted path 10.0.0.5:443)". */
function pathSubject(e: Evidence, path: string): string {
  if (e.attempt.target.kind === 'Endpoint') return `untrusted path ${e.attempt.target.name}`;
  return `${targetPort(e)} (untrusted path ${path})`;
}

/** The version an attempt pinned (min = max), if it did. */
function pinnedVersion(e: Evidence): TlsVersion | undefined {
  const tls = e.attempt.tls;
  return tls?.minVersion !== undefined && tls.minVersion === tls.maxVersion ? tls.minVersion : undefined;
}

/**
 * The TLS facts of an attempt whose outcome was decided. An inconclusive one (probe-meshed: the
 * probe pod's own proxy may have made the handshake; no self-check; ...) says nothing about the
 * server, whatever protocol its raw observation names.
 */
function decidedTls(e: Evidence | undefined): TlsFacts | undefined {
  return e !== undefined && decided(e) ? e.observation?.tls : undefined;
}

/** The attempt's outcome was decided (allowed or blocked): not inconclusive, not skipped. */
function decided(e: Evidence): boolean {
  return e.outcome.kind === 'allowed' || e.outcome.kind === 'blocked';
}

/**
 * accepted: the server chose the pinned version; unknown: no answer, so it may, or the attempt was
 * inconclusive; refused: it answered with anything else.
 */
function pinnedResult(e: Evidence): 'accepted' | 'refused' | 'unknown' {
  const o = e.observation;
  if (o === undefined || !decided(e)) return 'unknown';
  if (o.tls?.protocol != null && o.tls.protocol === pinnedVersion(e)) return 'accepted';
  return NO_ANSWER.has(o.transport) ? 'unknown' : 'refused';
}

/** Attempts to one target port from one vantage: the ordinary handshake and the version-pinned ones. */
interface Endpoint {
  readonly ordinary?: Evidence;
  readonly pinned: readonly Evidence[];
}

function endpointsOf(hits: readonly Evidence[]): Endpoint[] {
  const groups = new Map<string, { ordinary?: Evidence; pinned: Evidence[] }>();
  for (const e of hits) {
    const key = `${targetKey(e.attempt.target)}|${e.attempt.port}|${vantageId(e.attempt.vantage)}`;
    const g = groups.get(key) ?? { pinned: [] };
    if (e.attempt.probeId === DEFAULT_PROBE) g.ordinary = e;
    else if (pinnedVersion(e) !== undefined) g.pinned.push(e);
    groups.set(key, g);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

/** What the PCI strong-crypto profile says about one endpoint: failures, and warnings a reason must name. */
interface Problems {
  readonly fails: readonly string[];
  readonly warnings: readonly string[];
}

/** Warnings worth a sentence in the verdict (the rest stay in the inventory). */
const NAMED_WARNINGS: ReadonlySet<string> = new Set(['CERT_EXPIRING_SOON']);

/**
 * The profile's findings for the ordinary handshake, its certificate and every version a pinned
 * handshake got. Each fact is said once: a legacy version in its protocol finding (with the suite
 * the pinned handshake negotiated), and certificate findings from the 4.2.1.1 inventory when it
 * lists the certificates (it knows the trust bundle), else from the chain itself.
 */
function cryptoProblems(ep: Endpoint, input: JudgeInput): Problems {
  const tls = decidedTls(ep.ordinary);
  const negotiated = tls?.handshake === true && tls.protocol !== null ? tls : undefined;
  const order = (e: Evidence): number => LEGACY_VERSIONS.indexOf(pinnedVersion(e) as TlsVersion);
  const accepted = ep.pinned.filter((e) => pinnedResult(e) === 'accepted').sort((a, b) => order(a) - order(b));
  const chainPem = negotiated?.peerChainPem ?? accepted[0]?.observation?.tls?.peerChainPem ?? [];
  const findings = evaluateCrypto({
    protocolsAccepted: accepted.flatMap((e) => pinnedVersion(e) ?? []),
    ...(negotiated !== undefined ? { negotiated: { protocol: negotiated.protocol, cipher: negotiated.cipher } } : {}),
    chain: parseChain(chainPem),
    now: input.now,
    expiryWarningDays: input.context.certExpiryWarningDays,
  });
  // An inconclusive ordinary handshake's certificates are no more the server's than its protocol.
  const ordinary = tls !== undefined ? ep.ordinary : undefined;
  const seen = new Set([ordinary, ...accepted].flatMap((e) => e?.certificates ?? []));
  const listed = input.certificates.filter((c) => seen.has(c.facts.fingerprintSha256));
  const fromInventory = seen.size > 0 && listed.length === seen.size;
  const own = findings.filter((f) => !fromInventory || !CERTIFICATE_CODES.has(f.code));
  const certs = fromInventory ? listed.flatMap((c) => c.findings) : [];
  const pinnedSuite = (v: string): string | undefined =>
    accepted.find((e) => pinnedVersion(e) === v)?.observation?.tls?.cipher ?? undefined;
  const say = (f: CryptoFinding): string => legacyWording(f, pinnedSuite);
  const pick = (list: readonly CryptoFinding[], keep: (f: CryptoFinding) => boolean): string[] =>
    list.filter(keep).map(say);
  return {
    fails: [...new Set([...pick(own, (f) => f.severity === 'fail'), ...pick(certs, (f) => f.severity === 'fail')])],
    warnings: [
      ...new Set([...pick(own, (f) => NAMED_WARNINGS.has(f.code)), ...pick(certs, (f) => NAMED_WARNINGS.has(f.code))]),
    ],
  };
}

/** Certificate-level finding codes (crypto/crypto-policy.ts), which the inventory also reports per certificate. */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'KEY_TOO_SMALL',
  'SIGNATURE_WEAK',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_EXPIRING_SOON',
  'CERT_SELF_SIGNED',
  'CERT_LEAF_IS_CA',
  'CERT_UNTRUSTED',
  'CERT_SHORT_LIVED',
  'CERT_UNPARSEABLE',
]);

/** "The endpoint accepts TLSv1;" → "The endpoint accepts TLSv1 (a pinned handshake negotiated AES128-SHA);". */
function legacyWording(f: CryptoFinding, suiteOf: (version: string) => string | undefined): string {
  if (f.code !== 'TLS_PROTOCOL_BELOW_MIN') return f.message;
  return f.message.replace(/^The endpoint accepts (TLSv[\d.]+);/, (whole, v: string) => {
    const suite = suiteOf(v);
    return suite === undefined ? whole : `The endpoint accepts ${v} (a version-pinned handshake negotiated ${suite});`;
  });
}

/** "TLSv1 (timeout)", "TLSv1.1 (not tried)": legacy versions whose acceptance is unknown. */
function undecided(ep: Endpoint): string[] {
  return LEGACY_VERSIONS.flatMap((v) => {
    const tries = ep.pinned.filter((e) => pinnedVersion(e) === v);
    if (tries.length === 0) return [`${v} (not tried)`];
    const open = tries.filter((e) => pinnedResult(e) === 'unknown');
    return open.length === tries.length ? open.slice(0, 1).map((e) => `${v} (${whyUnknown(e)})`) : [];
  });
}

/** Why a pinned attempt leaves its version open: the ending that is no answer ("timeout"), else the outcome's reason. */
function whyUnknown(e: Evidence): string {
  const o = e.observation;
  if (o === undefined) return 'no observation';
  if (NO_ANSWER.has(o.transport)) return o.transport;
  return e.outcome.kind === 'inconclusive' ? `${o.transport}, inconclusive: ${e.outcome.reason}` : o.transport;
}

function endpointFinding(ep: Endpoint, path: string, input: JudgeInput): Finding {
  const lead = ep.ordinary ?? ep.pinned.find((e) => pinnedResult(e) === 'accepted') ?? (ep.pinned[0] as Evidence);
  const all = [...(ep.ordinary ? [ep.ordinary] : []), ...ep.pinned];
  const subject = said(lead, pathSubject(lead, path));
  const { fails, warnings } = cryptoProblems(ep, input);
  const note = warnings.length > 0 ? ` Warning: ${warnings.join(' ')}` : '';
  if (fails.length > 0) return finding('fails', `${subject}: not strong cryptography (${fails.join(' ')})${note}`, all);
  const tls = decidedTls(ep.ordinary);
  if (ep.ordinary === undefined) {
    return finding(
      'inconclusive',
      `${subject}; the ordinary handshake (${DEFAULT_PROBE}) was not made, so the negotiated protocol, cipher and certificate of this untrusted path are unknown.`,
      all,
    );
  }
  if (!tls?.handshake || tls.protocol === null) {
    return !decided(ep.ordinary)
      ? finding(
          'inconclusive',
          `${subject}, so strong cryptography on this untrusted path cannot be decided.${note}`,
          all,
        )
      : finding(
          'fails',
          `${subject}: no TLS session was negotiated on a path marked as crossing an untrusted network.`,
          all,
        );
  }
  const open = undecided(ep);
  const what = `${tls.protocol} with ${tls.cipher ?? 'an unnamed cipher'}`;
  if (open.length > 0) {
    return finding(
      'inconclusive',
      `${subject}: ${what}, but whether it still accepts legacy TLS is unknown (${open.join(', ')}), so strong cryptography on this untrusted path cannot be decided.${note}`,
      all,
    );
  }
  return finding(
    'holds',
    `${subject}: ${what}; handshakes pinned to ${LEGACY_VERSIONS.join(' and ')} were refused; no failing finding under the PCI strong-cryptography profile.${note}`,
    all,
  );
}

/** Without an untrusted path, CDE ports that took legacy TLS are named as supporting evidence only. */
function notApplicable(evidence: readonly Evidence[]): string[] {
  const legacy = evidence.filter((e) => pinnedVersion(e) !== undefined && pinnedResult(e) === 'accepted');
  const named = [...new Set(legacy.map((e) => `${targetPort(e)} (${pinnedVersion(e)})`))].sort();
  const list =
    named.length > MAX_SUPPORTING
      ? `${named.slice(0, MAX_SUPPORTING).join(', ')} and ${named.length - MAX_SUPPORTING} more`
      : named.join(', ');
  return [
    'No path was marked as crossing an open, public network (--untrusted-path); 4.2.1 applies only to such paths. In-cluster mTLS seen by this run is supporting evidence for 1.2.6, 2.2.5 and 2.2.7, not 4.2.1 evidence.',
    ...(named.length > 0
      ? [
          `Supporting evidence only: legacy TLS was accepted in version-pinned handshakes by ${list}; if traffic to them crosses an open, public network, mark it with --untrusted-path.`,
        ]
      : []),
  ];
}

/** 4.2.1: strong cryptography protects PAN over open, public networks (paths the user marks untrusted). */
export const req421: Control = {
  id: 'pci-dss-4.0.1/4.2.1',
  requirement: '4.2.1',
  title: 'Strong cryptography protects cardholder data during transmission over open, public networks',
  holdsMeans:
    'Every path marked with --untrusted-path negotiates TLS 1.2+ with a strong suite and a certificate without failing findings under the PCI strong-cryptography profile, and refuses handshakes pinned to TLS 1.0 and TLS 1.1.',
  probeIds: PROBES,
  judge(input) {
    const { untrustedPaths } = input.context;
    const evidence = probeEvidence(input, PROBES);
    if (untrustedPaths.length === 0)
      return { status: 'not-applicable', reasons: notApplicable(evidence), evidenceIds: [] };
    const findings: Finding[] = [];
    for (const path of [...untrustedPaths].sort()) {
      const hits = evidence.filter((e) => matches(e, path));
      if (hits.length === 0)
        findings.push({
          status: 'inconclusive',
          reason: `No TLS attempt was made to the untrusted path ${path}.`,
          evidenceIds: [],
        });
      // Every group of a path reaches the same address and port, so version-pinned results are the
      // path's: a group without its own (e.g. an out-of-scope ingress Service matched by address,
      // where only the host tried legacy versions) is judged with the path's pinned handshakes.
      const pathPinned = hits.filter((e) => pinnedVersion(e) !== undefined);
      for (const ep of endpointsOf(hits))
        findings.push(endpointFinding(ep.pinned.length > 0 ? ep : { ...ep, pinned: pathPinned }, path, input));
    }
    return fold(findings, { status: 'inconclusive', reason: 'No untrusted path was tried.' });
  },
};
