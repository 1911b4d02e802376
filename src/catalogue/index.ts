/**
 * The catalogue: every probe and every control, registered by id, plus validateCatalogue()
 * (unique ids, every control names existing probes, every probe is used by a control or is the
 * canary). Pure data; a unit test runs the validation.
 */
import type { Control } from '../domain/control.js';
import type { Probe } from '../domain/probe.js';
import type { ProbeInfo } from '../domain/report.js';
import { ALL_CONTROLS } from './controls/index.js';
import { ALL_PROBES } from './probes/index.js';

export {
  controlContext,
  judgeContext,
  parseApprovedFlows,
  validateApprovedFlows,
  type ApprovedFlow,
  type JudgeContext,
} from '../shared/judge-context.js';

/** Compare requirement numbers naturally: 1.2.5 < 1.3.1 < 2.2.4 < 10.2.1 < 11.4.5 < A1.1.2. */
export function compareRequirements(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (Number.isNaN(nx) !== Number.isNaN(ny)) {
      return Number.isNaN(nx) ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Compare control ids ("pci-dss-4.0.1/1.3.1") in requirement order. */
export function compareControlIds(a: string, b: string): number {
  return compareRequirements(a.slice(a.lastIndexOf('/') + 1), b.slice(b.lastIndexOf('/') + 1));
}

/** Every probe, sorted by id. */
export const PROBES: readonly Probe[] = [...ALL_PROBES].sort((a, b) => a.id.localeCompare(b.id));

/** Every control, in requirement order. */
export const CONTROLS: readonly Control[] = [...ALL_CONTROLS].sort((a, b) => compareControlIds(a.id, b.id));

/**
 * What a report records of each probe (domain/report.ts ProbeInfo), so reporters describe the
 * method without the live catalogue.
 */
export function probeInfos(probes: readonly Probe[] = PROBES): ProbeInfo[] {
  return probes.map((p) => ({
    id: p.id,
    technique: p.technique,
    vantages: [...p.vantages],
    secureLooksLike: p.secureLooksLike,
  }));
}

/** Probes by id. */
export const probeById: ReadonlyMap<string, Probe> = new Map(PROBES.map((p) => [p.id, p]));

/** Controls by id ("pci-dss-4.0.1/1.3.1"). */
export const controlById: ReadonlyMap<string, Control> = new Map(CONTROLS.map((c) => [c.id, c]));

/** Probes that no control judges but the run still needs. */
const SUPPORT_PROBES: ReadonlySet<string> = new Set(['canary']);

/** Find controls by id or bare requirement number ("1.3.1", "pci-dss-4.0.1/1.3.1"); unknown → undefined. */
export function findControl(idOrRequirement: string): Control | undefined {
  return controlById.get(idOrRequirement) ?? CONTROLS.find((c) => c.requirement === idOrRequirement);
}

/** Problems with the catalogue (empty when it is consistent). */
export function validateCatalogue(
  probes: readonly Probe[] = PROBES,
  controls: readonly Control[] = CONTROLS,
): string[] {
  const problems: string[] = [];
  const dup = (ids: readonly string[]): string[] => ids.filter((id, i) => ids.indexOf(id) !== i);
  for (const id of dup(probes.map((p) => p.id))) problems.push(`probe id ${id} is used twice`);
  for (const id of dup(controls.map((c) => c.id))) problems.push(`control id ${id} is used twice`);
  const known = new Set(probes.map((p) => p.id));
  const used = new Set<string>();
  for (const c of controls) {
    if (c.id !== `pci-dss-4.0.1/${c.requirement}`)
      problems.push(`control ${c.id} does not match its requirement ${c.requirement}`);
    for (const p of c.probeIds) {
      used.add(p);
      if (!known.has(p)) problems.push(`control ${c.id} names unknown probe ${p}`);
    }
    for (const slice of c.requires ?? []) {
      for (const p of slice.probeIds ?? [])
        if (!c.probeIds.includes(p))
          problems.push(`control ${c.id} requires a slice of probe ${p}, which it does not run`);
    }
  }
  for (const p of probes) {
    if (!used.has(p.id) && !SUPPORT_PROBES.has(p.id)) problems.push(`probe ${p.id} is not used by any control`);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(p.id)) problems.push(`probe id ${p.id} is not kebab-case`);
    if (p.vantages.length === 0) problems.push(`probe ${p.id} has no vantages`);
  }
  return problems;
}
