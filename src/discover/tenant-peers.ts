/**
 * Tenant rules that admit another tenant's pods by label (pure, A1.1.2). A tenant chooses its own
 * pods' labels, so an ingress peer `namespaceSelector: <other tenant> + podSelector: {app: x}`
 * admits that whole tenant to whatever it names: it only has to label a pod `app: x`.
 * tenant-reach tries from a fresh unlabelled pod of each tenant, which such a rule does not
 * admit, so the plain probe cannot show what the rule opens; A1.1.2 names these rules instead of
 * holding beside them.
 */
import { runLabels } from '../cluster/labels.js';
import type { KubeObject } from '../cluster/ports.js';
import type { NamespaceFacts } from './namespaces.js';
import { ingressPeerAdmits, namespaceLabels } from './policy.js';
import { arrayField, field, nameOf, namespaceOf } from './snapshot.js';

/** "app=gateway, tier in (edge)": a podSelector as a person reads it. */
export function selectorText(selector: unknown): string {
  const parts: string[] = [];
  const ml = field(selector, 'matchLabels');
  if (typeof ml === 'object' && ml !== null)
    for (const [k, v] of Object.entries(ml as Record<string, unknown>)) parts.push(`${k}=${String(v)}`);
  for (const e of arrayField(selector, 'matchExpressions')) {
    const values = arrayField(e, 'values').map(String);
    const op = String(field(e, 'operator') ?? '');
    parts.push(`${String(field(e, 'key') ?? '?')} ${op}${values.length > 0 ? ` (${values.join(', ')})` : ''}`);
  }
  return parts.join(', ');
}

/** "TCP 8080, UDP 8125" or "every port": what an ingress rule opens. */
function portsText(rule: unknown): string {
  const ports = arrayField(rule, 'ports');
  if (ports.length === 0) return 'every port';
  return ports
    .map((p) => {
      const proto = String(field(p, 'protocol') ?? 'TCP');
      const port = field(p, 'port');
      const end = field(p, 'endPort');
      if (port === undefined) return `every ${proto} port`;
      return `${proto} ${String(port)}${typeof end === 'number' ? `-${end}` : ''}`;
    })
    .join(', ');
}

/**
 * One line per tenant policy rule peer that admits other tenants' pods by label but not an
 * unlabelled pod of them, naming those tenants: "i13-tenant-blue/allow-gateways admits pods of
 * i13-tenant-red labelled app=gateway on TCP 8080". Sorted; empty with fewer than two tenants.
 */
export function tenantLabelAdmissions(
  policies: readonly KubeObject[],
  namespaces: readonly KubeObject[],
  facts: readonly NamespaceFacts[],
): string[] {
  const tenants = facts.filter((n) => n.role === 'tenant').map((n) => n.name);
  if (tenants.length < 2) return [];
  const unlabelled = runLabels('plan', 'probe');
  const out = new Set<string>();
  for (const policy of policies) {
    const own = namespaceOf(policy);
    const types = arrayField(policy.spec, 'policyTypes').map(String);
    // Ingress rules count only where the policy is an ingress policy (policyTypes absent = Ingress).
    if (!tenants.includes(own) || (types.length > 0 && !types.includes('Ingress'))) continue;
    for (const rule of arrayField(policy.spec, 'ingress')) {
      for (const peer of arrayField(rule, 'from')) {
        const podSelector = field(peer, 'podSelector');
        const namespaceSelector = field(peer, 'namespaceSelector');
        if (podSelector === undefined || namespaceSelector === undefined) continue;
        // Only the namespace side decides whether some pod of a tenant is admitted: its labels are the tenant's choice.
        const nsOnly = { namespaceSelector };
        const admitted = tenants.filter((other) => {
          if (other === own) return false;
          const nsLabels = namespaceLabels(namespaces, other);
          // Admitted when unlabelled: the fresh probe pod of that tenant tries it (tenant-reach).
          if (ingressPeerAdmits(peer, own, { namespace: other, namespaceLabels: nsLabels, podLabels: unlabelled }))
            return false;
          return ingressPeerAdmits(nsOnly, own, { namespace: other, namespaceLabels: nsLabels, podLabels: {} });
        });
        // One line per rule peer, naming every tenant it admits (not one per tenant: 20 tenants × 19).
        if (admitted.length > 0)
          out.add(
            `${own}/${nameOf(policy)} admits pods of ${[...admitted].sort().join(', ')} labelled ${selectorText(podSelector)} on ${portsText(rule)}`,
          );
      }
    }
  }
  return [...out].sort();
}
