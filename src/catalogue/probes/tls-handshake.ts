import type { Probe } from '../../domain/probe.js';
import { isTcp, isWorkloadPort, speaksTls } from './port-kind.js';

/**
 * Server certificate and negotiated TLS facts on a TLS port that is not an Istio mesh port
 * (app TLS, ingress, untrusted paths for 4.2.1, certificate inventory for 4.2.1.1).
 */
export const tlsHandshake: Probe = {
  id: 'tls-handshake',
  title: 'TLS handshake (server certificate and negotiated protocol)',
  technique: 'tls',
  vantages: ['probe-namespace', 'host'],
  secureLooksLike:
    'The handshake negotiates TLS 1.2 or 1.3 with a strong suite and a valid certificate of at least 2048-bit RSA or 224-bit EC.',
  applies(target, port) {
    if (!isTcp(port)) return `port ${port.port} is ${port.protocol}; TLS needs TCP`;
    if (!isWorkloadPort(port)) return `port ${port.port} is a mesh by-design port (${port.meshBypass})`;
    if (target.mesh === 'istio' && target.enrolment !== 'none' && !speaksTls(port)) {
      return `port ${port.port} is an Istio mesh port; probed by tls-handshake-istio-alpn`;
    }
    return speaksTls(port) || target.ref.kind === 'Endpoint' ? true : `port ${port.port} is not named as a TLS port`;
  },
  request(target) {
    const servername = /^[0-9.:]+$/.test(target.address) ? undefined : target.address;
    return { technique: 'tls', tls: servername === undefined ? {} : { servername } };
  },
};
