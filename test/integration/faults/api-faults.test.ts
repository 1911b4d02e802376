/**
 * Fault injection: the bundled CLI against an API server stand-in on 127.0.0.1 that hangs
 * after accept, answers 500/429/403, resets mid-body or trickles bytes. Each case asserts the
 * exit code, that the process ended within a bound (a hung API server must never hang
 * meshprobe), the report written and its `aborted` reason.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';
import { startFaultServer, type Fault, type FaultServer } from './fault-server.js';

t.setTimeout(900_000);
let cli: CliBundle;
t.before(async () => {
  cli = await buildCliBundle();
});
t.teardown(() => cli?.remove());

/** Generous bound on "ended promptly": node start-up alone takes seconds on the shared 2-core machine. */
const SLACK_MS = 25_000;

interface Ran {
  readonly code: number | null;
  readonly ms: number;
  readonly stderr: string;
}

/**
 * Run the CLI; `signals` are sent at the given ms after `armed()` turns true (polled: the
 * stand-in saw a request, so the signal handlers are installed; start-up is slow here).
 */
function runCli(
  args: readonly string[],
  signals: readonly { readonly at: number; readonly sig: NodeJS.Signals }[] = [],
  armed: () => boolean = () => true,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cli.path, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let signalledAt = started;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (signals.length === 0 || !armed()) return;
      clearInterval(poll);
      signalledAt = Date.now();
      for (const s of signals) setTimeout(() => child.kill(s.sig), s.at);
    }, 50);
    const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      resolve({ code, ms: Date.now() - (signals.length > 0 ? signalledAt : started), stderr });
    });
  });
}

async function fault(t: { teardown(fn: () => Promise<void>): void }, f: Fault): Promise<FaultServer> {
  const s = await startFaultServer(f);
  t.teardown(() => s.close());
  return s;
}

function outDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-fault-out-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'bundle');
}

interface Aborted {
  readonly code: string;
  readonly stage: string;
  readonly message: string;
}

function reportOf(dir: string): { aborted?: Aborted; interrupted?: boolean } {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { aborted?: Aborted; interrupted?: boolean };
}

const noStack = (t: { notMatch(a: string, b: RegExp, m: string): void }, text: string): void =>
  t.notMatch(text, /\n\s+at .+:\d+:\d+/, 'no stack trace');

t.test('plan against an API server that accepts and never answers ends with a clear line and exit 3', async (t) => {
  // Given a stand-in that accepts TCP and never answers
  const s = await fault(t, { kind: 'hang' });
  // When plan runs with a 2 s request timeout
  const r = await runCli(['plan', '--kubeconfig', s.kubeconfig, '--cde-all', '--request-timeout', '2']);
  // Then it ends promptly with exit 3 and names the call that did not answer
  t.equal(r.code, 3, r.stderr);
  t.ok(r.ms < 2_000 * 2 + SLACK_MS, `ended in ${r.ms} ms`);
  t.match(r.stderr, /meshprobe: the API server http:\/\/127\.0\.0\.1:\d+ did not answer "[^"]+" within 2s/);
  t.match(r.stderr, /hint: .*--request-timeout/);
  noStack(t, r.stderr);
});

t.test('cleanup against a hung API server retries until --cleanup-timeout, then ends with exit 3', async (t) => {
  // Given a hung server; When cleanup runs with 2 s per call and a 6 s budget
  const s = await fault(t, { kind: 'hang' });
  const r = await runCli(['cleanup', '--kubeconfig', s.kubeconfig, '--request-timeout', '2', '--cleanup-timeout', '6']);
  // Then it asked again after the first timeout, and ended at the budget with the command to finish
  t.equal(r.code, 3, r.stderr);
  // Timed from its first call (start-up alone takes tens of seconds on a loaded machine): the budget and one call
  const ms = Date.now() - (s.firstAt() ?? 0);
  t.ok(ms < 6_000 + 2_000 + SLACK_MS, `ended ${ms} ms after its first call`);
  t.ok(s.seen.length > 4, `${s.seen.length} requests: the lists were made again`);
  t.match(r.stderr, /did not answer "list (namespaces|services|configmaps|pods)" within 2s; retrying/);
  t.match(r.stderr, /cleanup incomplete; finish it with: meshprobe cleanup\n/);
  noStack(t, r.stderr);
});

t.test(
  'run against a hung API server hits --timeout, writes a report aborted with E_TIMEOUT and exits 3',
  async (t) => {
    // Given a hung server and a request timeout longer than the whole-run --timeout
    const s = await fault(t, { kind: 'hang' });
    const dir = outDir(t);
    // When the run is limited to 10 s
    const r = await runCli([
      'run',
      '--kubeconfig',
      s.kubeconfig,
      '--cde-namespace',
      'pay',
      '--timeout',
      '10',
      '--request-timeout',
      '600',
      '--output-dir',
      dir,
      '-q',
    ]);
    // Then --timeout ends it: exit 3, a full report whose aborted reason is the timeout
    t.equal(r.code, 3, r.stderr);
    t.ok(r.ms < 10_000 + SLACK_MS, `ended in ${r.ms} ms`);
    t.match(reportOf(dir).aborted, { code: 'E_TIMEOUT', stage: 'discover', message: /exceeded --timeout 10s/ });
    t.ok(existsSync(join(dir, 'SHA256SUMS')), 'the bundle is sealed');
  },
);

const answered = [
  {
    name: 'hangs after accept',
    fault: { kind: 'hang' } as Fault,
    code: 'E_CLUSTER_UNREACHABLE',
    message: /did not answer .* within 2s/,
  },
  {
    name: 'answers 500',
    fault: { kind: 'status', status: 500 } as Fault,
    code: 'E_API',
    message: /answered 500 InternalError/,
  },
  {
    name: 'answers 429',
    fault: { kind: 'status', status: 429 } as Fault,
    code: 'E_API',
    message: /answered 429 TooManyRequests/,
  },
  {
    name: 'answers 403',
    fault: { kind: 'status', status: 403 } as Fault,
    code: 'E_FORBIDDEN',
    message: /forbidden to/,
  },
  {
    name: 'resets mid-body',
    fault: { kind: 'reset-mid-body' } as Fault,
    code: 'E_CLUSTER_UNREACHABLE',
    message: /cannot reach the API server/,
  },
  {
    name: 'trickles bytes and never finishes',
    fault: { kind: 'trickle', everyMs: 200 } as Fault,
    code: 'E_CLUSTER_UNREACHABLE',
    message: /did not answer .* within 2s/,
  },
] as const;

for (const c of answered) {
  t.test(`run against an API server that ${c.name}: exit 3, report aborted with ${c.code}`, async (t) => {
    const s = await fault(t, c.fault);
    const dir = outDir(t);
    const r = await runCli([
      'run',
      '--kubeconfig',
      s.kubeconfig,
      '--cde-namespace',
      'pay',
      '--request-timeout',
      '2',
      '--output-dir',
      dir,
      '-q',
    ]);
    t.equal(r.code, 3, r.stderr);
    // 429 and a 5xx to a read say "not now": the list is made again, 6 calls and 11.5 s at most
    const retried = c.fault.kind === 'status' && (c.fault.status === 429 || c.fault.status === 500);
    t.ok(r.ms < 2_000 * 3 + (retried ? 11_500 : 0) + SLACK_MS, `ended in ${r.ms} ms`);
    const namespaceLists = s.seen.filter((l) => l.startsWith('GET /api/v1/namespaces ')).length;
    if (retried) t.equal(namespaceLists, 6, 'the namespace list was made 6 times');
    else t.ok(namespaceLists <= 1, 'a final answer is not asked again');
    const aborted = reportOf(dir).aborted;
    t.match(aborted, { code: c.code, stage: 'discover', message: c.message });
    t.match(r.stderr, new RegExp(`run aborted during discover \\[${c.code}\\]`));
    t.notMatch(readFileSync(join(dir, 'report.json'), 'utf8'), /fault-token/, 'no token in the report');
    noStack(t, r.stderr);
  });
}

t.test('one SIGINT during a hung call ends the run at once with a report marked interrupted, exit 130', async (t) => {
  const s = await fault(t, { kind: 'hang' });
  const dir = outDir(t);
  const r = await runCli(
    ['run', '--kubeconfig', s.kubeconfig, '--cde-namespace', 'pay', '--request-timeout', '600', '--output-dir', dir],
    [{ at: 200, sig: 'SIGINT' }],
    () => s.seen.length > 0,
  );
  t.equal(r.code, 130, r.stderr);
  t.ok(r.ms < SLACK_MS, `ended ${r.ms} ms after the signal`);
  const report = reportOf(dir);
  t.match(report.aborted, { code: 'E_INTERRUPTED', stage: 'discover' });
  t.equal(report.interrupted, true);
});

t.test('a second signal while the first is being handled exits at once and prints the cleanup command', async (t) => {
  // Two different signals sent together: two SIGINTs sent together can merge into one (standard
  // signals do not queue), and a second one sent later finds the aborted run already finished.
  const s = await fault(t, { kind: 'hang' });
  const dir = outDir(t);
  const r = await runCli(
    ['run', '--kubeconfig', s.kubeconfig, '--cde-namespace', 'pay', '--request-timeout', '600', '--output-dir', dir],
    [
      { at: 200, sig: 'SIGINT' },
      { at: 200, sig: 'SIGTERM' },
    ],
    () => s.seen.length > 0,
  );
  t.equal(r.code, 130, r.stderr);
  t.ok(r.ms < SLACK_MS, `ended ${r.ms} ms after the signals`);
  t.match(
    r.stderr,
    /received SIG(INT|TERM) again; exiting now without waiting for cleanup\.\nmeshprobe left objects behind; remove them with: meshprobe cleanup --run-id/,
  );
  t.match(r.stderr, /meshprobe cleanup --run-id \d{8}-\d{6}-[0-9a-f]{4}/);
});
