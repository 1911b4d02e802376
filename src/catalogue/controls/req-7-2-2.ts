import type { Control, JudgeInput } from '../../domain/control.js';
import type { Evidence } from '../../domain/evidence.js';
import { targetKey } from '../../domain/target.js';
import { isApprovedFrom } from '../../shared/judge-context.js';
import type { ApprovedFlow } from '../../domain/control.js';
import { type Finding, finding, fold, probeEvidence, strictMtlsProof, targetName, targetsCde } from './judge-kit.js';
import { meshAccess, type MeshAccess } from './mesh-access.js';

/** TLS attempts without a client certificate that prove a port demands one (mesh-protected). */
const PROOF_PROBES = ['tls-handshake', 'tls-handshake-istio-alpn'];
const PROBES = ['mesh-authz', ...PROOF_PROBES];

interface Classed {
  readonly e: Evidence;
  readonly access: MeshAccess;
}

/** "payments/api port 8443". */
function place(e: Evidence): string {
  return `${targetName(e.attempt.target)} port ${e.attempt.port}`;
}

/** "workload web/front (ServiceAccount front)". */
function identityName(e: Evidence): string {
  const v = e.attempt.vantage;
  if (v.kind !== 'identity') return 'an unknown identity';
  return `workload ${v.namespace}/${v.workload} (ServiceAccount ${v.serviceAccount})`;
}

function portKey(e: Evidence): string {
  return `${targetKey(e.attempt.target)}:${e.attempt.port}`;
}

/** Authenticated and let through: a failure unless an approved flow gives the identity this port. */
function allowedFinding(c: Classed, proof: Evidence, flows: readonly ApprovedFlow[] | undefined): Finding {
  const { e, access } = c;
  const v = e.attempt.vantage;
  const head = `${place(e)}, which refuses callers without a client certificate, ${access.detail} for ${identityName(e)}`;
  if (flows === undefined || v.kind !== 'identity') {
    const why =
      'without an approved-flows file (--approved-flows) it is not known whether this identity needs the port';
    return finding('inconclusive', `${head}; ${why}.`, [e, proof]);
  }
  const flow = isApprovedFrom(flows, v, e.attempt.target, e.attempt.port);
  if (flow)
    return finding(
      'holds',
      `${head}; an approved flow gives this identity the port${flow.ref ? ` (${flow.ref})` : ''}.`,
      [e, proof],
    );
  const who = `${v.namespace}/${v.workload} (ServiceAccount ${v.serviceAccount})`;
  const breach = `no approved flow gives ${who} this port, so mesh authorization grants this identity more than it needs`;
  return finding('fails', `${head}; ${breach}.`, [e, proof]);
}

/** Refused after mTLS: authorization when another identity was let through on the same port, else undecided. */
function refusedFinding(c: Classed, proof: Evidence, allowedHere: Evidence | undefined): Finding {
  const { e, access } = c;
  const head = `${place(e)}: ${access.detail} for ${identityName(e)}`;
  if (allowedHere !== undefined) {
    const control = `while ${identityName(allowedHere)} was let through on the same port with a certificate of the same mesh`;
    return finding('holds', `${head}, ${control}: authorization denies this identity.`, [e, proof, allowedHere]);
  }
  const why =
    'no identity was let through on that port, so a refusal by authorization cannot be told from a ' +
    'certificate the mesh does not accept';
  return finding('inconclusive', `${head}, but ${why}.`, [e, proof]);
}

/** One identity × mesh-protected port. `allowedHere`: another identity let through on the same port. */
function accessFinding(
  c: Classed,
  proof: Evidence,
  allowedHere: Evidence | undefined,
  flows: readonly ApprovedFlow[] | undefined,
): Finding {
  const { e, access } = c;
  const who = identityName(e);
  switch (access.kind) {
    case 'allowed':
      return allowedFinding(c, proof, flows);
    case 'denied': {
      const what = access.detail.replace(/^authenticated by mTLS, then /, '');
      return finding(
        'holds',
        `${place(e)}: the mesh authenticated ${who} and ${what}: authorization denies this identity.`,
        [e, proof],
      );
    }
    case 'refused-after-handshake':
      return refusedFinding(c, proof, allowedHere);
    case 'unauthenticated':
      return finding(
        'inconclusive',
        `${place(e)}: ${access.detail} of ${who}, so its authorization was not exercised.`,
        [e, proof],
      );
    case 'untrusted-pod': {
      const why = 'so whether the mesh authenticated and authorized this identity is not known';
      return finding('inconclusive', `${place(e)}, mTLS request as ${who}: ${access.detail}; ${why}.`, [e, proof]);
    }
    case 'no-identity': {
      const why =
        'so no authenticated request was made as this identity; mesh authorization between identities is not shown for it';
      return finding('inconclusive', `The probe pod of ${who} got no mesh identity (${access.detail}), ${why}.`, e);
    }
    case 'not-mtls':
    case 'unknown': {
      const o = e.outcome;
      if (o.kind === 'blocked' && (o.by === 'timeout' || o.by === 'refused' || o.by === 'unreachable')) {
        return finding(
          'holds',
          `${place(e)} was not reachable for ${who} (${o.detail}): the network denies this identity before mTLS.`,
          [e, proof],
        );
      }
      const why = 'so mesh authorization cannot be decided from it';
      return finding('inconclusive', `${place(e)}, mTLS request as ${who}: ${access.detail}, ${why}.`, [e, proof]);
    }
    default: {
      const never: never = access;
      return finding('inconclusive', String(never), e);
    }
  }
}

/** True when the attempt shows the mesh authenticated the identity. */
function authenticated(c: Classed, allowedPorts: ReadonlyMap<string, Evidence>): boolean {
  const k = c.access.kind;
  return k === 'allowed' || k === 'denied' || (k === 'refused-after-handshake' && allowedPorts.has(portKey(c.e)));
}

/** Identities whose requests to mesh-protected CDE ports were never authenticated (a holds must rest on one). */
function unauthenticatedIdentities(judged: readonly Classed[], allowedPorts: ReadonlyMap<string, Evidence>): Finding[] {
  const byIdentity = new Map<string, Classed[]>();
  for (const c of judged) byIdentity.set(identityName(c.e), [...(byIdentity.get(identityName(c.e)) ?? []), c]);
  return [...byIdentity]
    .filter(([, list]) => !list.some((c) => authenticated(c, allowedPorts)))
    .map(([who]) => ({
      status: 'inconclusive' as const,
      reason: `No request as ${who} to a mesh-protected CDE port was authenticated by the mesh, so least privilege for this identity is not shown.`,
      evidenceIds: [],
    }));
}

const NOTHING =
  'No identity vantage made an mTLS request with its own mesh identity to a CDE port shown to demand a ' +
  'client certificate, so least privilege between mesh identities is not evidenced.';

/** Judge the mesh-authz attempts of identity vantages to CDE ports. */
function judge722(input: JudgeInput): ReturnType<Control['judge']> {
  const { approvedFlows } = input.context;
  const evidence = probeEvidence(input, PROBES).filter((e) => targetsCde(input, e.attempt.target));
  const proofs = evidence.filter((e) => PROOF_PROBES.includes(e.attempt.probeId));
  const tried = evidence.filter(
    (e) => e.attempt.probeId === 'mesh-authz' && e.attempt.vantage.kind === 'identity' && e.outcome.kind !== 'not-run',
  );
  const classed: Classed[] = tried.map((e) => ({ e, access: meshAccess(e) }));
  const allowedPorts = new Map<string, Evidence>();
  for (const c of classed)
    if (c.access.kind === 'allowed' && !allowedPorts.has(portKey(c.e))) allowedPorts.set(portKey(c.e), c.e);
  const judged: Classed[] = [];
  const findings: Finding[] = [];
  for (const c of classed) {
    const proof = strictMtlsProof(c.e, proofs);
    if (proof === undefined) continue; // not shown to be mesh-protected: reach is 1.3.1's question
    judged.push(c);
    const other = allowedPorts.get(portKey(c.e));
    const allowedHere = other !== undefined && identityName(other) !== identityName(c.e) ? other : undefined;
    findings.push(accessFinding(c, proof, allowedHere, approvedFlows));
  }
  findings.push(...unauthenticatedIdentities(judged, allowedPorts));
  const left = tried.length - judged.length;
  const caveats =
    left === 0
      ? []
      : [
          `${left} mTLS request${left === 1 ? '' : 's'} as identity vantages went to CDE ports where no TLS attempt without a ` +
            'client certificate was refused; they are not judged here (not shown to be mesh-protected; 1.3.1 judges what the ' +
            'identities reached).',
        ];
  return fold(findings, { status: 'inconclusive', reason: NOTHING }, caveats);
}

/** 7.2.2: access is assigned by need (least privilege), here between mesh workload identities. */
export const req722: Control = {
  id: 'pci-dss-4.0.1/7.2.2',
  requirement: '7.2.2',
  title: 'Access is assigned by need: mesh identities reach only the CDE ports approved for them',
  holdsMeans:
    'On every CDE port that refuses callers without a client certificate, each identity vantage (a probe ' +
    "with a workload's mesh certificate) is authenticated and then denied by authorization unless an approved flow " +
    'gives it the port, while an identity that is let through shows the port serves mesh identities at all.',
  probeIds: PROBES,
  requires: [
    {
      label: 'mTLS requests as identity vantages (their own mesh certificates) to CDE ports',
      probeIds: ['mesh-authz'],
      vantageKinds: ['identity'],
      cdeTargets: true,
    },
  ],
  judge: judge722,
};
