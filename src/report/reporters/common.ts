/** Helpers the reporters share (pure): labels, escaping, grouping. */
import type { Coverage } from '../../domain/coverage.js';
import type { Evidence } from '../../domain/evidence.js';
import type { Report } from '../../domain/report.js';
import { refName, workloadKey } from '../../domain/target.js';
import { vantageId } from '../../domain/vantage.js';
import type { Verdict, VerdictStatus } from '../../domain/verdict.js';

/** Upper-case status label used in tables. */
export const STATUS_LABEL: Readonly<Record<VerdictStatus, string>> = {
  fails: 'FAILS',
  inconclusive: 'INCONCLUSIVE',
  holds: 'HOLDS',
  'not-applicable': 'N/A',
};

/** Requirement number of a verdict ("1.3.1"). */
export function requirementOf(v: Verdict): string {
  return v.requirement ?? v.controlId.slice(v.controlId.lastIndexOf('/') + 1);
}

/**
 * Title of a verdict's control, as the report carries it (else the id): never the catalogue of the
 * meshprobe that renders, which may be newer than the report.
 */
export function titleOf(v: Verdict): string {
  return v.title ?? v.controlId;
}

/** Evidence items by id. */
export function evidenceIndex(report: Pick<Report, 'evidence'>): ReadonlyMap<string, Evidence> {
  return new Map(report.evidence.map((e) => [e.id, e]));
}

/** "payments/api:8080" style label of an attempt's target (a Pod target by its workload, stable across rollouts). */
export function targetLabel(e: Evidence): string {
  const t = e.attempt.target;
  const name = t.namespace ? `${t.namespace}/${refName(t)}` : `${t.kind.toLowerCase()} ${t.name}`;
  return `${name}:${e.attempt.port}`;
}

/** Short outcome label: "blocked (timeout)", "allowed (plaintext-http)", ... */
export function outcomeLabel(e: Evidence): string {
  const o = e.outcome;
  switch (o.kind) {
    case 'blocked':
      return `blocked (${o.by})`;
    case 'allowed':
      return `allowed (${o.as})`;
    case 'inconclusive':
      return `inconclusive (${o.reason})`;
    case 'not-run':
      return 'not run';
    default: {
      const never: never = o;
      return String(never);
    }
  }
}

/** Vantage id of an evidence item. */
export function vantageLabel(e: Evidence): string {
  return vantageId(e.attempt.vantage);
}

/**
 * What each escaper writes for a character it escapes. Every escaper is one test and, only when
 * something needs escaping, one replacing pass (a 100 000-attempt report escapes ~2 million texts,
 * almost none of which need it); one pass over the original characters writes what the chained
 * replaces wrote, since no replacement contains a character a later one would rewrite.
 */
const XML_ENTITY: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const MD_TEXT: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '\n': ' ' };
const MD_CELL: Readonly<Record<string, string>> = { ...MD_TEXT, '\\': '\\\\', '|': '\\|' };

/** Escape text for XML/HTML. */
export function escapeXml(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => XML_ENTITY[c] ?? c) : s;
}

/**
 * Escape prose for Markdown: raw HTML from peer-chosen text (server headers, certificate names)
 * must not survive a Markdown → HTML conversion, and a line break must not start a new block.
 */
export function escapeMdText(s: string): string {
  return /[<>\n]/.test(s) ? s.replace(/[<>\n]/g, (c) => MD_TEXT[c] ?? c) : s;
}

/** Escape text for a Markdown table cell (backslash and pipe too). */
export function escapeMd(s: string): string {
  return /[\\|<>\n]/.test(s) ? s.replace(/[\\|<>\n]/g, (c) => MD_CELL[c] ?? c) : s;
}

/** Key of a not-run attempt's target for display (a Pod target by its workload). */
export function notRunTarget(n: Report['notRun'][number]): string {
  return `${workloadKey(n.target)}${n.port !== undefined ? `:${n.port}` : ''}`;
}

/** Summary sentence: "2 fail, 1 inconclusive, 10 hold, 7 not applicable; 123 attempts". */
export function summaryLine(report: Pick<Report, 'summary'>): string {
  const s = report.summary;
  return `${s.fails} fail, ${s.inconclusive} inconclusive, ${s.holds} hold, ${s['not-applicable']} not applicable; ${s.attempts} attempts`;
}

/** The fixed limitations every auditor-facing report states. */
export const LIMITATIONS: readonly string[] = [
  'meshprobe is not an ASV scan (11.3.2) and not a full penetration test; it produces runtime evidence for network controls.',
  'Probe pods are unmeshed and carry no workload identity: they test what an identity-less workload can do, not least privilege between meshed identities.',
  'A "blocked" outcome counts only when the probe pod is proven to work (its canary connected or, where policy blocks the canary, another connection of the same pod after its settle point) and, for refusals, an allowed control path worked; otherwise it is reported as inconclusive.',
  'Requirements that need documentation, logging or wireless observation are listed as not applicable with the reason.',
];

/** A run-level failure CI formats must show as failing, whatever the verdicts say. */
export interface RunFailure {
  readonly kind: 'aborted' | 'nothing-judged';
  readonly name: string;
  readonly message: string;
}

/**
 * Why a CI format must not be green for this run: it aborted, or no control holds or fails
 * (each selected control inconclusive or not applicable, or none selected) — a run that tested
 * nothing passes nothing.
 */
export function runFailures(report: Pick<Report, 'aborted' | 'verdicts'>): readonly RunFailure[] {
  const out: RunFailure[] = [];
  if (report.aborted) {
    const a = report.aborted;
    out.push({
      kind: 'aborted',
      name: 'meshprobe run completed',
      message: `aborted at ${a.stage} (${a.code}): ${a.message}`,
    });
  }
  // Not-applicable is a fixed statement about the requirement, not something this run evidenced.
  const judged = report.verdicts.some((v) => v.status === 'holds' || v.status === 'fails');
  if (!judged) {
    out.push({
      kind: 'nothing-judged',
      name: 'meshprobe judged at least one control',
      message:
        report.verdicts.length === 0
          ? 'no control was selected'
          : 'no selected control holds or fails (each is inconclusive or not applicable): nothing was evidenced either way',
    });
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A verdict's coverage in one line: "12 attempts tried: 3 vantages × 4 targets × 6 ports (…); left out: …". */
export function coverageLine(c: Coverage, status?: VerdictStatus): string {
  const kinds = Object.entries(c.byVantageKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const tried =
    c.tried === 0
      ? `nothing tried of ${plural(c.planned, 'planned attempt')}`
      : `${plural(c.tried, 'attempt')} tried: ${plural(c.vantages, 'vantage')} × ${plural(c.targets, 'target')} × ${plural(c.ports, 'port')} (${kinds})`;
  // The UDP slice (issue 13) named on its own: "12 attempts" alone would not say UDP was tried at all.
  const udp =
    c.udp === undefined ? [] : [`of them UDP: ${plural(c.udp.tried, 'attempt')} to ${plural(c.udp.ports, 'port')}`];
  const gaps = c.leftOut.map((g) => `${g.count} ${g.kind}: ${g.reason}`);
  // A not-applicable verdict needs nothing probed; its missing slices are not news.
  const notProbed =
    status === 'not-applicable' ? [] : c.required.filter((s) => s.tried === 0).map((s) => `not probed: ${s.label}`);
  return [
    tried,
    ...udp,
    ...(notProbed.length > 0 ? [notProbed.join('; ')] : []),
    gaps.length > 0 ? `left out: ${gaps.join('; ')}` : 'nothing left out',
  ].join('; ');
}
