/**
 * memoryGate: attempts enter flight only while the memory they are assumed to add fits below
 * the soft limit; a floor of attempts always runs, and garbage collection is rate-limited.
 */
import t from 'tap';
import { memoryGate, openGate } from '../../../probes/agent/in-flight-gate.js';

const MiB = 1024 * 1024;

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

/** Enter `n` times without awaiting; `entered()` counts the workers let in so far. */
async function start(gate: ReturnType<typeof memoryGate>, n: number): Promise<{ entered: () => number }> {
  let entered = 0;
  for (let i = 0; i < n; i += 1) void gate.enter().then(() => (entered += 1));
  await tick();
  return { entered: () => entered };
}

async function burst(gate: ReturnType<typeof memoryGate>, n: number): Promise<number> {
  return (await start(gate, n)).entered();
}

t.test('a burst is admitted only as far as the headroom below the soft limit pays for', async (t) => {
  // Given 60 MiB soft limit, 48 MiB measured, 1 MiB per attempt and a floor of 4
  const gate = memoryGate({ softLimitBytes: 60 * MiB, minInFlight: 4, perAttemptBytes: MiB, measure: () => 48 * MiB });
  // When 100 workers ask at once
  const entered = await burst(gate, 100);
  // Then the floor plus 12 MiB of headroom worth of attempts are in flight, the rest wait
  t.equal(entered, 16);
  t.ok(gate.heldBack() > 0);
  t.equal(gate.maxInFlight, 16, 'and no more workers are worth starting');
});

t.test('over the limit only the floor runs, and a landing attempt lets the next one in', async (t) => {
  // Given memory above the limit
  let rss = 70 * MiB;
  const gate = memoryGate({ softLimitBytes: 60 * MiB, minInFlight: 3, perAttemptBytes: MiB, measure: () => rss });
  // When 10 workers ask
  const workers = await start(gate, 10);
  t.equal(workers.entered(), 3, 'the floor always runs');
  // Then one landing admits exactly one more while memory stays high
  gate.leave();
  await tick();
  t.equal(workers.entered(), 4);
  // And once memory falls, every landing wakes a waiter, which the headroom now admits
  rss = 50 * MiB;
  for (let i = 0; i < 6; i += 1) gate.leave();
  await tick();
  t.equal(workers.entered(), 10, 'no waiter is lost');
});

t.test('garbage collection is asked for at the limit at most once per interval', async (t) => {
  // Given memory above the limit and a relieve hook that does not help
  let collections = 0;
  const gate = memoryGate({
    softLimitBytes: 60 * MiB,
    minInFlight: 1,
    measure: () => 70 * MiB,
    relieve: () => (collections += 1),
    relieveEveryMs: 60_000,
  });
  // When many workers are refused in a row
  await burst(gate, 50);
  for (let i = 0; i < 20; i += 1) gate.leave();
  await new Promise((r) => setTimeout(r, 10));
  // Then the hook ran once, not once per refusal
  t.equal(collections, 1);
});

t.test('the open gate admits everything (host vantage, tests)', async (t) => {
  const gate = openGate();
  await Promise.all(Array.from({ length: 100 }, () => gate.enter()));
  t.pass('100 admitted at once');
});
