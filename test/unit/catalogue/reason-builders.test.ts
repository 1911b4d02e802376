import t from 'tap';
import {
  dedupe,
  fold,
  mayBeSentenceOf,
  said,
  sentenceOf,
  sentences,
  type Finding,
} from '../../../src/catalogue/controls/judge-kit.js';
import { segmentationFinding } from '../../../src/catalogue/controls/segmentation.js';
import { lazySource } from '../../../src/shared/lazy-list.js';
import { canaryStep, evidenceOf, from, PROBE_NS, svc } from '../../helpers/report-fixtures.js';

const api = svc('payments', 'api');
const ev = evidenceOf([
  canaryStep(PROBE_NS),
  canaryStep(from('shop')),
  { probeId: 'tcp-reach', vantage: from('shop'), target: api, port: 8080, observed: { kind: 'connected', bytes: 20 } },
  { probeId: 'tcp-reach', vantage: PROBE_NS, target: api, port: 8080, observed: { kind: 'timeout' } },
]);
const open = ev.find((e) => e.attempt.role === 'probe' && e.outcome.kind === 'allowed')!;
const dropped = ev.find((e) => e.attempt.role === 'probe' && e.outcome.kind === 'blocked')!;

t.test('an attempt reason is built when read as "<what was said>: <claim>."', async (t) => {
  // Given an attempt reason for a connection that got through
  const r = { evidence: open, claim: 'segmentation does not isolate the CDE' };
  // When its sentence is built
  const text = sentenceOf(r);
  // Then it is the attempt's sentence and the claim, and a plain sentence stays as it is
  t.equal(text, `${said(open)}: segmentation does not isolate the CDE.`);
  t.match(text, /^payments\/api port 8080 accepted a TCP connection and sent 20 bytes back from namespace shop: /);
  t.equal(sentenceOf('Already a sentence.'), 'Already a sentence.');
});

t.test('mayBeSentenceOf rules out a sentence only when it cannot be the reason', async (t) => {
  const r = { evidence: open, claim: 'it fails' };
  t.equal(mayBeSentenceOf(r, sentenceOf(r)), true);
  t.equal(mayBeSentenceOf(r, 'Something else entirely.'), false);
  t.equal(mayBeSentenceOf(r, 'it fails.'), false);
  t.equal(mayBeSentenceOf('Same.', 'Same.'), true);
  t.equal(mayBeSentenceOf('Same.', 'Other.'), false);
});

t.test('segmentation findings keep the attempt and claim, and fold lists them lazily in the same words', async (t) => {
  // Given segmentation findings for an open and a dropped path
  const findings: Finding[] = [open, dropped].map((e) => segmentationFinding(e, 'segmentation does not hold'));
  t.same(findings[0]?.reason, { evidence: open, claim: 'segmentation does not hold' });
  // When they are folded
  const j = fold(findings, { status: 'inconclusive', reason: 'nothing' }, ['A caveat.']);
  // Then the reasons are a lazy list that reads as the sentences, failure first, then the held path and the caveat
  t.equal(j.status, 'fails');
  t.not(lazySource(j.reasons), undefined);
  t.same(
    [...j.reasons],
    [
      `${said(open)}: segmentation does not hold.`,
      `${said(dropped)}: blocked at L3/L4 before TCP completed.`,
      'A caveat.',
    ],
  );
  t.same([...(j.findings ?? [])], [`${said(open)}: segmentation does not hold.`]);
});

t.test('dedupe drops a reason whose sentence was said before, whatever its form', async (t) => {
  // Given the same sentence as an attempt reason, as text, and a second attempt reason object
  const r = { evidence: open, claim: 'x' };
  const text = sentenceOf(r);
  const out = dedupe([r, text, { evidence: open, claim: 'x' }, 'Other.', 'Other.']);
  // Then only the first of each sentence is kept
  t.same(out, [r, 'Other.']);
  // And a list of sentences only stays a plain array
  t.same(sentences(['a', 'b']), ['a', 'b']);
  t.equal(lazySource(sentences(['a', 'b'])), undefined);
});
