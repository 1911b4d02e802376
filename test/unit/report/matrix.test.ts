/** The reachability matrix names the reference that proved a blocked cell where the canary could not (issue 19). */
import t from 'tap';
import type { Evidence } from '../../../src/domain/evidence.js';
import { EGRESS_COLUMN, reachabilityMatrix } from '../../../src/report/reporters/matrix.js';
import { renderText } from '../../../src/report/reporters/text.js';
import { renderHtml } from '../../../src/report/reporters/html.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import type { Report } from '../../../src/domain/report.js';
import { attemptsOf, CANARY, from, svc, T0, type Step } from '../../helpers/report-fixtures.js';

const LOCK = from('cde-egress-lock');
const steps: Step[] = [
  { probeId: 'canary', role: 'canary', vantage: LOCK, target: CANARY, port: 8080, observed: { kind: 'timeout' } },
  {
    probeId: 'canary-reference',
    role: 'canary',
    technique: 'tcp',
    vantage: LOCK,
    target: svc('egress-lock-api', 'api'),
    port: 8080,
    observed: { kind: 'connected' },
  },
  {
    probeId: 'egress-reach',
    vantage: LOCK,
    target: { kind: 'Endpoint', namespace: '', name: '198.18.0.9:8080' },
    port: 8080,
    observed: { kind: 'timeout' },
  },
  {
    probeId: 'tcp-reach',
    technique: 'tcp',
    vantage: LOCK,
    target: svc('payments', 'api'),
    port: 8080,
    observed: { kind: 'timeout' },
  },
  {
    probeId: 'canary',
    role: 'canary',
    vantage: from('shop'),
    target: CANARY,
    port: 8080,
    observed: { kind: 'http', status: 200 },
  },
  {
    probeId: 'tcp-reach',
    technique: 'tcp',
    vantage: from('shop'),
    target: svc('payments', 'api'),
    port: 8080,
    observed: { kind: 'timeout' },
  },
];

function evidence(): Evidence[] {
  const { attempts, observations } = attemptsOf(steps);
  const later = observations.map((o) => ({ ...o, startedAt: '2026-01-15T10:00:05.000Z' }));
  const selfChecks = new Map(
    ['from-namespace:cde-egress-lock', 'from-namespace:shop'].map((v) => [
      v,
      { meshListeners: [], meshed: false, nodeVersion: 'v20' },
    ]),
  );
  const batches = ['cde-egress-lock', 'shop'].map((ns) => ({
    pod: `${ns}/mp-0`,
    settledAt: T0,
    attemptIds: attempts
      .filter((a) => a.vantage.kind === 'from-namespace' && a.vantage.namespace === ns)
      .map((a) => a.id),
  }));
  return buildEvidence({ attempts, observations: later, selfChecks, batches });
}

t.test(
  'blocked cells proven by another connection of the same pod carry that reference; canary-proven cells do not',
  async (t) => {
    // Given the CDE namespace whose canary is blocked (proof: egress-lock-api/api) and shop whose canary connected
    const m = reachabilityMatrix({ evidence: evidence() });
    // Then both rows are blocked, and only the CDE row's cells name the reference
    t.same(m.targets, [EGRESS_COLUMN, 'payments']);
    t.same(m.cells['cde-egress-lock'], { [EGRESS_COLUMN]: 'blocked', payments: 'blocked' });
    t.same(m.references, ['egress-lock-api/api port 8080']);
    t.same(m.proofs['cde-egress-lock'], { [EGRESS_COLUMN]: [0], payments: [0] });
    t.equal(m.proofs['shop'], undefined);
  },
);

t.test('the text and HTML matrices mark those cells and list the reference', async (t) => {
  const report = {
    evidence: evidence(),
    run: { tool: { name: 'meshprobe', version: '0' }, runId: 'r', startedAt: T0, finishedAt: T0 },
    inventory: { cluster: { server: 's', context: 'c' }, namespaces: [] },
    verdicts: [],
    summary: { holds: 0, fails: 0, inconclusive: 0, 'not-applicable': 0, attempts: 6 },
    certificates: [],
    cleanup: { attempted: false, ok: true, deleted: [], problems: [] },
  } as unknown as Report;
  const text = renderText(report);
  // shop tried no egress target: its (egress) cell is empty
  t.match(text, / {2}cde-egress-lock a a \n {2}shop {14}\. \n/);
  t.match(text, /proven instead by the same probe pod connecting to[^\n]*\n {4}a = egress-lock-api\/api port 8080/);
  const html = renderHtml(report);
  t.match(
    html,
    /<td class="cell blocked" title="proven by the same pod connecting to egress-lock-api\/api port 8080">blocked <sup>a<\/sup><\/td>/,
  );
  t.match(html, /<li><b>a<\/b> = egress-lock-api\/api port 8080<\/li>/);
});
