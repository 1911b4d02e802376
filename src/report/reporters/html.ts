/**
 * HTML reporter: one self-contained file (inline CSS, no scripts, no external fetches) with a
 * summary, the control table, a colour matrix of namespace reachability and the certificate
 * table; readable when printed.
 */
import type { Report } from '../../domain/report.js';
import { reachabilityMatrix, referenceMark, type Cell, type Matrix } from './matrix.js';
import { joinChunks } from './chunks.js';
import { LIMITATIONS, STATUS_LABEL, coverageLine, escapeXml as esc, requirementOf, summaryLine, titleOf } from './common.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;margin:24px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.cards{display:flex;gap:12px;margin:16px 0}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.fails{background:#ffebe9;color:#82071e}.inconclusive{background:#fff8c5;color:#4d2d00}.holds{background:#dafbe1;color:#0a3622}.not-applicable{background:#eaeef2;color:#424a53}
.status{font-weight:600;white-space:nowrap}ul.reasons{margin:4px 0 0 18px;padding:0}p.coverage{margin:4px 0 0;color:#57606a;font-size:12px}
td.cell{text-align:center;font-weight:600;min-width:56px}td.open{background:#cf222e;color:#fff}td.blocked{background:#2da44e;color:#fff}td.inconclusive{background:#d4a72c;color:#000}td.none{background:#fff;color:#8c959f}
.banner{border:2px solid #cf222e;padding:8px 12px;border-radius:6px;background:#ffebe9;margin:12px 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
@media print{body{margin:0;max-width:none;font-size:11px}.cards{gap:6px}table{page-break-inside:auto}tr{page-break-inside:avoid}
td.open,td.blocked,td.inconclusive,.fails,.holds,.inconclusive,.not-applicable{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

const CELL_TEXT: Readonly<Record<Cell, string>> = { open: 'open', blocked: 'blocked', inconclusive: '?', none: '–' };

function summary(report: Report): string {
  const s = report.summary;
  const card = (cls: string, n: number, label: string) => `<div class="card ${cls}"><b>${n}</b>${label}</div>`;
  const banner = report.aborted ? `<div class="banner" id="aborted">Run aborted at ${esc(report.aborted.stage)} (${esc(report.aborted.code)}): ${esc(report.aborted.message)}</div>` : '';
  return `<section id="summary"><div class="cards">${card('fails', s.fails, 'fail')}${card('inconclusive', s.inconclusive, 'inconclusive')}${card('holds', s.holds, 'hold')}${card('not-applicable', s['not-applicable'], 'not applicable')}<div class="card"><b>${s.attempts}</b>attempts</div></div>${banner}<p>${esc(summaryLine(report))}</p></section>`;
}

function* controls(report: Report): Generator<string> {
  yield '<h2>Controls</h2><table id="controls"><thead><tr><th>Requirement</th><th>Status</th><th>Title and reasons</th></tr></thead><tbody>';
  for (const v of report.verdicts) {
    yield `<tr class="control" data-status="${v.status}"><td>${esc(requirementOf(v))}</td><td class="status ${v.status}">${STATUS_LABEL[v.status]}</td><td>${esc(titleOf(v))}<ul class="reasons">`;
    for (const r of v.reasons) yield `<li>${esc(r)}</li>`;
    yield `</ul>${v.coverage !== undefined ? `<p class="coverage">Coverage: ${esc(coverageLine(v.coverage, v.status))}</p>` : ''}</td></tr>`;
  }
  yield '</tbody></table>';
}

function matrix(report: Report): string {
  const m = reachabilityMatrix(report);
  if (m.sources.length === 0) return '<h2>Reachability</h2><table id="matrix"><tbody><tr><td>No namespace-to-namespace attempt was made.</td></tr></tbody></table>';
  const head = `<tr><th>source \\ target</th>${m.targets.map((t) => `<th>${esc(t)}</th>`).join('')}</tr>`;
  const rows = m.sources.map((s) => `<tr><th>${esc(s)}</th>${m.targets.map((t) => cellHtml(m, s, t)).join('')}</tr>`);
  return `<h2>Reachability: source × target namespace</h2><p>Red: something got through; green: every attempt was blocked with canary proof; amber: inconclusive.</p><table id="matrix"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>${proofLegend(m)}`;
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
  const intro = "Blocked cells with a letter: the probe pod's canary was blocked too, so the block is proven by the same pod connecting to:";
  return `<p id="matrix-proofs">${intro}</p><ul>${items}</ul>`;
}

function scope(report: Report): string {
  const rows = report.inventory.namespaces.map(
    (n) => `<tr><td>${esc(n.name)}</td><td>${n.inScope ? 'yes' : 'no'}</td><td>${esc(n.role)}</td><td>${n.workloads}</td><td>${n.networkPolicies}</td></tr>`,
  );
  const body = rows.length > 0 ? rows.join('') : '<tr><td colspan="5">Discovery did not complete, so no namespace was enumerated.</td></tr>';
  return `<h2>Scope</h2><table id="scope"><thead><tr><th>Namespace</th><th>In scope (CDE)</th><th>Role</th><th>Workloads</th><th>NetworkPolicies</th></tr></thead><tbody>${body}</tbody></table>`;
}

function certificates(report: Report): string {
  const rows = report.certificates.map((c) => {
    const f = c.facts;
    const fails = c.findings.some((x) => x.severity === 'fail');
    return `<tr class="${fails ? 'fails' : ''}"><td><code>${esc(f.fingerprintSha256.slice(0, 16))}…</code></td><td>${esc(f.spiffe[0]?.uri ?? f.sans.dns[0] ?? f.subject)}</td><td>${esc(f.issuer)}</td><td>${esc(f.notAfter)}</td><td>${esc(f.keyType)} ${f.keyBits ?? ''}</td><td>${esc(c.findings.map((x) => `${x.severity}: ${x.message}`).join('; ') || 'none')}</td></tr>`;
  });
  const body = rows.length > 0 ? rows.join('') : '<tr><td colspan="6">No certificate was observed.</td></tr>';
  return `<h2>Certificate inventory</h2><table id="certificates"><thead><tr><th>SHA-256</th><th>Identity</th><th>Issuer</th><th>Not after</th><th>Key</th><th>Findings</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** The self-contained HTML report as chunks (control reasons streamed). */
export function* renderHtmlChunks(report: Report): Generator<string> {
  const r = report.run;
  const title = `meshprobe report ${r.runId}`;
  yield `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head>
<body><h1>meshprobe — PCI DSS v4.0.1 network controls</h1>
<p class="meta">Run <code>${esc(r.runId)}</code> · ${esc(r.tool.name)} ${esc(r.tool.version)} · cluster ${esc(report.inventory.cluster.context)} (${esc(report.inventory.cluster.server)}) · ${esc(r.startedAt)} → ${esc(r.finishedAt)}</p>
${summary(report)}
`;
  yield* controls(report);
  yield `
${matrix(report)}
${scope(report)}
${certificates(report)}
<h2>Limitations</h2><ul>${LIMITATIONS.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
</body></html>
`;
}

/** Render the self-contained HTML report. */
export function renderHtml(report: Report): string {
  return joinChunks(renderHtmlChunks(report));
}
