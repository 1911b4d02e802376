/** JSON reporter: the Report value itself, pretty-printed (validated against report.v1.schema.json). */
import type { Report } from '../../domain/report.js';

/** Render the report as JSON text ending in a newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
