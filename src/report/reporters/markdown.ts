/**
 * Markdown reporter, auditor-facing: scope, method, timing and tool version, controls with
 * their reasons and evidence tables, certificate inventory, what was not run, limitations.
 */
import type { Evidence } from '../../domain/evidence.js';
import type { ProbeInfo, Report } from '../../domain/report.js';
import type { Verdict } from '../../domain/verdict.js';
import { joinChunks, joinLines } from './chunks.js';
import { expand, hole, type Piece } from './pieces.js';
import {
  LIMITATIONS,
  STATUS_LABEL,
  coverageLine,
  escapeMd,
  escapeMdText,
  evidenceIndex,
  notRunTarget,
  outcomeLabel,
  requirementOf,
  summaryLine,
  targetLabel,
  titleOf,
  vantageLabel,
} from './common.js';
import { vantageId } from '../../domain/vantage.js';
import { placeOf } from '../../catalogue/controls/judge-kit.js';

function scope(report: Report): string[] {
  const inv = report.inventory;
  return [
    '## Scope',
    '',
    `Cluster \`${inv.cluster.context}\` at ${inv.cluster.server}${inv.cluster.version ? `, Kubernetes ${inv.cluster.version}` : ''}; meshes: ${inv.meshes.join(', ') || 'none'}; ${inv.targets} targets; ${inv.networkPolicies} NetworkPolicies.`,
    '',
    '| namespace | in scope | role | workloads | NetworkPolicies |',
    '|---|---|---|---|---|',
    ...inv.namespaces.map(
      (n) =>
        `| ${escapeMd(n.name)} | ${n.inScope ? 'yes' : 'no'} | ${n.role} | ${n.workloads} | ${n.networkPolicies} |`,
    ),
    '',
  ];
}

/**
 * The probes the report was run with (report.probes); a report written before they were recorded
 * names the probes its evidence shows, with what it recorded of each (no live catalogue).
 */
function probesOf(report: Report): readonly ProbeInfo[] {
  if (report.probes !== undefined) return report.probes;
  const seen = new Map<string, { technique: string; vantages: Set<string> }>();
  for (const e of report.evidence) {
    const p = seen.get(e.attempt.probeId) ?? { technique: e.attempt.technique, vantages: new Set<string>() };
    p.vantages.add(e.attempt.vantage.kind);
    seen.set(e.attempt.probeId, p);
  }
  return [...seen]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, p]) => ({
      id,
      technique: p.technique,
      vantages: [...p.vantages].sort(),
      secureLooksLike: 'not recorded',
    }));
}

function method(report: Report): string[] {
  const perProbe = new Map<string, number>();
  for (const e of report.evidence) perProbe.set(e.attempt.probeId, (perProbe.get(e.attempt.probeId) ?? 0) + 1);
  return [
    '## Method',
    '',
    'Short-lived, unmeshed probe pods tried what an attacker would try from each vantage (a fresh unlabelled namespace, the target namespace, and other existing namespaces). Every attempt sends bytes first; a "blocked" outcome counts only when the batch canary (the run\'s own echo pod) and, for refusals, an allowed control path to the same port worked (MESH-NOTES §0, §D.4).',
    '',
    '| probe | technique | vantages | secure looks like | attempts |',
    '|---|---|---|---|---|',
    ...probesOf(report).map(
      (p) =>
        `| ${p.id} | ${p.technique} | ${p.vantages.join(', ')} | ${escapeMd(p.secureLooksLike)} | ${perProbe.get(p.id) ?? 0} |`,
    ),
    '',
  ];
}

function timing(report: Report): string[] {
  const r = report.run;
  const lines = [
    '## Run',
    '',
    `- Tool: ${r.tool.name} ${r.tool.version}`,
    `- Run id: \`${r.runId}\``,
    `- Started: ${r.startedAt}`,
    `- Finished: ${r.finishedAt}`,
    `- Summary: ${summaryLine(report)}`,
  ];
  if (report.aborted)
    lines.push(
      `- **Aborted** at ${report.aborted.stage} (${report.aborted.code}): ${escapeMd(report.aborted.message)}`,
    );
  if (report.interrupted) lines.push('- **Interrupted** by a signal; cleanup was attempted.');
  lines.push(`- Options: \`${JSON.stringify(r.options)}\``, '');
  return lines;
}

/**
 * The evidence-table cells of one rendering, each built once per vantage, target port and
 * outcome: attempts share those objects, and a 100 000-attempt run writes ~300 000 rows.
 */
class RowCells {
  readonly #vantages = new Map<object, string>();
  readonly #targets = new Map<object, Map<number, string>>();
  readonly #outcomes = new Map<object, string>();
  /** "| `id` | probe | vantage | target | outcome |" */
  row(e: Evidence): string {
    const a = e.attempt;
    const vantage = cached(this.#vantages, a.vantage, () => escapeMd(vantageLabel(e)));
    const ports = cached(this.#targets, a.target, () => new Map<number, string>());
    const target = cached(ports, a.port, () => escapeMd(targetLabel(e)));
    const outcome = cached(this.#outcomes, e.outcome, () => outcomeLabel(e));
    return `| \`${e.id}\` | ${a.probeId} | ${vantage} | ${target} | ${outcome} |`;
  }
}

function cached<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  const known = map.get(key);
  if (known !== undefined) return known;
  const made = make();
  map.set(key, made);
  return made;
}

function* controlSection(v: Verdict, index: ReturnType<typeof evidenceIndex>, cells: RowCells): Generator<Piece> {
  yield `### ${requirementOf(v)} ${titleOf(v)} — ${STATUS_LABEL[v.status]}`;
  yield '';
  if (v.coverage !== undefined) yield* [`**Coverage:** ${escapeMdText(coverageLine(v.coverage, v.status))}`, ''];
  yield hole(v.reasons, (r) => `- ${escapeMdText(r)}`);
  yield '';
  let header = false;
  for (const id of v.evidenceIds) {
    const e = index.get(id);
    if (!e) continue;
    if (!header) yield* ['| evidence | probe | vantage | target | outcome |', '|---|---|---|---|---|'];
    header = true;
    yield cells.row(e);
  }
  if (header) yield '';
}

/** Where a certificate was seen, each place once: "payments/api port 8443", "203.0.113.5:443" (vantages folded). */
function places(c: Report['certificates'][number]): string {
  return [...new Set(c.seenAt.map((s) => placeOf(s.target, s.port)))].sort().join(', ');
}

/** The findings cell: both trust facts first when a bundle was given, then the finding codes. */
function findingsCell(c: Report['certificates'][number]): string {
  const t = c.trust;
  const trust =
    t === undefined
      ? []
      : [`trust: chain-valid ${t.chainValid ? 'yes' : 'no'}, trusted-now ${t.trustedNow ? 'yes' : 'no'}`];
  return [...trust, ...c.findings.map((x) => `${x.severity}: ${x.code}`)].join(', ') || 'none';
}

function certificates(report: Report): string[] {
  if (report.certificates.length === 0) return ['## Certificate inventory', '', 'No certificate was observed.', ''];
  return [
    '## Certificate inventory',
    '',
    '| sha256 | subject / identity | issuer | not after | key | findings | seen at |',
    '|---|---|---|---|---|---|---|',
    ...report.certificates.map((c) => {
      const f = c.facts;
      const id = f.spiffe[0]?.uri ?? f.sans.dns[0] ?? f.subject;
      const key = `${f.keyType}${f.keyBits ? ` ${f.keyBits}` : ''}`;
      return `| \`${f.fingerprintSha256.slice(0, 16)}…\` | ${escapeMd(id)} | ${escapeMd(f.issuer)} | ${f.notAfter} | ${key} | ${escapeMd(findingsCell(c))} | ${escapeMd(places(c))} |`;
    }),
    '',
  ];
}

function* notRun(report: Report): Generator<string> {
  if (report.notRun.length === 0) return;
  yield* ['## Not run', '', '| probe | vantage | target | reason |', '|---|---|---|---|'];
  for (const n of report.notRun)
    yield `| ${n.probeId} | ${vantageId(n.vantage)} | ${escapeMd(notRunTarget(n))} | ${escapeMd(n.reason)} |`;
  yield '';
}

/** The Cleanup section's text: done, nothing to do, or unfinished with the command that finishes it. */
function cleanupLines(c: Report['cleanup']): string[] {
  if (!c.attempted) return ['Nothing was created, so nothing needed cleaning up.'];
  const retried = c.retries ? ` (${c.retries} call(s) retried while the API server was away)` : '';
  if (c.ok) return [`All ${c.deleted.length} objects created by the run were deleted${retried}.`];
  return [
    `**Cleanup incomplete**: objects of this run may still be in the cluster${retried}. ` +
      `Problems: ${c.problems.map(escapeMd).join('; ')}`,
    ...(c.finishCommand ? ['', `Finish it with: \`${c.finishCommand}\``] : []),
  ];
}

function* lines(report: Report): Generator<Piece> {
  const index = evidenceIndex(report);
  const c = report.cleanup;
  yield* [
    `# meshprobe report — PCI DSS v4.0.1 network controls`,
    '',
    ...timing(report),
    ...scope(report),
    ...method(report),
    '## Controls',
    '',
    '| requirement | status | title |',
    '|---|---|---|',
    ...report.verdicts.map((v) => `| ${requirementOf(v)} | ${STATUS_LABEL[v.status]} | ${escapeMd(titleOf(v))} |`),
    '',
  ];
  const cells = new RowCells();
  for (const v of report.verdicts) yield* controlSection(v, index, cells);
  yield* certificates(report);
  yield* notRun(report);
  yield* ['## Limitations', '', ...LIMITATIONS.map((l) => `- ${l}`), '', '## Cleanup', '', ...cleanupLines(c), ''];
}

/** The Markdown report as pieces (one per line; reasons: holes, pieces.ts). */
export function renderMarkdownPieces(report: Report): Generator<Piece> {
  return joinLines(lines(report));
}

/** The Markdown report as chunks (one per line; evidence and not-run rows streamed). */
export function renderMarkdownChunks(report: Report): Generator<string> {
  return expand(renderMarkdownPieces(report));
}

/** Render the auditor-facing Markdown report. */
export function renderMarkdown(report: Report): string {
  return joinChunks(renderMarkdownChunks(report));
}
