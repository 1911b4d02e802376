/**
 * Reporters render only from the report value (issue 17): a report carries the control titles
 * and "holds means" texts it was judged with, so one rendered by a later meshprobe, whose
 * catalogue words a control differently, still says what it was judged against.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import type { Report } from '../../../src/domain/report.js';
import { controlById } from '../../../src/catalogue/index.js';
import {
  renderHtml,
  renderJunit,
  renderMarkdown,
  renderSarif,
  renderTap,
  renderText,
} from '../../../src/report/reporters/index.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

const RENDERERS = {
  text: (r: Report) => renderText(r, { verbose: true }),
  md: renderMarkdown,
  html: renderHtml,
  junit: renderJunit,
  tap: renderTap,
  sarif: renderSarif,
};

t.test('a fresh report carries each control title and holds-means text it was judged with', async (t) => {
  // Given a report built by this meshprobe
  const report = buildExample(SCENARIOS[1]!);
  // Then every verdict carries its control's texts as the catalogue had them
  for (const v of report.verdicts) {
    t.equal(v.title, controlById.get(v.controlId)?.title, `${v.controlId} title`);
    t.equal(v.holdsMeans, controlById.get(v.controlId)?.holdsMeans, `${v.controlId} holdsMeans`);
  }
});

t.test('an old report whose control titles differ from the live catalogue renders with its own titles', async (t) => {
  // Given a committed report (read back from JSON) whose 1.3.1 was judged under other wording
  const stored = JSON.parse(readFileSync('reports/examples/cross-namespace-leak.json', 'utf8')) as Report;
  const id = 'pci-dss-4.0.1/1.3.1';
  const live = controlById.get(id)!;
  const oldTitle = 'Inbound CDE traffic limited (wording of an older catalogue)';
  const oldMeans = 'Only approved sources reached CDE ports (wording of an older catalogue).';
  const report: Report = {
    ...stored,
    verdicts: stored.verdicts.map((v) => (v.controlId === id ? { ...v, title: oldTitle, holdsMeans: oldMeans } : v)),
  };
  t.not(oldTitle, live.title);
  // When every reporter renders it
  for (const [name, render] of Object.entries(RENDERERS)) {
    const out = render(report);
    // Then the report's title is shown, and the live catalogue's is not
    t.ok(out.includes(oldTitle) || out.includes(oldTitle.replace(/\(/g, '\\(')), `${name} shows the report's title`);
    t.notOk(out.includes(live.title), `${name} does not show the live catalogue's title`);
  }
  t.ok(renderSarif(report).includes(oldMeans), "sarif describes the rule with the report's holds-means text");
  t.notOk(renderSarif(report).includes(live.holdsMeans), 'and not with the live one');
});

t.test(
  'a report without titles (older than titles) falls back to the control id, not the live catalogue',
  async (t) => {
    // Given a report whose verdicts carry no title or holds-means text
    const stored = JSON.parse(readFileSync('reports/examples/all-holds.json', 'utf8')) as Report;
    const report: Report = { ...stored, verdicts: stored.verdicts.map(({ title: _t, holdsMeans: _h, ...v }) => v) };
    // When it is rendered as SARIF
    const sarif = JSON.parse(renderSarif(report)) as {
      runs: [{ tool: { driver: { rules: { name: string; shortDescription: { text: string } }[] } } }];
    };
    // Then each rule is described by its control id
    for (const rule of sarif.runs[0].tool.driver.rules) t.equal(rule.shortDescription.text, rule.name);
  },
);
