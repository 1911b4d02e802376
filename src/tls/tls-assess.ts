/**
 * Observations of one endpoint's handshakes → what it accepts, its chain, and the
 * crypto-policy findings; or one sentence saying why it could not be assessed. Pure.
 */
import type { ObservationLine, TlsVersion, TransportResult } from '../../probes/protocol.js';
import type { CryptoFinding } from '../domain/certificate.js';
import { parseChain, type ChainFacts } from '../crypto/certificate.js';
import { evaluateCrypto, sortFindings } from '../crypto/crypto-policy.js';
import type { CryptoProfile } from '../crypto/profiles/index.js';
import { PCI_STRONG_CRYPTO } from '../crypto/profiles/index.js';
import {
  chosenSuite,
  clientCertificateRequired,
  endpointText,
  SCAN_VERSIONS,
  versionAccepted,
  type TlsEndpoint,
} from './tls-scan.js';

/** Everything the host scan observed for one endpoint. */
export interface TlsScanObservations {
  readonly default: ObservationLine;
  /** One handshake per pinned version, offering every suite this client has for it. */
  readonly versions: ReadonlyArray<{
    readonly version: TlsVersion;
    readonly offered: readonly string[];
    readonly observation: ObservationLine;
  }>;
  /** Enumeration rounds at accepted versions: the suites still offered, and what the server chose among them. */
  readonly suites: ReadonlyArray<{
    readonly version: TlsVersion;
    readonly offered: readonly string[];
    readonly observation: ObservationLine;
  }>;
  /** Weak suites this client cannot offer. */
  readonly notTestable: readonly string[];
}

/** Why an endpoint could not be assessed. */
type TlsUnreachableReason =
  | 'refused'
  | 'dns-failure'
  | 'timeout'
  | 'unreachable'
  | 'not-tls'
  | 'no-common-version'
  | 'client-error';

/** The result for one endpoint. */
export type TlsEndpointResult =
  | {
      readonly kind: 'assessed';
      readonly endpoint: string;
      readonly servername?: string;
      readonly profile: string;
      /** inconclusive: nothing fails, but a pinned handshake gave no answer, so the endpoint may accept what it tried. */
      readonly status: 'holds' | 'fails' | 'inconclusive';
      /** What an ordinary modern client negotiates; null when that handshake failed. */
      readonly negotiated: {
        readonly protocol: string;
        readonly cipher: string | null;
        readonly alpn: string | null;
      } | null;
      readonly protocols: Readonly<Record<TlsVersion, boolean>>;
      /** Protocols this client cannot offer at all (OpenSSL 3 has no SSLv2/SSLv3): unknown, not "refused". */
      readonly protocolsNotTestable: readonly string[];
      /** Accepted suites per accepted version. */
      readonly ciphers: Readonly<Partial<Record<TlsVersion, readonly string[]>>>;
      readonly ciphersNotTestable: readonly string[];
      readonly clientCertificateRequired: boolean;
      readonly chain: ChainFacts;
      readonly chainPem: readonly string[];
      readonly findings: readonly CryptoFinding[];
    }
  | {
      readonly kind: 'unreachable';
      readonly endpoint: string;
      readonly reason: TlsUnreachableReason;
      readonly message: string;
    };

/** How to judge. `now` is passed in, never read. */
export interface AssessOptions {
  readonly now: Date;
  readonly expiryWarningDays: number;
  readonly trustPem?: string;
  readonly profile?: CryptoProfile;
}

/** The default attempt alone shows the endpoint cannot be reached at all: one sentence, or undefined. */
export function unreachableFromDefault(
  ep: TlsEndpoint,
  obs: ObservationLine,
): Extract<TlsEndpointResult, { kind: 'unreachable' }> | undefined {
  const at = endpointText(ep);
  const code = obs.errorCode ?? 'no error code';
  const out = (reason: TlsUnreachableReason, message: string) => ({
    kind: 'unreachable' as const,
    endpoint: at,
    reason,
    message,
  });
  switch (obs.transport) {
    case 'refused':
      return out(
        'refused',
        `${at}: connection refused (${code}); nothing listens on that port, or a firewall rejects it.`,
      );
    case 'dns-failure':
      return out(
        'dns-failure',
        `${at}: the name "${ep.host}" does not resolve (${code}); check the spelling and your DNS.`,
      );
    case 'timeout':
      return out(
        'timeout',
        `${at}: no TCP connection within ${obs.durationMs} ms; a firewall drops the traffic or the address is not routed.`,
      );
    case 'unreachable':
      return out('unreachable', `${at}: the network or host is unreachable (${code}).`);
    case 'agent-error':
      return out('client-error', `${at}: the handshake could not be attempted (${code}).`);
    default:
      return undefined;
  }
}

/** Node's OpenSSL 3 is built without SSLv2 and SSLv3, so no handshake can ask for them. */
const PROTOCOLS_NOT_TESTABLE: readonly string[] = ['SSLv2', 'SSLv3'];

const TLS_ALERT_CODE = /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/;

function noVersion(
  ep: TlsEndpoint,
  all: readonly ObservationLine[],
): Extract<TlsEndpointResult, { kind: 'unreachable' }> {
  const at = endpointText(ep);
  const alerted = all.find((o) => o.tls?.alert !== undefined || TLS_ALERT_CODE.test(o.errorCode ?? ''));
  if (alerted !== undefined) {
    return {
      kind: 'unreachable',
      endpoint: at,
      reason: 'no-common-version',
      message: `${at}: answers with TLS alerts but accepted none of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 from this client (${alerted.errorCode ?? 'alert'}).`,
    };
  }
  const first = all[0];
  const what = first?.errorCode ?? first?.transport ?? 'no answer';
  return {
    kind: 'unreachable',
    endpoint: at,
    reason: 'not-tls',
    message: `${at}: does not speak TLS; the reply to a ClientHello was not a TLS handshake (${what}).`,
  };
}

function negotiatedOf(obs: ObservationLine): Extract<TlsEndpointResult, { kind: 'assessed' }>['negotiated'] {
  const t = obs.tls;
  return t?.protocol ? { protocol: t.protocol, cipher: t.cipher, alpn: t.alpn } : null;
}

/** The chain to judge: the default handshake's, else the newest accepted version's. */
function chainOf(scan: TlsScanObservations): readonly string[] {
  const candidates = [scan.default, ...[...scan.versions].reverse().map((v) => v.observation)];
  return candidates.find((o) => (o.tls?.peerChainPem.length ?? 0) > 0)?.tls?.peerChainPem ?? [];
}

/** What the pinned handshakes showed: versions chosen, and suites chosen per accepted version. */
function accepted(scan: TlsScanObservations): {
  protocols: Record<TlsVersion, boolean>;
  ciphers: Partial<Record<TlsVersion, string[]>>;
} {
  const protocols = Object.fromEntries(
    SCAN_VERSIONS.map((v) => [v, scan.versions.some((x) => x.version === v && versionAccepted(x.observation, v))]),
  ) as Record<TlsVersion, boolean>;
  const ciphers: Partial<Record<TlsVersion, string[]>> = {};
  for (const v of SCAN_VERSIONS.filter((x) => protocols[x])) {
    const offers = [...scan.versions, ...scan.suites].filter((s) => s.version === v);
    const chosen = offers.flatMap((s) =>
      versionAccepted(s.observation, v) ? (chosenSuite(s.observation, s.offered) ?? []) : [],
    );
    ciphers[v] = [...new Set(chosen)].sort();
  }
  return { protocols, ciphers };
}

/** Endings that say nothing about whether the server would accept the offer (silence is not a refusal). */
const NO_ANSWER: ReadonlySet<TransportResult> = new Set<TransportResult>([
  'timeout',
  'silent',
  'agent-error',
  'unreachable',
  'dns-failure',
  'refused',
]);

/** The pinned handshakes that gave no answer, and the versions never tried: "TLSv1 (timeout)". */
function undecided(scan: TlsScanObservations): string[] {
  const untried = SCAN_VERSIONS.filter((v) => !scan.versions.some((x) => x.version === v)).map(
    (v) => `${v} (not tried)`,
  );
  const versions = scan.versions
    .filter((v) => NO_ANSWER.has(v.observation.transport))
    .map((v) => `${v.version} (${v.observation.transport})`);
  const suites = scan.suites
    .filter((s) => NO_ANSWER.has(s.observation.transport))
    .map(
      (s) =>
        `${s.offered.length === 1 ? s.offered[0] : `${s.offered.length} suites`} at ${s.version} (${s.observation.transport})`,
    );
  return [...untried, ...versions, ...suites];
}

/** A warning naming what could not be decided, or nothing. */
function undecidedFindings(scan: TlsScanObservations): CryptoFinding[] {
  const open = undecided(scan);
  if (open.length === 0) return [];
  return [
    {
      code: 'SCAN_INCOMPLETE',
      severity: 'warn',
      message: `No answer for ${open.join(', ')}, so whether the endpoint accepts them is unknown; run the check again.`,
    },
  ];
}

/** Assess one endpoint from its observations. */
export function assessTlsEndpoint(ep: TlsEndpoint, scan: TlsScanObservations, opts: AssessOptions): TlsEndpointResult {
  const early = unreachableFromDefault(ep, scan.default);
  if (early !== undefined) return early;
  const { protocols, ciphers } = accepted(scan);
  if (!SCAN_VERSIONS.some((v) => protocols[v]))
    return noVersion(ep, [scan.default, ...scan.versions.map((v) => v.observation)]);
  const chainPem = chainOf(scan);
  const chain = parseChain(chainPem, {
    ...(opts.trustPem !== undefined ? { trustPem: opts.trustPem } : {}),
    expectedIdentity: { hostname: ep.servername ?? ep.host },
    now: opts.now,
  });
  const profile = opts.profile ?? PCI_STRONG_CRYPTO;
  const negotiated = negotiatedOf(scan.default);
  // Weak suites only exist below TLS 1.3: when no older version is accepted, nothing is untested.
  const notTestable = SCAN_VERSIONS.some((v) => v !== 'TLSv1.3' && protocols[v]) ? [...scan.notTestable].sort() : [];
  const policy = evaluateCrypto(
    {
      protocolsAccepted: SCAN_VERSIONS.filter((v) => protocols[v]),
      ciphersAccepted: [...new Set(Object.values(ciphers).flat())],
      ...(negotiated !== null ? { negotiated: { protocol: negotiated.protocol, cipher: negotiated.cipher } } : {}),
      chain,
      now: opts.now,
      expiryWarningDays: opts.expiryWarningDays,
      ciphersNotTestable: notTestable,
    },
    profile,
  );
  const findings = sortFindings([...policy, ...undecidedFindings(scan)]);
  const status = findings.some((f) => f.severity === 'fail')
    ? 'fails'
    : findings.some((f) => f.code === 'SCAN_INCOMPLETE')
      ? 'inconclusive'
      : 'holds';
  const all = [scan.default, ...scan.versions.map((v) => v.observation), ...scan.suites.map((s) => s.observation)];
  return {
    kind: 'assessed',
    endpoint: endpointText(ep),
    ...(ep.servername !== undefined ? { servername: ep.servername } : {}),
    profile: profile.id,
    status,
    negotiated,
    protocols,
    protocolsNotTestable: PROTOCOLS_NOT_TESTABLE,
    ciphers,
    ciphersNotTestable: notTestable,
    clientCertificateRequired: clientCertificateRequired(all),
    chain,
    chainPem,
    findings,
  };
}
