/**
 * Shared judge of 11.4.5 / 11.4.6: every out-of-scope namespace tried against every CDE target,
 * coverage gaps named; any connection fails; any unproven block is inconclusive.
 */
import type { Evidence } from '../../domain/evidence.js';
import type { JudgeInput, Judgement } from '../../domain/control.js';
import type { RequiredSlice } from '../../domain/coverage.js';
import { targetKey, type TargetRef } from '../../domain/target.js';
import { uniqueWith } from '../../shared/lazy-list.js';
import {
  cdeNamespaces,
  type Finding,
  fold,
  hostNetworkFinding,
  memoised,
  probeEvidence,
  targetName,
} from './judge-kit.js';
import { segmentationFinding } from './segmentation.js';

/**
 * Probes whose evidence the segmentation judge reads: TCP, and UDP to the CDE's UDP ports (issue
 * 13: a CDE that drops TCP but answers UDP from an out-of-scope namespace is not isolated).
 */
export const SEGMENTATION_PROBES: readonly string[] = ['tcp-reach', 'udp-reach'];

/** What 11.4.5/11.4.6 need tried before they can hold. */
export const SEGMENTATION_SLICES: readonly RequiredSlice[] = [
  {
    label: 'TCP connects from out-of-scope namespaces to CDE target ports',
    probeIds: ['tcp-reach'],
    vantageKinds: ['from-namespace'],
    cdeTargets: true,
  },
];

/**
 * Namespaces that must be isolated from the CDE and that a probe pod is placed in: out-of-scope
 * application and tenant namespaces (the plan's from-namespace vantages, plan/select.ts).
 */
function outOfScopeNamespaces(input: JudgeInput): string[] {
  return input.inventory.namespaces
    .filter((n) => !n.inScope && (n.role === 'out-of-scope' || n.role === 'tenant'))
    .map((n) => n.name)
    .sort();
}

/** Control-plane and mesh namespaces: probed for exposures, never used as vantages, so never a coverage gap. */
function infrastructureNamespaces(input: JudgeInput): string[] {
  return input.inventory.namespaces
    .filter((n) => !n.inScope && (n.role === 'system' || n.role === 'mesh'))
    .map((n) => n.name)
    .sort();
}

/** CDE targets tried (target key → readable name), each key computed once per distinct target ref. */
function cdeTargets(
  cde: ReadonlySet<string>,
  evidence: readonly Evidence[],
  keyOf: (ref: TargetRef) => string,
): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Set<TargetRef>();
  for (const e of evidence) {
    const ref = e.attempt.target;
    if (seen.has(ref)) continue;
    seen.add(ref);
    // Equal keys name the same target (kind, namespace, name), so the first name is the name.
    if (cde.has(ref.namespace) && !out.has(keyOf(ref))) out.set(keyOf(ref), targetName(ref));
  }
  return out;
}

function coverageGaps(input: JudgeInput, evidence: readonly Evidence[]): string[] {
  const keys = new Map<TargetRef, string>();
  const keyOf = (ref: TargetRef): string => {
    let key = keys.get(ref);
    if (key === undefined) {
      key = targetKey(ref);
      keys.set(ref, key);
    }
    return key;
  };
  const targets = cdeTargets(cdeNamespaces(input), evidence, keyOf);
  // Target keys tried, by source namespace.
  const tried = new Map<string, Set<string>>();
  for (const e of evidence) {
    const v = e.attempt.vantage;
    if (v.kind !== 'from-namespace') continue;
    let set = tried.get(v.namespace);
    if (set === undefined) {
      set = new Set();
      tried.set(v.namespace, set);
    }
    set.add(keyOf(e.attempt.target));
  }
  const gaps: string[] = [];
  const sorted = [...targets].sort(([a], [b]) => a.localeCompare(b));
  for (const ns of outOfScopeNamespaces(input)) {
    const from = tried.get(ns);
    for (const [key, name] of sorted) if (from?.has(key) !== true) gaps.push(`${ns} → ${name}`);
  }
  // Namespaces of the tried CDE targets (a key is kind/namespace/name).
  const triedNamespaces = new Set([...targets.keys()].map((k) => k.split('/')[1]));
  const cdeNs = input.inventory.namespaces.filter((n) => n.inScope && n.workloads > 0).map((n) => n.name);
  for (const ns of cdeNs.sort())
    if (!triedNamespaces.has(ns)) gaps.push(`(any namespace) → ${ns}/* (no target in this CDE namespace was tried)`);
  return gaps;
}

/**
 * 11.4.5 and 11.4.6 judge the same attempts and differ only in their caveats: the judgement
 * without them is made once per evaluation and evidence list (evaluate hands controls with the
 * same probes the same list; input.memo). At 100 000 attempts it is ~90 000 findings and sentences.
 */
function sharedJudgement(input: JudgeInput): { readonly empty: boolean; readonly judgement: Judgement } {
  return memoised(input, 'segmentation-coverage', input.evidence, () => judgeSegmentation(input));
}

function judgeSegmentation(input: JudgeInput): { readonly empty: boolean; readonly judgement: Judgement } {
  const cde = cdeNamespaces(input);
  const evidence = probeEvidence(input, SEGMENTATION_PROBES).filter(
    (e) =>
      cde.has(e.attempt.target.namespace) &&
      e.attempt.vantage.kind === 'from-namespace' &&
      !cde.has(e.attempt.vantage.namespace),
  );
  const findings: Finding[] = evidence.map((e) =>
    segmentationFinding(e, 'segmentation does not isolate the CDE from this out-of-scope namespace'),
  );
  const gaps = coverageGaps(input, evidence);
  if (gaps.length > 0) {
    findings.push({
      status: 'inconclusive',
      reason: `Coverage is incomplete: ${gaps.length} out-of-scope namespace to CDE target pairs were not tried (${gaps.join('; ')}).`,
      evidenceIds: [],
    });
  }
  const onNodeNetwork = hostNetworkFinding(input.context.hostNetworkCde, 'CDE');
  if (onNodeNetwork !== undefined) findings.push(onNodeNetwork);
  const oos = outOfScopeNamespaces(input);
  const scopeLine = `Out-of-scope namespaces enumerated from the live API: ${oos.length > 0 ? oos.join(', ') : 'none'}.`;
  const infra = infrastructureNamespaces(input);
  const infraLine =
    infra.length > 0
      ? [
          `Control-plane and mesh namespaces (${infra.join(', ')}) are not used as vantages (meshprobe places no pods there), so their reach into the CDE is not evidenced by this run.`,
        ]
      : [];
  const judgement = fold(
    findings,
    {
      status: 'inconclusive',
      reason:
        'No attempt was made from an out-of-scope namespace to a CDE target (are --foreign-pods disabled?), so segmentation is not evidenced.',
    },
    [scopeLine, ...infraLine],
  );
  return { empty: findings.length === 0, judgement };
}

/** Judge segmentation with coverage; `caveats` are appended to the reasons. */
export function judgeSegmentationCoverage(input: JudgeInput, caveats: readonly string[]): Judgement {
  const { empty, judgement } = sharedJudgement(input);
  // As fold(findings, whenEmpty, [scopeLine, ...infraLine, ...caveats]): reasons deduplicated unless there were no findings.
  // uniqueWith keeps the ~90 000 attempt sentences of a large run unbuilt (shared/lazy-list.ts).
  const reasons = empty ? [...judgement.reasons, ...caveats] : uniqueWith(judgement.reasons, [], caveats);
  return { ...judgement, reasons };
}
