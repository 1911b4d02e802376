import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { installSignalScope, type SignalHost } from '../../../src/cli/signals.js';

const dir = mkdtempSync(join(tmpdir(), 'meshprobe-signal-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const bundle = join(dir, 'child.mjs');

/** Start the child, wait for "ready", send signals, collect output and exit code. */
async function runChild(
  signals: readonly NodeJS.Signals[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [bundle], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready') && signals.length > 0) {
        const [first, ...rest] = signals;
        signals = [];
        child.kill(first);
        for (const s of rest) setTimeout(() => child.kill(s), 200);
      }
    });
    child.on('spawn', () => resolve());
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  return { code, out, err };
}

t.before(async () => {
  await build({
    entryPoints: [join(import.meta.dirname, '../../fixtures/signal-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'warning',
  });
});

t.test('a real child process receiving SIGINT runs its finalizers in reverse and exits 130', async (t) => {
  const r = await runChild(['SIGINT']);
  t.equal(r.code, 130);
  t.match(
    r.out,
    /finalizer: pod probe-1\nfinalizer: namespace meshprobe-test\ncleanup ok=true deleted=pod probe-1,namespace meshprobe-test/,
  );
  t.match(r.err, /received SIGINT; cleaning up/);
});

t.test('SIGTERM is handled like SIGINT', async (t) => {
  const r = await runChild(['SIGTERM']);
  t.equal(r.code, 130);
  t.match(r.out, /cleanup ok=true/);
});

t.test('a second Ctrl-C exits at once with the cleanup hint, without waiting for cleanup', async (t) => {
  // Given a finalizer that takes 5 s, When a second SIGINT arrives 200 ms after the first
  const r = await runChild(['SIGINT', 'SIGINT'], { SLOW_FINALIZER_MS: '5000' });
  // Then the process exits 130 before the slow finalizer finished, and says how to clean up
  t.equal(r.code, 130);
  t.notMatch(r.out, /cleanup ok=/);
  t.match(r.err, /received SIGINT again; exiting now/);
  t.match(r.err, /meshprobe cleanup --run-id test-run/);
});

t.test('dispose removes the handlers', async (t) => {
  const listeners = new Set<string>();
  const host: SignalHost = {
    on: (e) => listeners.add(e),
    off: (e) => listeners.delete(e),
    exit: () => {
      throw new Error('exit');
    },
    writeErr: () => {},
  };
  const scope = installSignalScope(host);
  t.same([...listeners].sort(), ['SIGINT', 'SIGTERM']);
  scope.dispose();
  t.same([...listeners], []);
  t.equal(scope.received(), undefined);
  t.equal(scope.signal.aborted, false);
});
