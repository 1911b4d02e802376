/**
 * Scenario certificates, minted with node-forge at apply time (never checked in) and rendered
 * as kubernetes.io/tls Secrets with a ca.crt key, mounted by the workloads at /etc/workload-tls.
 *
 * - a "lab mesh CA" that signs the mTLS sidecar stand-in's certificates (SPIFFE URI SANs, like
 *   Istio workload certificates) and one client certificate used only by the verification Job;
 * - a "lab web CA" that signs the app-TLS certificates of the crypto scenario: one valid,
 *   one expired, one with an RSA-1024 key. `--ca-file` gets this CA so that chain trust is not
 *   the reason a path fails; only the defect the scenario plants is.
 */
import { daysFromNow, mintCa, mintCert, type MintedCert } from '../../helpers/certs.js';

/** Trust domain used in the SPIFFE ids of the sidecar stand-in's certificates. */
export const TRUST_DOMAIN = 'cluster.local';

/** One Secret to create: namespace/name and its PEM files. */
export interface ScenarioSecret {
  readonly namespace: string;
  readonly name: string;
  readonly cert: MintedCert;
  readonly ca: MintedCert;
}

/** Everything minted for one apply: the Secrets and the two CAs (PEM) for --ca-file and checks. */
export interface ScenarioCertificates {
  readonly secrets: readonly ScenarioSecret[];
  readonly meshCaPem: string;
  readonly webCaPem: string;
}

/** A workload behind the mTLS sidecar stand-in: SPIFFE id of its service account plus Service DNS names. */
function meshLeaf(ca: MintedCert, namespace: string, workload: string): MintedCert {
  return mintCert({
    emptySubject: true,
    issuer: ca,
    uris: [`spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${workload}`],
    dns: [workload, `${workload}.${namespace}.svc`, `${workload}.${namespace}.svc.cluster.local`],
  });
}

function webLeaf(
  ca: MintedCert,
  namespace: string,
  workload: string,
  extra: { keyBits?: number; notBefore?: Date; notAfter?: Date } = {},
): MintedCert {
  return mintCert({
    cn: `${workload}.${namespace}.svc`,
    issuer: ca,
    dns: [workload, `${workload}.${namespace}.svc`, `${workload}.${namespace}.svc.cluster.local`],
    ...extra,
  });
}

/** Mint every scenario certificate. `now` fixes the validity windows (expired = ended 30 days ago). */
export function mintScenarioCertificates(now: Date = new Date()): ScenarioCertificates {
  const mesh = mintCa('meshprobe lab mesh CA');
  const web = mintCa('meshprobe lab web CA');
  const secrets: ScenarioSecret[] = [
    { namespace: 'cde-strict', name: 'payments-tls', cert: meshLeaf(mesh, 'cde-strict', 'payments'), ca: mesh },
    { namespace: 'cde-permissive', name: 'ledger-tls', cert: meshLeaf(mesh, 'cde-permissive', 'ledger'), ca: mesh },
    { namespace: 'cde-metrics', name: 'orders-tls', cert: meshLeaf(mesh, 'cde-metrics', 'orders'), ca: mesh },
    // A meshed client identity in the gateway namespace: only the verification Job uses it.
    {
      namespace: 'gateway',
      name: 'mesh-client-tls',
      cert: mintCert({ emptySubject: true, issuer: mesh, uris: [`spiffe://${TRUST_DOMAIN}/ns/gateway/sa/edge`] }),
      ca: mesh,
    },
    { namespace: 'cde-crypto', name: 'tls-legacy-tls', cert: webLeaf(web, 'cde-crypto', 'tls-legacy'), ca: web },
    {
      namespace: 'cde-crypto',
      name: 'cert-expired-tls',
      cert: webLeaf(web, 'cde-crypto', 'cert-expired', {
        notBefore: daysFromNow(-400, now),
        notAfter: daysFromNow(-30, now),
      }),
      ca: web,
    },
    {
      namespace: 'cde-crypto',
      name: 'cert-weak-tls',
      cert: webLeaf(web, 'cde-crypto', 'cert-weak', { keyBits: 1024 }),
      ca: web,
    },
  ];
  return { secrets, meshCaPem: mesh.certPem, webCaPem: web.certPem };
}

/** A Secret as a plain Kubernetes object (JSON is valid YAML, so `kubectl apply -f -` takes it). */
export function secretObject(s: ScenarioSecret, scenarioLabel: string): Record<string, unknown> {
  const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: { 'meshprobe-e2e/part-of': 'scenarios', 'meshprobe-e2e/scenario': scenarioLabel },
    },
    data: { 'tls.crt': b64(s.cert.certPem), 'tls.key': b64(s.cert.keyPem), 'ca.crt': b64(s.ca.certPem) },
  };
}
