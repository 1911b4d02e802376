/**
 * Controls × evidence → verdicts (pure). Each control's judge sees the evidence of its own
 * probes plus the canary/control evidence those attempts relied on; verdicts come back in
 * requirement order. A judge that throws becomes an inconclusive verdict naming the bug,
 * never a crash that loses the report.
 */
import type { Control, JudgeInput } from '../domain/control.js';
import type { Evidence } from '../domain/evidence.js';
import type { Verdict } from '../domain/verdict.js';
import { compareControlIds } from '../catalogue/index.js';
import { targetKey } from '../domain/target.js';
import { vantageId } from '../domain/vantage.js';

/** Evidence a control may read: its probes' attempts, plus all canary and control attempts. */
export function evidenceFor(control: Control, evidence: readonly Evidence[]): Evidence[] {
  const mine = new Set(control.probeIds);
  return evidence.filter((e) => mine.has(e.attempt.probeId) || e.attempt.role !== 'probe');
}

/**
 * The canary and control evidence that proves the blocks a judgement cites (same vantage for
 * canaries, same target and port for control paths), so an assessor can follow each block to
 * its positive control.
 */
export function proofIds(cited: readonly string[], evidence: readonly Evidence[]): string[] {
  const byId = new Map(evidence.map((e) => [e.id, e]));
  const blocked = cited.flatMap((id) => {
    const e = byId.get(id);
    return e && e.attempt.role === 'probe' && e.outcome.kind === 'blocked' ? [e] : [];
  });
  const vantages = new Set(blocked.map((e) => vantageId(e.attempt.vantage)));
  const paths = new Set(blocked.map((e) => `${targetKey(e.attempt.target)}:${e.attempt.port}`));
  return evidence
    .filter((e) => (e.attempt.role === 'canary' && vantages.has(vantageId(e.attempt.vantage))) || (e.attempt.role === 'control' && paths.has(`${targetKey(e.attempt.target)}:${e.attempt.port}`)))
    .map((e) => e.id);
}

/** Judge one control, turning a judge bug into an inconclusive verdict with the reason. */
export function judgeControl(control: Control, input: JudgeInput): Verdict {
  try {
    const evidence = evidenceFor(control, input.evidence);
    const j = control.judge({ ...input, evidence });
    const ids = [...new Set([...j.evidenceIds, ...proofIds(j.evidenceIds, evidence)])].sort();
    return { controlId: control.id, requirement: control.requirement, title: control.title, status: j.status, reasons: [...j.reasons], evidenceIds: ids, ...(j.status === 'fails' ? { findings: [...(j.findings ?? j.reasons)] } : {}) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { controlId: control.id, requirement: control.requirement, title: control.title, status: 'inconclusive', reasons: [`The judge for ${control.requirement} failed (${message}); this is a bug in meshprobe.`], evidenceIds: [] };
  }
}

/** Judge every control, sorted in requirement order. */
export function evaluate(controls: readonly Control[], input: Omit<JudgeInput, 'evidence'> & { readonly evidence: readonly Evidence[] }): Verdict[] {
  return [...controls].sort((a, b) => compareControlIds(a.id, b.id)).map((c) => judgeControl(c, input));
}
