/**
 * Shared judge of 11.4.5 / 11.4.6: every out-of-scope namespace tried against every CDE target,
 * coverage gaps named; any connection fails; any unproven block is inconclusive.
 */
import type { Evidence } from '../../domain/evidence.js';
import type { JudgeInput, Judgement } from '../../domain/control.js';
import { targetKey } from '../../domain/target.js';
import { type Finding, fold, probeEvidence, targetName } from './judge-kit.js';
import { segmentationFinding } from './segmentation.js';

/** Probes whose evidence the segmentation judge reads. */
export const SEGMENTATION_PROBES: readonly string[] = ['tcp-reach'];

/**
 * Namespaces that must be isolated from the CDE and that a probe pod is placed in: out-of-scope
 * application and tenant namespaces (the plan's from-namespace vantages, plan/select.ts).
 */
export function outOfScopeNamespaces(input: JudgeInput): string[] {
  return input.inventory.namespaces.filter((n) => !n.inScope && (n.role === 'out-of-scope' || n.role === 'tenant')).map((n) => n.name).sort();
}

/** Control-plane and mesh namespaces: probed for exposures, never used as vantages, so never a coverage gap. */
function infrastructureNamespaces(input: JudgeInput): string[] {
  return input.inventory.namespaces.filter((n) => !n.inScope && (n.role === 'system' || n.role === 'mesh')).map((n) => n.name).sort();
}

function cdeTargets(input: JudgeInput, evidence: readonly Evidence[]): Map<string, string> {
  const cde = new Set(input.inventory.namespaces.filter((n) => n.inScope).map((n) => n.name));
  const out = new Map<string, string>();
  for (const e of evidence) if (cde.has(e.attempt.target.namespace)) out.set(targetKey(e.attempt.target), targetName(e.attempt.target));
  return out;
}

function coverageGaps(input: JudgeInput, evidence: readonly Evidence[]): string[] {
  const targets = cdeTargets(input, evidence);
  const tried = new Set(
    evidence.flatMap((e) => (e.attempt.vantage.kind === 'from-namespace' ? [`${e.attempt.vantage.namespace}|${targetKey(e.attempt.target)}`] : [])),
  );
  const gaps: string[] = [];
  const sorted = [...targets].sort(([a], [b]) => a.localeCompare(b));
  for (const ns of outOfScopeNamespaces(input)) {
    for (const [key, name] of sorted) if (!tried.has(`${ns}|${key}`)) gaps.push(`${ns} → ${name}`);
  }
  const cdeNs = input.inventory.namespaces.filter((n) => n.inScope && n.workloads > 0).map((n) => n.name);
  for (const ns of cdeNs.sort()) if (![...targets.keys()].some((k) => k.split('/')[1] === ns)) gaps.push(`(any namespace) → ${ns}/* (no target in this CDE namespace was tried)`);
  return gaps;
}

/** Judge segmentation with coverage; `caveats` are appended to the reasons. */
export function judgeSegmentationCoverage(input: JudgeInput, caveats: readonly string[]): Judgement {
  const cde = new Set(input.inventory.namespaces.filter((n) => n.inScope).map((n) => n.name));
  const evidence = probeEvidence(input, SEGMENTATION_PROBES).filter(
    (e) => cde.has(e.attempt.target.namespace) && e.attempt.vantage.kind === 'from-namespace' && !cde.has(e.attempt.vantage.namespace),
  );
  const findings: Finding[] = evidence.map((e) => segmentationFinding(e, 'segmentation does not isolate the CDE from this out-of-scope namespace'));
  const gaps = coverageGaps(input, evidence);
  if (gaps.length > 0) {
    findings.push({
      status: 'inconclusive',
      reason: `Coverage is incomplete: ${gaps.length} out-of-scope namespace to CDE target pairs were not tried (${gaps.join('; ')}).`,
      evidenceIds: [],
    });
  }
  const oos = outOfScopeNamespaces(input);
  const scopeLine = `Out-of-scope namespaces enumerated from the live API: ${oos.length > 0 ? oos.join(', ') : 'none'}.`;
  const infra = infrastructureNamespaces(input);
  const infraLine = infra.length > 0
    ? [`Control-plane and mesh namespaces (${infra.join(', ')}) are not used as vantages (meshprobe places no pods there), so their reach into the CDE is not evidenced by this run.`]
    : [];
  return fold(
    findings,
    { status: 'inconclusive', reason: 'No attempt was made from an out-of-scope namespace to a CDE target (are --foreign-pods disabled?), so segmentation is not evidenced.' },
    [scopeLine, ...infraLine, ...caveats],
  );
}
