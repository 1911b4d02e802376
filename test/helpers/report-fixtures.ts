/**
 * Builders for realistic attempts, observations and evidence, shared by the evaluate/report unit
 * tests and the golden-report generator. Evidence is always made by the real pipeline
 * (buildEvidence → classify → redact), never written by hand.
 */
import { judgeContext, type JudgeContext } from '../../src/shared/judge-context.js';
import { attemptId, type Attempt, type AttemptRole } from '../../src/domain/attempt.js';
import type { Observation, SelfCheck, TlsFacts } from '../../src/domain/observation.js';
import type { InventorySummary, NamespaceSummary } from '../../src/domain/inventory.js';
import type { TargetRef } from '../../src/domain/target.js';
import type { Vantage } from '../../src/domain/vantage.js';
import { vantageId } from '../../src/domain/vantage.js';
import { buildEvidence } from '../../src/classify/evidence.js';
import type { Evidence } from '../../src/domain/evidence.js';
import type { JudgeInput } from '../../src/domain/control.js';
import type { CertificateInventoryEntry } from '../../src/domain/certificate.js';
import type { HttpRequest, Technique, TlsRequest } from '../../probes/protocol.js';

export const PROBE_NS: Vantage = { kind: 'probe-namespace' };
export const from = (namespace: string): Vantage => ({ kind: 'from-namespace', namespace });
export const same = (namespace: string): Vantage => ({ kind: 'same-namespace', namespace });
export const svc = (namespace: string, name: string): TargetRef => ({ kind: 'Service', namespace, name });
export const CANARY: TargetRef = { kind: 'Canary', namespace: 'meshprobe-run', name: 'echo' };

/** Fixed start time so evidence is deterministic. */
export const T0 = '2026-01-15T10:00:00.000Z';

/** What an attempt looks like on the wire, by shorthand. */
export type Observed =
  | { kind: 'timeout' }
  | { kind: 'refused' }
  | { kind: 'unreachable' }
  | { kind: 'reset' }
  | { kind: 'eof' }
  | { kind: 'silent' }
  | { kind: 'connected'; bytes?: number; data?: string }
  | { kind: 'http'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'tls'; protocol?: string; cipher?: string; alert?: number; chain?: readonly string[]; handshake?: boolean }
  | { kind: 'agent-error' }
  | { kind: 'sweep'; open: readonly number[]; closed: number; filtered: number }
  | { kind: 'missing' };

/** Make an observation for an attempt. */
export function observe(id: string, o: Observed): Observation | undefined {
  const base = { v: 1 as const, attemptId: id, startedAt: T0, durationMs: 12, bytesReceived: 0 };
  switch (o.kind) {
    case 'missing':
      return undefined;
    case 'timeout':
      return { ...base, durationMs: 3000, transport: 'timeout', errorCode: 'ETIMEDOUT' };
    case 'refused':
      return { ...base, transport: 'refused', errorCode: 'ECONNREFUSED' };
    case 'unreachable':
      return { ...base, transport: 'unreachable', errorCode: 'EHOSTUNREACH' };
    case 'reset':
      return { ...base, transport: 'reset', errorCode: 'ECONNRESET' };
    case 'eof':
      return { ...base, transport: 'eof' };
    case 'silent':
      return { ...base, durationMs: 3000, transport: 'silent' };
    case 'agent-error':
      return { ...base, transport: 'agent-error', errorCode: 'E_DEADLINE' };
    case 'sweep':
      return {
        ...base,
        transport: o.open.length > 0 ? 'connected' : 'timeout',
        sweep: { open: o.open, closed: o.closed, filtered: o.filtered, notSwept: 0 },
      };
    case 'connected':
      return {
        ...base,
        transport: 'connected',
        bytesReceived: o.bytes ?? 0,
        ...(o.data !== undefined ? { dataPrefix: o.data } : {}),
      };
    case 'http': {
      const body = o.body ?? '';
      return {
        ...base,
        transport: 'connected',
        bytesReceived: 100 + body.length,
        http: { status: o.status, headers: o.headers ?? {}, bodyPrefix: body },
      };
    }
    case 'tls': {
      const tls: TlsFacts = {
        protocol: o.handshake === false ? null : (o.protocol ?? 'TLSv1.3'),
        cipher: o.handshake === false ? null : (o.cipher ?? 'TLS_AES_256_GCM_SHA384'),
        alpn: null,
        peerChainPem: o.chain ?? [],
        handshake: o.handshake ?? true,
        authorized: false,
        ...(o.alert !== undefined ? { alert: o.alert } : {}),
      };
      // A protocol_version alert (70) is how a server refuses a pinned version; the agent reports the TCP connection as made.
      if (o.alert === 70)
        return { ...base, transport: 'connected', errorCode: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', tls };
      const failed = o.alert !== undefined;
      return {
        ...base,
        transport: failed ? 'reset' : 'connected',
        ...(failed ? { errorCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' } : {}),
        bytesReceived: 900,
        tls,
      };
    }
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** One planned attempt with how it went. */
export interface Step {
  readonly probeId: string;
  readonly role?: AttemptRole;
  readonly vantage: Vantage;
  readonly target: TargetRef;
  readonly port: number;
  readonly technique?: Technique;
  readonly http?: HttpRequest;
  readonly tls?: TlsRequest;
  readonly address?: string;
  readonly observed: Observed;
}

const TECHNIQUE: Readonly<Record<string, Technique>> = {
  'tcp-reach': 'tcp',
  'tenant-reach': 'tcp',
  'egress-reach': 'tcp',
  'tls-handshake': 'tls',
  'tls-handshake-istio-alpn': 'tls',
  'tls-legacy-1-0': 'tls',
  'tls-legacy-1-1': 'tls',
};

/** Turn steps into attempts (stable ids) and observations. */
export function attemptsOf(steps: readonly Step[]): { attempts: Attempt[]; observations: Observation[] } {
  const attempts: Attempt[] = [];
  const observations: Observation[] = [];
  for (const s of steps) {
    const id = attemptId({
      probeId: `${s.probeId}${s.role && s.role !== 'probe' ? `#${s.role}` : ''}`,
      vantage: s.vantage,
      target: s.target,
      port: s.port,
    });
    const technique = s.technique ?? TECHNIQUE[s.probeId] ?? 'http';
    attempts.push({
      id,
      probeId: s.probeId,
      role: s.role ?? 'probe',
      vantage: s.vantage,
      target: s.target,
      address: s.address ?? `${s.target.name}.${s.target.namespace}.svc.cluster.local`,
      port: s.port,
      technique,
      timeoutMs: 3000,
      ...(s.tls !== undefined ? { tls: s.tls } : technique === 'tls' ? { tls: {} } : {}),
      ...(s.http !== undefined
        ? { http: s.http }
        : technique === 'http'
          ? { http: { method: 'GET', path: '/__meshprobe_abc' } }
          : {}),
    });
    const o = observe(id, s.observed);
    if (o) observations.push(o);
  }
  return { attempts, observations };
}

/** A canary step for a vantage. */
export function canaryStep(vantage: Vantage, ok = true): Step {
  return {
    probeId: 'canary',
    role: 'canary',
    vantage,
    target: CANARY,
    port: 8080,
    observed: ok ? { kind: 'http', status: 200, body: 'meshprobe echo' } : { kind: 'timeout' },
  };
}

/** Run steps through the real evidence pipeline. `meshed` lists vantage ids whose agent saw mesh listeners. */
export function evidenceOf(steps: readonly Step[], meshed: readonly string[] = []): Evidence[] {
  const { attempts, observations } = attemptsOf(steps);
  const vantages = new Set(attempts.map((a) => vantageId(a.vantage)));
  const selfChecks = new Map<string, SelfCheck>(
    [...vantages].map((v) => [
      v,
      { meshListeners: meshed.includes(v) ? [15001] : [], meshed: meshed.includes(v), nodeVersion: 'v20.20.2' },
    ]),
  );
  return buildEvidence({ attempts, observations, selfChecks });
}

/** A namespace summary. */
export function ns(name: string, role: NamespaceSummary['role'], workloads = 2): NamespaceSummary {
  return { name, inScope: role === 'cde', role, workloads, networkPolicies: role === 'cde' ? 2 : 0 };
}

/** An inventory summary over the given namespaces. */
export function inventory(namespaces: readonly NamespaceSummary[]): InventorySummary {
  return {
    cluster: { server: 'https://127.0.0.1:6443', context: 'lab', version: 'v1.34.4' },
    namespaces: [...namespaces].sort((a, b) => a.name.localeCompare(b.name)),
    targets: namespaces.reduce((n, x) => n + x.workloads, 0),
    meshes: ['istio'],
    networkPolicies: namespaces.reduce((n, x) => n + x.networkPolicies, 0),
  };
}

/** A JudgeInput over evidence, with the usual lab namespaces unless given. */
export function judgeInput(
  evidence: readonly Evidence[],
  opts: {
    namespaces?: readonly NamespaceSummary[];
    certificates?: readonly CertificateInventoryEntry[];
    context?: Partial<JudgeContext>;
  } = {},
): JudgeInput {
  return {
    evidence,
    inventory: inventory(
      opts.namespaces ?? [ns('payments', 'cde'), ns('shop', 'out-of-scope'), ns('meshprobe-run', 'probe', 1)],
    ),
    certificates: opts.certificates ?? [],
    now: new Date(T0),
    context: judgeContext(opts.context),
  };
}

/** A tenant-reach attempt from namespace `a` to `b`/web port 80 with what was observed. */
export function tenantStep(a: string, b: string, observed: Step['observed'] = { kind: 'timeout' }): Step {
  return { probeId: 'tenant-reach', vantage: from(a), target: svc(b, 'web'), port: 80, observed };
}

/** Two tenants, canaries fine, every connect between them dropped: the evidence on which A1.1.2 holds. */
export function tenantsApart(a: string, b: string): Evidence[] {
  return evidenceOf([canaryStep(from(a)), canaryStep(from(b)), tenantStep(a, b), tenantStep(b, a)]);
}
