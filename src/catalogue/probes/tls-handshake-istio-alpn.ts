import type { Probe } from '../../domain/probe.js';
import { refName } from '../../domain/target.js';
import { isTcp, isWorkloadPort } from './port-kind.js';

/** ALPN an Istio sidecar expects from a meshed client; without it PERMISSIVE HTTP ports close the ClientHello. */
export const ISTIO_ALPN: readonly string[] = ['istio-http/1.1', 'istio', 'http/1.1'];

/**
 * mTLS evidence on an Istio-meshed port: a TLS ClientHello with Istio ALPN and no client
 * certificate. STRICT/PERMISSIVE sidecars present a SPIFFE certificate and then demand a
 * client certificate (alert 116, or 40 at TLS 1.2).
 */
export const tlsHandshakeIstioAlpn: Probe = {
  id: 'tls-handshake-istio-alpn',
  title: 'TLS handshake with Istio ALPN (mesh certificate, client-cert demand)',
  technique: 'tls',
  vantages: ['same-namespace', 'probe-namespace'],
  secureLooksLike:
    'The sidecar presents a mesh (SPIFFE) certificate and aborts with "certificate required" because the probe has no client certificate.',
  applies(target, port) {
    if (!isTcp(port)) return `port ${port.port} is ${port.protocol}; TLS needs TCP`;
    if (target.mesh !== 'istio') return `${target.ref.namespace}/${refName(target.ref)} is not in an Istio mesh`;
    if (target.enrolment === 'none')
      return `${target.ref.namespace}/${refName(target.ref)} has no sidecar or ambient enrolment`;
    if (!isWorkloadPort(port)) return `port ${port.port} is a mesh by-design port (${port.meshBypass})`;
    return true;
  },
  request() {
    return { technique: 'tls', tls: { alpn: ISTIO_ALPN } };
  },
};
