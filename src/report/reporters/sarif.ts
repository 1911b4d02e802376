/**
 * SARIF 2.1.0 reporter for code-scanning UIs: one rule per control, one result per failing or
 * inconclusive evidence-backed verdict. Locations point at the report file with logical locations
 * naming the cluster objects, since findings live in a cluster, not in source code.
 */
import type { Report } from '../../domain/report.js';
import { joinChunks, joinedJsonString, jsonPieces } from './chunks.js';
import { expand, type Piece } from './pieces.js';
import { evidenceIndex, requirementOf, runFailures, targetLabel, titleOf } from './common.js';

const LEVEL = { fails: 'error', inconclusive: 'warning' } as const;

/**
 * One result per failing or inconclusive verdict. The evidence index lives only while they are
 * made (not while the SARIF text is written beside the other formats: pieces.ts).
 */
function results(report: Report): object[] {
  const index = evidenceIndex(report);
  return report.verdicts.flatMap((v) => {
    if (v.status !== 'fails' && v.status !== 'inconclusive') return [];
    // One logical location per distinct target port (a verdict may cite 100 000 attempts to them).
    const unique = new Map<string, { name: string; kind: string; fullyQualifiedName: string }>();
    // Target ports already placed, by the target's object (attempts share it): no label is built twice.
    const placed = new Map<object, Set<number>>();
    for (const id of v.evidenceIds) {
      const e = index.get(id);
      if (e?.attempt.role !== 'probe') continue;
      const ports = placed.get(e.attempt.target) ?? new Set<number>();
      if (ports.has(e.attempt.port)) continue;
      placed.set(e.attempt.target, ports.add(e.attempt.port));
      const name = targetLabel(e);
      const fullyQualifiedName = `${e.attempt.target.kind}/${name}`;
      if (!unique.has(fullyQualifiedName))
        unique.set(fullyQualifiedName, { name, kind: 'resource', fullyQualifiedName });
    }
    return [
      {
        ruleId: requirementOf(v),
        level: LEVEL[v.status],
        // The reasons and evidence ids of a large run are written piece by piece, never joined.
        message: { text: joinedJsonString(v.reasons, ' ') },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: 'report.json' } },
            ...(unique.size > 0 ? { logicalLocations: [...unique.values()] } : {}),
          },
        ],
        partialFingerprints: { 'meshprobe/v1': joinedJsonString(v.evidenceIds, ',', `${v.controlId}|`) },
      },
    ];
  });
}

/** SARIF JSON text as pieces (large result lists streamed; reasons: holes, pieces.ts). */
export function* renderSarifPieces(report: Report): Generator<Piece> {
  const rules = report.verdicts.map((v) => ({
    id: requirementOf(v),
    name: v.controlId,
    shortDescription: { text: titleOf(v) },
    fullDescription: { text: v.holdsMeans ?? titleOf(v) },
    helpUri: 'https://www.pcisecuritystandards.org/document_library/',
  }));
  // A run that aborted or judged nothing did not execute successfully: code-scanning gates read this.
  const failures = runFailures(report);
  const invocation = {
    executionSuccessful: failures.length === 0,
    ...(failures.length > 0
      ? {
          toolExecutionNotifications: failures.map((f) => ({
            level: 'error',
            descriptor: { id: `meshprobe/${f.kind}` },
            message: { text: f.message },
          })),
        }
      : {}),
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'meshprobe',
            version: report.run.tool.version,
            informationUri: 'https://github.com/meshprobe/meshprobe',
            rules,
          },
        },
        automationDetails: { id: `meshprobe/${report.run.runId}` },
        invocations: [invocation],
        results: results(report),
      },
    ],
  };
  yield* jsonPieces(sarif);
  yield '\n';
}

/** SARIF JSON text as chunks (large result lists streamed). */
export function renderSarifChunks(report: Report): Generator<string> {
  return expand(renderSarifPieces(report));
}

/** Render SARIF JSON text. */
export function renderSarif(report: Report): string {
  return joinChunks(renderSarifChunks(report));
}
