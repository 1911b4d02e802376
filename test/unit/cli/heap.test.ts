import t from 'tap';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../../src/cli/heap.js';

t.test('the CLI limits heap growth unless the user set it in NODE_OPTIONS or node flags', async (t) => {
  // Given no heap flag anywhere, Then the CLI sets its own
  t.equal(limitHeapGrowth({}, []), true);
  t.ok(HEAP_GROWING_PERCENT > 0 && HEAP_GROWING_PERCENT < 300);
  // Given the user's own setting, Then it is left alone
  t.equal(limitHeapGrowth({ NODE_OPTIONS: '--heap-growing-percent=20' }, []), false);
  t.equal(limitHeapGrowth({}, ['--heap_growing_percent=300']), false);
});
