/**
 * An unfinished cleanup (issue 14: the API server stayed away) is said in every human form of the
 * report with the exact command that finishes it, validates against the schema, and exits 3.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Report } from '../../../src/domain/report.js';
import { renderHtml, renderMarkdown, renderText } from '../../../src/report/reporters/index.js';
import { renderJson } from '../../../src/report/reporters/json.js';
import { exitCodeFor } from '../../../src/shared/exit-codes.js';
import { validate } from '../../helpers/json-schema-lite.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

const schema = JSON.parse(readFileSync('reports/schema/report.v1.schema.json', 'utf8')) as Record<string, unknown>;
const COMMAND = 'meshprobe cleanup --run-id 20261203-230000-c1ea';

function withCleanup(cleanup: Report['cleanup']): Report {
  const base = buildExample(SCENARIOS[0]!);
  return { ...base, cleanup };
}

const unfinished = withCleanup({
  attempted: true,
  ok: false,
  deleted: [],
  problems: [
    'E_TIMEOUT: cleanup gave up: its budget of 120s was spent',
    'namespace meshprobe-20261203-230000-c1ea: E_CLUSTER_UNREACHABLE: cannot reach the API server (ECONNREFUSED)',
  ],
  verified: false,
  retries: 23,
  finishCommand: COMMAND,
});

t.test('an unfinished cleanup names the command in the terminal summary, Markdown and HTML', async (t) => {
  const text = renderText(unfinished);
  t.match(text, /Cleanup: INCOMPLETE — objects of this run may still be in the cluster, 23 call\(s\) retried/);
  t.match(text, /cleanup gave up: its budget of 120s was spent/);
  t.match(text, `Finish it with: ${COMMAND}`);
  const md = renderMarkdown(unfinished);
  t.match(md, '**Cleanup incomplete**');
  t.match(md, `Finish it with: \`${COMMAND}\``);
  const html = renderHtml(unfinished);
  t.match(html, `<div class="banner" id="cleanup-incomplete">`);
  t.match(html, `<code>${COMMAND}</code>`);
});

t.test('a cleanup that retried and finished says so, with no banner and no command', async (t) => {
  const done = withCleanup({
    attempted: true,
    ok: true,
    deleted: ['namespace a'],
    problems: [],
    verified: true,
    retries: 4,
  });
  t.match(renderText(done), 'Cleanup: ok (1 objects deleted, 4 call(s) retried while the API server was away).');
  t.match(renderMarkdown(done), 'All 1 objects created by the run were deleted (4 call(s) retried');
  t.notMatch(renderHtml(done), 'cleanup-incomplete');
  t.notMatch(renderText(done), 'Finish it with');
});

t.test('the new cleanup fields validate against report.v1, and a wrong command does not', async (t) => {
  t.same(validate(schema, JSON.parse(renderJson(unfinished))), []);
  const bad = JSON.parse(renderJson(unfinished));
  bad.cleanup.finishCommand = 'rm -rf /';
  t.not(validate(schema, bad).length, 0);
});

t.test('an unfinished cleanup exits 3 whatever the verdicts, also after an interruption', async (t) => {
  t.equal(exitCodeFor({ verdicts: [], cleanup: { ok: false } }), 3);
  t.equal(exitCodeFor({ verdicts: [], interrupted: true, cleanup: { ok: false } }), 3);
  t.equal(exitCodeFor({ verdicts: [], cleanup: { ok: true } }), 0);
  t.equal(exitCodeFor(unfinished), 3);
});
