/**
 * Which failed API calls are made again, and after how long (cluster/retry.ts): only answers that
 * say the server did nothing, bounded in count.
 */
import t from 'tap';
import {
  backoffDelay,
  CALL_BACKOFF,
  type FailedCall,
  isServiceAccountRace,
  MAX_TRIES_SERVICE_ACCOUNT,
  MAX_TRIES_THROTTLED,
  retryDelayMs,
} from '../../../src/cluster/retry.js';

const RACE =
  'pods "meshprobe-echo" is forbidden: error looking up service account mp-1/default: serviceaccount "default" not found';
const call = (c: Partial<FailedCall>): FailedCall => ({ verb: 'list', status: 429, message: '', ...c });

t.test('backoff doubles from half a second and stops growing at 4 s', async (t) => {
  t.same(
    [1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, CALL_BACKOFF)),
    [500, 1000, 2000, 4000, 4000, 4000],
  );
});

t.test('a 429 is retried for reads and writes, honouring Retry-After up to 4 s, at most 6 calls', async (t) => {
  t.equal(retryDelayMs(call({ verb: 'list' }), 1), 500);
  t.equal(retryDelayMs(call({ verb: 'create' }), 2), 1000);
  t.equal(retryDelayMs(call({ retryAfterS: 1 }), 1), 1000, 'Retry-After wins');
  t.equal(retryDelayMs(call({ retryAfterS: 60 }), 1), 4000, 'but a long one is capped');
  t.equal(retryDelayMs(call({}), MAX_TRIES_THROTTLED - 1), 4000);
  t.equal(retryDelayMs(call({}), MAX_TRIES_THROTTLED), undefined, 'then the error stands');
});

t.test('a 5xx is retried for reads only: a write may have been done', async (t) => {
  t.equal(retryDelayMs(call({ verb: 'get', status: 503 }), 1), 500);
  t.equal(retryDelayMs(call({ verb: 'list', status: 500 }), 1), 500);
  t.equal(retryDelayMs(call({ verb: 'create', status: 500 }), 1), undefined);
  t.equal(retryDelayMs(call({ verb: 'delete', status: 503 }), 1), undefined);
  t.equal(retryDelayMs(call({ verb: 'list', status: 501 }), 1), undefined, '501 Not Implemented will not change');
});

t.test('final answers and no answer at all are not retried here', async (t) => {
  for (const status of [400, 401, 403, 404, 409, 422, undefined])
    t.equal(retryDelayMs(call({ status }), 1), undefined, String(status));
});

t.test('the ServiceAccount admission race is retried for creates, longer than throttling', async (t) => {
  const race = call({ verb: 'create', status: 403, message: RACE });
  t.ok(isServiceAccountRace(race));
  t.notOk(isServiceAccountRace({ ...race, verb: 'list' }), 'only a create meets it');
  t.notOk(isServiceAccountRace({ ...race, message: 'pods "x" is forbidden: violates PodSecurity "restricted"' }));
  t.equal(retryDelayMs(race, MAX_TRIES_THROTTLED), 4000, 'still retried past the throttling limit');
  t.equal(retryDelayMs(race, MAX_TRIES_SERVICE_ACCOUNT), undefined, 'but bounded');
  t.ok(
    [...Array(MAX_TRIES_SERVICE_ACCOUNT - 1).keys()].reduce((s, i) => s + (retryDelayMs(race, i + 1) ?? 0), 0) <=
      30_000,
    'at most 30 s of waiting in all',
  );
});
