/**
 * The few findings an assessor reads first (pure): failing controls, most consequential first,
 * then — only when fewer than `n` fail — the controls meshprobe could not decide, because an
 * undecided control is the next thing someone has to look at.
 */
import type { Report } from '../../domain/report.js';
import type { Verdict } from '../../domain/verdict.js';
import { requirementOf, titleOf } from './common.js';

/** One highlighted control: what it is, how it stands, the sentence that says why. */
export interface Highlight {
  readonly requirement: string;
  readonly title: string;
  readonly status: 'fails' | 'inconclusive';
  /** The first failing reason (or, for inconclusive, the first reason). */
  readonly reason: string;
  /** How many more failing reasons the control has beyond `reason`. */
  readonly more: number;
}

/**
 * Consequence rank of a requirement, lower first: a path into the CDE or across tenants is the
 * breach itself; cleartext, unauthenticated or unneeded services are how it is exploited; the
 * rest (certificate hygiene, inventory, logging) matters but is not an open door.
 */
export function consequenceRank(requirement: string): number {
  if (/^(1\.2\.5|1\.3\.|1\.4\.|11\.4\.[56]|A1\.)/.test(requirement)) return 0;
  if (/^(2\.2\.[457]|1\.2\.6|4\.2\.1$|7\.2\.|8\.3\.)/.test(requirement)) return 1;
  return 2;
}

function highlight(v: Verdict, status: Highlight['status']): Highlight {
  const failing = status === 'fails' && v.findings !== undefined && v.findings.length > 0 ? v.findings : v.reasons;
  return {
    requirement: requirementOf(v),
    title: titleOf(v),
    status,
    reason: failing[0] ?? '(no reason recorded)',
    more: Math.max(0, failing.length - 1),
  };
}

/**
 * Up to `n` highlights: failing controls by consequence rank (ties keep report order), then
 * inconclusive ones by the same rank. An empty list means nothing failed and nothing was left
 * undecided.
 */
export function topFindings(report: Pick<Report, 'verdicts'>, n = 3): readonly Highlight[] {
  const ranked = (status: Highlight['status']): Highlight[] =>
    report.verdicts
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => v.status === status)
      .sort((a, b) => consequenceRank(requirementOf(a.v)) - consequenceRank(requirementOf(b.v)) || a.i - b.i)
      .map(({ v }) => highlight(v, status));
  return [...ranked('fails'), ...ranked('inconclusive')].slice(0, n);
}
