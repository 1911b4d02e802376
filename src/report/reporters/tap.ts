/**
 * TAP 14 reporter: one test point per control (fails → not ok, inconclusive → not ok with
 * "# inconclusive" in the description — no TODO directive, which consumers count as passed —
 * n/a → # SKIP), plus a `not ok` test point when the run aborted or judged nothing.
 */
import type { Report } from '../../domain/report.js';
import { joinChunks, joinLines } from './chunks.js';
import { expand, hole, type Piece } from './pieces.js';
import { requirementOf, runFailures, titleOf } from './common.js';

function* yamlBlock(reasons: readonly string[]): Generator<Piece> {
  yield '  ---';
  yield '  reasons:';
  yield hole(reasons, (r) => `    - ${JSON.stringify(r)}`);
  yield '  ...';
}

function* lines(report: Report): Generator<Piece> {
  yield 'TAP version 14';
  const failures = runFailures(report);
  yield `1..${report.verdicts.length + failures.length}`;
  if (report.aborted) yield `# aborted at ${report.aborted.stage} (${report.aborted.code}): ${report.aborted.message}`;
  for (const [i, v] of report.verdicts.entries()) {
    const name = `${requirementOf(v)} ${titleOf(v)}`.replace(/#/g, '\\#');
    const n = i + 1;
    switch (v.status) {
      case 'holds':
        yield `ok ${n} - ${name}`;
        break;
      case 'fails':
        yield `not ok ${n} - ${name}`;
        yield* yamlBlock(v.reasons);
        break;
      case 'inconclusive':
        // Not a TODO/SKIP directive: tap-parser and prove count this point as failed.
        yield `not ok ${n} - ${name} # inconclusive`;
        yield* yamlBlock(v.reasons);
        break;
      case 'not-applicable':
        yield `ok ${n} - ${name} # SKIP ${(v.reasons[0] ?? 'not applicable').replace(/\n/g, ' ')}`;
        break;
      default: {
        const never: never = v.status;
        yield String(never);
      }
    }
  }
  for (const [i, f] of failures.entries()) {
    yield `not ok ${report.verdicts.length + i + 1} - ${f.name}`;
    yield* yamlBlock([f.message]);
  }
}

/** TAP as pieces (one per line; reasons: a hole, pieces.ts). */
export function* renderTapPieces(report: Report): Generator<Piece> {
  yield* joinLines(lines(report));
  yield '\n';
}

/** TAP as chunks (one per line). */
export function renderTapChunks(report: Report): Generator<string> {
  return expand(renderTapPieces(report));
}

/** Render TAP version 14. */
export function renderTap(report: Report): string {
  return joinChunks(renderTapChunks(report));
}
