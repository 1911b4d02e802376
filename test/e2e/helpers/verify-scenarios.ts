/**
 * Proof that the scenario workloads really behave as their manifests' headers say, checked
 * from inside the lab with a throwaway Job per vantage namespace (plain Node, no meshprobe).
 * Runs before meshprobe is compared with the ground truth, so a mismatch is meshprobe's, not
 * a broken scenario. Jobs carry the scenario label (never meshprobe's) and are deleted after.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.js';
import { kubectl, kubectlOk } from './kubectl.js';

/** What a check must show. */
export type Expect =
  | 'blocked'
  | 'connected'
  | 'http-200'
  | 'no-http'
  | 'client-cert-required'
  | 'expired-cert'
  | 'rsa-1024'
  | 'tls1.0'
  | 'udp-reply'
  /** Any datagram came back (a non-DNS UDP service answering the check's DNS-shaped datagram). */
  | 'udp-answered';

/** One connection a verification Job makes. `to` is "namespace/service", or "pod:namespace/name" for a pod's own IP. */
export interface Check {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  /** udp: one DNS query datagram; a reply is `udp-reply`, silence `timeout`, ICMP port-unreachable `refused`. */
  readonly kind: 'tcp' | 'http' | 'tls' | 'udp';
  readonly expect: Expect;
  readonly path?: string;
  readonly maxVersion?: 'TLSv1';
  readonly alpn?: readonly string[];
  /** Mount the gateway's mesh-client-tls Secret and present it. */
  readonly clientCert?: boolean;
  /** Labels the checking pod carries besides the Job's own (what a label-admitting rule lets in). */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The ground truth of every scenario manifest, as connections. */
export const CHECKS: readonly Check[] = [
  {
    id: 'gateway→payments plaintext is reset',
    from: 'gateway',
    to: 'cde-strict/payments',
    port: 8080,
    kind: 'http',
    expect: 'no-http',
  },
  {
    id: 'gateway→payments TLS without client cert is refused',
    from: 'gateway',
    to: 'cde-strict/payments',
    port: 8080,
    kind: 'tls',
    alpn: ['istio-http/1.1', 'istio', 'http/1.1'],
    expect: 'client-cert-required',
  },
  {
    id: 'gateway→payments mTLS with a mesh client cert is served',
    from: 'gateway',
    to: 'cde-strict/payments',
    port: 8080,
    kind: 'tls',
    clientCert: true,
    expect: 'http-200',
  },
  {
    id: 'gateway→ledger:8081 plaintext is served (permissive)',
    from: 'gateway',
    to: 'cde-permissive/ledger',
    port: 8081,
    kind: 'http',
    expect: 'http-200',
  },
  {
    id: 'gateway→ledger:8080 plaintext is reset (strict)',
    from: 'gateway',
    to: 'cde-permissive/ledger',
    port: 8080,
    kind: 'http',
    expect: 'no-http',
  },
  {
    id: 'gateway→cert-expired presents an expired certificate',
    from: 'gateway',
    to: 'cde-crypto/cert-expired',
    port: 8443,
    kind: 'tls',
    expect: 'expired-cert',
  },
  {
    id: 'gateway→cert-weak presents an RSA-1024 certificate',
    from: 'gateway',
    to: 'cde-crypto/cert-weak',
    port: 8443,
    kind: 'tls',
    expect: 'rsa-1024',
  },
  {
    id: 'gateway→tls-legacy completes a TLS 1.0 handshake',
    from: 'gateway',
    to: 'cde-crypto/tls-legacy',
    port: 8443,
    kind: 'tls',
    maxVersion: 'TLSv1',
    expect: 'tls1.0',
  },
  {
    id: 'gateway→cert-expired refuses TLS 1.0',
    from: 'gateway',
    to: 'cde-crypto/cert-expired',
    port: 8443,
    kind: 'tls',
    maxVersion: 'TLSv1',
    expect: 'no-http',
  },
  {
    id: 'shop→payments is blocked',
    from: 'shop',
    to: 'cde-strict/payments',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'shop→ledger:8081 is blocked',
    from: 'shop',
    to: 'cde-permissive/ledger',
    port: 8081,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'shop→vault connects (too-broad policy)',
    from: 'shop',
    to: 'cde-broad/vault',
    port: 8080,
    kind: 'tcp',
    expect: 'connected',
  },
  {
    id: 'cde-metrics→orders:9090/metrics is served without credentials',
    from: 'cde-metrics',
    to: 'cde-metrics/orders',
    port: 9090,
    kind: 'http',
    path: '/metrics',
    expect: 'http-200',
  },
  {
    id: 'cde-metrics→orders:8080 plaintext is reset',
    from: 'cde-metrics',
    to: 'cde-metrics/orders',
    port: 8080,
    kind: 'http',
    expect: 'no-http',
  },
  {
    id: 'cde-strict→outside is blocked (egress policy)',
    from: 'cde-strict',
    to: 'outside/sink',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'cde-open-egress→outside connects (no egress policy)',
    from: 'cde-open-egress',
    to: 'outside/sink',
    port: 8080,
    kind: 'tcp',
    expect: 'connected',
  },
  {
    id: 'tenant-b→tenant-a is blocked',
    from: 'tenant-b',
    to: 'tenant-a/app-a',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'tenant-a→tenant-b is blocked',
    from: 'tenant-a',
    to: 'tenant-b/app-b',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'tenant-a→tenant-metrics/collector:8080 is blocked (TCP only from its own namespace)',
    from: 'tenant-a',
    to: 'tenant-metrics/collector',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'tenant-a→tenant-metrics/collector:8125/UDP is answered (UDP admitted from every namespace)',
    from: 'tenant-a',
    to: 'tenant-metrics/collector',
    port: 8125,
    kind: 'udp',
    expect: 'udp-answered',
  },
  {
    id: 'tenant-metrics→tenant-a is blocked',
    from: 'tenant-metrics',
    to: 'tenant-a/app-a',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'tenant-a→tenant-edge is blocked for an unlabelled pod',
    from: 'tenant-a',
    to: 'tenant-edge/app-edge',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'tenant-a→tenant-edge connects from a pod tenant-a labels platform-role=gateway (planted rule)',
    from: 'tenant-a',
    to: 'tenant-edge/app-edge',
    port: 8080,
    kind: 'tcp',
    expect: 'connected',
    podLabels: { 'platform-role': 'gateway' },
  },
  {
    id: 'shop→cde-host-agent/ledger is blocked',
    from: 'shop',
    to: 'cde-host-agent/ledger',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'shop→cde-host-agent/host-agent on the node address connects (hostNetwork: no policy applies)',
    from: 'shop',
    to: 'pod:cde-host-agent/host-agent',
    port: 9400,
    kind: 'tcp',
    expect: 'connected',
  },
  {
    id: 'tenant-a→tenant-a connects (control path)',
    from: 'tenant-a',
    to: 'tenant-a/app-a',
    port: 8080,
    kind: 'tcp',
    expect: 'connected',
  },
  {
    id: 'cde-egress-lock→egress-lock-api connects (its one allowed destination)',
    from: 'cde-egress-lock',
    to: 'egress-lock-api/api',
    port: 8080,
    kind: 'tcp',
    expect: 'connected',
  },
  {
    id: 'cde-egress-lock→outside is blocked (default-deny egress)',
    from: 'cde-egress-lock',
    to: 'outside/sink',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'cde-egress-sealed→egress-lock-api is blocked (nothing allowed)',
    from: 'cde-egress-sealed',
    to: 'egress-lock-api/api',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'cde-egress-sealed→outside is blocked (nothing allowed)',
    from: 'cde-egress-sealed',
    to: 'outside/sink',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'cde-dns-exfil→resolver:53/UDP gets a DNS answer (no egress policy)',
    from: 'cde-dns-exfil',
    to: 'dns-resolver/resolver',
    port: 53,
    kind: 'udp',
    expect: 'udp-reply',
  },
  {
    id: 'cde-dns-locked→resolver:53/UDP gets no answer (egress policy)',
    from: 'cde-dns-locked',
    to: 'dns-resolver/resolver',
    port: 53,
    kind: 'udp',
    expect: 'blocked',
  },
  {
    id: 'i13-tenant-red→i13-tenant-blue connects (planted cross-tenant rule)',
    from: 'i13-tenant-red',
    to: 'i13-tenant-blue/app-blue',
    port: 8080,
    kind: 'tcp',
    expect: 'connected',
  },
  {
    id: 'i13-tenant-blue→i13-tenant-red is blocked',
    from: 'i13-tenant-blue',
    to: 'i13-tenant-red/app-red',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'shop→i13-tenant-blue is blocked',
    from: 'shop',
    to: 'i13-tenant-blue/app-blue',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'node port 10255 answers GET /pods without credentials (planted read-only kubelet stand-in)',
    from: 'shop',
    to: 'i13-node-readonly/kubelet-ro',
    port: 10255,
    kind: 'http',
    path: '/pods',
    expect: 'http-200',
  },
  {
    id: 'i13-partner→settlement plaintext is served (admitted namespace)',
    from: 'i13-partner',
    to: 'i13-cde-partner-only/settlement',
    port: 8080,
    kind: 'http',
    expect: 'http-200',
  },
  {
    id: 'shop→settlement is blocked (only i13-partner is admitted)',
    from: 'shop',
    to: 'i13-cde-partner-only/settlement',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 'i13-cde-hidden-port→card-vault:8080 plaintext is reset (mTLS)',
    from: 'i13-cde-hidden-port',
    to: 'i13-cde-hidden-port/card-vault',
    port: 8080,
    kind: 'http',
    expect: 'no-http',
  },
  {
    id: 's23-client→s23-cde-statsd/collector:8125/UDP is answered (UDP admitted from every namespace)',
    from: 's23-client',
    to: 's23-cde-statsd/collector',
    port: 8125,
    kind: 'udp',
    expect: 'udp-answered',
  },
  {
    id: 's23-client→s23-cde-statsd/collector:8080 is blocked (TCP only from its own namespace)',
    from: 's23-client',
    to: 's23-cde-statsd/collector',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 's23-client→s23-cde-statsd-locked/collector:8125/UDP gets no answer',
    from: 's23-client',
    to: 's23-cde-statsd-locked/collector',
    port: 8125,
    kind: 'udp',
    expect: 'blocked',
  },
  {
    id: 's23-client→s23-cde-statsd-locked/collector:8080 is blocked',
    from: 's23-client',
    to: 's23-cde-statsd-locked/collector',
    port: 8080,
    kind: 'tcp',
    expect: 'blocked',
  },
  {
    id: 's23-cde-statsd-locked→collector:8125/UDP is answered (its own namespace: the collector does answer)',
    from: 's23-cde-statsd-locked',
    to: 's23-cde-statsd-locked/collector',
    port: 8125,
    kind: 'udp',
    expect: 'udp-answered',
  },
];

/** One line the verification client printed. */
export interface CheckResult {
  readonly id: string;
  readonly result: string;
  readonly status?: number;
  readonly body?: string;
  readonly protocol?: string;
  readonly notAfter?: string;
  readonly bits?: number;
  readonly code?: string;
  readonly message?: string;
  /** DNS rcode of a udp reply. */
  readonly rcode?: number;
  readonly san?: string;
}

/** Does the observed result show what the check expects? Pure; returns undefined when it does, else why not. */
export function judgeCheck(c: Check, r: CheckResult | undefined, now: Date): string | undefined {
  if (!r) return 'no result line';
  const ok = ((): boolean => {
    switch (c.expect) {
      case 'blocked':
        return ['timeout', 'refused', 'error'].includes(r.result) && r.code !== 'ECONNRESET';
      case 'connected':
        return r.result === 'connected';
      case 'http-200':
        return r.result === 'http' && r.status === 200 && (c.path !== '/metrics' || (r.body ?? '').includes('# HELP'));
      case 'no-http':
        return r.result !== 'http' && r.result !== 'timeout';
      case 'client-cert-required':
        return /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|alert number 116/i.test(`${r.code ?? ''} ${r.message ?? ''}`);
      case 'expired-cert':
        return r.notAfter !== undefined && new Date(r.notAfter) < now;
      case 'rsa-1024':
        return r.bits === 1024;
      case 'tls1.0':
        return r.protocol === 'TLSv1';
      case 'udp-reply':
        return r.result === 'udp-reply' && r.rcode === 0;
      case 'udp-answered':
        return r.result === 'udp-reply';
      default: {
        const never: never = c.expect;
        return never;
      }
    }
  })();
  return ok ? undefined : `expected ${c.expect}, observed ${JSON.stringify(r)}`;
}

function clusterIp(lab: Lab, ref: string): string {
  if (ref.startsWith('pod:')) {
    // A pod's own address (a hostNetwork pod's is its node's): the first pod the label app=<name> selects.
    const [ns, name] = ref.slice(4).split('/') as [string, string];
    const ip = kubectlOk(lab, [
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `app=${name}`,
      '-o',
      'jsonpath={.items[0].status.podIP}',
    ]);
    return ip.trim();
  }
  const [ns, name] = ref.split('/') as [string, string];
  return kubectlOk(lab, ['get', 'service', name, '-n', ns, '-o', 'jsonpath={.spec.clusterIP}']).trim();
}

function jobManifest(
  ns: string,
  name: string,
  checks: string,
  withClientCert: boolean,
  podLabels: Readonly<Record<string, string>> = {},
): object {
  const script = readFileSync(join(import.meta.dirname, 'verify-agent.js'), 'utf8');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels: { 'meshprobe-e2e/part-of': 'scenarios' } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 180,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: { ...podLabels, 'meshprobe-e2e/part-of': 'scenarios', 'meshprobe-e2e/verify': 'true' } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(withClientCert
            ? { volumes: [{ name: 'client', secret: { secretName: 'mesh-client-tls', defaultMode: 0o444 } }] }
            : {}),
          containers: [
            {
              name: 'verify',
              image: 'lab.local/node:24',
              imagePullPolicy: 'Never',
              command: ['/usr/bin/node', '-e', script],
              env: [{ name: 'CHECKS', value: checks }],
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              ...(withClientCert
                ? { volumeMounts: [{ name: 'client', mountPath: '/etc/client-tls', readOnly: true }] }
                : {}),
            },
          ],
        },
      },
    },
  };
}

/** Run every check (one Job per source namespace, sequentially) and return the results by id. */
export function runChecks(lab: Lab, checks: readonly Check[] = CHECKS): Map<string, CheckResult> {
  const results = new Map<string, CheckResult>();
  const ips = new Map<string, string>();
  // One Job per source namespace and set of pod labels.
  const jobKey = (c: Check): string => `${c.from}|${JSON.stringify(c.podLabels ?? {})}`;
  for (const key of [...new Set(checks.map(jobKey))]) {
    const mine = checks.filter((c) => jobKey(c) === key);
    const ns = mine[0]!.from;
    const wire = mine.map((c) => {
      const host = ips.get(c.to) ?? clusterIp(lab, c.to);
      ips.set(c.to, host);
      return {
        id: c.id,
        kind: c.kind,
        host,
        port: c.port,
        path: c.path,
        maxVersion: c.maxVersion,
        alpn: c.alpn,
        clientCert: c.clientCert ? '/etc/client-tls' : undefined,
        timeoutMs: 3000,
      };
    });
    const name = `verify-${Date.now().toString(36)}`;
    kubectlOk(lab, ['apply', '-f', '-'], {
      input: JSON.stringify(
        jobManifest(
          ns,
          name,
          JSON.stringify(wire),
          mine.some((c) => c.clientCert),
          mine[0]!.podLabels,
        ),
      ),
    });
    try {
      const w = kubectl(lab, ['wait', '--for=condition=complete', `job/${name}`, '-n', ns, '--timeout=180s'], {
        timeoutMs: 200_000,
      });
      const logs = kubectl(lab, ['logs', `job/${name}`, '-n', ns]).stdout;
      for (const line of logs.split('\n').filter((l) => l.startsWith('{'))) {
        const r = JSON.parse(line) as CheckResult;
        results.set(r.id, r);
      }
      if (w.code !== 0 && results.size === 0)
        throw new Error(`verification job in ${ns} did not complete: ${w.stderr.trim()}`);
    } finally {
      kubectl(lab, ['delete', 'job', name, '-n', ns, '--wait=false', '--cascade=background', '--ignore-not-found']);
    }
  }
  return results;
}
