import t from 'tap';
import { renderMarkdown } from '../../../src/report/reporters/markdown.js';
import { buildExample, SCENARIOS } from '../../fixtures/report-examples.js';

const example = buildExample(SCENARIOS.find((s) => s.name === 'cross-namespace-leak')!);

t.test('the Markdown probe table is rendered from the probes the report records, not the live catalogue', async (t) => {
  // Given a report whose recorded probes differ from today's catalogue
  const report = {
    ...example,
    probes: [{ id: 'tcp-reach', technique: 'tcp', vantages: ['from-namespace'], secureLooksLike: 'Recorded words.' }],
  };
  // When it is rendered
  const md = renderMarkdown(report);
  const rows = md.split('\n').filter((l) => /^\| [a-z-]+ \| [a-z-]+ \| /.test(l) && l.includes('|'));
  // Then the method table has exactly the recorded probe, with its attempts counted from the evidence
  const attempts = report.evidence.filter((e) => e.attempt.probeId === 'tcp-reach').length;
  t.ok(md.includes(`| tcp-reach | tcp | from-namespace | Recorded words. | ${attempts} |`));
  t.notOk(
    rows.some((l) => l.startsWith('| canary | http |')),
    'no probe from the live catalogue',
  );
});

t.test('a report written before probes were recorded lists the probes its evidence shows', async (t) => {
  // Given a report without recorded probes
  const { probes: _dropped, ...old } = example;
  // When it is rendered
  const md = renderMarkdown(old);
  // Then each probe of its evidence is a row, saying its description was not recorded
  const ids = [...new Set(example.evidence.map((e) => e.attempt.probeId))];
  t.ok(ids.length > 0);
  for (const id of ids)
    t.match(md, new RegExp(`\\| ${id} \\| [a-z-]+ \\| [a-z, -]+ \\| not recorded \\| \\d+ \\|`), id);
});
