import t from 'tap';
import { findControl } from '../../../src/catalogue/index.js';
import { isApprovedFrom } from '../../../src/shared/judge-context.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { canaryStep, evidenceOf, from, judgeInput, PROBE_NS, svc, type Step } from '../../helpers/report-fixtures.js';

const api = svc('payments', 'api');
const c131 = findControl('1.3.1')!;
const c125 = findControl('1.2.5')!;
const frontend: Vantage = { kind: 'identity', namespace: 'web', workload: 'frontend', serviceAccount: 'frontend-sa' };
const reach = (vantage: Step['vantage'], observed: Step['observed'], port: number): Step => ({
  probeId: 'tcp-reach',
  vantage,
  target: api,
  port,
  observed,
});
/** The web tier reaches the API port (approved) and the admin port 9000 (not approved); the fresh pod is dropped. */
const overBroad = (): ReturnType<typeof evidenceOf> =>
  evidenceOf([
    canaryStep(PROBE_NS),
    canaryStep(frontend),
    reach(PROBE_NS, { kind: 'timeout' }, 8080),
    reach(PROBE_NS, { kind: 'timeout' }, 9000),
    reach(frontend, { kind: 'connected', bytes: 10 }, 8080),
    reach(frontend, { kind: 'connected', bytes: 10 }, 9000),
  ]);

t.test(
  '1.3.1 fails when an identity reaches a CDE port that no approved flow gives it, naming identity and port',
  async (t) => {
    // Given approved flows that give the web tier's workload only port 8080
    const flows = [{ from: 'web/frontend', to: 'payments/api', port: 8080, ref: 'CHG-7' }];
    // When 1.3.1 is judged on what the identity reached
    const j = c131.judge(judgeInput(overBroad(), { context: { approvedFlows: flows } }));
    // Then it fails on port 9000, naming the workload, and the approved port holds
    t.equal(j.status, 'fails');
    const failing = (j.findings ?? []).join(' ');
    t.match(
      failing,
      /payments\/api port 9000 .* as workload web\/frontend \(its labels and ServiceAccount frontend-sa\)/,
    );
    t.match(failing, /no approved flow gives web\/frontend this port/);
    t.notMatch(failing, /port 8080/);
    t.match(j.reasons.join(' '), /port 8080 .*approved-flows file allows \(CHG-7\)/);
  },
);

t.test(
  '1.3.1 holds when approved flows cover every port the identity reached (by ServiceAccount or namespace)',
  async (t) => {
    for (const from of ['web/sa:frontend-sa', 'web']) {
      const flows = [{ from, to: 'payments/api', port: '*' as const }];
      const j = c131.judge(judgeInput(overBroad(), { context: { approvedFlows: flows } }));
      t.equal(j.status, 'holds', `from: ${from}`);
    }
  },
);

t.test('1.3.1 lists but does not judge what an identity reached when no approved-flows file was given', async (t) => {
  const j = c131.judge(judgeInput(overBroad()));
  t.equal(j.status, 'inconclusive');
  t.match(j.reasons.join(' '), /without an approved-flows file .* whether web\/frontend needs this port/);
});

t.test('1.3.1 holds for ports the identity could not reach while its canary connected', async (t) => {
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    canaryStep(frontend),
    reach(PROBE_NS, { kind: 'timeout' }, 9000),
    reach(frontend, { kind: 'timeout' }, 9000),
  ]);
  const j = c131.judge(judgeInput(ev, { context: { approvedFlows: [] } }));
  t.equal(j.status, 'holds');
  t.match(j.reasons.join(' '), /as workload web\/frontend .*blocked at L3\/L4/);
});

t.test(
  'a workload-qualified approved flow covers that identity only, never a fresh pod of its namespace',
  async (t) => {
    const flows = [{ from: 'web/frontend', to: 'payments/*', port: 8080 }];
    const to = { namespace: 'payments', name: 'api' };
    t.ok(
      isApprovedFrom(
        flows,
        { kind: 'identity', namespace: 'web', workload: 'frontend', serviceAccount: 'x' },
        to,
        8080,
      ),
    );
    t.notOk(
      isApprovedFrom(flows, { kind: 'identity', namespace: 'web', workload: 'batch', serviceAccount: 'x' }, to, 8080),
    );
    t.notOk(isApprovedFrom(flows, { kind: 'from-namespace', namespace: 'web' }, to, 8080));
    t.notOk(
      isApprovedFrom(
        flows,
        { kind: 'identity', namespace: 'web', workload: 'frontend', serviceAccount: 'x' },
        to,
        9000,
      ),
    );
    t.ok(
      isApprovedFrom(
        [{ from: 'web/sa:x', to: '*', port: '*' }],
        { kind: 'identity', namespace: 'web', workload: 'other', serviceAccount: 'x' },
        to,
        1,
      ),
    );
  },
);

t.test('1.2.5 fails for the admin port an identity reached outside the approved flows', async (t) => {
  const j = c125.judge(
    judgeInput(overBroad(), { context: { approvedFlows: [{ from: 'web/frontend', to: 'payments/api', port: 8080 }] } }),
  );
  t.equal(j.status, 'fails');
  t.match((j.findings ?? []).join(' '), /port 9000 .*as workload web\/frontend.*no approved flow covers it/);
});

t.test('a workload-qualified approved flow does not approve a fresh pod of that namespace in 1.3.1', async (t) => {
  const ev = evidenceOf([
    canaryStep(PROBE_NS),
    canaryStep(from('shop')),
    reach(PROBE_NS, { kind: 'timeout' }, 8080),
    reach(from('shop'), { kind: 'connected' }, 8080),
  ]);
  t.equal(
    c131.judge(
      judgeInput(ev, { context: { approvedFlows: [{ from: 'shop/frontend', to: 'payments/api', port: 8080 }] } }),
    ).status,
    'fails',
  );
});

t.test(
  '1.3.1 is inconclusive while a workload admitted by label was not probed as itself, and says which and why',
  async (t) => {
    // Given everything tried was blocked, but web/front (admitted by label) was not probed as itself
    const ev = evidenceOf([canaryStep(PROBE_NS), reach(PROBE_NS, { kind: 'timeout' }, 9000)]);
    const gaps = ['web/front (identity vantages are switched off (--no-identity-vantages))'];
    const j = c131.judge(judgeInput(ev, { context: { approvedFlows: [], identityGaps: gaps } }));
    // Then 1.3.1 does not hold, naming the workload and the reason
    t.equal(j.status, 'inconclusive');
    t.match(
      j.reasons.join(' '),
      /admit by label were not probed as themselves: web\/front \(identity vantages are switched off/,
    );
    // And without gaps the same evidence holds
    t.equal(c131.judge(judgeInput(ev, { context: { approvedFlows: [], identityGaps: [] } })).status, 'holds');
  },
);
