/**
 * Shared judging of insecure (plaintext) services and whether mTLS really wraps them
 * (1.2.6, 2.2.5): MESH-NOTES §0 and §G.1, per target port.
 */
import type { Evidence } from '../../domain/evidence.js';
import type { JudgeInput, Judgement } from '../../domain/control.js';
import type { RequiredSlice } from '../../domain/coverage.js';
import {
  closedAfterConnect,
  type Finding,
  finding,
  fold,
  probeEvidence,
  strictMtlsProof,
  targetsCde,
  tlsOnlyRefusal,
  vantagePhrase,
  said,
} from './judge-kit.js';

/** Probes whose evidence these judges read. */
export const INSECURE_SERVICE_PROBES: readonly string[] = ['plaintext-http', 'tls-handshake-istio-alpn'];

/** What 1.2.6 and 2.2.5 need tried: plaintext to the CDE's workload ports. */
export const PLAINTEXT_TO_CDE: RequiredSlice = {
  label: 'plaintext HTTP requests to CDE workload ports',
  probeIds: ['plaintext-http'],
  targetKinds: ['Pod', 'Service'],
  cdeTargets: true,
};

function portKey(e: Evidence): string {
  return `${e.attempt.target.kind}/${e.attempt.target.namespace}/${e.attempt.target.name}:${e.attempt.port}`;
}

/** True for Istio's authorization-policy denial body over plaintext. */
function rbacDenied(e: Evidence): boolean {
  return httpStatus403(e) && (e.observation?.http?.bodyPrefix ?? '').includes('RBAC: access denied');
}

function httpStatus403(e: Evidence): boolean {
  return e.observation?.http?.status === 403;
}

function spiffeNote(tls: Evidence): string {
  return tls.certificates.length > 0 ? ` (certificate sha256 ${tls.certificates[0]!.slice(0, 16)}…)` : '';
}

/** A plaintext finding, and whether it shows mTLS STRICT on its port (which settles the port whatever other vantages saw). */
interface PortFinding {
  readonly finding: Finding;
  readonly strictShown: boolean;
}

/** Judge one plaintext attempt, using the TLS attempts to the same port as corroboration. */
function plaintextFinding(e: Evidence, tlsSamePort: readonly Evidence[], component: string): PortFinding {
  const subject = `${said(e)}`;
  const o = e.outcome;
  const plain = (f: Finding): PortFinding => ({ finding: f, strictShown: false });
  if (o.kind === 'allowed' && rbacDenied(e)) {
    return plain(
      finding(
        'fails',
        `${subject}: the Istio authorization policy denied the request ("RBAC: access denied"), so authorization holds, but plaintext was accepted and parsed, so mTLS is not STRICT on this port and the ${component} is not wrapped in mTLS.`,
        e,
      ),
    );
  }
  if (tlsOnlyRefusal(e)) {
    return plain(
      finding(
        'holds',
        `${subject}: the ${component} is not offered in plaintext on this port; mTLS STRICT is not shown either (the plaintext request reached the server instead of being reset by a sidecar).`,
        e,
      ),
    );
  }
  if (o.kind === 'allowed')
    return plain(
      finding(
        'fails',
        `${subject}: mTLS is not STRICT on this port, so the plaintext ${component} is reachable without any mitigating security feature.`,
        e,
      ),
    );
  if (closedAfterConnect(e)) {
    const proof = strictMtlsProof(e, tlsSamePort);
    if (proof) {
      return {
        finding: finding(
          'holds',
          `${subject}, and a TLS handshake to the same port ${vantagePhrase(proof)} presented a mesh certificate${spiffeNote(proof)} and demanded a client certificate: mTLS is STRICT on this port.`,
          [e, proof],
        ),
        strictShown: true,
      };
    }
    return plain(
      finding(
        'inconclusive',
        `${subject}, but no TLS attempt showed a mesh certificate with a client-certificate demand on that port, so the reset could come from the application rather than from mTLS.`,
        e,
      ),
    );
  }
  if (o.kind === 'blocked')
    return plain(
      finding(
        'holds',
        `${subject}: plaintext cannot reach the ${component} from there (blocked by the network), although mTLS strictness itself was not exercised from this vantage.`,
        e,
      ),
    );
  return plain(
    finding(
      'inconclusive',
      `${subject}, so whether plaintext reaches the ${component} cannot be decided from this attempt.`,
      e,
    ),
  );
}

/**
 * Per target port: fails if any vantage got plaintext through; else holds where one vantage
 * showed mTLS STRICT; else every finding counts, so a network block from one vantage never hides
 * an unexplained reset (or no answer) from another.
 */
function perPort(list: readonly PortFinding[]): Finding[] {
  const findings = list.map((p) => p.finding);
  if (findings.some((f) => f.status === 'fails')) return findings.filter((f) => f.status === 'fails');
  if (list.some((p) => p.strictShown)) return list.filter((p) => p.strictShown).map((p) => p.finding);
  return findings;
}

/** Judge 1.2.6 / 2.2.5 over CDE targets; `component` words the reasons ("service", "system component service"). */
export function judgeInsecureServices(input: JudgeInput, component: string, caveat: string): Judgement {
  const evidence = probeEvidence(input, INSECURE_SERVICE_PROBES).filter((e) => targetsCde(input, e.attempt.target));
  const plaintext = evidence.filter((e) => e.attempt.probeId === 'plaintext-http');
  const tls = evidence.filter((e) => e.attempt.probeId === 'tls-handshake-istio-alpn');
  const byPort = new Map<string, PortFinding[]>();
  for (const e of plaintext) {
    const same = tls.filter((t) => portKey(t) === portKey(e));
    const list = byPort.get(portKey(e)) ?? [];
    list.push(plaintextFinding(e, same, component));
    byPort.set(portKey(e), list);
  }
  const findings = [...byPort.keys()].sort().flatMap((k) => perPort(byPort.get(k) ?? []));
  return fold(
    findings,
    {
      status: 'inconclusive',
      reason:
        'No plaintext attempt was made against a CDE workload port, so insecure services are not evidenced either way.',
    },
    [caveat],
  );
}
