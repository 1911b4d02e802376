/**
 * Listener discovery (issue 13, pure): which CDE pods are swept, over which ports, from which
 * probe pods. The sweep is its own round before the main plan (pipeline/pipeline.ts): what it finds
 * becomes target ports of the main plan, so every listener is tried by every probe in the
 * same run. Vantage: an unmeshed probe pod in the pod's own namespace (the vantage a policy is
 * most likely to let through); no other vantage is swept, and the report says what was not.
 */
import { attemptId, type Attempt, type NotRunAttempt } from '../domain/attempt.js';
import type { Probe } from '../domain/probe.js';
import type { Target } from '../domain/target.js';
import type { Vantage } from '../domain/vantage.js';
import type { AttemptBatch } from '../../probes/protocol.js';
import type { PortsMode } from '../config/options.js';
import type { DiscoveredInventory } from '../discover/targets.js';
import { mayHostProbePods } from '../discover/namespaces.js';
import { makeBatch, toSpec } from './batch.js';
import DEFAULT_PORT_LIST from '../catalogue/ports/default-tcp-ports.json' with { type: 'json' };

/** Probe id of sweep attempts (catalogue: listener-sweep.ts). */
export const SWEEP_PROBE_ID = 'listener-sweep';
/** Sweeps one probe pod runs one after the other (more pods run side by side). */
const SWEEPS_PER_POD = 4;
/** Longest connect of the sweep: an in-cluster SYN-ACK comes back in milliseconds; no answer by then is a drop. */
const SWEEP_CONNECT_TIMEOUT_MS = 1000;

/**
 * Probes whose attempts use the ports the sweep finds (the sweep runs only when one of them is
 * selected; a control with one of them cannot hold while a sweep is unfinished, evaluate/coverage.ts).
 */
export const PORT_PROBES: ReadonlySet<string> = new Set([
  SWEEP_PROBE_ID,
  'tcp-reach',
  'plaintext-http',
  'http-unauthenticated',
  'http-debug-pprof',
  'tls-handshake',
  'tls-handshake-istio-alpn',
  'mesh-bypass-port',
]);

/** Sweep options (a subset of Options). */
export interface SweepOptions {
  readonly ports: PortsMode;
  readonly sweepConcurrency: number;
  readonly sweepTimeout: number;
  readonly attemptTimeout: number;
  readonly skipProbes: readonly string[];
}

/** The sweep round of a plan: attempts (one per CDE pod), pods that make them, and pods not swept with the reason. */
export interface SweepPlan {
  readonly mode: 'default' | 'all';
  readonly attempts: readonly Attempt[];
  readonly notRun: readonly NotRunAttempt[];
  readonly pods: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly vantage: Vantage;
    readonly batch: AttemptBatch;
  }[];
  /** Ports per sweep before declared ports are added (1 112 by default, 65 535 with --ports all). */
  readonly portCount: number;
}

/** The committed default list (src/catalogue/ports/default-tcp-ports.json): every group, each port once, ascending. */
export function defaultSweepPorts(): number[] {
  const all = new Set<number>();
  for (const [key, value] of Object.entries(DEFAULT_PORT_LIST)) {
    if (key.startsWith('$') || !Array.isArray(value)) continue;
    for (const p of value) if (typeof p === 'number') all.add(p);
  }
  return [...all].sort((a, b) => a - b);
}

/** Ascending ports as single ports and [from, to] runs (a compact batch). */
export function compressPorts(ports: readonly number[]): Array<number | [number, number]> {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: Array<number | [number, number]> = [];
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i] as number;
    let to = from;
    while (sorted[i + 1] === to + 1) to = sorted[++i] as number;
    out.push(to - from >= 2 ? [from, to] : from);
    if (to - from === 1) out.push(to);
  }
  return out;
}

/** The ports to sweep on one pod: every port, or the default list plus what the pod declares. */
export function sweepPortsFor(mode: 'default' | 'all', declared: readonly number[]): Array<number | [number, number]> {
  return mode === 'all' ? [[1, 65_535]] : compressPorts([...defaultSweepPorts(), ...declared]);
}

/** True when the run sweeps: --ports is not none, listener-sweep is not skipped, and a selected probe uses ports. */
export function sweepWanted(selected: readonly Probe[], o: Pick<SweepOptions, 'ports' | 'skipProbes'>): boolean {
  return o.ports !== 'none' && !o.skipProbes.includes(SWEEP_PROBE_ID) && selected.some((p) => PORT_PROBES.has(p.id));
}

function sweepAttempt(
  target: Target,
  vantage: Vantage,
  declared: readonly number[],
  o: SweepOptions & { readonly mode: 'default' | 'all' },
): Attempt {
  const id = attemptId({ probeId: SWEEP_PROBE_ID, vantage, target: target.ref, port: 0 });
  return {
    id,
    probeId: SWEEP_PROBE_ID,
    role: 'probe',
    vantage,
    target: target.ref,
    address: target.address,
    port: 0,
    technique: 'sweep',
    timeoutMs: o.sweepTimeout * 1000,
    sweep: {
      ports: sweepPortsFor(o.mode, declared),
      concurrency: o.sweepConcurrency,
      connectTimeoutMs: Math.min(o.attemptTimeout, SWEEP_CONNECT_TIMEOUT_MS, o.sweepTimeout * 1000),
      declared,
    },
  };
}

/** Plan the sweep round: one sweep per CDE pod target, from a probe pod in its namespace. Pure. */
export function planSweep(input: {
  readonly runId: string;
  readonly inventory: DiscoveredInventory;
  readonly options: SweepOptions & { readonly policySettle?: number; readonly timeout: number };
}): SweepPlan {
  const { inventory, options } = input;
  const mode = options.ports === 'all' ? 'all' : 'default';
  const attempts: Attempt[] = [];
  const notRun: NotRunAttempt[] = [];
  const facts = new Map(inventory.namespaces.map((n) => [n.name, n]));
  for (const target of inventory.targets) {
    if (target.ref.kind !== 'Pod' || !target.inScope) continue;
    const vantage: Vantage = { kind: 'same-namespace', namespace: target.ref.namespace };
    const ns = facts.get(target.ref.namespace);
    if (ns === undefined || !mayHostProbePods(ns)) {
      notRun.push({
        probeId: SWEEP_PROBE_ID,
        vantage,
        target: target.ref,
        port: 0,
        reason: `no probe pod may be placed in ${target.ref.namespace}, so its listeners were not swept`,
      });
      continue;
    }
    const declared =
      inventory.declaredPorts?.[`Pod/${target.ref.namespace}/${target.ref.name}`] ?? target.ports.map((p) => p.port);
    attempts.push(sweepAttempt(target, vantage, declared, { ...options, mode }));
  }
  return {
    mode,
    attempts,
    notRun,
    pods: sweepPods(input.runId, attempts, options),
    portCount: mode === 'all' ? 65_535 : defaultSweepPorts().length,
  };
}

function sweepPods(
  runId: string,
  attempts: readonly Attempt[],
  o: SweepOptions & { readonly policySettle?: number; readonly timeout: number },
): SweepPlan['pods'] {
  const byNamespace = new Map<string, Attempt[]>();
  for (const a of attempts) {
    const ns = a.target.namespace;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), a]);
  }
  const pods: Array<SweepPlan['pods'][number]> = [];
  for (const [namespace, list] of [...byNamespace].sort((x, y) => x[0].localeCompare(y[0]))) {
    for (let i = 0; i * SWEEPS_PER_POD < list.length; i++) {
      const chunk = list.slice(i * SWEEPS_PER_POD, (i + 1) * SWEEPS_PER_POD);
      const vantage = chunk[0]!.vantage;
      const policyReadyMs = o.policySettle ?? 0;
      const timing = {
        concurrency: 1,
        attemptTimeoutMs: o.attemptTimeout,
        maxDeadlineMs: Math.floor(o.timeout * 1000 * 0.8),
        policyReadyMs,
        // One sweep more than the pod has: a sweep begun before the policy-ready point is made again.
        fixedDeadlineMs: policyReadyMs + (chunk.length + 1) * o.sweepTimeout * 1000 + 5000,
      };
      const name = `mp-${runId}-sw-${fnv(namespace)}-${i}`;
      pods.push({ name, namespace, vantage, batch: makeBatch(runId, name, chunk.map(toSpec), timing) });
    }
  }
  return pods;
}

/** Short, stable, DNS-safe tag of a namespace name (FNV-1a). */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, 6);
}
