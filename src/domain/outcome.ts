/**
 * What an observation means for one attempt (DESIGN §3, MESH-NOTES §0).
 * A timeout is `blocked` only when the batch canary (and the control path, if planned) worked.
 */
export type Outcome =
  | { readonly kind: 'blocked'; readonly by: BlockedBy; readonly detail: string }
  | { readonly kind: 'allowed'; readonly as: AllowedAs; readonly detail: string }
  | { readonly kind: 'inconclusive'; readonly reason: InconclusiveReason; readonly detail: string }
  | { readonly kind: 'not-run'; readonly reason: string };

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
export type AllowedAs =
  | 'tcp-connected'
  | 'tcp-data'
  | 'tls-handshake'
  | 'plaintext-http'
  | 'https-response'
  | 'dns-answer'
  /** A UDP datagram came back from the target (the request reached a listener and it answered). */
  | 'udp-reply';

/** Why we could not tell. */
export type InconclusiveReason =
  | 'no-observation'
  | 'agent-error'
  | 'canary-failed'
  | 'no-control-path'
  | 'control-path-failed'
  | 'probe-meshed'
  /** The agent never reported its mesh self-check (no done line), so the probe pod may have been meshed. */
  | 'no-self-check'
  | 'silent'
  | 'dns-failure'
  | 'ambiguous';

export type OutcomeKind = Outcome['kind'];
