/** Reporter dispatch: one pure render function per output format. */
import type { OutputFormat } from '../../config/options.js';
import type { Report } from '../../domain/report.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderTap } from './tap.js';
import { renderText } from './text.js';

export { renderHtml } from './html.js';
export { renderJson, renderJunit, renderMarkdown, renderSarif, renderTap, renderText };

/** Render the report in one stdout format. */
export function render(format: OutputFormat, report: Report, options: { readonly verbose?: boolean } = {}): string {
  switch (format) {
    case 'text':
      return renderText(report, options);
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'tap':
      return renderTap(report);
    case 'sarif':
      return renderSarif(report);
    case 'markdown':
      return renderMarkdown(report);
    default: {
      const never: never = format;
      throw new Error(`unknown output format ${String(never)}`);
    }
  }
}
