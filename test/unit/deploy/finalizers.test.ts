import t from 'tap';
import { FinalizerStack } from '../../../src/deploy/finalizers.js';

t.test('finalizers run in reverse order of push and report what they deleted', async (t) => {
  // Given three steps pushed in create order
  const ran: string[] = [];
  const stack = new FinalizerStack();
  for (const label of ['namespace', 'configmap', 'pod']) {
    stack.push(label, async () => {
      ran.push(label);
    });
  }
  // When cleanup runs
  const result = await stack.runAll();
  // Then the last-created is deleted first and all are listed
  t.same(ran, ['pod', 'configmap', 'namespace']);
  t.same(result, { attempted: true, ok: true, deleted: ['pod', 'configmap', 'namespace'], problems: [] });
  t.equal(stack.size, 0);
});

t.test('a failing finalizer is recorded as a problem and the rest still run', async (t) => {
  // Given a middle step that throws an error with a code
  const ran: string[] = [];
  const stack = new FinalizerStack()
    .push('a', async () => void ran.push('a'))
    .push('b', async () => {
      throw Object.assign(new Error('forbidden'), { code: 'E_FORBIDDEN' });
    })
    .push('c', async () => void ran.push('c'));
  // When cleanup runs
  const result = await stack.runAll();
  // Then it does not throw, runs the others and names the failure
  t.same(ran, ['c', 'a']);
  t.equal(result.ok, false);
  t.same(result.deleted, ['c', 'a']);
  t.same(result.problems, ['b: E_FORBIDDEN: forbidden']);
});

t.test('a synchronous throw and a non-Error rejection are both recorded, never thrown', async (t) => {
  const stack = new FinalizerStack()
    .push('sync', () => {
      throw new Error('boom');
    })
    .push('string', () => Promise.reject('plain text'));
  const result = await stack.runAll();
  t.same(result.problems, ['string: plain text', 'sync: boom']);
});

t.test(
  'a hung finalizer is abandoned at the cleanup timeout and later steps are reported as not attempted',
  async (t) => {
    // Given a step that never settles on its own but honours the signal, and one below it
    const seen: AbortSignal[] = [];
    const stack = new FinalizerStack()
      .push('below', async () => undefined)
      .push('hung', (signal) => {
        seen.push(signal);
        return new Promise<void>(() => undefined);
      });
    // When cleanup runs with a short budget
    const result = await stack.runAll({ timeoutMs: 50 });
    // Then the hung step is a problem, the one below was not attempted, and the signal was aborted
    t.equal(result.ok, false);
    t.equal(result.problems.length, 2);
    t.match(result.problems[0], /^hung: cleanup timed out after 50 ms/);
    t.match(result.problems[1], /^below: not attempted/);
    t.equal(seen[0]?.aborted, true);
  },
);

t.test('each finalizer gets a fresh signal that is not the aborted caller signal', async (t) => {
  // Given the run was interrupted (caller signal aborted)
  const caller = new AbortController();
  caller.abort();
  let got: AbortSignal | undefined;
  const stack = new FinalizerStack().push('x', async (signal) => {
    got = signal;
  });
  // When cleanup runs
  const result = await stack.runAll();
  // Then the step saw a live signal
  t.equal(result.ok, true);
  t.equal(got?.aborted, false);
});

t.test('an empty stack reports nothing attempted', async (t) => {
  const result = await new FinalizerStack().runAll();
  t.same(result, { attempted: false, ok: true, deleted: [], problems: [] });
});

t.test('concurrent runAll calls share one run so nothing is deleted twice', async (t) => {
  // Given a slow step (as when SIGINT arrives while the normal end-of-run cleanup is running)
  let count = 0;
  const stack = new FinalizerStack().push('slow', async () => {
    count += 1;
    await new Promise((r) => setTimeout(r, 20));
  });
  // When cleanup is requested twice at once
  const [a, b] = await Promise.all([stack.runAll(), stack.runAll()]);
  // Then the step ran once and both callers got the same result
  t.equal(count, 1);
  t.same(a, b);
});

t.test('pending lists labels in the order they will run and onStep reports each', async (t) => {
  const stack = new FinalizerStack().push('first', async () => undefined).push('second', async () => undefined);
  t.same(stack.pending(), ['second', 'first']);
  const steps: string[] = [];
  await stack.runAll({ onStep: (l) => steps.push(l) });
  t.same(steps, ['second', 'first']);
});
