/**
 * Applying the scenario manifests to the lab: the mesh stand-in CRD first, then every
 * namespace file, then the certificates minted at apply time (kept when they already exist, so
 * re-applying never changes a running workload's identity), then waiting until every scenario
 * Deployment is available. Also resolves the placeholders the expectations use.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintScenarioCertificates, secretObject } from '../scenarios/certificates.js';
import type { Lab } from './lab.js';
import { REPO_ROOT } from './lab.js';
import { kubectl, kubectlOk, sleep } from './kubectl.js';

/** Where the manifests live. */
export const SCENARIO_DIR = join(REPO_ROOT, 'test/e2e/scenarios');
/** Label on every scenario object (never the meshprobe label: the leftover checker must not see them). */
export const SCENARIO_SELECTOR = 'meshprobe-e2e/part-of=scenarios';

/** Manifest files in apply order (CRDs first: their file names start with 00-). */
export function manifestFiles(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(SCENARIO_DIR, f));
}

/** Namespace names the manifests create (one namespace file each, named after it). */
export function scenarioNamespaces(): string[] {
  return manifestFiles()
    .map((f) =>
      f
        .split('/')
        .pop()!
        .replace(/\.yaml$/, ''),
    )
    .filter((n) => !n.startsWith('00-'));
}

/** What a test needs after apply: placeholder values. */
export interface Applied {
  /** ClusterIP:8080 of outside/sink — the "outside" stand-in for --egress-target. */
  readonly outside: string;
  /** File holding the lab web CA (for --ca-file). */
  readonly webCaFile: string;
  /** File holding the lab mesh CA. */
  readonly meshCaFile: string;
  /** "namespace/service" → ClusterIP of every scenario Service (the lab has no cluster DNS). */
  readonly serviceIps: Readonly<Record<string, string>>;
}

async function waitNamespacesGone(lab: Lab, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const r = kubectl(lab, [
      'get',
      'namespaces',
      '-l',
      SCENARIO_SELECTOR,
      '-o',
      'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name} {end}',
    ]);
    if (r.code === 0 && r.stdout.trim() === '') return;
    await sleep(2_000);
  }
  throw new Error('scenario namespaces from an earlier teardown are still terminating');
}

function secretExists(lab: Lab, ns: string, name: string): boolean {
  return kubectl(lab, ['get', 'secret', name, '-n', ns, '-o', 'name']).code === 0;
}

function readCa(lab: Lab, ns: string, secret: string): string {
  const b64 = kubectlOk(lab, ['get', 'secret', secret, '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}']);
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Create the Secrets that do not exist yet; return the two CAs as stored in the cluster. */
function ensureSecrets(lab: Lab): { webCa: string; meshCa: string } {
  const minted = mintScenarioCertificates();
  const missing = minted.secrets.filter((s) => !secretExists(lab, s.namespace, s.name));
  if (missing.length === minted.secrets.length) {
    const list = { apiVersion: 'v1', kind: 'List', items: missing.map((s) => secretObject(s, s.namespace)) };
    kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify(list) });
  } else if (missing.length > 0) {
    // A partial set would mix CAs; start the certificates over.
    const all = minted.secrets.map((s) => secretObject(s, s.namespace));
    kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: all }) });
    for (const ns of new Set(minted.secrets.map((s) => s.namespace)))
      kubectlOk(lab, ['rollout', 'restart', 'deployment', '-n', ns]);
  }
  return { webCa: readCa(lab, 'cde-crypto', 'tls-legacy-tls'), meshCa: readCa(lab, 'cde-strict', 'payments-tls') };
}

/** Apply everything and wait until it runs. Idempotent. */
export async function applyScenarios(lab: Lab, log: (line: string) => void = () => {}): Promise<Applied> {
  await waitNamespacesGone(lab, 180_000);
  const [crds, ...rest] = manifestFiles();
  kubectlOk(lab, ['apply', '-f', crds!]);
  kubectlOk(lab, ['wait', '--for=condition=Established', 'crd/peerauthentications.security.istio.io', '--timeout=60s']);
  for (const f of rest) kubectlOk(lab, ['apply', '-f', f]);
  const cas = ensureSecrets(lab);
  log('scenario manifests applied; waiting for Deployments');
  for (const ns of scenarioNamespaces()) {
    const r = kubectl(lab, ['wait', '--for=condition=Available', 'deployment', '--all', '-n', ns, '--timeout=300s'], {
      timeoutMs: 320_000,
    });
    if (r.code !== 0)
      throw new Error(`scenario namespace ${ns} did not become available: ${r.stderr.trim()}\n${podProblems(lab, ns)}`);
  }
  const serviceIps = scenarioServiceIps(lab);
  const ip = serviceIps['outside/sink'];
  if (!ip) throw new Error('outside/sink has no ClusterIP');
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-e2e-ca-'));
  writeFileSync(join(dir, 'web-ca.pem'), cas.webCa);
  writeFileSync(join(dir, 'mesh-ca.pem'), cas.meshCa);
  return {
    outside: `${ip}:8080`,
    webCaFile: join(dir, 'web-ca.pem'),
    meshCaFile: join(dir, 'mesh-ca.pem'),
    serviceIps,
  };
}

function scenarioServiceIps(lab: Lab): Record<string, string> {
  const out = kubectlOk(lab, [
    'get',
    'services',
    '-A',
    '-l',
    SCENARIO_SELECTOR,
    '-o',
    'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.spec.clusterIP}{"\\n"}{end}',
  ]);
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split('=') as [string, string]),
  );
}

/** Pod phases and waiting reasons of a namespace, for error messages. */
export function podProblems(lab: Lab, ns: string): string {
  const r = kubectl(lab, [
    'get',
    'pods',
    '-n',
    ns,
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.containerStatuses[*].state}{"\\n"}{end}',
  ]);
  return r.stdout.trim();
}

/** Remove every scenario namespace and the stand-in CRD (does not wait). */
export function deleteScenarios(lab: Lab): void {
  kubectl(lab, ['delete', 'namespaces', '-l', SCENARIO_SELECTOR, '--wait=false', '--ignore-not-found']);
  kubectl(lab, ['delete', 'crd', '-l', SCENARIO_SELECTOR, '--wait=false', '--ignore-not-found']);
}

/** Fill {outside}, {scenarios}, {webCa} and {ip:namespace/service} in one argument. Pure; an unknown service throws. */
export function fillPlaceholders(s: string, applied: Pick<Applied, 'outside' | 'webCaFile' | 'serviceIps'>): string {
  return s
    .replaceAll('{outside}', applied.outside)
    .replaceAll('{scenarios}', SCENARIO_DIR)
    .replaceAll('{webCa}', applied.webCaFile)
    .replace(/\{ip:([^}]+)\}/g, (_m, ref: string) => {
      const ip = applied.serviceIps[ref];
      if (!ip) throw new Error(`placeholder {ip:${ref}}: no scenario Service ${ref}`);
      return ip;
    });
}

/** The header comment of a manifest (leading # lines), for documentation checks. */
export function headerOf(file: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: string[] = [];
  for (const l of lines) {
    if (!l.startsWith('#')) break;
    out.push(l.replace(/^# ?/, ''));
  }
  return out.join('\n');
}
