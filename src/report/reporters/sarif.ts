/**
 * SARIF 2.1.0 reporter for code-scanning UIs: one rule per control, one result per failing or
 * inconclusive evidence-backed verdict. Locations point at the report file with logical locations
 * naming the cluster objects, since findings live in a cluster, not in source code.
 */
import type { Report } from '../../domain/report.js';
import { controlById } from '../../catalogue/index.js';
import { evidenceIndex, requirementOf, targetLabel, titleOf } from './common.js';

const LEVEL = { fails: 'error', inconclusive: 'warning' } as const;

/** Render SARIF JSON text. */
export function renderSarif(report: Report): string {
  const index = evidenceIndex(report);
  const rules = report.verdicts.map((v) => ({
    id: requirementOf(v),
    name: v.controlId,
    shortDescription: { text: titleOf(v) },
    fullDescription: { text: controlById.get(v.controlId)?.holdsMeans ?? titleOf(v) },
    helpUri: 'https://www.pcisecuritystandards.org/document_library/',
  }));
  const results = report.verdicts.flatMap((v) => {
    if (v.status !== 'fails' && v.status !== 'inconclusive') return [];
    const logical = v.evidenceIds.flatMap((id) => {
      const e = index.get(id);
      return e && e.attempt.role === 'probe' ? [{ name: targetLabel(e), kind: 'resource', fullyQualifiedName: `${e.attempt.target.kind}/${targetLabel(e)}` }] : [];
    });
    const unique = [...new Map(logical.map((l) => [l.fullyQualifiedName, l])).values()];
    return [
      {
        ruleId: requirementOf(v),
        level: LEVEL[v.status],
        message: { text: v.reasons.join(' ') },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'report.json' } }, ...(unique.length > 0 ? { logicalLocations: unique } : {}) }],
        partialFingerprints: { 'meshprobe/v1': `${v.controlId}|${v.evidenceIds.join(',')}` },
      },
    ];
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'meshprobe', version: report.run.tool.version, informationUri: 'https://github.com/meshprobe/meshprobe', rules } },
        automationDetails: { id: `meshprobe/${report.run.runId}` },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
