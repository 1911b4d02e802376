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
export type Technique = 'tcp' | 'tls' | 'http' | 'dns';

/** TLS protocol names as node:tls spells them. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** TLS parameters of one attempt. No client certificate is ever sent. */
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
}

/** HTTP parameters of one attempt. No credentials are ever sent. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Make the request over TLS (https) instead of plaintext. */
  readonly tls?: boolean;
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
  /** For technique `dns`: the name to resolve (host is ignored). */
  readonly dnsName?: string;
  /** For technique `dns`: resolver to ask, "ip" or "ip:port" (default: the pod's resolv.conf). */
  readonly dnsServer?: string;
  /** For technique `tcp`: the bytes to send first, as UTF-8 (default: a short line that HTTP servers reject loudly). */
  readonly payload?: string;
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
   * Wait this long after the self-check before the first attempt (default 0). NetworkPolicy
   * engines learn a new pod's address from the API after it starts; until then its traffic
   * can pass a policy that is about to apply. Counted inside deadlineMs.
   */
  readonly settleMs?: number;
  readonly attempts: readonly AttemptSpec[];
}

/**
 * Transport result of one attempt, decided from error codes and socket events only.
 * - connected: TCP (and TLS if asked) came up; see bytesReceived/tls/http for what came back
 * - refused: ECONNREFUSED (nothing listening, or a REJECT rule)
 * - reset: connection reset by peer after connect (ECONNRESET)
 * - eof: peer closed cleanly (FIN) with no data
 * - silent: connected, bytes sent, nothing came back before the timeout
 * - timeout: no TCP connection before the timeout (DROP, dead route)
 * - unreachable: EHOSTUNREACH / ENETUNREACH
 * - dns-failure: the name did not resolve
 * - agent-error: the agent could not make the attempt (bug, deadline, bad spec)
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
  | 'agent-error';

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
  /** Whether node:tls judged the chain trusted (always against the agent's default store). */
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
export interface DnsFacts {
  readonly name: string;
  readonly addresses: readonly string[];
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
  /** For transport `agent-error`: one human sentence on why (bad spec, deadline); never classified on. */
  readonly detail?: string;
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
