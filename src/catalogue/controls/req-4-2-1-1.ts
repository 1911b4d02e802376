import type { CertificateInventoryEntry } from '../../domain/certificate.js';
import type { Control } from '../../domain/control.js';
import { placeOf } from './judge-kit.js';

const PROBES = ['tls-handshake', 'tls-handshake-istio-alpn'];

/** Workload names read better than addresses: Services and Pods first, user-named endpoints last. */
const KIND_RANK: Readonly<Record<string, number>> = { Service: 0, Pod: 1, ApiServer: 2, Node: 3, Endpoint: 4 };

function rank(targetKeyText: string): number {
  return KIND_RANK[targetKeyText.split('/')[0] ?? ''] ?? 5;
}

/** "cde-crypto/web port 8443 and 2 more places": distinct target ports (not vantages), a named workload first. */
function where(c: CertificateInventoryEntry): string {
  const ranked = [...c.seenAt].sort((a, b) => rank(a.target) - rank(b.target));
  const [first, ...rest] = [...new Set(ranked.map((s) => placeOf(s.target, s.port)))];
  if (first === undefined) return 'an unrecorded place';
  return rest.length === 0 ? first : `${first} and ${rest.length} more ${rest.length === 1 ? 'place' : 'places'}`;
}

function label(c: CertificateInventoryEntry): string {
  const name = c.facts.spiffe[0]?.uri ?? c.facts.sans.dns[0] ?? c.facts.subject;
  return `certificate ${name} (sha256 ${c.facts.fingerprintSha256.slice(0, 16)}…)`;
}

/** "The certificate ... expires at ..., in N days (warning threshold D days)" for every certificate about to expire. */
function expiring(certs: readonly CertificateInventoryEntry[]): string[] {
  const soon = certs.filter((c) => c.findings.some((f) => f.code === 'CERT_EXPIRING_SOON'));
  return soon.map(
    (c) =>
      `Warning: the ${label(c)} seen at ${where(c)} is about to expire: ${c.findings.find((f) => f.code === 'CERT_EXPIRING_SOON')?.message ?? ''}`,
  );
}

/** 4.2.1.1: an inventory of the entity's trusted keys and certificates is maintained. */
export const req4211: Control = {
  id: 'pci-dss-4.0.1/4.2.1.1',
  requirement: '4.2.1.1',
  title: "An inventory of the entity's trusted keys and certificates is maintained",
  holdsMeans:
    'Every certificate seen in use is valid, has no failing crypto finding and chains to the trust bundle the entity supplied (--ca-file).',
  probeIds: PROBES,
  judge(input) {
    const certs = [...input.certificates].sort((a, b) =>
      a.facts.fingerprintSha256.localeCompare(b.facts.fingerprintSha256),
    );
    const ids = input.evidence
      .filter((e) => e.certificates.length > 0)
      .map((e) => e.id)
      .sort();
    if (certs.length === 0)
      return {
        status: 'inconclusive',
        reasons: ['No certificate was observed in use, so there is nothing to compare with the inventory.'],
        evidenceIds: ids,
      };
    const failing = certs.filter((c) => c.findings.some((f) => f.severity === 'fail'));
    if (failing.length > 0) {
      const reasons = failing.map(
        (c) =>
          `The ${label(c)} seen at ${where(c)} has failing findings: ${c.findings
            .filter((f) => f.severity === 'fail')
            .map((f) => f.message.replace(/\.+$/, ''))
            .join('; ')}.`,
      );
      return {
        status: 'fails',
        reasons: [
          ...reasons,
          'A certificate in use with a failing finding shows the inventory is not kept current.',
          ...expiring(certs),
        ],
        evidenceIds: ids,
        findings: reasons,
      };
    }
    if (!input.context.trustBundleSupplied) {
      return {
        status: 'inconclusive',
        reasons: [
          `${certs.length} certificates were observed in use and are listed in the certificate inventory; compare them with your inventory of trusted keys and certificates, or supply --ca-file so meshprobe checks that each chains to it.`,
          ...expiring(certs),
        ],
        evidenceIds: ids,
      };
    }
    return {
      status: 'holds',
      reasons: [
        `All ${certs.length} certificates observed in use chain to the supplied trust bundle, are within validity and have no failing findings; the runtime inventory is attached as supporting evidence.`,
        ...expiring(certs),
      ],
      evidenceIds: ids,
    };
  },
};
