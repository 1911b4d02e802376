import t from 'tap';
import { matchesLabelSelector, matchesSelectorText, parseSelector } from '../../../src/discover/selector.js';

t.test('text selectors as kubectl accepts them', async (t) => {
  const labels = { 'pci.scope': 'cde', tier: 'db' };
  const cases: [string, boolean][] = [
    ['pci.scope=cde', true],
    ['pci.scope==cde', true],
    ['pci.scope!=cde', false],
    ['pci.scope=cde,tier=db', true],
    ['pci.scope=cde,tier=web', false],
    ['tier', true],
    ['!tier', false],
    ['tier in (db,cache)', true],
    ['tier notin (db)', false],
    ['missing notin (x)', true],
    ['pci.scope=cde, tier in (db, web)', true],
  ];
  for (const [sel, want] of cases) t.equal(matchesSelectorText(sel, labels), want, sel);
  t.equal(parseSelector('a=b=c'), undefined, 'malformed');
  t.equal(matchesSelectorText('a=b=c', labels), false, 'malformed matches nothing');
});

t.test('LabelSelector objects with matchLabels and matchExpressions', async (t) => {
  const labels = { app: 'api', tier: 'web' };
  t.equal(matchesLabelSelector({}, labels), true, 'empty selects all');
  t.equal(matchesLabelSelector(undefined, labels), true, 'absent defaults to all');
  t.equal(matchesLabelSelector(undefined, labels, false), false, 'absent can mean none');
  t.equal(matchesLabelSelector({ matchLabels: { app: 'api' } }, labels), true);
  t.equal(matchesLabelSelector({ matchLabels: { app: 'db' } }, labels), false);
  t.equal(matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, labels), true);
  t.equal(
    matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels),
    false,
  );
  t.equal(matchesLabelSelector({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, labels), true);
  t.equal(matchesLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, labels), false);
  t.equal(matchesLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, labels), false);
});
