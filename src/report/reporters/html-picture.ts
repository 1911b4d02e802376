/**
 * The reachability picture (pure): an inline SVG heatmap of source → target namespace, one
 * square per cell coloured by outcome. It scales with its viewBox, so the same picture fits a
 * phone and prints; every square carries a <title> so it reads without colour too.
 */
import type { Cell, Matrix } from './matrix.js';
import { escapeXml as esc } from './common.js';

/** Fill and label of each cell kind (fill colours match the HTML report's CSS). */
const STYLE: Readonly<Record<Cell, { fill: string; ink: string; label: string; words: string }>> = {
  open: { fill: '#cf222e', ink: '#ffffff', label: 'open', words: 'something got through' },
  blocked: { fill: '#2da44e', ink: '#ffffff', label: 'blocked', words: 'every attempt blocked, with proof' },
  inconclusive: { fill: '#d4a72c', ink: '#000000', label: '?', words: 'could not tell' },
  none: { fill: '#f6f8fa', ink: '#8c959f', label: '–', words: 'nothing tried' },
};

const CELL_W = 72;
const CELL_H = 30;
const CHAR_W = 7;
const GAP = 2;

/** Longest label in characters, bounded so one absurd name cannot take the picture. */
function longest(labels: readonly string[]): number {
  return Math.min(40, Math.max(6, ...labels.map((l) => l.length)));
}

function clip(label: string): string {
  return label.length > 40 ? `${label.slice(0, 39)}…` : label;
}

/** The SVG heatmap, or undefined when the matrix is empty. */
export function reachabilitySvg(m: Matrix): string | undefined {
  if (m.sources.length === 0 || m.targets.length === 0) return undefined;
  const left = longest(m.sources) * CHAR_W + 12;
  // Column labels are drawn at -45°: their height is the diagonal of the longest label.
  const top = Math.ceil(longest(m.targets) * CHAR_W * 0.72) + 16;
  const width = left + m.targets.length * CELL_W + 8;
  const height = top + m.sources.length * CELL_H + 4;
  const out: string[] = [
    `<svg id="reachability" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}"`,
    ` width="${width}" height="${height}" font-family="system-ui,sans-serif" font-size="12">`,
    '<title>Reachability: source namespace (rows) to target namespace (columns), coloured by outcome</title>',
  ];
  m.targets.forEach((t, j) => {
    const x = left + j * CELL_W + CELL_W / 2;
    out.push(`<text x="${x}" y="${top - 6}" transform="rotate(-45 ${x} ${top - 6})">${esc(clip(t))}</text>`);
  });
  m.sources.forEach((s, i) => {
    const y = top + i * CELL_H;
    out.push(`<text x="${left - 8}" y="${y + CELL_H / 2 + 4}" text-anchor="end">${esc(clip(s))}</text>`);
    m.targets.forEach((t, j) => {
      const cell = m.cells[s]?.[t] ?? 'none';
      const st = STYLE[cell];
      const x = left + j * CELL_W;
      const proof = (m.proofs[s]?.[t] ?? []).length > 0 ? ' (proven by another connection of the same pod)' : '';
      out.push(
        `<g class="cell-${cell}"><title>${esc(`${s} → ${t}: ${cell}, ${st.words}${proof}`)}</title>`,
        `<rect x="${x}" y="${y}" width="${CELL_W - GAP}" height="${CELL_H - GAP}" rx="3" fill="${st.fill}"/>`,
        `<text x="${x + (CELL_W - GAP) / 2}" y="${y + CELL_H / 2 + 3}" text-anchor="middle" fill="${st.ink}">`,
        `${st.label}</text></g>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('');
}

/** The colour key under the picture. */
export function reachabilityKey(): string {
  const items = (['open', 'blocked', 'inconclusive', 'none'] as const).map((c) => {
    const st = STYLE[c];
    return `<li><span class="swatch" style="background:${st.fill}"></span>${esc(st.label)}: ${esc(st.words)}</li>`;
  });
  return `<ul class="key">${items.join('')}</ul>`;
}
