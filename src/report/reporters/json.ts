/** JSON reporter: the Report value itself, pretty-printed (validated against report.v1.schema.json). */
import type { Report } from '../../domain/report.js';
import { joinChunks, jsonChunks } from './chunks.js';

/** The JSON text as chunks (streamed to report.json; evidence item by evidence item). */
export function* renderJsonChunks(report: Report): Generator<string> {
  yield* jsonChunks(report);
  yield '\n';
}

/** Render the report as JSON text ending in a newline. */
export function renderJson(report: Report): string {
  return joinChunks(renderJsonChunks(report));
}
