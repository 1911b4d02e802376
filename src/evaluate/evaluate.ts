/**
 * Controls × evidence → verdicts (pure). Each control's judge sees the evidence of its own
 * probes plus the canary/control evidence those attempts relied on; verdicts come back in
 * requirement order. A judge that throws becomes an inconclusive verdict naming the bug,
 * never a crash that loses the report.
 */
import type { Control, JudgeInput, JudgeMemo } from '../domain/control.js';
import type { Evidence } from '../domain/evidence.js';
import type { Verdict } from '../domain/verdict.js';
import { compareControlIds } from '../catalogue/index.js';
import { pathKey } from '../domain/attempt.js';
import { vantageId } from '../domain/vantage.js';
import { flat, Interner } from '../shared/interner.js';
import { lazySource } from '../shared/lazy-list.js';
import { coverageIndex, coverageOf, enforceCoverage, type CoverageFacts, type CoverageIndex } from './coverage.js';

/** Evidence a control may read: its probes' attempts, plus all canary and control attempts. */
export function evidenceFor(control: Control, evidence: readonly Evidence[]): Evidence[] {
  const mine = new Set(control.probeIds);
  return evidence.filter((e) => mine.has(e.attempt.probeId) || e.attempt.role !== 'probe');
}

function pathOf(e: Evidence): string {
  return pathKey(e.attempt);
}

/**
 * What proofIds looks up, built once per evaluation instead of once per control (at 100 000
 * attempts the per-control maps were seconds of work and hundreds of MiB of garbage).
 */
export interface ProofIndex {
  readonly byId: ReadonlyMap<string, Evidence>;
  /** Canary evidence ids by vantage id, control-path evidence ids by target:port. */
  readonly canaries: ReadonlyMap<string, readonly string[]>;
  readonly controlPaths: ReadonlyMap<string, readonly string[]>;
}

/** Index the evidence of one evaluation for proofIds. */
export function proofIndex(evidence: readonly Evidence[]): ProofIndex {
  const byId = new Map<string, Evidence>();
  const canaries = new Map<string, string[]>();
  const controlPaths = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, key: string, id: string): void => {
    const list = m.get(key);
    if (list) list.push(id);
    else m.set(key, [id]);
  };
  for (const e of evidence) {
    byId.set(e.id, e);
    if (e.attempt.role === 'canary') add(canaries, vantageId(e.attempt.vantage), e.id);
    if (e.attempt.role === 'control') add(controlPaths, pathOf(e), e.id);
  }
  return { byId, canaries, controlPaths };
}

/**
 * The canary and control evidence that proves the blocks a judgement cites (same vantage for
 * canaries, same target and port for control paths, and the connection named as a pod's proof),
 * so an assessor can follow each block to its positive control. `mine` says which evidence the
 * control could read (its evidenceFor). The one proof lookup.
 */
export function proofIds(cited: readonly string[], index: ProofIndex, mine: (e: Evidence) => boolean): string[] {
  const vantages = new Set<string>();
  const paths = new Set<string>();
  const out: string[] = [];
  for (const id of cited) {
    const e = index.byId.get(id);
    if (!e || !mine(e) || e.attempt.role !== 'probe' || e.outcome.kind !== 'blocked') continue;
    vantages.add(vantageId(e.attempt.vantage));
    paths.add(pathOf(e));
    // The connection that proved the pod when its canary could not (any attempt of the pod).
    if (e.outcome.proof !== undefined) out.push(e.outcome.proof.attemptId);
  }
  for (const v of vantages) for (const id of index.canaries.get(v) ?? []) out.push(id);
  for (const p of paths) for (const id of index.controlPaths.get(p) ?? []) out.push(id);
  return out;
}

/** How a verdict keeps its sentences (evaluate stores them flat and shares equal ones across controls). */
export type KeepText = (s: string) => string;

/** `list.map(keep)`, or a lazy list as it is (its sentences are not stored: shared/lazy-list.ts). */
function keepAll(list: readonly string[], keep: KeepText): readonly string[] {
  return lazySource(list) === undefined ? list.map(keep) : list;
}

/** Judge one control, turning a judge bug into an inconclusive verdict with the reason. */
export function judgeControl(
  control: Control,
  input: JudgeInput,
  shared: {
    readonly index?: ProofIndex;
    readonly keep?: KeepText;
    readonly evidenceFor?: (control: Control) => Evidence[];
    readonly coverage?: CoverageIndex;
  } = {},
): Verdict {
  const keep = shared.keep ?? flat;
  const verdict = judgeOnly(control, input, shared, keep);
  // Coverage is attached, and its required slices enforced, here and nowhere else.
  if (control.probeIds.length === 0) return verdict;
  const index = shared.coverage ?? coverageIndex(input.evidence, input.inventory);
  return enforceCoverage(verdict, coverageOf(control, index), keep);
}

function judgeOnly(
  control: Control,
  input: JudgeInput,
  shared: { readonly index?: ProofIndex; readonly evidenceFor?: (control: Control) => Evidence[] },
  keep: KeepText,
): Verdict {
  try {
    const evidence = (shared.evidenceFor ?? ((c: Control) => evidenceFor(c, input.evidence)))(control);
    const j = control.judge({ ...input, evidence });
    const mine = new Set(control.probeIds);
    const proofs = proofIds(j.evidenceIds, shared.index ?? proofIndex(input.evidence), (e) =>
      mine.has(e.attempt.probeId),
    );
    const idSet = new Set(j.evidenceIds);
    for (const id of proofs) idSet.add(id);
    const ids = Array.from(idSet).sort();
    // Reasons are kept until the report is written: sentences flat and shared, and a judge's lazy
    // list of attempt sentences (~130 000 at 100 000 attempts) as it is, built only when read.
    return {
      controlId: control.id,
      requirement: control.requirement,
      title: control.title,
      holdsMeans: control.holdsMeans,
      status: j.status,
      reasons: keepAll(j.reasons, keep),
      evidenceIds: ids,
      ...(j.status === 'fails' ? { findings: keepAll(j.findings ?? j.reasons, keep) } : {}),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      controlId: control.id,
      requirement: control.requirement,
      title: control.title,
      holdsMeans: control.holdsMeans,
      status: 'inconclusive',
      reasons: [`The judge for ${control.requirement} failed (${message}); this is a bug in meshprobe.`],
      evidenceIds: [],
    };
  }
}

/** Judge every control, sorted in requirement order. */
export function evaluate(
  controls: readonly Control[],
  input: Omit<JudgeInput, 'evidence'> & { readonly evidence: readonly Evidence[]; readonly coverage?: CoverageFacts },
): Verdict[] {
  const index = proofIndex(input.evidence);
  const coverage = coverageIndex(input.evidence, input.inventory, input.coverage);
  // Work judges share (the CDE set, 11.4.5/11.4.6's common judgement) lives as long as this call.
  const judged = { ...input, memo: judgeMemo() };
  // Controls that judge the same attempts say the same sentences (11.4.5 and 11.4.6): keep one copy.
  const strings = new Interner<string>((s) => s);
  const keep: KeepText = (s) => strings.intern(flat(s));
  // Controls with the same probes read the same list (one copy, and judges can share work on it: segmentation-coverage.ts).
  const lists = new Map<string, Evidence[]>();
  const evidenceOf = (c: Control): Evidence[] => {
    const key = JSON.stringify([...new Set(c.probeIds)].sort());
    let list = lists.get(key);
    if (list === undefined) {
      list = evidenceFor(c, input.evidence);
      lists.set(key, list);
    }
    return list;
  };
  return [...controls]
    .sort((a, b) => compareControlIds(a.id, b.id))
    .map((c) => judgeControl(c, judged, { index, keep, evidenceFor: evidenceOf, coverage }));
}

/** A memo for one evaluation (JudgeMemo): values by key and scope object, dropped with the call. */
export function judgeMemo(): JudgeMemo {
  const made = new Map<string, Map<object, unknown>>();
  return <T>(key: string, scope: object, make: () => T): T => {
    let byScope = made.get(key);
    if (byScope === undefined) {
      byScope = new Map();
      made.set(key, byScope);
    }
    if (byScope.has(scope)) return byScope.get(scope) as T;
    const value = make();
    byScope.set(scope, value);
    return value;
  };
}
