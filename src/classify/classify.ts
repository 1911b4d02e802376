/**
 * What one observation means (MESH-NOTES §0): a pure decision from raw facts to an Outcome.
 * A "blocked" needs proof that the probe pod works (the batch canary, or any other attempt of
 * the same pod that completed TCP after its settle point) and, for refusals and where the plan
 * has one, that an allowed source reaches the same target and port. A TCP timeout the agent
 * tried again needs more: a timeout on every try and a reference beside the last (timeout-check.ts).
 * UDP has no handshake: a reply is an answer, an ICMP port-unreachable a refusal, and silence
 * counts as dropped only when the UDP canary from the same pod was answered.
 */
import type { Attempt } from '../domain/attempt.js';
import type { Observation } from '../domain/observation.js';
import type { Outcome, Proof } from '../domain/outcome.js';
import type { RetryFacts } from '../../probes/protocol.js';
import { checkTimeout } from './timeout-check.js';

/** Batch-level facts the decision depends on. */
export interface ClassifyContext {
  /** Did this vantage's canary attempt succeed? undefined = no canary in the batch. */
  readonly canaryOk: boolean | undefined;
  /**
   * Another attempt of the same pod that completed TCP at or after the pod's settle point, when
   * this attempt also started after it (proof.ts). undefined = none, or the settle point unknown.
   */
  readonly proof?: Proof;
  /**
   * Did this attempt start at or after its pod's settle point? false = before it (policy may not
   * have applied yet, so no proof can vouch for what it saw); undefined = the point is unknown.
   */
  readonly afterSettle?: boolean;
  /**
   * Did this vantage's UDP canary (an echo datagram to the run's echo pod) come back?
   * undefined = no UDP canary in the batch.
   */
  readonly udpCanaryOk?: boolean | undefined;
  /** Did a control attempt to the same target+port connect? undefined = none planned. */
  readonly controlPathOk: boolean | undefined;
  /**
   * The agent found mesh listeners in its own pod: every observation is suspect.
   * undefined = the agent never reported its self-check, so the pod may have been meshed.
   */
  readonly probeMeshed: boolean | undefined;
  /**
   * The probe pod's spec shows a mesh enrolled it (an injected proxy, ambient redirection), so its
   * outbound traffic may have been captured and upgraded to mTLS: why, as a clause. Wins over a
   * self-check that saw no proxy port (a proxy that started after the agent's check still captures).
   */
  readonly probeCapture?: string;
  /**
   * Names an attempt of the run as reasons do, and says whether it is the run's echo canary: for a
   * retried timeout, the reference that ran beside its last try. undefined = not known.
   */
  readonly referenceOf?: (attemptId: string) => { readonly name: string; readonly canary: boolean } | undefined;
}

/** TLS alerts that mean "the server wants a client certificate": 116 certificate_required (TLS 1.3), 40 handshake_failure (TLS 1.2, probable). */
const CLIENT_CERT_ALERTS: ReadonlySet<number> = new Set([116, 40]);

/** Classify one attempt. */
export function classify(attempt: Attempt, observation: Observation | undefined, ctx: ClassifyContext): Outcome {
  if (observation === undefined) return inconclusive('no-observation', 'the agent never reported this attempt');
  if (ctx.probeCapture !== undefined) return inconclusive('probe-meshed', ctx.probeCapture);
  if (ctx.probeMeshed === true)
    return inconclusive(
      'probe-meshed',
      'the probe pod is inside a mesh, so its connections are not those of an unmeshed client',
    );
  if (ctx.probeMeshed === undefined)
    return inconclusive(
      'no-self-check',
      'the agent never reported its mesh self-check (it stopped before its done line), so the probe pod may have been inside a mesh',
    );
  if (attempt.technique === 'sweep') return sweepOutcome(observation);
  const alert = observation.tls?.alert;
  if (alert !== undefined && CLIENT_CERT_ALERTS.has(alert) && (observation.tls?.peerChainPem.length ?? 0) > 0) {
    return {
      kind: 'blocked',
      by: 'tls-client-cert-required',
      detail: `TLS alert ${alert} after the server presented its certificate: a client certificate is required`,
    };
  }
  if (attempt.technique === 'udp') return byUdp(attempt, observation, ctx);
  if (observation.http !== undefined) {
    const as = attempt.http?.tls === true || attempt.technique === 'tls' ? 'https-response' : 'plaintext-http';
    const server = observation.http.headers['server'];
    return {
      kind: 'allowed',
      as,
      detail: `HTTP status ${observation.http.status}${server ? `, server: ${server}` : ''}`,
    };
  }
  return byTransport(attempt, observation, ctx);
}

function byTransport(attempt: Attempt, o: Observation, ctx: ClassifyContext): Outcome {
  const code = o.errorCode ? ` (${o.errorCode})` : '';
  switch (o.transport) {
    case 'connected':
      return connected(attempt, o);
    case 'refused':
      return refused(attempt, ctx, code);
    case 'timeout':
      return o.retried === undefined ? dropped('timeout', ctx, code) : retriedTimeout(attempt, o, o.retried, ctx);
    case 'unreachable':
      return dropped(o.transport, ctx, code);
    case 'reset':
      return { kind: 'blocked', by: 'reset', detail: `the peer reset the connection after it was established${code}` };
    case 'eof':
      return { kind: 'blocked', by: 'eof', detail: 'the peer closed the connection without sending data' };
    case 'silent':
      return inconclusive('silent', 'the connection was established but nothing came back before the timeout');
    case 'dns-failure':
      return inconclusive('dns-failure', `the name did not resolve${code}`);
    case 'agent-error':
      return inconclusive('agent-error', `the agent could not make the attempt${code}`);
    case 'skipped':
      // Settled by the phase-2 step of evidence.ts (not-run, or inconclusive with the L4 attempt's reason).
      return inconclusive(
        'no-observation',
        o.detail ?? 'phase 2 was not run: the L4 attempt from this vantage did not connect',
      );
    default: {
      const never: never = o.transport;
      return inconclusive('ambiguous', `unknown transport result ${String(never)}`);
    }
  }
}

/** A listener sweep: what answered, or inconclusive when no port answered at all (nothing proves the path works). */
function sweepOutcome(o: Observation): Outcome {
  const s = o.sweep;
  if (o.transport === 'agent-error' || s === undefined)
    return inconclusive('agent-error', `the listener sweep did not run${o.errorCode ? ` (${o.errorCode})` : ''}`);
  const counts = `${s.open.length} open, ${s.closed} closed, ${s.filtered} filtered${s.notSwept > 0 ? `, ${s.notSwept} not swept (budget)` : ''}`;
  if (s.open.length === 0 && s.closed === 0)
    return inconclusive(
      'ambiguous',
      `no swept port answered (${counts}): a policy drops them from this namespace, or the probe pod cannot send`,
    );
  return {
    kind: 'allowed',
    as: 'tcp-connected',
    detail: `listener sweep: ${counts}${s.open.length > 0 ? ` (open: ${s.open.join(', ')})` : ''}`,
  };
}

function connected(attempt: Attempt, o: Observation): Outcome {
  if (o.tls?.handshake)
    return {
      kind: 'allowed',
      as: 'tls-handshake',
      detail: `TLS handshake completed (${o.tls.protocol ?? 'unknown protocol'}, ${o.tls.cipher ?? 'unknown cipher'})`,
    };
  if (attempt.technique === 'dns' && o.dns)
    return { kind: 'allowed', as: 'dns-answer', detail: `${o.dns.addresses.length} addresses` };
  if (o.bytesReceived > 0)
    return { kind: 'allowed', as: 'tcp-data', detail: `TCP connected and ${o.bytesReceived} bytes came back` };
  return { kind: 'allowed', as: 'tcp-connected', detail: 'TCP connected' };
}

/** ECONNREFUSED: nothing listening or a REJECT rule; only a working control path tells them apart. */
function refused(attempt: Attempt, ctx: ClassifyContext, code: string): Outcome {
  if (attempt.role !== 'probe')
    return inconclusive(
      attempt.role === 'canary' ? 'canary-failed' : 'control-path-failed',
      `the ${attempt.role} attempt was refused${code}`,
    );
  if (ctx.afterSettle === false) return beforeSettle(`refused${code}`);
  if (ctx.canaryOk !== true && ctx.proof === undefined) {
    return inconclusive('canary-failed', `refused${code}, but the batch canary did not succeed${noOtherProof(ctx)}`);
  }
  if (attempt.target.kind === 'Canary')
    return { kind: 'blocked', by: 'refused', detail: `refused${code}; the canary is known to listen` };
  if (ctx.controlPathOk === undefined)
    return inconclusive(
      'no-control-path',
      `refused${code}: without a control path a REJECT rule is indistinguishable from nothing listening`,
    );
  if (!ctx.controlPathOk)
    return inconclusive(
      'control-path-failed',
      `refused${code}, and the allowed control path to the same port failed too`,
    );
  const proof = ctx.canaryOk !== true && ctx.proof !== undefined ? { proof: ctx.proof } : {};
  const detail = `refused${code} while the control path to the same port connected`;
  return { kind: 'blocked', by: 'refused', detail, ...proof };
}

/**
 * Timeout / unreachable: a drop only if the pod is proven to work — its canary connected, or
 * (where the canary is itself blocked, e.g. by a default-deny egress policy) another attempt of
 * the same pod completed TCP after the pod's settle point.
 */
function dropped(by: 'timeout' | 'unreachable', ctx: ClassifyContext, code: string): Outcome {
  const what = by === 'timeout' ? 'no TCP connection before the timeout' : `host or network unreachable${code}`;
  if (ctx.afterSettle === false) return beforeSettle(what);
  if (ctx.canaryOk !== true && ctx.proof === undefined) {
    const detail = `${what}, but the batch canary did not succeed${noOtherProof(ctx)}, so the probe's own egress may be broken`;
    return inconclusive('canary-failed', detail);
  }
  if (ctx.controlPathOk === false)
    return inconclusive('control-path-failed', `${what}, and the allowed control path to the same port failed too`);
  if (ctx.canaryOk === true || ctx.proof === undefined) {
    return { kind: 'blocked', by, detail: `${what} while the canary connected` };
  }
  const detail = `${what} while the same pod connected to ${ctx.proof.reference}`;
  return { kind: 'blocked', by, detail, proof: ctx.proof };
}

/**
 * A timeout the agent tried again (timeout-check.ts): a drop only when every try timed out and
 * the same pod's reference connected beside the last one; that reference backs the block.
 */
function retriedTimeout(attempt: Attempt, o: Observation, retried: RetryFacts, ctx: ClassifyContext): Outcome {
  if (ctx.afterSettle === false) return beforeSettle('no TCP connection before the timeout');
  const nameOf = (id: string): string => ctx.referenceOf?.(id)?.name ?? `attempt ${id}`;
  const check = checkTimeout({ startedAt: o.startedAt, durationMs: o.durationMs, retried }, attempt.timeoutMs, nameOf);
  if (check.kind === 'unconfirmed') return inconclusive('timeout-unconfirmed', check.detail);
  if (ctx.controlPathOk === false) {
    return inconclusive('control-path-failed', `${check.detail}, but the allowed control path to the same port failed`);
  }
  const ref = ctx.referenceOf?.(check.referenceId);
  // The echo canary backs a block as it always did (no letter in the matrices); anything else is named as proof.
  const proof = ref === undefined || ref.canary ? {} : { proof: { attemptId: check.referenceId, reference: ref.name } };
  return { kind: 'blocked', by: 'timeout', detail: check.detail, ...proof };
}

/** Said only where other attempts of the pod were looked at (its settle point was known). */
function noOtherProof(ctx: ClassifyContext): string {
  return ctx.afterSettle === true ? ' and no other attempt of the same pod connected after its settle point' : '';
}

function beforeSettle(what: string): Outcome {
  const detail = `${what}, but the attempt started before the probe pod's settle point, when its policy may not have applied yet`;
  return inconclusive('before-settle', detail);
}

/** A request every server of its protocol answers (a DNS server answers any query, if only with an error). */
function answersAlways(attempt: Attempt): boolean {
  return attempt.udp?.payload === 'dns';
}

/** A UDP attempt: reply = allowed; ICMP port-unreachable = refused; silence = dropped only with a UDP canary. */
function byUdp(attempt: Attempt, o: Observation, ctx: ClassifyContext): Outcome {
  const code = o.errorCode ? ` (${o.errorCode})` : '';
  switch (o.transport) {
    case 'connected': {
      const summary = o.udp?.summary ?? `${o.bytesReceived} bytes`;
      return { kind: 'allowed', as: 'udp-reply', detail: `a UDP reply came back: ${summary}` };
    }
    case 'refused':
      return refused(attempt, { ...ctx, canaryOk: ctx.udpCanaryOk }, ' (ICMP port unreachable)');
    case 'timeout':
    case 'unreachable': {
      const what =
        o.transport === 'timeout' ? 'no UDP reply before the timeout' : `host or network unreachable over UDP${code}`;
      if (attempt.role !== 'probe') return inconclusive('canary-failed', `the ${attempt.role} attempt got ${what}`);
      if (ctx.afterSettle === false) return beforeSettle(what);
      if (ctx.udpCanaryOk !== true) {
        const canary =
          ctx.udpCanaryOk === false
            ? 'the UDP canary from the same pod was not answered either'
            : 'no UDP canary ran from this pod';
        const why = "so the silence may be the probe's own UDP or a server that ignores the request";
        return inconclusive('canary-failed', `${what}, and ${canary}, ${why}`);
      }
      if (ctx.controlPathOk === false) {
        return inconclusive('control-path-failed', `${what}, and the allowed control path to the same port failed too`);
      }
      // A UDP server may ignore a request it does not like (a statsd never replies, an SNMP agent
      // drops a wrong community): silence is a drop only where the port is known to answer.
      if (o.transport === 'timeout' && ctx.controlPathOk !== true && !answersAlways(attempt)) {
        const why =
          'and nothing shows this port answers the request when it is allowed (no control path from its own ' +
          'namespace got a reply, and not every server of its protocol answers it), so the silence cannot be told ' +
          'from a drop';
        return inconclusive('no-control-path', `${what}, ${why}`);
      }
      const detail = `${what} while the UDP canary from the same pod was answered`;
      return { kind: 'blocked', by: o.transport, detail };
    }
    default:
      return byTransport(attempt, o, ctx);
  }
}

function inconclusive(reason: Extract<Outcome, { kind: 'inconclusive' }>['reason'], detail: string): Outcome {
  return { kind: 'inconclusive', reason, detail };
}
