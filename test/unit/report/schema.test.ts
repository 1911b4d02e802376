import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { renderJson } from '../../../src/report/reporters/json.js';
import { validate } from '../../helpers/json-schema-lite.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

const schema = JSON.parse(readFileSync('reports/schema/report.v1.schema.json', 'utf8')) as Record<string, unknown>;

t.test('the JSON reporter output of every example scenario validates against report.v1.schema.json', async (t) => {
  for (const s of SCENARIOS) {
    const json = JSON.parse(renderJson(buildExample(s)));
    t.same(validate(schema, json), [], s.name);
  }
});

t.test('every committed example report validates against the schema', async (t) => {
  const files = readdirSync('reports/examples').filter((f) => f.endsWith('.json'));
  t.ok(files.length >= 5);
  for (const f of files) t.same(validate(schema, JSON.parse(readFileSync(`reports/examples/${f}`, 'utf8'))), [], f);
});

t.test(
  'the schema rejects a report with an unknown verdict status, a missing field and a bad evidence id',
  async (t) => {
    // Given a valid report, broken in three ways
    const report = JSON.parse(readFileSync('reports/examples/all-holds.json', 'utf8'));
    report.verdicts[0].status = 'passes';
    delete report.cleanup;
    report.evidence[0].id = 'not-hex';
    // Then each problem is reported with its path
    const errors = validate(schema, report);
    t.ok(
      errors.some((e) => e.startsWith('$.verdicts[0].status')),
      'status',
    );
    t.ok(errors.includes('$: missing required cleanup'), 'cleanup');
    t.ok(
      errors.some((e) => e.startsWith('$.evidence[0].id')),
      'evidence id',
    );
  },
);

t.test(
  'a blocked outcome carrying its same-pod proof, and a before-settle inconclusive, validate; a proof without its attempt id does not',
  async (t) => {
    // Given a valid report whose first evidence is made a proven block (issue 19)
    const report = JSON.parse(readFileSync('reports/examples/all-holds.json', 'utf8'));
    report.evidence[0].outcome = {
      kind: 'blocked',
      by: 'timeout',
      detail: 'x while the same pod connected to ns-b/api port 8080',
      proof: { attemptId: '0123456789abcdef', reference: 'ns-b/api port 8080' },
    };
    report.evidence[1].outcome = { kind: 'inconclusive', reason: 'before-settle', detail: 'x' };
    t.same(validate(schema, report), []);
    // When the proof loses its attempt id, Then the schema names it
    delete report.evidence[0].outcome.proof.attemptId;
    t.ok(validate(schema, report).length > 0, 'a proof must say which attempt proved it');
  },
);

t.test(
  'an observation with its timeout retries and their reference, and a timeout-unconfirmed inconclusive, validate',
  async (t) => {
    // Given a valid report whose first evidence timed out on every try (issue 20 follow-up)
    const report = JSON.parse(readFileSync('reports/examples/all-holds.json', 'utf8'));
    const e = report.evidence.find((x: { observation?: unknown }) => x.observation !== undefined);
    e.observation = {
      ...e.observation,
      transport: 'timeout',
      retried: {
        tries: 3,
        firstStartedAt: '2026-12-03T23:00:00.000Z',
        firstDurationMs: 2000,
        reference: { attemptId: 'a1', startedAt: '2026-12-03T23:00:04.000Z', durationMs: 2000, transport: 'timeout' },
        quiet: true,
      },
    };
    e.outcome = { kind: 'inconclusive', reason: 'timeout-unconfirmed', detail: 'x' };
    t.same(validate(schema, report), []);
    // When the retry facts lose their count, Then the schema names it
    delete e.observation.retried.tries;
    t.ok(validate(schema, report).length > 0, 'retried must say how many tries were made');
  },
);
