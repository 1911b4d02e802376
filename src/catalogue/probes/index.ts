/** Every probe in the catalogue, one per file, sorted by id. */
import type { Probe } from '../../domain/probe.js';
import { apiserverAnonymous } from './apiserver-anonymous.js';
import { canary } from './canary.js';
import { egressReach } from './egress-reach.js';
import { egressUdp } from './egress-udp.js';
import { httpDebugPprof } from './http-debug-pprof.js';
import { httpUnauthenticated } from './http-unauthenticated.js';
import { istiodDebug } from './istiod-debug.js';
import { kubeletAnonymous } from './kubelet-anonymous.js';
import { listenerSweep } from './listener-sweep.js';
import { meshAuthz } from './mesh-authz.js';
import { meshBypassPort } from './mesh-bypass-port.js';
import { plaintextHttp } from './plaintext-http.js';
import { tcpReach } from './tcp-reach.js';
import { tenantReach } from './tenant-reach.js';
import { tenantReachUdp } from './tenant-reach-udp.js';
import { tlsHandshake } from './tls-handshake.js';
import { tlsHandshakeIstioAlpn } from './tls-handshake-istio-alpn.js';
import { tlsLegacy10, tlsLegacy11 } from './tls-legacy.js';
import { udpReach } from './udp-reach.js';

/** All probes, sorted by id. */
export const ALL_PROBES: readonly Probe[] = [
  apiserverAnonymous,
  canary,
  egressReach,
  egressUdp,
  httpDebugPprof,
  httpUnauthenticated,
  istiodDebug,
  kubeletAnonymous,
  listenerSweep,
  meshAuthz,
  meshBypassPort,
  plaintextHttp,
  tcpReach,
  tenantReach,
  tenantReachUdp,
  tlsHandshake,
  tlsHandshakeIstioAlpn,
  tlsLegacy10,
  tlsLegacy11,
  udpReach,
];
