/**
 * What one mesh-authz attempt (an mTLS request presenting an identity vantage's own mesh
 * certificate) says about mesh access (pure; MESH-NOTES §0, §A.4): was the identity authenticated,
 * and did authorization let it through? Judged on the raw observation, because the outcome
 * classes (allowed / blocked) do not separate "certificate refused" from "request refused".
 */
import { NO_MESH_IDENTITY } from '../../../probes/protocol.js';
import type { Evidence } from '../../domain/evidence.js';

/** The classes of a mesh-authz attempt. */
export type MeshAccess =
  /** mTLS completed and the workload (or the mesh on its behalf) answered with something other than 401/403. */
  | { readonly kind: 'allowed'; readonly detail: string }
  /** Authenticated and refused by an access-control layer: HTTP 403/401 over the mTLS connection. */
  | { readonly kind: 'denied'; readonly detail: string }
  /**
   * The handshake completed with the identity's certificate against a server of the same mesh (its
   * certificate chains to the identity's trust bundle), then the server refused that certificate
   * (bad_certificate, certificate_unknown, access_denied) or closed without a byte. Authorization,
   * if the same port let another identity of the same mesh through; otherwise it may be authentication.
   */
  | { readonly kind: 'refused-after-handshake'; readonly detail: string }
  /** The mesh did not accept the certificate (unknown CA, expired, revoked) or never got one. */
  | { readonly kind: 'unauthenticated'; readonly detail: string }
  /** The probe pod was given no mesh identity, so nothing was sent. */
  | { readonly kind: 'no-identity'; readonly detail: string }
  /** The port does not speak TLS, or the attempt never reached it (network): not a mesh-authorization fact. */
  | { readonly kind: 'not-mtls'; readonly detail: string }
  /**
   * The probe pod itself cannot be trusted: a mesh captured its traffic (an injected proxy or ambient
   * redirection may have sent the request under the mesh's identity, not the one the probe presented),
   * or its self-check never came. Whatever came back says nothing about this identity.
   */
  | { readonly kind: 'untrusted-pod'; readonly detail: string }
  /** Anything else (timeout after connect, agent error, no observation). */
  | { readonly kind: 'unknown'; readonly detail: string };

/** Alerts after the handshake by which a server refuses a client certificate it could parse. */
const REFUSED_CERT: Readonly<Record<number, string>> = {
  42: 'bad_certificate',
  46: 'certificate_unknown',
  49: 'access_denied',
};
/** Alerts by which a server says it does not accept the certificate's issuer or validity, or got none. */
const UNAUTHENTICATED: Readonly<Record<number, string>> = {
  48: 'unknown_ca',
  45: 'certificate_expired',
  44: 'certificate_revoked',
  116: 'certificate_required',
  40: 'handshake_failure',
};

/** Network results that mean the request never reached a TLS server. */
const UNREACHED = new Set(['timeout', 'refused', 'unreachable', 'dns-failure']);

/** Outcome reasons that discredit everything the probe pod saw (classify.ts), whatever came back. */
const UNTRUSTED_POD: ReadonlySet<string> = new Set(['probe-meshed', 'no-self-check']);

/** Classify one mesh-authz attempt. */
export function meshAccess(e: Evidence): MeshAccess {
  const o = e.observation;
  if (o === undefined) return { kind: 'unknown', detail: 'the agent never reported the attempt' };
  // Judged on the raw observation below, so the pod-level verdict of classify must be honoured first.
  if (e.outcome.kind === 'inconclusive' && UNTRUSTED_POD.has(e.outcome.reason)) {
    return { kind: 'untrusted-pod', detail: e.outcome.detail };
  }
  if (o.errorCode === NO_MESH_IDENTITY) {
    return { kind: 'no-identity', detail: o.detail ?? 'the probe pod has no mesh identity' };
  }
  const alert = o.tls?.alert;
  if (alert !== undefined && UNAUTHENTICATED[alert] !== undefined) {
    const detail = `TLS alert ${alert} (${UNAUTHENTICATED[alert]}): the mesh did not accept the identity's certificate`;
    return { kind: 'unauthenticated', detail };
  }
  if (o.http !== undefined) {
    const status = o.http.status;
    const server = o.http.headers['server'];
    const rbac = o.http.bodyPrefix.startsWith('RBAC:') ? `, "${o.http.bodyPrefix.slice(0, 40)}"` : '';
    const said = `HTTP ${status}${server ? `, server: ${server}` : ''}${rbac}`;
    if (status === 403 || status === 401)
      return { kind: 'denied', detail: `authenticated by mTLS, then refused (${said})` };
    return { kind: 'allowed', detail: `authenticated by mTLS and let through (${said})` };
  }
  if (
    o.tls?.handshake === true &&
    o.tls.authorized !== true &&
    (o.transport === 'eof' || o.transport === 'reset' || o.transport === 'connected')
  ) {
    // Refused or closed by a server that is not of the identity's mesh: it may not accept the
    // identity at all (some servers close instead of alerting unknown_ca), so no authentication is shown.
    const code = o.errorCode ? ` (${o.errorCode})` : '';
    const detail =
      "mTLS was refused or closed by a server whose certificate is not from the identity's mesh trust " +
      `bundle${code}, so whether the identity was authenticated is not known`;
    return { kind: 'unknown', detail };
  }
  if (o.tls?.handshake === true) {
    if (alert !== undefined && REFUSED_CERT[alert] !== undefined) {
      const detail = `the server refused the identity's certificate after the handshake (TLS alert ${alert}, ${REFUSED_CERT[alert]})`;
      return { kind: 'refused-after-handshake', detail };
    }
    if (o.transport === 'eof' || o.transport === 'reset' || (o.transport === 'connected' && o.bytesReceived === 0)) {
      const code = o.errorCode ? ` (${o.errorCode})` : '';
      return {
        kind: 'refused-after-handshake',
        detail: `mTLS completed, then the server closed the connection without answering${code}`,
      };
    }
  }
  if (UNREACHED.has(o.transport)) {
    return {
      kind: 'not-mtls',
      detail: `the request never reached the port (${o.transport}${o.errorCode ? `, ${o.errorCode}` : ''})`,
    };
  }
  if (o.tls?.handshake !== true && o.errorCode !== undefined && /^ERR_SSL_|^EPROTO$/.test(o.errorCode)) {
    return { kind: 'not-mtls', detail: `the port did not complete a TLS handshake (${o.errorCode})` };
  }
  return { kind: 'unknown', detail: `no usable answer (${o.transport}${o.errorCode ? `, ${o.errorCode}` : ''})` };
}
