/**
 * Golden files: the committed example reports are exactly what the pure pipeline produces, and
 * every reporter's rendering of each example matches its committed golden file.
 * After an intended change: MESHPROBE_UPDATE_GOLDEN=1 npx tap test/unit/report/golden.test.ts
 */
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Report } from '../../../src/domain/report.js';
import {
  renderHtml,
  renderJson,
  renderJunit,
  renderMarkdown,
  renderSarif,
  renderTap,
  renderText,
} from '../../../src/report/reporters/index.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

const UPDATE = process.env['MESHPROBE_UPDATE_GOLDEN'] === '1';
const GOLDEN = 'test/unit/report/golden';

const RENDERERS: ReadonlyArray<[string, (r: Report) => string]> = [
  ['txt', (r) => renderText(r)],
  ['verbose.txt', (r) => renderText(r, { verbose: true })],
  ['md', renderMarkdown],
  ['html', renderHtml],
  ['junit.xml', renderJunit],
  ['tap.txt', renderTap],
  ['sarif', renderSarif],
];

function golden(t: Test, file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    if (!UPDATE) t.fail(`golden file ${file} was missing and has been written; review and commit it`);
    return;
  }
  t.equal(actual, readFileSync(file, 'utf8'), file);
}

for (const s of SCENARIOS) {
  t.test(`the committed ${s.name} example is what the pipeline produces`, async (t) => {
    golden(t, `reports/examples/${s.name}.json`, renderJson(buildExample(s)));
  });
  t.test(`every reporter renders the ${s.name} example exactly as its golden file`, async (t) => {
    const report = JSON.parse(readFileSync(`reports/examples/${s.name}.json`, 'utf8')) as Report;
    for (const [ext, render] of RENDERERS) golden(t, `${GOLDEN}/${s.name}.${ext}`, render(report));
  });
}

t.test('rendering is deterministic: the same report renders byte-identically twice', async (t) => {
  const report = buildExample(SCENARIOS[1]!);
  for (const [ext, render] of RENDERERS) t.equal(render(report), render(buildExample(SCENARIOS[1]!)), ext);
});
