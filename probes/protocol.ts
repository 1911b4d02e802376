/**
 * Wire protocol between the CLI and the in-pod agent, version 1.
 *
 * Shared by both sides and deliberately free of imports: the agent bundle must
 * stay small and the CLI must be able to validate what the agent printed.
 * A breaking change bumps `v`; the CLI rejects lines of an unknown version.
 */

/** Protocol version written on every line and batch. */
export const PROTOCOL_VERSION = 1 as const;

/** How an attempt is made. */
export type Technique = 'tcp' | 'tls' | 'http' | 'dns' | 'udp' | 'sweep';

/** TLS protocol names as node:tls spells them. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/**
 * TLS parameters of one attempt. No client certificate is ever sent, except the pod's own mesh
 * identity when `clientIdentityDir` is set (identity vantages, 7.2.2).
 */
export interface TlsRequest {
  readonly servername?: string;
  readonly alpn?: readonly string[];
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  /** OpenSSL cipher string (TLS ≤ 1.2) used to pin one suite. */
  readonly ciphers?: string;
  /**
   * Stop when the handshake ends: no post-handshake write and read window. For version and
   * suite enumeration, where an ordinary handshake of the same run already looks for a
   * client-certificate demand that arrives after it (TLS 1.3 alert 116). Default false.
   */
  readonly handshakeOnly?: boolean;
  /**
   * Present the mesh identity a mesh injector gave this pod: the directory holding its X.509 SVID
   * as `certificates.pem`, `private_key.pem` and `ca_certificates.pem` (the layout of
   * MESH_IDENTITY_DIR). The key is read in the pod and never leaves it. No file: the attempt is an
   * `agent-error` with code MESHPROBE_NO_MESH_IDENTITY, and nothing is sent.
   */
  readonly clientIdentityDir?: string;
}

/**
 * Where mesh injectors that hand the workload its own identity mount it (GKE managed workload
 * identities; the meshprobe lab's injector): the SVID files of TlsRequest.clientIdentityDir.
 */
export const MESH_IDENTITY_DIR = '/var/run/secrets/workload-spiffe-credentials';

/** errorCode of an `agent-error` attempt that asked for the mesh identity in a pod that has none. */
export const NO_MESH_IDENTITY = 'MESHPROBE_NO_MESH_IDENTITY';

/** HTTP parameters of one attempt. No credentials are ever sent. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Make the request over TLS (https) instead of plaintext. */
  readonly tls?: boolean;
}

/**
 * What a `udp` attempt sends: a real request of a protocol known on that port (a DNS query for
 * an A record, an NTP v4 client packet, an SNMP v2c GetRequest for sysDescr.0 with the
 * well-known community "public"), or `echo`, a short line the run's echo pod sends back.
 */
export type UdpPayload = 'dns' | 'ntp' | 'snmp' | 'echo';

/** UDP parameters of one attempt. */
export interface UdpRequest {
  readonly payload: UdpPayload;
  /** For payload `dns`: the name to query (type A, recursion desired). */
  readonly dnsName?: string;
}

/** One connection the agent should try. */
export interface AttemptSpec {
  readonly id: string;
  readonly technique: Technique;
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly tls?: TlsRequest;
  readonly http?: HttpRequest;
  /** For technique `udp`: what to send (default: echo). */
  readonly udp?: UdpRequest;
  /** For technique `dns`: the name to resolve (host is ignored). */
  readonly dnsName?: string;
  /** For technique `dns`: resolver to ask, "ip" or "ip:port" (default: the pod's resolv.conf). */
  readonly dnsServer?: string;
  /** For technique `tcp`: the bytes to send first, as UTF-8 (default: a short line that HTTP servers reject loudly). */
  readonly payload?: string;
  /**
   * Phase 2 (two-phase runs): run this attempt only after the attempt with this id, in the same
   * batch, completed a TCP connection (connected, silent, reset or eof); otherwise the agent
   * reports it `skipped` without connecting. The agent runs every attempt without `after` first.
   */
  readonly after?: string;
  /** For technique `sweep`: which ports of `host` to try (`port` is ignored; `timeoutMs` is the whole sweep's budget). */
  readonly sweep?: SweepRequest;
}

/** A TCP listener sweep of one host: connect-only (no bytes sent), bounded in concurrency and time. */
export interface SweepRequest {
  /** Ports and inclusive [from, to] ranges, each port 1–65535. */
  readonly ports: ReadonlyArray<number | readonly [number, number]>;
  /** Connects in flight at once. */
  readonly concurrency: number;
  /** Limit of one connect, milliseconds; no answer by then counts as filtered. */
  readonly connectTimeoutMs: number;
}

/** What a sweep saw. Ports the budget did not reach are `notSwept`. */
export interface SweepFacts {
  /** Ports that completed a TCP handshake, ascending. */
  readonly open: readonly number[];
  /** Ports that refused (RST): nothing listens, or a REJECT rule. */
  readonly closed: number;
  /** Ports with no answer before the connect timeout (dropped), or ICMP unreachable. */
  readonly filtered: number;
  /** Ports not tried before the sweep's budget ran out or the batch stopped. */
  readonly notSwept: number;
}

/** What one probe pod runs. */
export interface AttemptBatch {
  readonly v: typeof PROTOCOL_VERSION;
  readonly runId: string;
  readonly podName: string;
  readonly concurrency: number;
  /** Whole-batch budget; attempts not finished by then are reported as agent-error. */
  readonly deadlineMs: number;
  /**
   * The policy-ready point: milliseconds after the agent starts this batch by which the
   * cluster's NetworkPolicy engine is assumed to have programmed this pod (default 0: no
   * point). Engines learn a new pod from the API after it starts; before that its traffic
   * can pass a policy that is about to apply, or miss a rule that would admit it. Attempts
   * start at once; one that started earlier and whose result may have been decided before
   * the point (see repeat.ts in the agent) is made again after it, and only the later
   * result is reported (with `repeated`). Must be below deadlineMs.
   */
  readonly policyReadyMs?: number;
  /**
   * Try timed-out TCP attempts (tcp, tls, http) again before reporting them (absent: report a
   * timeout as it came, as agents before this field did). See TimeoutRetryRequest.
   */
  readonly timeoutRetry?: TimeoutRetryRequest;
  readonly attempts: readonly AttemptSpec[];
}

/**
 * A timeout on a loaded node or CNI looks like a DROP. So after its pass (and after the
 * policy-ready point) the agent tries every timed-out TCP attempt again on a fresh socket, in
 * rounds, with a reference connection of the same pod made beside each round: a try that gets
 * any answer is the result; a timeout is reported only when every try timed out, and its line
 * says how many tries were made and what the reference beside the last one saw (RetryFacts).
 * Another round is made only while the last one was not quiet (a timed-out attempt got an
 * answer, or the reference did not connect), up to `maxTries`, and only if it fits the deadline.
 */
export interface TimeoutRetryRequest {
  /** Tries of a timed-out attempt in all, the first included: 2–4. */
  readonly maxTries: number;
  /**
   * Ids of this batch's attempts to use as the reference, first preferred (e.g. the echo canary);
   * one that completed TCP is made again beside each round. When none did, the agent uses any
   * attempt of the pod that completed TCP.
   */
  readonly referenceIds?: readonly string[];
}

/**
 * Transport result of one attempt, decided from error codes and socket events only.
 * - connected: TCP (and TLS if asked) came up; see bytesReceived/tls/http for what came back;
 *   for UDP: a datagram came back from the target (see udp)
 * - refused: ECONNREFUSED (nothing listening, or a REJECT rule; for UDP: ICMP port unreachable)
 * - reset: connection reset by peer after connect (ECONNRESET)
 * - eof: peer closed cleanly (FIN) with no data
 * - silent: connected, bytes sent, nothing came back before the timeout
 * - timeout: no TCP connection before the timeout (DROP, dead route); for UDP: no reply at all
 * - unreachable: EHOSTUNREACH / ENETUNREACH
 * - dns-failure: the name did not resolve
 * - agent-error: the agent could not make the attempt (bug, deadline, bad spec)
 * - skipped: a phase-2 attempt whose `after` attempt did not complete TCP (never connected);
 *   wire-only: the CLI turns it into a not-run entry or an inconclusive outcome
 */
export type TransportResult =
  | 'connected'
  | 'refused'
  | 'reset'
  | 'eof'
  | 'silent'
  | 'timeout'
  | 'unreachable'
  | 'dns-failure'
  | 'agent-error'
  | 'skipped';

/**
 * Transport results that mean the TCP handshake completed, whatever came after (data, silence, a
 * reset or a close): what a phase-2 attempt waits for, and what proves a probe pod's egress.
 */
export const TCP_COMPLETED: ReadonlySet<TransportResult> = new Set<TransportResult>([
  'connected',
  'silent',
  'reset',
  'eof',
]);

/** Facts from a TLS handshake (whether or not it completed). */
export interface TlsFacts {
  /** Negotiated protocol, e.g. "TLSv1.3"; null when the handshake did not complete. */
  readonly protocol: string | null;
  readonly cipher: string | null;
  readonly alpn: string | null;
  /** Peer chain as PEM, leaf first; may be non-empty even when the handshake failed. */
  readonly peerChainPem: readonly string[];
  /** TLS alert number received from the peer, if any (e.g. 40, 116). */
  readonly alert?: number;
  /** True when the handshake completed (secureConnect fired). */
  readonly handshake: boolean;
  /**
   * Whether node:tls judged the chain trusted: against the agent's default store, or, when the
   * attempt presented the pod's mesh identity (clientIdentityDir), against that identity's mesh
   * trust bundle (true = the server is of the same mesh).
   */
  readonly authorized: boolean;
  readonly verifyError?: string;
}

/** Facts from an HTTP exchange. Headers are a fixed allow-list, already redacted. */
export interface HttpFacts {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** First bytes of the body, at most 512, as UTF-8 (lossy). */
  readonly bodyPrefix: string;
}

/** Facts from a DNS resolution. */
interface DnsFacts {
  readonly name: string;
  readonly addresses: readonly string[];
}

/** DNS header facts of a reply (RFC 1035 §4.1.1). */
export interface UdpDnsFacts {
  /** Response code: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, … */
  readonly rcode: number;
  readonly answers: number;
  /** IPv4 addresses of the A records in the answer section. */
  readonly addresses: readonly string[];
}

/** Facts from a `udp` attempt; parsed fields only when the reply is of the protocol sent. */
export interface UdpFacts {
  readonly payload: UdpPayload;
  /** Datagrams sent (a silent first try is repeated once, UDP being lossy). */
  readonly sent: number;
  /** Datagrams received from the target. */
  readonly replies: number;
  /** One phrase describing the first reply, e.g. "DNS reply NOERROR, 1 answer"; absent when nothing came back. */
  readonly summary?: string;
  readonly dns?: UdpDnsFacts;
  /** NTP reply header: mode 4 = server, stratum, version. */
  readonly ntp?: { readonly mode: number; readonly stratum: number; readonly version: number };
  /** SNMP reply: PDU tag (0xa2 = Response) and error-status (0 = noError). */
  readonly snmp?: { readonly pdu: number; readonly errorStatus: number };
}

/** One line per attempt: raw facts, no judgement. */
export interface ObservationLine {
  readonly v: typeof PROTOCOL_VERSION;
  readonly attemptId: string;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly transport: TransportResult;
  /** Raw err.code (e.g. ECONNRESET, ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED). */
  readonly errorCode?: string;
  /** Bytes the peer sent; for tls/https attempts the decrypted application data (handshake bytes not counted). */
  readonly bytesReceived: number;
  /** First bytes received on a raw TCP attempt, UTF-8 (lossy), at most 512. */
  readonly dataPrefix?: string;
  readonly tls?: TlsFacts;
  readonly http?: HttpFacts;
  readonly dns?: DnsFacts;
  readonly udp?: UdpFacts;
  /** For technique `sweep`: the ports found open and the counts of the rest. */
  readonly sweep?: SweepFacts;
  /** For transport `agent-error`: one human sentence on why (bad spec, deadline); never classified on. */
  readonly detail?: string;
  /**
   * Present when this attempt first ran before its pod's policy-ready point and was made
   * again after it. The line's own fields (startedAt, transport, …) are the later attempt,
   * the only one that counts; the first result is kept here for the record.
   */
  readonly repeated?: RepeatFacts;
  /**
   * Present when this attempt timed out and was tried again (AttemptBatch.timeoutRetry). The
   * line's own fields are the last try's: a network answer if one came, else the last timeout.
   */
  readonly retried?: RetryFacts;
}

/** The tries of an attempt that timed out at first, and what vouches for a timeout on every try. */
export interface RetryFacts {
  /** Tries made in all, the first included. */
  readonly tries: number;
  readonly firstStartedAt: string;
  readonly firstDurationMs: number;
  /**
   * Every try timed out: the reference connection made beside the last try (same pod, same round).
   * Absent when the pod had no connection to use as a reference.
   */
  readonly reference?: ReferenceTry;
  /**
   * Every try timed out: true when, in the round of the last try, no other timed-out attempt of
   * the pod got an answer (the path was steady). False: the retries stopped (maxTries or the
   * deadline) while attempts were still changing their answer.
   */
  readonly quiet?: boolean;
}

/** One run of the reference connection beside a retry round. */
export interface ReferenceTry {
  readonly attemptId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly transport: TransportResult;
}

/** The first, discarded try of an attempt that was repeated after the policy-ready point. */
export interface RepeatFacts {
  /** The pod's policy-ready point (ISO-8601 UTC); the later attempt started at or after it. */
  readonly policyReadyAt: string;
  readonly firstStartedAt: string;
  readonly firstDurationMs: number;
  readonly firstTransport: TransportResult;
  readonly firstErrorCode?: string;
}

/** Result of the agent's start-up check for mesh proxies in its own network namespace. */
export interface SelfCheck {
  /** Localhost ports of known mesh proxies that accepted a connection. */
  readonly meshListeners: readonly number[];
  readonly meshed: boolean;
  readonly nodeVersion: string;
}

/** Final line: the agent finished (possibly at the deadline). */
export interface DoneLine {
  readonly v: typeof PROTOCOL_VERSION;
  readonly done: true;
  readonly count: number;
  readonly selfCheck: SelfCheck;
  /**
   * The pod's policy-ready point (ISO-8601 UTC), when the batch set one. Observations that
   * started at or after it were made once the policy engine is assumed to know the pod.
   */
  readonly policyReadyAt?: string;
  /** How many attempts were repeated after the point (their lines carry `repeated`). */
  readonly repeatedCount?: number;
  /** With AttemptBatch.timeoutRetry: attempts tried again after a timeout, and the retry rounds made. */
  readonly timeoutRetries?: { readonly attempts: number; readonly rounds: number };
}

/** Printed alone (exit 2) when the batch cannot be read. */
export interface AgentErrorLine {
  readonly v: typeof PROTOCOL_VERSION;
  readonly error: { readonly code: string; readonly message: string };
}

/**
 * Localhost ports whose listeners mean "this pod is inside a mesh" (MESH-NOTES §G.3): Istio
 * sidecar/ztunnel (15000 Envoy admin, which binds only to localhost, 15001/15006 capture,
 * 15008 HBONE, 15020/15021 pilot-agent, 15090 stats) and Linkerd (4140/4143 proxy, 4191 admin).
 */
export const MESH_PROXY_PORTS: readonly number[] = [15000, 15001, 15006, 15008, 15020, 15021, 15090, 4140, 4143, 4191];
