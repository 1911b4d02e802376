/** The agent's memory guard: a full GC only after the heap has grown by the slack. */
import t from 'tap';
import { startMemoryGuard } from '../../../probes/agent/memory-guard.js';

t.test('the guard collects once the heap has grown by its slack, and not before', async (t) => {
  // Given a guard that looks after every attempt and allows 4 MiB of growth
  const guard = startMemoryGuard({ every: 1, slackBytes: 4 * 1024 * 1024 });
  // When an attempt finishes without the heap growing much
  guard.afterAttempt();
  // Then nothing is collected
  t.equal(guard.collections(), 0);
  // And when ~16 MiB of garbage has piled up
  let garbage: string[] | undefined = Array.from({ length: 200_000 }, (_, i) => `attempt-${i}-${'x'.repeat(64)}`);
  t.ok(garbage.length > 0);
  garbage = undefined;
  guard.afterAttempt();
  // Then one full collection was asked for
  t.equal(guard.collections(), 1);
});

t.test('the guard only looks every `every` attempts', async (t) => {
  const guard = startMemoryGuard({ every: 3, slackBytes: 0 });
  guard.afterAttempt();
  guard.afterAttempt();
  t.equal(guard.collections(), 0, 'not on the 1st and 2nd');
  // (live data, so the heap is surely above where it started)
  const live = Array.from({ length: 50_000 }, (_, i) => ({ i }));
  guard.afterAttempt();
  t.equal(guard.collections(), 1, 'on the 3rd');
  t.equal(live.length, 50_000);
});
