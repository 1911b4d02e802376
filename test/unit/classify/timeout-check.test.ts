/**
 * checkTimeout (pure): when a TCP timeout the agent tried again counts as a drop, and the
 * sentence saying what backs it or why it cannot tell.
 */
import t from 'tap';
import type { RetryFacts } from '../../../probes/protocol.js';
import { checkTimeout, MIN_TRIES } from '../../../src/classify/timeout-check.js';

const LAST = '2026-12-03T23:00:10.000Z';
const nameOf = (id: string): string => (id === 'ref' ? 'meshprobe-run/echo port 8080' : `attempt ${id}`);
const beside = (startedAt = '2026-12-03T23:00:10.005Z', transport: 'connected' | 'timeout' | 'eof' = 'connected') => ({
  attemptId: 'ref',
  startedAt,
  durationMs: 4,
  transport,
});
const facts = (over: Partial<RetryFacts> = {}): RetryFacts => ({
  tries: 2,
  firstStartedAt: '2026-12-03T23:00:07.000Z',
  firstDurationMs: 2000,
  reference: beside(),
  quiet: true,
  ...over,
});
const check = (retried: RetryFacts) => checkTimeout({ startedAt: LAST, durationMs: 2000, retried }, 2000, nameOf);

t.test('every try timed out and the reference beside the last one connected: confirmed, naming both', (t) => {
  const got = check(facts());
  t.match(got, { kind: 'confirmed', tries: 2, referenceId: 'ref' });
  t.equal(
    got.detail,
    'no TCP connection on any of 2 tries (the last at 23:00:10.000 UTC) while the same pod connected to ' +
      'meshprobe-run/echo port 8080 beside the last try',
  );
  t.end();
});

t.test('a reference that completed TCP and was then reset or closed still proves the pod can connect', (t) => {
  t.match(check(facts({ reference: beside(undefined, 'eof') })), { kind: 'confirmed' });
  t.end();
});

t.test('a single try never confirms a timeout: no second try fitted before the deadline', (t) => {
  t.equal(MIN_TRIES, 2);
  t.match(check(facts({ tries: 1 })), { kind: 'unconfirmed', detail: /tried once: no second try fitted/ });
  t.end();
});

t.test('no reference beside the tries: unconfirmed (nothing the pod tried connected)', (t) => {
  const { reference: _, ...none } = facts();
  t.match(check(none), { kind: 'unconfirmed', detail: /no connection of the same pod ran beside them/ });
  t.end();
});

t.test('a reference that timed out beside the last try: unconfirmed, the pod or node may be overloaded', (t) => {
  t.match(check(facts({ tries: 3, reference: beside(undefined, 'timeout') })), {
    kind: 'unconfirmed',
    detail: /any of 3 tries .* got timeout too, so the probe pod, its node or the network may be overloaded/,
  });
  t.end();
});

t.test('a reference more than one attempt timeout from the last try does not vouch for it', (t) => {
  // The last try spans 10.000–12.000; the window is 8.000–14.000
  t.match(check(facts({ reference: beside('2026-12-03T23:00:07.999Z') })), {
    kind: 'unconfirmed',
    detail: /ran too far from the last try/,
  });
  t.match(check(facts({ reference: beside('2026-12-03T23:00:14.001Z') })), { kind: 'unconfirmed' });
  t.match(check(facts({ reference: beside('2026-12-03T23:00:08.000Z') })), { kind: 'confirmed' });
  t.match(check(facts({ reference: beside('not a date') })), { kind: 'unconfirmed' });
  t.end();
});

t.test('a round in which other timed-out attempts got an answer is unsteady: unconfirmed', (t) => {
  t.match(check(facts({ quiet: false })), { kind: 'unconfirmed', detail: /unsteady path/ });
  const { quiet: _, ...unknown } = facts();
  t.match(check(unknown), { kind: 'unconfirmed' }, 'quiet must be reported, not assumed');
  t.end();
});
