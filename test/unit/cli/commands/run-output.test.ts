import t from 'tap';
import { writeChunked } from '../../../../src/cli/commands/run.js';
import { renderChunks, render } from '../../../../src/report/reporters/index.js';
import { SCENARIOS, buildExample } from '../../../fixtures/report-examples.js';

/** What main.ts's stdout does with each piece: a text without a final newline gets one. */
function printed(chunks: Iterable<string>, pieceSize?: number): { text: string; pieces: number } {
  const out: string[] = [];
  writeChunked(chunks, (s) => void out.push(s.endsWith('\n') ? s : `${s}\n`), pieceSize);
  return { text: out.join(''), pieces: out.length };
}

t.test('a chunked rendering reaches stdout exactly as the whole text would, in line-aligned pieces', async (t) => {
  // Given every format of a report, written in small pieces
  const report = buildExample(SCENARIOS[1]!);
  for (const format of ['text', 'json', 'junit', 'tap', 'sarif', 'markdown'] as const) {
    const whole = render(format, report);
    const { text, pieces } = printed(renderChunks(format, report), 256);
    // Then what is printed is the whole text, and the big formats took several pieces
    t.equal(text, whole.endsWith('\n') ? whole : `${whole}\n`, format);
    if (whole.length > 1024 && format !== 'text') t.ok(pieces > 1, `${format} in ${pieces} pieces`);
  }
});

t.test('a rendering without a final newline gets exactly one, as before', async (t) => {
  t.equal(printed(['a\nb', 'c'], 1).text, 'a\nbc\n');
  t.equal(printed(['no newline at all'], 4).text, 'no newline at all\n');
});
