/** Reporter dispatch: one pure render function per output format (and a chunked form of each, for big reports). */
import type { OutputFormat } from '../../config/options.js';
import type { Report } from '../../domain/report.js';
import { joinChunks, type Chunks } from './chunks.js';
import { renderHtmlPieces } from './html.js';
import { renderJson, renderJsonChunks, renderJsonPieces } from './json.js';
import { renderJunit, renderJunitChunks, renderJunitPieces } from './junit.js';
import { renderMarkdown, renderMarkdownChunks, renderMarkdownPieces } from './markdown.js';
import type { Piece } from './pieces.js';
import { renderSarif, renderSarifChunks, renderSarifPieces } from './sarif.js';
import { renderTap, renderTapChunks, renderTapPieces } from './tap.js';
import { renderText } from './text.js';

export { renderHtml, renderHtmlChunks } from './html.js';
export type { Chunks } from './chunks.js';
export { renderTogether, type Output, type Piece } from './pieces.js';
export { renderJson, renderJunit, renderMarkdown, renderSarif, renderTap, renderText };
export { renderJsonChunks, renderJunitChunks, renderMarkdownChunks, renderSarifChunks, renderTapChunks };

/**
 * The report's files in the bundle that render it, as pieces (holes for reason lists): written
 * together (renderTogether), each sentence is built once for all of them.
 */
export function bundlePieces(report: Report): Readonly<Record<string, () => Iterable<Piece>>> {
  return {
    'report.json': () => renderJsonPieces(report),
    'report.md': () => renderMarkdownPieces(report),
    'report.html': () => renderHtmlPieces(report),
    'junit.xml': () => renderJunitPieces(report),
    'report.tap': () => renderTapPieces(report),
    'report.sarif': () => renderSarifPieces(report),
  };
}

/** Render the report in one stdout format (the chunks of renderChunks, joined). */
export function render(format: OutputFormat, report: Report, options: { readonly verbose?: boolean } = {}): string {
  return joinChunks(renderChunks(format, report, options));
}

/** The report in one stdout format, as chunks (the text summary is one chunk). */
export function renderChunks(
  format: OutputFormat,
  report: Report,
  options: { readonly verbose?: boolean } = {},
): Chunks {
  switch (format) {
    case 'text':
      return [renderText(report, options)];
    case 'json':
      return renderJsonChunks(report);
    case 'junit':
      return renderJunitChunks(report);
    case 'tap':
      return renderTapChunks(report);
    case 'sarif':
      return renderSarifChunks(report);
    case 'markdown':
      return renderMarkdownChunks(report);
    default: {
      const never: never = format;
      throw new Error(`unknown output format ${String(never)}`);
    }
  }
}
