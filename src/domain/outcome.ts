/**
 * What an observation means for one attempt (DESIGN §3, MESH-NOTES §0).
 * A timeout is `blocked` only when the probe pod is proven to work: its canary connected, or
 * another attempt of the same pod completed TCP after the pod's settle point (`proof`); and the
 * control path, if planned, worked.
 */
export type Outcome =
  | { readonly kind: 'blocked'; readonly by: BlockedBy; readonly detail: string; readonly proof?: Proof }
  | { readonly kind: 'allowed'; readonly as: AllowedAs; readonly detail: string }
  | { readonly kind: 'inconclusive'; readonly reason: InconclusiveReason; readonly detail: string }
  | { readonly kind: 'not-run'; readonly reason: string };

/**
 * The connection that proved a block's probe pod works, when it was not the run's own echo canary:
 * an attempt of the same pod that completed TCP after the pod's settle point (DoneLine.settledAt).
 */
export interface Proof {
  /** Id of the attempt (and evidence) that connected. */
  readonly attemptId: string;
  /** Where it connected, as reasons name it: "egress-lock-api/api port 8080". */
  readonly reference: string;
}

/** How the connection was stopped. */
export type BlockedBy =
  | 'refused'
  | 'reset'
  | 'eof'
  | 'timeout'
  | 'unreachable'
  | 'tls-client-cert-required'
  | 'http-forbidden'
  | 'http-unauthorized';

/** How far the connection got. */
type AllowedAs =
  | 'tcp-connected'
  | 'tcp-data'
  | 'tls-handshake'
  | 'plaintext-http'
  | 'https-response'
  | 'dns-answer'
  /** A UDP datagram came back from the target (the request reached a listener and it answered). */
  | 'udp-reply';

/** Why we could not tell. */
type InconclusiveReason =
  | 'no-observation'
  | 'agent-error'
  | 'canary-failed'
  | 'no-control-path'
  | 'control-path-failed'
  | 'probe-meshed'
  /** The agent never reported its mesh self-check (no done line), so the probe pod may have been meshed. */
  | 'no-self-check'
  /** The attempt started before its pod's settle point (DoneLine.settledAt), when policy may not have applied yet. */
  | 'before-settle'
  /**
   * A TCP timeout the agent tried again that nothing time-local vouches for: a try got no second
   * chance, the reference beside the last try failed too, or the path was unsteady (timeout-check.ts).
   */
  | 'timeout-unconfirmed'
  | 'silent'
  | 'dns-failure'
  | 'ambiguous';
