import type { Control } from '../../domain/control.js';
import { targetKey } from '../../domain/target.js';
import { type Finding, fold, hostNetworkFinding, probeEvidence } from './judge-kit.js';
import { segmentationFinding } from './segmentation.js';

/** TCP to every tenant port, and UDP to every UDP port: a TCP-only test holds beside an open UDP port. */
const PROBES = ['tenant-reach', 'tenant-reach-udp'];

/** A1.1.2: each customer can only reach its own environment (tenants = --tenants). */
export const reqA112: Control = {
  id: 'pci-dss-4.0.1/A1.1.2',
  requirement: 'A1.1.2',
  title: 'Multi-tenant: each customer can access only its own environment',
  holdsMeans:
    'From every tenant namespace, every other tenant namespace is unreachable, with canaries proving the blocks.',
  probeIds: PROBES,
  // UDP is judged where tenants have UDP ports but never required (as for 1.3.1 and 11.4.5): UDP
  // silence alone must not let A1.1.2 hold (e.g. with --skip-probe tenant-reach).
  requires: [
    { label: 'TCP connects between tenant namespaces', probeIds: ['tenant-reach'], vantageKinds: ['from-namespace'] },
  ],
  judge(input) {
    const { tenants } = input.context;
    if (tenants.length < 2) {
      return {
        status: 'not-applicable',
        reasons: [
          'Fewer than two namespaces were named as tenants (--tenants), so there is no tenant separation to test.',
        ],
        evidenceIds: [],
      };
    }
    const evidence = probeEvidence(input, PROBES).filter(
      (e) =>
        e.attempt.vantage.kind === 'from-namespace' &&
        tenants.includes(e.attempt.vantage.namespace) &&
        tenants.includes(e.attempt.target.namespace) &&
        e.attempt.vantage.namespace !== e.attempt.target.namespace,
    );
    const findings: Finding[] = evidence.map((e) => segmentationFinding(e, 'one tenant can reach another tenant'));
    const tried = new Set(
      evidence.map(
        (e) =>
          `${e.attempt.vantage.kind === 'from-namespace' ? e.attempt.vantage.namespace : ''}>${e.attempt.target.namespace}`,
      ),
    );
    const gaps = tenants.flatMap((a) =>
      tenants.filter((b) => b !== a && !tried.has(`${a}>${b}`)).map((b) => `${a} → ${b}`),
    );
    if (gaps.length > 0)
      findings.push({
        status: 'inconclusive',
        reason: `Tenant pairs not tried: ${gaps.sort().join('; ')}.`,
        evidenceIds: [],
      });
    const { tenantLabelAdmissions } = input.context;
    if (tenantLabelAdmissions.length > 0)
      findings.push({
        status: 'inconclusive',
        reason:
          `Tenant NetworkPolicies admit another tenant's pods by label, and a tenant sets its own pods' labels: ${tenantLabelAdmissions.join('; ')}. ` +
          'The probe pods carried no such label, so what these rules open to the other tenant was not tried.',
        evidenceIds: [],
      });
    const onNodeNetwork = hostNetworkFinding(input.context.hostNetworkTenants, 'Tenant');
    if (onNodeNetwork !== undefined) findings.push(onNodeNetwork);
    const targets = new Set(evidence.map((e) => targetKey(e.attempt.target))).size;
    return fold(findings, { status: 'inconclusive', reason: 'No cross-tenant attempt was made.' }, [
      `Tenants: ${[...tenants].sort().join(', ')}; ${targets} tenant targets were tried. Repeat at least every six months (A1.1.4).`,
    ]);
  },
};
