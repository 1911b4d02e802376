import t from 'tap';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

t.test('every reason in every example report is a full sentence', async (t) => {
  for (const s of SCENARIOS) {
    for (const v of buildExample(s).verdicts) {
      for (const r of v.reasons) t.match(r, /^[A-Za-z0-9(].*[.)]$/s, `${s.name} ${v.controlId}: ${r.slice(0, 60)}`);
    }
  }
});

t.test('every failing reason names the target, its port and where the attempt came from', async (t) => {
  for (const s of SCENARIOS) {
    for (const v of buildExample(s).verdicts.filter((x) => x.status === 'fails')) {
      for (const r of v.findings ?? []) {
        t.match(r, / port \d+/, `${v.controlId} names a port`);
        t.match(
          r,
          /from (namespace [a-z0-9-]+|a new unlabelled pod|an unmeshed pod in the same namespace [a-z0-9-]+)/,
          `${v.controlId} names the vantage`,
        );
      }
    }
  }
});

t.test('inconclusive verdicts in the canary-failed example say the canary failed', async (t) => {
  const report = buildExample(SCENARIOS.find((s) => s.name === 'inconclusive-canary-failed')!);
  const seg = report.verdicts.find((v) => v.requirement === '11.4.5')!;
  t.equal(seg.status, 'inconclusive');
  t.match(
    seg.reasons.join(' '),
    /canary-failed: no TCP connection before the timeout, but the batch canary did not succeed/,
  );
});
