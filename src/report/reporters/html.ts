/**
 * HTML reporter: one self-contained file (inline CSS and SVG, no scripts, no external fetches)
 * that opens with the answer — counts, what fails, the three most important findings — then the
 * reachability picture, the control table with each control's reasons collapsed behind its row,
 * scope, certificates and limitations. It fits a 390 px phone screen (wide tables scroll inside
 * their own box) and prints to PDF with every reason expanded.
 */
import type { Report } from '../../domain/report.js';
import { topFindings } from './highlights.js';
import { reachabilityMatrix, referenceMark, type Cell, type Matrix } from './matrix.js';
import { joinChunks } from './chunks.js';
import { expand, hole, type Piece } from './pieces.js';
import {
  LIMITATIONS,
  STATUS_LABEL,
  coverageLine,
  escapeXml as esc,
  requirementOf,
  summaryLine,
  titleOf,
} from './common.js';
import { reachabilityKey, reachabilitySvg } from './html-picture.js';

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;margin:24px auto;padding:0 16px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a;overflow-wrap:anywhere}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}.card b{display:block;font-size:22px}
p.answer{font-size:16px;font-weight:600;margin:12px 0}ol#top-findings{padding-left:22px}ol#top-findings li{margin:6px 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}th{background:#f6f8fa}
.fails{background:#ffebe9;color:#82071e}.inconclusive{background:#fff8c5;color:#4d2d00}.holds{background:#dafbe1;color:#0a3622}
.not-applicable{background:#eaeef2;color:#424a53}
.status{font-weight:600;white-space:nowrap}ul.reasons{margin:4px 0 0 18px;padding:0}
p.coverage{margin:4px 0 0;color:#57606a;font-size:12px}details.reasons summary{cursor:pointer;color:#0969da;font-size:12px;margin-top:4px}
td.cell{text-align:center;font-weight:600;min-width:56px}td.open{background:#cf222e;color:#fff}td.blocked{background:#2da44e;color:#fff}
td.inconclusive{background:#d4a72c;color:#000}td.none{background:#fff;color:#8c959f}
svg#reachability{max-width:100%;height:auto;display:block;margin:8px 0}
ul.key{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.banner{border:2px solid #cf222e;padding:8px 12px;border-radius:6px;background:#ffebe9;margin:12px 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
@media (max-width:600px){body{margin:8px auto;padding:0 8px;font-size:13px}.card{min-width:70px;padding:6px 10px}
table#controls thead{display:none}table#controls tr{display:grid;grid-template-columns:auto 1fr;border:1px solid #d0d7de;margin:0 0 6px}
table#controls td{border:none}table#controls td:nth-child(3){grid-column:1/-1}}
@media print{body{margin:0;padding:0;max-width:none;font-size:11px}.cards{gap:6px}.scroll{overflow:visible}
table{page-break-inside:auto}tr{page-break-inside:avoid}svg#reachability{page-break-inside:avoid}
details>summary{display:none}details::details-content{content-visibility:visible;display:contents}
td.open,td.blocked,td.inconclusive,.fails,.holds,.inconclusive,.not-applicable,.swatch,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

const CELL_TEXT: Readonly<Record<Cell, string>> = { open: 'open', blocked: 'blocked', inconclusive: '?', none: '–' };

/** The one sentence that answers "does it hold?". */
function answer(report: Report): string {
  const failing = report.verdicts.filter((v) => v.status === 'fails').map(requirementOf);
  const undecided = report.summary.inconclusive;
  const list = `${failing.length} control${failing.length === 1 ? '' : 's'} fail${failing.length === 1 ? 's' : ''}: ${failing.join(', ')}.`;
  if (report.aborted) {
    const what = failing.length > 0 ? ` On what was tried, ${list}` : '';
    return `The run was aborted: this report is incomplete and is not evidence that any control holds.${what}`;
  }
  if (failing.length > 0) return list;
  if (undecided > 0) return `No control fails, but ${undecided} could not be decided and need a look before sign-off.`;
  return report.summary.holds > 0
    ? 'No control fails: every judged control holds for what was tried.'
    : 'No control was judged.';
}

function findings(report: Report): string {
  const top = topFindings(report);
  if (top.length === 0) return '';
  const items = top.map((h) => {
    const more = h.more > 0 ? ` <span class="meta">(+${h.more} more)</span>` : '';
    return `<li><span class="status ${h.status}">${esc(h.requirement)} ${STATUS_LABEL[h.status]}</span> ${esc(h.title)}: ${esc(h.reason)}${more}</li>`;
  });
  return `<h2>Most important findings</h2><ol id="top-findings">${items.join('')}</ol>`;
}

function summary(report: Report): string {
  const s = report.summary;
  const card = (cls: string, n: number, label: string) => `<div class="card ${cls}"><b>${n}</b>${label}</div>`;
  const a = report.aborted;
  const banner = a
    ? `<div class="banner" id="aborted">Run aborted at ${esc(a.stage)} (${esc(a.code)}): ${esc(a.message)}</div>`
    : '';
  const c = report.cleanup;
  const leftover = c.ok
    ? ''
    : `<div class="banner" id="cleanup-incomplete">Cleanup incomplete: objects of this run may still be in the cluster` +
      `${c.finishCommand ? `; finish it with <code>${esc(c.finishCommand)}</code>` : ''}. ` +
      `Problems: ${esc(c.problems.join('; '))}</div>`;
  const cards = [
    card('fails', s.fails, 'fail'),
    card('inconclusive', s.inconclusive, 'inconclusive'),
    card('holds', s.holds, 'hold'),
    card('not-applicable', s['not-applicable'], 'not applicable'),
    `<div class="card"><b>${s.attempts}</b>attempts</div>`,
  ];
  return (
    `<section id="summary"><p class="answer">${esc(answer(report))}</p>${banner}${leftover}<div class="cards">${cards.join('')}</div>` +
    `<p>${esc(summaryLine(report))}</p>${findings(report)}</section>`
  );
}

function* controls(report: Report): Generator<Piece> {
  yield '<h2>Controls</h2><div class="scroll"><table id="controls"><thead><tr><th>Req.</th><th>Status</th>' +
    '<th>Title, coverage and reasons</th></tr></thead><tbody>';
  for (const v of report.verdicts) {
    const coverage =
      v.coverage !== undefined ? `<p class="coverage">Coverage: ${esc(coverageLine(v.coverage, v.status))}</p>` : '';
    yield `<tr class="control" data-status="${v.status}"><td>${esc(requirementOf(v))}</td>` +
      `<td class="status ${v.status}">${STATUS_LABEL[v.status]}</td><td>${esc(titleOf(v))}${coverage}`;
    if (v.reasons.length > 0) {
      const label = `${v.reasons.length} reason${v.reasons.length === 1 ? '' : 's'}`;
      // Open by default where the assessor must act; collapsed where the control holds or does not apply.
      const open = v.status === 'fails' || v.status === 'inconclusive' ? ' open' : '';
      yield `<details class="reasons"${open}><summary>${label}</summary><ul class="reasons">`;
      yield hole(v.reasons, (r) => `<li>${esc(r)}</li>`);
      yield '</ul></details>';
    }
    yield '</td></tr>';
  }
  yield '</tbody></table></div>';
}

function matrix(report: Report): string {
  const m = reachabilityMatrix(report);
  const svg = reachabilitySvg(m);
  if (svg === undefined) {
    return (
      '<h2>Reachability</h2><div class="scroll"><table id="matrix"><tbody><tr><td>No namespace-to-namespace attempt was made.' +
      '</td></tr></tbody></table></div>'
    );
  }
  const head = `<tr><th>source \\ target</th>${m.targets.map((t) => `<th>${esc(t)}</th>`).join('')}</tr>`;
  const rows = m.sources.map((s) => `<tr><th>${esc(s)}</th>${m.targets.map((t) => cellHtml(m, s, t)).join('')}</tr>`);
  return (
    '<h2>Reachability: source → target namespace</h2>' +
    '<p>Red: something got through; green: every attempt was blocked with proof that the probe worked; amber: inconclusive.</p>' +
    `${svg}${reachabilityKey()}<details class="matrix-table"><summary>The same as a table</summary>` +
    `<div class="scroll"><table id="matrix"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>${proofLegend(m)}</details>`
  );
}

/** A cell; a blocked one proven by named references instead of the canary carries their letters. */
function cellHtml(m: Matrix, s: string, t: string): string {
  const c = m.cells[s]?.[t] ?? 'none';
  const refs = m.proofs[s]?.[t] ?? [];
  if (refs.length === 0) return `<td class="cell ${c}">${CELL_TEXT[c]}</td>`;
  const title = `proven by the same pod connecting to ${refs.map((i) => m.references[i] ?? '').join('; ')}`;
  const marks = refs.map((i) => referenceMark(i)).join(',');
  return `<td class="cell ${c}" title="${esc(title)}">${CELL_TEXT[c]} <sup>${marks}</sup></td>`;
}

function proofLegend(m: Matrix): string {
  if (m.references.length === 0) return '';
  const items = m.references.map((r, i) => `<li><b>${referenceMark(i)}</b> = ${esc(r)}</li>`).join('');
  const intro =
    "Blocked cells with a letter: the probe pod's canary was blocked too, so the block is proven by the same pod connecting to:";
  return `<p id="matrix-proofs">${intro}</p><ul>${items}</ul>`;
}

function scope(report: Report): string {
  const rows = report.inventory.namespaces.map(
    (n) =>
      `<tr><td>${esc(n.name)}</td><td>${n.inScope ? 'yes' : 'no'}</td><td>${esc(n.role)}</td><td>${n.workloads}</td><td>${n.networkPolicies}</td></tr>`,
  );
  const body =
    rows.length > 0
      ? rows.join('')
      : '<tr><td colspan="5">Discovery did not complete, so no namespace was enumerated.</td></tr>';
  return (
    '<h2>Scope</h2><div class="scroll"><table id="scope"><thead><tr><th>Namespace</th><th>In scope (CDE)</th><th>Role</th>' +
    `<th>Workloads</th><th>NetworkPolicies</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function certificates(report: Report): string {
  const rows = report.certificates.map((c) => {
    const f = c.facts;
    const fails = c.findings.some((x) => x.severity === 'fail');
    const found = c.findings.map((x) => `${x.severity}: ${x.message}`).join('; ') || 'none';
    return (
      `<tr class="${fails ? 'fails' : ''}"><td><code>${esc(f.fingerprintSha256.slice(0, 16))}…</code></td>` +
      `<td>${esc(f.spiffe[0]?.uri ?? f.sans.dns[0] ?? f.subject)}</td><td>${esc(f.issuer)}</td><td>${esc(f.notAfter)}</td>` +
      `<td>${esc(f.keyType)} ${f.keyBits ?? ''}</td><td>${esc(found)}</td></tr>`
    );
  });
  const body = rows.length > 0 ? rows.join('') : '<tr><td colspan="6">No certificate was observed.</td></tr>';
  return (
    '<h2>Certificate inventory</h2><div class="scroll"><table id="certificates"><thead><tr><th>SHA-256</th><th>Identity</th>' +
    `<th>Issuer</th><th>Not after</th><th>Key</th><th>Findings</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}

/** The self-contained HTML report as pieces (control reasons: holes, pieces.ts). */
export function* renderHtmlPieces(report: Report): Generator<Piece> {
  const r = report.run;
  const title = `meshprobe report ${r.runId}`;
  const cluster = report.inventory.cluster;
  yield `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head>
<body><h1>meshprobe — PCI DSS v4.0.1 network controls</h1>
<p class="meta">Run <code>${esc(r.runId)}</code> · ${esc(r.tool.name)} ${esc(r.tool.version)} · cluster ${esc(cluster.context)} (${esc(cluster.server)}) · ${esc(r.startedAt)} → ${esc(r.finishedAt)}</p>
${summary(report)}
${matrix(report)}
`;
  yield* controls(report);
  yield `
${scope(report)}
${certificates(report)}
<h2>Limitations</h2><ul>${LIMITATIONS.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
</body></html>
`;
}

/** The self-contained HTML report as chunks (control reasons streamed). */
export function renderHtmlChunks(report: Report): Generator<string> {
  return expand(renderHtmlPieces(report));
}

/** Render the self-contained HTML report. */
export function renderHtml(report: Report): string {
  return joinChunks(renderHtmlChunks(report));
}
