import type { Control } from '../../domain/control.js';
import { isApprovedFrom, type ApprovedFlow } from '../../shared/judge-context.js';
import type { Evidence } from '../../domain/evidence.js';
import {
  type Finding,
  cdeNamespaces,
  closedAfterConnect,
  finding,
  fold,
  hostNetworkFinding,
  probeEvidence,
  targetsCde,
  said,
} from './judge-kit.js';
import { segmentationFinding } from './segmentation.js';

/**
 * tenant-reach (and tenant-reach-udp) count where a tenant's namespace is CDE: another tenant is
 * outside that CDE (A1.1.2 and 1.3.1 agree). udp-reach: inbound UDP to CDE UDP ports (issue 13).
 */
const PROBES = ['tcp-reach', 'tenant-reach', 'udp-reach', 'tenant-reach-udp'];

/** 1.3.1: inbound traffic to the CDE is restricted to what is necessary; a new unlabelled workload is blocked. */
export const req131: Control = {
  id: 'pci-dss-4.0.1/1.3.1',
  requirement: '1.3.1',
  title: 'Inbound traffic to the CDE is restricted to only that which is necessary',
  holdsMeans:
    'Connections from a fresh unlabelled pod and from every other namespace to CDE ports are blocked, while the canary and the allowed control path connect.',
  probeIds: PROBES,
  requires: [
    {
      label: 'TCP connects from a fresh unlabelled pod (probe namespace) to CDE target ports',
      probeIds: ['tcp-reach'],
      vantageKinds: ['probe-namespace'],
      cdeTargets: true,
    },
    {
      label: 'TCP connects from other namespaces to CDE target ports',
      probeIds: ['tcp-reach', 'tenant-reach'],
      vantageKinds: ['from-namespace'],
      cdeTargets: true,
    },
  ],
  judge(input) {
    const { approvedFlows, identityGaps } = input.context;
    const tenants = new Set(input.inventory.namespaces.filter((n) => n.role === 'tenant').map((n) => n.name));
    const evidence = probeEvidence(input, PROBES).filter(
      (e) => targetsCde(input, e.attempt.target) && !insideTargetCde(input, e, tenants),
    );
    const findings: Finding[] = evidence.map((e) => {
      // An approved source that reached the port at L4 is the necessary traffic 1.3.1 permits,
      // whether the workload then answered, reset or closed (e.g. plaintext into STRICT mTLS).
      const approved =
        approvedFlows && reachedPort(e)
          ? isApprovedFrom(approvedFlows, e.attempt.vantage, e.attempt.target, e.attempt.port)
          : undefined;
      if (approved) {
        return finding(
          'holds',
          `${said(e)}; this source reaching the port is a flow the approved-flows file allows${approved.ref ? ` (${approved.ref})` : ''}.`,
          e,
        );
      }
      if (e.attempt.vantage.kind === 'identity') return identityFinding(e, approvedFlows);
      return segmentationFinding(e, 'inbound traffic to the CDE is not restricted to what is necessary');
    });
    if (evidence.length > 0 && !evidence.some((e) => e.attempt.vantage.kind === 'probe-namespace')) {
      findings.push({
        status: 'inconclusive',
        reason:
          'No attempt was made from a fresh unlabelled pod (probe namespace), so a default-deny for new workloads is not shown.',
        evidenceIds: [],
      });
    }
    if (evidence.length > 0 && identityGaps.length > 0) {
      const list = identityGaps.join('; ');
      findings.push({
        status: 'inconclusive',
        reason:
          `Workloads that CDE NetworkPolicies admit by label were not probed as themselves: ${list}. ` +
          'An unlabelled pod is denied by such policies, so whether they admit these workloads to more than is necessary is not shown.',
        evidenceIds: [],
      });
    }
    const onNodeNetwork = hostNetworkFinding(input.context.hostNetworkCde, 'CDE');
    if (onNodeNetwork !== undefined) findings.push(onNodeNetwork);
    return fold(findings, {
      status: 'inconclusive',
      reason: 'No inbound attempt to a CDE target was made, so inbound restriction is not evidenced.',
    });
  },
};

/**
 * From an identity vantage (issue 16) policy admits the workload on purpose, so reaching a port is a
 * failure only where approved flows say the identity has no business there; with no approved-flows
 * file, what the identity reached is listed but not judged.
 */
function identityFinding(e: Evidence, flows: readonly ApprovedFlow[] | undefined): Finding {
  const v = e.attempt.vantage;
  const who = v.kind === 'identity' ? `${v.namespace}/${v.workload}` : '';
  if (e.outcome.kind === 'allowed' && flows === undefined) {
    const why = `without an approved-flows file (--approved-flows) it is not known whether ${who} needs this port`;
    return finding('inconclusive', `${said(e)}; ${why}.`, e);
  }
  const breach = `no approved flow gives ${who} this port, so inbound traffic to the CDE is not restricted to what is necessary`;
  return segmentationFinding(e, breach);
}

/**
 * True when the attempt comes from inside the CDE it targets (east-west traffic, not inbound). A
 * tenant is a separate customer environment even when every tenant is in scope (--cde-all), so a
 * connect from one tenant into another tenant's CDE is inbound.
 */
function insideTargetCde(input: Parameters<Control['judge']>[0], e: Evidence, tenants: ReadonlySet<string>): boolean {
  const v = e.attempt.vantage;
  if ((v.kind !== 'from-namespace' && v.kind !== 'identity') || !cdeNamespaces(input).has(v.namespace)) return false;
  return !(tenants.has(v.namespace) && v.namespace !== e.attempt.target.namespace);
}

/** TCP to the port completed: allowed, closed by the far side after connect, or connected and silent. */
function reachedPort(e: Evidence): boolean {
  return e.outcome.kind === 'allowed' || closedAfterConnect(e) || e.observation?.transport === 'silent';
}
