/** The findings an assessor reads first: failing controls by consequence, then undecided ones, at most n. */
import t from 'tap';
import type { Verdict, VerdictStatus } from '../../../src/domain/verdict.js';
import { consequenceRank, topFindings } from '../../../src/report/reporters/highlights.js';

function verdict(requirement: string, status: VerdictStatus, reasons: string[], findings?: string[]): Verdict {
  return {
    controlId: `pci-dss-4.0.1/${requirement}`,
    requirement,
    title: `title ${requirement}`,
    status,
    reasons,
    evidenceIds: [],
    ...(findings ? { findings } : {}),
  };
}

t.test('a path into the CDE outranks cleartext, which outranks certificate hygiene', async (t) => {
  t.equal(consequenceRank('1.3.1'), 0);
  t.equal(consequenceRank('11.4.5'), 0);
  t.equal(consequenceRank('A1.1.2'), 0);
  t.equal(consequenceRank('4.2.1'), 1);
  t.equal(consequenceRank('7.2.1'), 1);
  t.equal(consequenceRank('4.2.1.1'), 2, '4.2.1.1 is inventory, not 4.2.1');
  t.equal(consequenceRank('10.2.1'), 2);
});

t.test('failing controls come first, most consequential first, with their first failing reason', async (t) => {
  // Given a report where a certificate control fails before a segmentation control in catalogue order
  const verdicts = [
    verdict('4.2.1.1', 'fails', ['cert is self-signed', 'ok one'], ['cert is self-signed']),
    verdict('1.2.6', 'holds', ['fine']),
    verdict(
      '1.3.1',
      'fails',
      ['ok path', 'shop reached payments/api:8080', 'tenant reached db'],
      ['shop reached payments/api:8080', 'tenant reached db'],
    ),
    verdict('2.2.5', 'inconclusive', ['could not tell']),
  ];
  // When the top three are chosen
  const top = topFindings({ verdicts });
  // Then segmentation leads, the failing reason (not the first reason) is shown, and the count of the rest
  t.same(
    top.map((h) => [h.requirement, h.status]),
    [
      ['1.3.1', 'fails'],
      ['4.2.1.1', 'fails'],
      ['2.2.5', 'inconclusive'],
    ],
  );
  t.equal(top[0]!.reason, 'shop reached payments/api:8080');
  t.equal(top[0]!.more, 1);
  t.equal(top[2]!.reason, 'could not tell');
});

t.test('at most n, and nothing when every control holds or does not apply', async (t) => {
  const many = ['1.3.1', '1.3.2', '11.4.5', 'A1.1.2'].map((r) => verdict(r, 'fails', [`${r} failed`]));
  t.equal(topFindings({ verdicts: many }).length, 3);
  t.same(
    topFindings({ verdicts: many }, 2).map((h) => h.requirement),
    ['1.3.1', '1.3.2'],
    'ties keep report order',
  );
  t.same(
    topFindings({ verdicts: [verdict('1.3.1', 'holds', ['ok']), verdict('10.2.1', 'not-applicable', ['n/a'])] }),
    [],
  );
});
