/** JSON reporter: the Report value itself, pretty-printed (validated against report.v1.schema.json). */
import { evidenceRecord } from '../../domain/evidence.js';
import type { Report } from '../../domain/report.js';
import { lazyMap } from '../../shared/lazy-list.js';
import { joinChunks, jsonChunks } from './chunks.js';

/**
 * The JSON text as chunks (streamed to report.json; evidence item by evidence item). Each
 * evidence item's `why` sentence is built as the item is written (evidenceRecord), not stored.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  yield* jsonChunks({ ...report, evidence: lazyMap(report.evidence, evidenceRecord) });
  yield '\n';
}

/** Render the report as JSON text ending in a newline. */
export function renderJson(report: Report): string {
  return joinChunks(renderJsonChunks(report));
}
