/**
 * Two-phase runs (issue 13, pure): every vantage whose L4 attempt to a target port connects
 * also runs the application probes against that port, in the same pod. The plan cannot know
 * which L4 attempts will connect, so it adds one conditional attempt (`after` = the L4
 * attempt's id) per applicable application probe; the agent runs them after phase 1, only
 * where that L4 attempt completed TCP. The cost is bounded by the plan: at most
 * |L4 attempts| × |application probes| attempts, in pods that are already up.
 */
import type { Attempt } from '../domain/attempt.js';
import type { Probe } from '../domain/probe.js';
import { targetKey, type Target, type TargetPort } from '../domain/target.js';
import { vantageId, type Vantage } from '../domain/vantage.js';
import { endpointAllows } from './select.js';

/** L4 probes whose connection opens phase 2 (segmentation attempts toward CDE and other targets). */
const PHASE_ONE_L4_PROBES: ReadonlySet<string> = new Set(['tcp-reach']);

/** Application probes phase 2 runs (plaintext HTTP, unauthenticated HTTP, TLS handshakes, mesh bypass). */
export const PHASE_TWO_PROBES: ReadonlySet<string> = new Set([
  'plaintext-http',
  'http-unauthenticated',
  'http-debug-pprof',
  'tls-handshake',
  'tls-handshake-istio-alpn',
  'mesh-bypass-port',
]);

/** What planning phase 2 needs. */
export interface PhaseTwoInput {
  /** Phase-1 attempts (probe role) of the plan. */
  readonly attempts: readonly Attempt[];
  /** The selected probes (phase 2 runs only those among PHASE_TWO_PROBES). */
  readonly probes: readonly Probe[];
  readonly targets: ReadonlyMap<string, Target>;
  /** Makes the attempt (ids, requests and timeouts as in phase 1). */
  readonly make: (probe: Probe, vantage: Vantage, target: Target, port: TargetPort, after: string) => Attempt;
}

function key(probeId: string, vantage: Vantage, target: string, port: number): string {
  return `${probeId}|${vantageId(vantage)}|${target}|${port}`;
}

/** The conditional application attempts, one per (connected-L4 vantage, target port, applicable app probe) not already in phase 1. */
export function phaseTwoAttempts(input: PhaseTwoInput): Attempt[] {
  const apps = input.probes.filter((p) => PHASE_TWO_PROBES.has(p.id));
  if (apps.length === 0) return [];
  const planned = new Set<string>();
  for (const a of input.attempts) planned.add(key(a.probeId, a.vantage, targetKey(a.target), a.port));
  const out: Attempt[] = [];
  for (const l4 of input.attempts) {
    if (l4.role !== 'probe' || !PHASE_ONE_L4_PROBES.has(l4.probeId) || l4.vantage.kind === 'host') continue;
    const tKey = targetKey(l4.target);
    const target = input.targets.get(tKey);
    const port = target?.ports.find((p) => p.port === l4.port);
    if (target === undefined || port === undefined) continue;
    for (const probe of apps) {
      const k = key(probe.id, l4.vantage, tKey, port.port);
      if (planned.has(k) || endpointAllows(probe, target) !== true || probe.applies(target, port) !== true) continue;
      planned.add(k);
      out.push(input.make(probe, l4.vantage, target, port, l4.id));
    }
  }
  return out;
}

/** Application probes whose selection brings in the L4 prerequisite (TLS-only selections such as 4.2.1 do not). */
const NEEDS_L4: ReadonlySet<string> = new Set([
  'plaintext-http',
  'http-unauthenticated',
  'http-debug-pprof',
  'mesh-bypass-port',
]);

/**
 * The selected probes, plus the L4 probe phase 2 waits for when a plaintext/HTTP probe is
 * selected without it (e.g. `--control 7.2.1`): without an L4 attempt, no admitted namespace
 * would ever be tried at the application layer. The added probe runs only from other
 * namespaces (the probe namespace already runs the application probes unconditionally), and
 * is not added when the user skips it.
 */
export function withPhaseOneL4(
  selected: readonly Probe[],
  catalogue: readonly Probe[],
  skip: readonly string[],
): readonly Probe[] {
  if (!selected.some((p) => NEEDS_L4.has(p.id))) return selected;
  const missing = [...PHASE_ONE_L4_PROBES].filter((id) => !skip.includes(id) && !selected.some((p) => p.id === id));
  const extra = catalogue
    .filter((p) => missing.includes(p.id))
    .map((p): Probe => ({ ...p, vantages: p.vantages.filter((v) => v === 'from-namespace') }));
  return extra.length === 0 ? selected : [...selected, ...extra];
}
