import t from 'tap';
import { EXIT, exitCodeFor, exitCodeForError, mostSevere, type ExitCode } from '../../../src/shared/exit-codes.js';
import type { Verdict, VerdictStatus } from '../../../src/domain/verdict.js';

const verdict = (status: VerdictStatus): Verdict => ({
  controlId: `c-${status}`,
  status,
  reasons: [],
  evidenceIds: [],
});

t.test('exitCodeFor follows the precedence 2 > 3 > 130 > 1 > 4 > 0', async (t) => {
  const cases: ReadonlyArray<{
    name: string;
    report: Parameters<typeof exitCodeFor>[0];
    want: ExitCode;
    inconclusiveOk?: boolean;
  }> = [
    { name: 'all holds', report: { verdicts: [verdict('holds'), verdict('not-applicable')] }, want: 0 },
    { name: 'no verdicts at all', report: { verdicts: [] }, want: 0 },
    { name: 'a failure', report: { verdicts: [verdict('holds'), verdict('fails')] }, want: 1 },
    { name: 'inconclusive only', report: { verdicts: [verdict('inconclusive')] }, want: 4 },
    {
      name: 'inconclusive with --inconclusive-ok',
      report: { verdicts: [verdict('inconclusive')] },
      want: 0,
      inconclusiveOk: true,
    },
    { name: 'fails beats inconclusive', report: { verdicts: [verdict('inconclusive'), verdict('fails')] }, want: 1 },
    { name: 'interrupted beats fails', report: { verdicts: [verdict('fails')], interrupted: true }, want: 130 },
    {
      name: 'aborted beats interrupted and fails',
      report: {
        verdicts: [verdict('fails')],
        interrupted: true,
        aborted: { code: 'E_IMAGE_PULL', stage: 'deploy', message: 'x' },
      },
      want: 3,
    },
    {
      name: 'aborted by a signal is 130',
      report: { verdicts: [], aborted: { code: 'E_INTERRUPTED', stage: 'run', message: 'x' } },
      want: 130,
    },
    {
      name: 'aborted by a usage problem is 2',
      report: { verdicts: [verdict('fails')], aborted: { code: 'E_USAGE', stage: 'plan', message: 'x' } },
      want: 2,
    },
  ];
  for (const c of cases) {
    t.equal(exitCodeFor(c.report, c.inconclusiveOk ? { inconclusiveOk: true } : {}), c.want, c.name);
  }
});

t.test('mostSevere picks by precedence, not by number', async (t) => {
  t.equal(mostSevere([4, 1]), 1);
  t.equal(mostSevere([130, 3]), 3);
  t.equal(mostSevere([1, 130]), 130);
  t.equal(mostSevere([0, 2, 3]), 2);
  t.equal(mostSevere([]), 0);
});

t.test('errors map to exit codes: usage-like 2, interrupted 130, the rest 3', async (t) => {
  t.equal(exitCodeForError('E_USAGE'), EXIT.USAGE);
  t.equal(exitCodeForError('E_CONFIG'), EXIT.USAGE);
  t.equal(exitCodeForError('E_KUBECONFIG'), EXIT.USAGE);
  t.equal(exitCodeForError('E_INTERRUPTED'), EXIT.INTERRUPTED);
  t.equal(exitCodeForError('E_CLUSTER_UNREACHABLE'), EXIT.ABORTED);
  t.equal(exitCodeForError('E_FORBIDDEN'), EXIT.ABORTED);
  t.equal(exitCodeForError('E_INTERNAL'), EXIT.ABORTED);
});
