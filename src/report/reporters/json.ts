/** JSON reporter: the Report value itself, pretty-printed (validated against report.v1.schema.json). */
import { evidenceRecord } from '../../domain/evidence.js';
import type { Report } from '../../domain/report.js';
import { lazyMap } from '../../shared/lazy-list.js';
import { joinChunks, jsonPieces } from './chunks.js';
import { expand, type Piece } from './pieces.js';

/**
 * The JSON text as pieces (streamed to report.json; evidence item by evidence item). Each
 * evidence item's `why` sentence is built as the item is written (evidenceRecord), not stored.
 */
export function* renderJsonPieces(report: Report): Generator<Piece> {
  yield* jsonPieces({ ...report, evidence: lazyMap(report.evidence, evidenceRecord) });
  yield '\n';
}

/** The JSON text as chunks. */
export function renderJsonChunks(report: Report): Generator<string> {
  return expand(renderJsonPieces(report));
}

/** Render the report as JSON text ending in a newline. */
export function renderJson(report: Report): string {
  return joinChunks(renderJsonChunks(report));
}
