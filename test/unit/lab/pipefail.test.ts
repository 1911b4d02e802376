/**
 * The lab's interface and readiness checks are race-free under `set -o pipefail`: the old
 * `producer | grep -q x` pattern reports "no match" when grep exits early and the producer
 * dies of SIGPIPE (141); lab.sh's out_grep captures the output first. Reproduced here with a
 * producer that keeps writing after its first line matched (no `ip`, no lab needed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';

const LAB = 'test/e2e/lab/lab.sh';
const IMAGES = 'test/e2e/lab/images.sh';

/** The out_grep function exactly as lab.sh defines it. */
function outGrepSource(): string {
  const text = readFileSync(LAB, 'utf8');
  const m = /^out_grep\(\) \{\n[\s\S]*?\n\}\n/m.exec(text);
  if (!m) throw new Error('out_grep() not found in lab.sh');
  return m[0];
}

// A producer like `ip addr show` on a busy bridge: the matching line first, then much more output.
const PRODUCER =
  'producer() { echo "    inet 198.18.0.1/32 scope global br0"; for i in $(seq 1 20000); do echo "    line $i"; done; }';

function bash(script: string): number {
  return spawnSync('bash', ['-c', script], { stdio: 'ignore' }).status ?? -1;
}

t.test('the old pipe-into-grep -q pattern fails under pipefail although the line is there', async (t) => {
  // Given pipefail and a producer that is still writing when grep -q has its match
  // When the old pattern runs (repeated: the race is likely, not certain, on one try)
  const raw = Array.from({ length: 3 }, () =>
    execFileSync('bash', [
      '-c',
      `set -o pipefail; ${PRODUCER}; producer | grep -q "inet 198.18.0.1/"; echo "\${PIPESTATUS[@]}"`,
    ])
      .toString()
      .trim(),
  );
  // Then at least one run saw the producer die of SIGPIPE (141), so the check said "absent"
  t.ok(
    raw.some((r) => r.startsWith('141')),
    `PIPESTATUS: ${raw.join(' | ')}`,
  );
});

t.test('lab.sh out_grep finds the line every time under pipefail', async (t) => {
  const fn = outGrepSource();
  for (let i = 0; i < 10; i++) {
    t.equal(bash(`set -euo pipefail; ${fn}\n${PRODUCER}; out_grep "inet 198.18.0.1/" producer`), 0, `run ${i + 1}`);
  }
  // and still reports absence, grep options and a failing command correctly
  t.equal(bash(`set -o pipefail; ${fn}\n${PRODUCER}; out_grep "inet 10.0.0.1/" producer`), 1, 'absent line');
  t.equal(bash(`set -o pipefail; ${fn}\nout_grep -x True echo True`), 0, '-x exact match');
  t.equal(bash(`set -o pipefail; ${fn}\nout_grep -x True echo Truex`), 1, '-x rejects a partial match');
  t.equal(bash(`set -o pipefail; ${fn}\nout_grep x false`), 1, 'a failing producer is "absent"');
});

t.test('no check in lab.sh or images.sh pipes into grep -q under pipefail any more', async (t) => {
  for (const file of [LAB, IMAGES]) {
    // Continuation lines joined, so a `bash -c \` and its string are one line.
    const offenders = readFileSync(file, 'utf8')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      // `bash -c "…"` strings run without pipefail (SHELLOPTS is not exported): grep's status is the pipeline's.
      .filter((l) => /\|\s*grep -q/.test(l) && !/bash -c/.test(l) && !l.startsWith('#'));
    t.same(offenders, [], file);
  }
});
