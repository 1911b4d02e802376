import type { Probe } from '../../domain/probe.js';
import { refName, type Target, type TargetPort } from '../../domain/target.js';
import type { TlsVersion } from '../../../probes/protocol.js';
import { isTcp, isWorkloadPort, speaksTls } from './port-kind.js';
import { tlsHandshake } from './tls-handshake.js';

/**
 * OpenSSL 3 offers TLS 1.0/1.1 only at security level 0; said in the plan (not left to the
 * agent's defaulting) so the batch shows exactly what was offered. Every suite, NULL and
 * anonymous ones included: a server whose legacy suites are all outside DEFAULT would
 * otherwise look like it refused the version.
 */
const LEGACY_TLS_CIPHERS = 'ALL:eNULL:@SECLEVEL=0';

/**
 * Where legacy versions are tried: every port of a user-named --untrusted-path endpoint
 * (what 4.2.1 judges), and every TLS port of a CDE workload. The CDE ports cost two short
 * handshakes each from the probe-namespace pod that already runs tls-handshake, and let
 * 4.2.1 judge a path the user gave as a CDE Service's address under the workload's name.
 */
function legacyApplies(target: Target, port: TargetPort): true | string {
  if (!isTcp(port)) return `port ${port.port} is ${port.protocol}; TLS needs TCP`;
  if (!isWorkloadPort(port)) return `port ${port.port} is a mesh by-design port (${port.meshBypass})`;
  // Only --untrusted-path endpoints reach a TLS probe (select.ts keeps egress targets to egress-reach).
  if (target.ref.kind === 'Endpoint') return true;
  if (!target.inScope)
    return `${target.ref.namespace}/${refName(target.ref)} is outside the CDE; legacy TLS is tried on --untrusted-path endpoints and CDE TLS ports`;
  return speaksTls(port) ? true : `port ${port.port} is not named as a TLS port`;
}

function legacyProbe(id: string, version: TlsVersion, label: string): Probe {
  return {
    id,
    title: `TLS handshake pinned to ${label} (legacy TLS)`,
    technique: 'tls',
    vantages: ['probe-namespace', 'host'],
    secureLooksLike: `The server refuses a handshake pinned to ${label} (protocol_version alert or close); only TLS 1.2 or later is accepted.`,
    applies: legacyApplies,
    request(target, port, seed) {
      // The same SNI as the ordinary handshake, pinned to one version. Handshake only: the ordinary
      // handshake already waits for a client-certificate demand after the handshake.
      const tls = {
        ...tlsHandshake.request(target, port, seed).tls,
        minVersion: version,
        maxVersion: version,
        ciphers: LEGACY_TLS_CIPHERS,
        handshakeOnly: true,
      };
      return { technique: 'tls', tls };
    },
  };
}

/**
 * Version-pinned handshakes (min = max) with the two legacy versions a Node client can still
 * offer (SSLv2/3 are compiled out of OpenSSL 3). One probe per version, because an attempt is
 * probe × vantage × target × port; both live here as they differ only in the version.
 */
export const tlsLegacy10: Probe = legacyProbe('tls-legacy-1-0', 'TLSv1', 'TLS 1.0');
/** See tlsLegacy10. */
export const tlsLegacy11: Probe = legacyProbe('tls-legacy-1-1', 'TLSv1.1', 'TLS 1.1');

/** The legacy probes with the version each pins, oldest first. */
export const TLS_LEGACY_PROBES: ReadonlyArray<{ readonly probe: Probe; readonly version: TlsVersion }> = [
  { probe: tlsLegacy10, version: 'TLSv1' },
  { probe: tlsLegacy11, version: 'TLSv1.1' },
];
