/**
 * Small pure helpers every control judge shares: selecting evidence, naming what was tried
 * in full sentences, and folding per-attempt findings into one Judgement.
 */
import type { Evidence } from '../../domain/evidence.js';
import type { JudgeInput, Judgement } from '../../domain/control.js';
import type { BlockedBy } from '../../domain/outcome.js';
import { refName, targetKey, type TargetRef } from '../../domain/target.js';
import { describeVantage } from '../../domain/vantage.js';
import { flat } from '../../shared/interner.js';
import { lazyMap } from '../../shared/lazy-list.js';
import type { VerdictStatus } from '../../domain/verdict.js';

/**
 * A reason about one attempt, kept structured until it is read: "`said(evidence)`: `claim`."
 * (sentenceOf). A 100 000-attempt run has ~130 000 of them; stored as text they were ~30 MiB
 * of the CLI's live heap until the report was written (issue 17).
 */
export interface AttemptReason {
  readonly evidence: Evidence;
  /** What the attempt shows, without the final period: "segmentation does not isolate the CDE …". */
  readonly claim: string;
}

/** A reason: a sentence, or the attempt and claim one is built from when read. */
export type Reason = string | AttemptReason;

/** One judged attempt (or group of attempts): a status and the sentence saying why. */
export interface Finding {
  readonly status: 'holds' | 'fails' | 'inconclusive';
  readonly reason: Reason;
  readonly evidenceIds: readonly string[];
}

/** The sentence of a reason: a sentence as is, an attempt reason built now (never stored). */
export function sentenceOf(r: Reason): string {
  return typeof r === 'string' ? r : `${said(r.evidence)}: ${r.claim}.`;
}

/**
 * The sentences of `reasons`, in order: a plain array when every reason is already a sentence,
 * otherwise a lazy list (shared/lazy-list.ts) that builds each sentence when a reporter reads it.
 */
export function sentences(reasons: readonly Reason[]): readonly string[] {
  return reasons.every((r) => typeof r === 'string')
    ? (reasons as readonly string[])
    : lazyMap(reasons, sentenceOf, mayBeSentenceOf);
}

/** False when `text` cannot be the sentence of `r` (an attempt sentence ends in ": <claim>."), without building it. */
export function mayBeSentenceOf(r: Reason, text: string): boolean {
  if (typeof r === 'string') return r === text;
  const end = text.length - r.claim.length - 1;
  return text.endsWith('.') && text.startsWith(r.claim, end) && text.startsWith(': ', end - 2);
}

/** Above this many "holds" findings, reasons summarise them in one sentence instead of listing each. */
const MAX_HOLDS_LISTED = 20;

/** Probe-role evidence of the given probes, in id order. */
export function probeEvidence(input: JudgeInput, probeIds: readonly string[]): Evidence[] {
  return input.evidence
    .filter((e) => e.attempt.role === 'probe' && probeIds.includes(e.attempt.probeId))
    .slice()
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * `make()` once per evaluation for this key and scope (input.memo, evaluate.ts), or every time
 * when the judge runs alone. Judges ask for the CDE set once per attempt; the inventory is read-only.
 */
export function memoised<T>(input: Pick<JudgeInput, 'memo'>, key: string, scope: object, make: () => T): T {
  return input.memo === undefined ? make() : input.memo(key, scope, make);
}

/** Namespaces the inventory marks as in scope (the CDE). */
export function cdeNamespaces(input: JudgeInput): ReadonlySet<string> {
  return memoised(
    input,
    'cde-namespaces',
    input.inventory,
    () => new Set(input.inventory.namespaces.filter((n) => n.inScope).map((n) => n.name)),
  );
}

/**
 * True when the target is in the CDE. An empty CDE means nothing is CDE (never "everything is":
 * a run names its CDE with --scope/--cde-namespace, or says --cde-all, which marks every namespace).
 */
export function targetsCde(input: JudgeInput, ref: TargetRef): boolean {
  return cdeNamespaces(input).has(ref.namespace);
}

/**
 * True when the target is a system component in PCI scope for 2.2.4 / 8.3.1: a CDE workload, or
 * cluster and mesh infrastructure that can affect the CDE (nodes, the API server, control-plane and
 * mesh namespaces, and anything whose namespace the inventory does not describe). Only workloads of
 * namespaces known to be out-of-scope applications or tenants are left out.
 */
export function targetsScopedComponent(input: JudgeInput, ref: TargetRef): boolean {
  if (targetsCde(input, ref) || ref.kind === 'Node' || ref.kind === 'ApiServer') return true;
  const role = namespaceRoles(input).get(ref.namespace);
  return role !== 'out-of-scope' && role !== 'tenant' && role !== 'probe';
}

function namespaceRoles(input: JudgeInput): ReadonlyMap<string, string> {
  return memoised(
    input,
    'namespace-roles',
    input.inventory,
    () => new Map(input.inventory.namespaces.map((n) => [n.name, n.role])),
  );
}

/** The caveat naming out-of-scope workloads whose answers were seen but not judged (empty when none). */
export function outOfScopeCaveat(input: JudgeInput, evidence: readonly Evidence[], what: string): string[] {
  const names = [
    ...new Set(
      evidence.filter((e) => !targetsScopedComponent(input, e.attempt.target)).map((e) => targetName(e.attempt.target)),
    ),
  ].sort();
  if (names.length === 0) return [];
  const shown = names.slice(0, 5).join(', ');
  return [
    `${what} on ${names.length} workload${names.length === 1 ? '' : 's'} of out-of-scope namespaces (${shown}${names.length > 5 ? ', …' : ''}) ${names.length === 1 ? 'is' : 'are'} not judged here; they count if those workloads are connected to the CDE, and each attempt is in the evidence.`,
  ];
}

/** "payments/api", "node worker-1", "the Kubernetes API server", ...; a Pod target by its workload. */
export function targetName(ref: TargetRef): string {
  switch (ref.kind) {
    case 'Node':
      return `node ${ref.name}`;
    case 'ApiServer':
      return 'the Kubernetes API server';
    case 'Endpoint':
      return `egress target ${ref.name}`;
    case 'Canary':
      return `the canary echo pod in ${ref.namespace}`;
    case 'Service':
    case 'Pod':
      return `${ref.namespace}/${refName(ref)}`;
    default: {
      const never: never = ref.kind;
      return String(never);
    }
  }
}

/**
 * "payments/api port 8080", or "node worker-1 port 10250 (GET /pods)" when the request path says
 * something. Random probe paths (/__meshprobe_*) are left out so reasons stay stable across runs.
 */
export function targetPort(e: Evidence): string {
  const path = e.attempt.http?.path;
  const request =
    path !== undefined && !path.startsWith('/__meshprobe') ? ` (${e.attempt.http?.method ?? 'GET'} ${path})` : '';
  // A user-named endpoint already carries its port ("198.51.100.7:443"); do not say it twice.
  const where =
    e.attempt.target.kind === 'Endpoint' && e.attempt.target.name.endsWith(`:${e.attempt.port}`)
      ? targetName(e.attempt.target)
      : `${targetName(e.attempt.target)} port ${e.attempt.port}`;
  return `${where}${request}`;
}

/** "from namespace shop" and friends. */
export function vantagePhrase(e: Evidence): string {
  return describeVantage(e.attempt.vantage);
}

/**
 * What TLS servers answer when plaintext HTTP reaches their TLS port: nginx ("The plain HTTP
 * request was sent to HTTPS port"), Go net/http, so kubelet and the API server ("Client sent an
 * HTTP request to an HTTPS server."), Apache httpd ("You're speaking plain HTTP to an
 * SSL-enabled server port").
 */
const TLS_PORT_BODY =
  /plain HTTP request was sent to HTTPS port|HTTP request to an HTTPS server|speaking plain HTTP to an SSL-enabled server port/i;

/**
 * The port speaks only TLS: the plaintext request got the TLS server's own 400 refusal. The
 * server parsed just enough to refuse; nothing was served in plaintext. (It also shows that no
 * STRICT sidecar reset the plaintext first, MESH-NOTES §0, so it is no proof of mTLS.)
 */
export function tlsOnlyRefusal(e: Evidence): boolean {
  const http = e.observation?.http;
  return (
    e.outcome.kind === 'allowed' &&
    e.outcome.as === 'plaintext-http' &&
    http?.status === 400 &&
    TLS_PORT_BODY.test(http.bodyPrefix)
  );
}

/** What happened, as a verb phrase: "accepted plaintext HTTP (status 200, server: istio-envoy)". */
export function happened(e: Evidence): string {
  const o = e.outcome;
  const http = e.observation?.http;
  if (tlsOnlyRefusal(e)) {
    const server = http?.headers['server'];
    return `refused the plaintext request with 400 Bad Request because the port speaks only TLS${server ? ` (server: ${server})` : ''}`;
  }
  switch (o.kind) {
    case 'allowed':
      if (o.as === 'plaintext-http' || o.as === 'https-response') {
        const server = http?.headers['server'];
        const over = o.as === 'plaintext-http' ? 'plaintext HTTP' : 'HTTP over TLS';
        return `accepted ${over} (status ${http?.status ?? '?'}${server ? `, server: ${server}` : ''})`;
      }
      if (o.as === 'tls-handshake')
        return `completed a TLS handshake (${e.observation?.tls?.protocol ?? 'unknown protocol'})`;
      if (o.as === 'dns-answer') return 'answered the DNS query';
      if (o.as === 'udp-reply') {
        const summary = e.observation?.udp?.summary ?? 'a reply came back';
        return `answered ${udpRequestName(e)} over UDP/${e.attempt.port} (${summary})`;
      }
      return e.observation && e.observation.bytesReceived > 0
        ? `accepted a TCP connection and sent ${e.observation.bytesReceived} bytes back`
        : 'accepted a TCP connection';
    case 'blocked':
      return e.attempt.technique === 'udp' ? udpBlockedPhrase(e, o.by) : BLOCKED_PHRASE[o.by];
    case 'inconclusive': {
      const to = e.attempt.technique === 'udp' ? ` to ${udpRequestName(e)} over UDP/${e.attempt.port}` : '';
      return `gave no usable answer${to} (${o.reason}: ${o.detail})`;
    }
    case 'not-run':
      return `was not tried (${o.reason})`;
    default: {
      const never: never = o;
      return String(never);
    }
  }
}

const BLOCKED_PHRASE: Readonly<Record<BlockedBy, string>> = {
  refused: 'refused the connection (ECONNREFUSED)',
  reset: 'reset the connection after the probe sent bytes',
  eof: 'closed the connection without sending data',
  timeout: 'did not answer the connection (timed out: dropped)',
  unreachable: 'was unreachable (ICMP unreachable)',
  'tls-client-cert-required': 'demanded a client certificate during the TLS handshake',
  'http-forbidden': 'answered 403 Forbidden',
  'http-unauthorized': 'answered 401 Unauthorized',
};

/** "a DNS query", "an NTP request", "an SNMP get", "a datagram". */
function udpRequestName(e: Evidence): string {
  switch (e.attempt.udp?.payload) {
    case 'dns':
      return 'a DNS query';
    case 'ntp':
      return 'an NTP request';
    case 'snmp':
      return 'an SNMP get';
    default:
      return 'a datagram';
  }
}

function udpBlockedPhrase(e: Evidence, by: BlockedBy): string {
  const what = `${udpRequestName(e)} over UDP/${e.attempt.port}`;
  if (by === 'timeout') return `did not answer ${what} (no reply: dropped)`;
  if (by === 'refused') return `refused ${what} (ICMP port unreachable)`;
  if (by === 'unreachable') return `was unreachable for ${what} (ICMP unreachable)`;
  return BLOCKED_PHRASE[by];
}

/** True when TCP completed and the peer then reset or closed it: the mesh or the workload itself may have done so. */
export function closedAfterConnect(e: Evidence): boolean {
  return e.outcome.kind === 'blocked' && (e.outcome.by === 'reset' || e.outcome.by === 'eof');
}

/**
 * The TLS attempt (Istio ALPN) to the same target and port that proves mTLS is STRICT there: the
 * server presented a certificate and demanded a client certificate (MESH-NOTES §0, §G.1).
 */
export function strictMtlsProof(e: Evidence, tlsAttempts: readonly Evidence[]): Evidence | undefined {
  const key = `${targetKey(e.attempt.target)}:${e.attempt.port}`;
  return tlsAttempts.find(
    (t) =>
      `${targetKey(t.attempt.target)}:${t.attempt.port}` === key &&
      t.outcome.kind === 'blocked' &&
      t.outcome.by === 'tls-client-cert-required',
  );
}

/** HTTP status of the observation, if one came back. */
export function httpStatus(e: Evidence): number | undefined {
  return e.observation?.http?.status;
}

/** Fold findings into a judgement: any fails → fails; else any inconclusive → inconclusive; else holds. */
export function fold(
  findings: readonly Finding[],
  whenEmpty: { status: VerdictStatus; reason: string },
  caveats: readonly string[] = [],
): Judgement {
  // One pass each, no intermediate arrays: a judge folds up to one finding per attempt (100 000 at scale).
  const idSet = new Set<string>();
  for (const f of findings) for (const id of f.evidenceIds) idSet.add(id);
  const ids = Array.from(idSet).sort();
  if (findings.length === 0)
    return { status: whenEmpty.status, reasons: [whenEmpty.reason, ...caveats], evidenceIds: ids };
  const fails: Reason[] = [];
  const unsure: Reason[] = [];
  const holds: Reason[] = [];
  let held = 0;
  for (const f of findings) {
    if (f.status === 'fails') fails.push(f.reason);
    else if (f.status === 'inconclusive') unsure.push(f.reason);
    else {
      held += 1;
      if (held <= MAX_HOLDS_LISTED) holds.push(f.reason);
    }
  }
  const status: VerdictStatus = fails.length > 0 ? 'fails' : unsure.length > 0 ? 'inconclusive' : 'holds';
  const holdsReasons =
    held <= MAX_HOLDS_LISTED
      ? holds
      : [`${held} further attempts held; each is listed in the evidence with its own reason.`];
  // One sentence set for both lists: each sentence is built once to compare, then dropped.
  const seen = new SentenceSet();
  const failing = fails.filter((r) => seen.add(r));
  const rest = [...unsure, ...holdsReasons, ...caveats].filter((r) => seen.add(r));
  const reasons = sentences([...failing, ...rest]);
  return { status, reasons, evidenceIds: ids, ...(fails.length > 0 ? { findings: sentences(failing) } : {}) };
}

/** Reasons without repeats, by their sentence (the first kept). */
export function dedupe(reasons: readonly Reason[]): Reason[] {
  if (reasons.every((r) => typeof r === 'string')) return Array.from(new Set(reasons));
  const seen = new SentenceSet();
  return reasons.filter((r) => seen.add(r));
}

/**
 * Reasons seen so far, by sentence. Attempt reasons are compared by a hash of their sentence,
 * built and dropped one at a time, so ~130 000 sentences never exist at once.
 */
class SentenceSet {
  readonly #byHash = new Map<number, Reason[]>();
  /** True when no reason with the same sentence was added before (and adds it). */
  add(r: Reason): boolean {
    const text = sentenceOf(r);
    const h = hashText(text);
    const same = this.#byHash.get(h);
    if (same === undefined) this.#byHash.set(h, [r]);
    else if (same.some((x) => x === r || sentenceOf(x) === text)) return false;
    else same.push(r);
    return true;
  }
}

/** FNV-1a over UTF-16 units (32 bits): a bucket key, never an identity. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A finding for one evidence item. */
export function finding(status: Finding['status'], reason: string, e: Evidence | readonly Evidence[]): Finding {
  const list = Array.isArray(e) ? (e as readonly Evidence[]) : [e as Evidence];
  // Flat now, while the pieces of the sentence are young garbage: a judge holds one finding per
  // attempt until it folds them, long enough for every piece to be promoted to the old heap.
  return { status, reason: flat(reason), evidenceIds: list.map((x) => x.id) };
}

/**
 * A finding about one attempt whose sentence, "`said(e)`: `claim`.", is built only when read
 * (AttemptReason). `claim` should be a shared string (a constant, or one per judge call).
 */
export function attemptFinding(status: Finding['status'], e: Evidence, claim: string): Finding {
  return { status, reason: { evidence: e, claim }, evidenceIds: [e.id] };
}

/**
 * Why a block counts: the control path (refusals) worked, and the pod was proven to work — by its
 * canary, or, where that was blocked, by another connection of the same pod, which is named.
 */
export function proofOf(e: Evidence): string {
  if (e.outcome.kind !== 'blocked') return '';
  const proof = e.outcome.proof;
  const pod =
    proof === undefined ? 'the canary from the same pod connected' : `the same pod connected to ${proof.reference}`;
  if (e.outcome.by === 'refused') {
    return `, while an allowed control path to the same port connected${proof === undefined ? '' : ` and ${pod}`}`;
  }
  if (e.outcome.by === 'timeout' || e.outcome.by === 'unreachable') {
    return e.attempt.technique === 'udp' ? ', while the UDP canary from the same pod was answered' : `, while ${pod}`;
  }
  return '';
}

/**
 * "payments/api port 8080 did not answer the connection (timed out: dropped) from namespace shop, while the canary from the same
 * pod connected". `subject` replaces "payments/api port 8080" where a control names the target its own way.
 */
export function said(e: Evidence, subject?: string): string {
  // A Service or Pod is named "namespace/name", which never starts with prose: no test needed
  // (sentences are built each time a reporter reads them, ~190 000 per format at scale).
  const kind = e.attempt.target.kind;
  const named = subject === undefined && (kind === 'Service' || kind === 'Pod');
  const start = named ? targetPort(e) : capitalise(subject ?? targetPort(e));
  return `${start} ${happened(e)} ${vantagePhrase(e)}${proofOf(e)}`;
}

/**
 * A readable place for a sighting's target key ("Service/payments/api") and port: "payments/api port 443", "node w1 port
 * 10250", or a user-named endpoint as the user gave it ("pay.example:443", its port already in it).
 */
export function placeOf(targetKeyText: string, port: number): string {
  const [kind = '', namespace = '', ...rest] = targetKeyText.split('/');
  const name = rest.join('/');
  if (kind === 'Endpoint') return name.endsWith(`:${port}`) ? name : `${name} port ${port}`;
  const known: ReadonlySet<string> = new Set(['Service', 'Pod', 'Node', 'ApiServer', 'Canary']);
  if (!known.has(kind) || name === '') return `${targetKeyText} port ${port}`;
  return `${targetName({ kind: kind as TargetRef['kind'], namespace, name })} port ${port}`;
}

/** Reason for an inconclusive outcome, as a full sentence. */
export function inconclusiveReason(e: Evidence, what: string): string {
  return `${said(e)}, so ${what} cannot be decided from this attempt.`;
}

/**
 * Upper-case the first letter of a sentence that starts with prose ("the API server", "node x"),
 * but never a Kubernetes name: "payments/api" stays as the cluster spells it.
 */
export function capitalise(s: string): string {
  return /^(the|node|egress|untrusted) /.test(s) ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/**
 * Workloads on their node's network (judge context, discover/targets.ts): not targets, and
 * NetworkPolicy does not govern them on most CNIs, so a segmentation control cannot hold beside
 * them. `whose` says whose workloads they are ("CDE", "Tenant").
 */
export function hostNetworkFinding(list: readonly string[], whose: string): Finding | undefined {
  if (list.length === 0) return undefined;
  return {
    status: 'inconclusive',
    reason:
      `${whose} workloads run on their node's network (hostNetwork) and were not probed: ${list.join('; ')}. ` +
      "Their ports are the node's, and NetworkPolicy does not govern such pods on most CNIs, so whether other namespaces reach them is not shown.",
    evidenceIds: [],
  };
}
