/**
 * Chaos benchmark on the lab (`npm run chaos -- --runs 50`): real `meshprobe run`s of one small
 * scope, each interrupted at a random moment in a random way — SIGINT, SIGTERM, SIGKILL followed
 * by `meshprobe cleanup --run-id`, a probe pod deleted, the echo pod deleted, or the API server
 * restarted (`lab.sh restart-apiserver`: stopped by PID, started with the same flags; on request
 * `pause-apiserver` instead: SIGSTOP for 6 s, then SIGCONT, a server that accepts and never answers).
 * Prints runs, exits by code, reports written, what the evidence journal kept of SIGKILLed runs and
 * what `meshprobe verify` said, and leftover objects — counted only for this benchmark's own run
 * ids, because the lab is shared. Targets: 0 leftovers, a report in every run that was not
 * SIGKILLed. Every run is bounded (--timeout, plus a hard kill).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const KINDS = [
  'SIGINT',
  'SIGTERM',
  'SIGKILL',
  'delete-probe-pod',
  'delete-echo-pod',
  'restart-apiserver',
  'pause-apiserver',
] as const;
type Kind = (typeof KINDS)[number];
/** Drawn by default: the issue's list (a real API-server restart; the SIGSTOP pause only on request). */
const DEFAULT_KINDS: readonly Kind[] = [
  'SIGINT',
  'SIGTERM',
  'SIGKILL',
  'delete-probe-pod',
  'delete-echo-pod',
  'restart-apiserver',
];
/** Run from the repository root (as `npm run chaos` does), like the default --cli. */
const LAB_SH = resolve('test/e2e/lab/lab.sh');

interface Flags {
  readonly runs: number;
  readonly seed: number;
  readonly kinds: readonly Kind[];
  readonly kubeconfig: string;
  readonly cli: string;
  readonly args: readonly string[];
  readonly maxDelayMs: number;
  readonly labSh: string;
  /** Start no new run after this time (ms since epoch; from --until HH:MM, UTC): a shared lab has a booked window. */
  readonly until?: number;
}

function flags(argv: readonly string[]): Flags {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const kinds = (get('kinds')?.split(',') ?? [...DEFAULT_KINDS]) as Kind[];
  for (const k of kinds)
    if (!KINDS.includes(k)) throw new Error(`unknown --kinds entry ${k} (known: ${KINDS.join(', ')})`);
  return {
    runs: Number(get('runs') ?? 50),
    seed: Number(get('seed') ?? Date.now() % 100_000),
    kinds,
    kubeconfig: get('kubeconfig') ?? process.env['KUBECONFIG'] ?? '/var/lib/meshprobe-lab/kubeconfig-admin',
    cli: resolve(get('cli') ?? 'dist/cli.mjs'),
    args: (get('args') ?? '-n shop -n cde-strict --cde-namespace cde-strict --control 1.3.1').split(' '),
    // A run of the default scope takes 20–30 s: draws past ~18 s mostly land after it finished.
    maxDelayMs: Number(get('max-delay-ms') ?? 18_000),
    labSh: get('lab-sh') ?? LAB_SH,
    ...(get('until') !== undefined ? { until: untilMs(get('until') ?? '') } : {}),
  };
}

/** The next HH:MM (UTC) as ms since epoch. */
function untilMs(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (m === null) throw new Error(`--until wants HH:MM (UTC), not ${hhmm}`);
  const d = new Date();
  const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), Number(m[1]), Number(m[2]));
  // The next such time: a window booked at 23:50 until 00:25 ends tomorrow, not in the past.
  return at <= d.getTime() ? at + 86_400_000 : at;
}

/** Small deterministic PRNG (mulberry32), so a run of the benchmark can be repeated with --seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function kubectl(f: Flags, args: readonly string[], timeoutMs = 30_000): string {
  const r = spawnSync('kubectl', ['--kubeconfig', f.kubeconfig, '--request-timeout=20s', ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return r.status === 0 ? r.stdout : '';
}

/** Names of this run's pods as ns/name lines. */
function podsOf(f: Flags, runId: string): string[] {
  return kubectl(f, [
    'get',
    'pods',
    '-A',
    '-l',
    `meshprobe.io/run-id=${runId}`,
    '-o',
    'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
  ])
    .split('\n')
    .filter((l) => l !== '');
}

/** Every object of this run still present (namespaces, pods, configmaps, services), terminating or not. */
function leftovers(f: Flags, runId: string): string[] {
  const out = kubectl(f, [
    'get',
    'namespaces,pods,configmaps,services',
    '-A',
    '-l',
    `meshprobe.io/run-id=${runId}`,
    '-o',
    'name',
  ]);
  return out.split('\n').filter((l) => l !== '');
}

/** The lab's kube-apiserver, by the pid file lab.sh writes (never found by name). */
function apiserverPid(): number | undefined {
  const file = '/var/lib/meshprobe-lab/run/kube-apiserver.pid';
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  const cmd = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  return cmd.includes('kube-apiserver') ? pid : undefined;
}

interface RunResult {
  readonly kind: Kind;
  readonly delayMs: number;
  readonly runId: string | undefined;
  readonly code: number | null;
  readonly report: boolean;
  /** Batches in the evidence journal a SIGKILLed run left (undefined: no journal). */
  readonly journal?: number;
  /** What `meshprobe verify` said about the directory (first word: OK, INCOMPLETE, ALTERED). */
  readonly verify: string;
  readonly note: string;
}

async function interrupt(f: Flags, kind: Kind, child: ReturnType<typeof spawn>, runId: string): Promise<string> {
  switch (kind) {
    case 'SIGINT':
    case 'SIGTERM':
    case 'SIGKILL':
      child.kill(kind);
      return kind;
    case 'delete-probe-pod':
    case 'delete-echo-pod': {
      const wanted = (p: string): boolean =>
        kind === 'delete-echo-pod' ? p.endsWith('/meshprobe-echo') : !p.endsWith('/meshprobe-echo');
      // Wait (bounded) for such a pod: a draw before the run created one would test nothing.
      let victim = podsOf(f, runId).filter(wanted)[0];
      for (let i = 0; victim === undefined && i < 40 && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 500));
        victim = podsOf(f, runId).filter(wanted)[0];
      }
      if (victim === undefined) return 'no pod yet';
      const [ns, name] = victim.split('/');
      kubectl(f, ['delete', 'pod', '-n', ns!, name!, '--wait=false', '--grace-period=0']);
      return `deleted ${victim}`;
    }
    case 'restart-apiserver': {
      // lab.sh stops it by PID and starts it with the flags `up` used; it returns once /readyz answers.
      const started = Date.now();
      const r = spawnSync('bash', [f.labSh, 'restart-apiserver'], { encoding: 'utf8', timeout: 200_000 });
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      return r.status === 0
        ? `restarted kube-apiserver (down ≈ ${secs} s)`
        : `restart failed (exit ${r.status}): ${r.stderr.trim().split('\n').at(-1)}`;
    }
    case 'pause-apiserver': {
      const pid = apiserverPid();
      if (pid === undefined) return 'apiserver pid not found';
      // Briefly: other people use this lab.
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 6_000));
      process.kill(pid, 'SIGCONT');
      return `paused kube-apiserver ${pid} for 6 s`;
    }
    default: {
      const never: never = kind;
      return String(never);
    }
  }
}

async function oneRun(f: Flags, kind: Kind, delayMs: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-chaos-'));
  const out = join(dir, 'bundle');
  const child = spawn(
    process.execPath,
    [
      f.cli,
      'run',
      '--kubeconfig',
      f.kubeconfig,
      '--agent-image',
      'lab.local/node:24',
      '--timeout',
      '180',
      '--request-timeout',
      '15',
      '--output-dir',
      out,
      ...f.args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let runId: string | undefined;
  let idAt = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    const m = /run (\d{8}-\d{6}-[0-9a-f]{4}) started/.exec(stderr);
    if (m && runId === undefined) {
      runId = m[1];
      idAt = Date.now();
    }
  });
  const exited = new Promise<number | null>((res) =>
    child.on('close', (code, sig) => res(code ?? (sig === 'SIGKILL' ? 137 : null))),
  );
  const hard = setTimeout(() => child.kill('SIGKILL'), 300_000);
  let note = '';
  let done = false;
  void exited.then(() => (done = true));
  while (!done && (runId === undefined || Date.now() - idAt < delayMs)) await new Promise((r) => setTimeout(r, 100));
  if (!done && runId !== undefined) note = await interrupt(f, kind, child, runId);
  else note = 'finished before the interruption';
  const code = await exited;
  clearTimeout(hard);
  if (kind === 'SIGKILL' && runId !== undefined) {
    const c = spawnSync(process.execPath, [f.cli, 'cleanup', '--kubeconfig', f.kubeconfig, '--run-id', runId], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    note += `; cleanup exit ${c.status}`;
  }
  const report = existsSync(join(out, 'report.json'));
  const journalFile = join(out, 'evidence.partial.jsonl');
  const journal = existsSync(journalFile)
    ? readFileSync(journalFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"kind":"batch"')).length
    : undefined;
  const v = existsSync(out)
    ? spawnSync(process.execPath, [f.cli, 'verify', out], { encoding: 'utf8', timeout: 60_000 })
    : undefined;
  const verify = v === undefined ? 'no directory' : (v.stdout.split(' ')[0] ?? '') || `exit ${v.status}`;
  rmSync(dir, { recursive: true, force: true });
  return { kind, delayMs, runId, code, report, verify, note, ...(journal !== undefined ? { journal } : {}) };
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const random = rng(f.seed);
  console.log(`chaos: ${f.runs} runs, seed ${f.seed}, kinds ${f.kinds.join(',')}, scope: ${f.args.join(' ')}`);
  const results: RunResult[] = [];
  for (let i = 0; i < f.runs; i++) {
    if (f.until !== undefined && Date.now() >= f.until) {
      console.log(`stopping after ${i} of ${f.runs} runs: --until reached`);
      break;
    }
    const kind = f.kinds[Math.floor(random() * f.kinds.length)]!;
    const delayMs = Math.floor(random() * f.maxDelayMs);
    const started = Date.now();
    const r = await oneRun(f, kind, delayMs);
    results.push(r);
    const journal = r.journal === undefined ? '' : `, journal ${r.journal} batch(es)`;
    const took = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `run ${i + 1}/${f.runs}: ${kind} at +${(delayMs / 1000).toFixed(1)} s → exit ${r.code}, report ${r.report ? 'yes' : 'no'}${journal}, ` +
        `verify ${r.verify} (${r.note}) [${r.runId ?? 'no run id'}, ${took} s]`,
    );
  }
  // Namespaces are deleted in the background: give them time before counting what is left.
  const ids = results.map((r) => r.runId).filter((x): x is string => x !== undefined);
  let left: string[] = [];
  for (let waited = 0; waited <= 120_000; waited += 10_000) {
    left = ids.flatMap((id) => leftovers(f, id).map((o) => `${id} ${o}`));
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const byCode = new Map<string, number>();
  for (const r of results) byCode.set(String(r.code), (byCode.get(String(r.code)) ?? 0) + 1);
  const notKilled = results.filter((r) => r.kind !== 'SIGKILL');
  console.log('');
  console.log(`runs: ${results.length}${results.length < f.runs ? ` of ${f.runs} asked (--until reached)` : ''}`);
  console.log(
    `exits by code: ${[...byCode]
      .sort()
      .map(([c, n]) => `${c}×${n}`)
      .join(', ')}`,
  );
  console.log(
    `reports written: ${results.filter((r) => r.report).length}/${results.length} (not SIGKILLed: ${notKilled.filter((r) => r.report).length}/${notKilled.length})`,
  );
  const killed = results.filter((r) => r.kind === 'SIGKILL' && !r.report);
  console.log(
    `SIGKILLed mid-run: ${killed.length}; journal kept: ${killed.filter((r) => r.journal !== undefined).length}/${killed.length} ` +
      `(${killed.map((r) => r.journal ?? 0).join(', ')} batches); verify said INCOMPLETE: ${killed.filter((r) => r.verify === 'INCOMPLETE').length}/${killed.length}`,
  );
  const byKind = new Map<string, number>();
  for (const r of results) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  console.log(
    `interruptions: ${[...byKind].map(([k, n]) => `${k}×${n}`).join(', ')}; finished before the interruption: ` +
      `${results.filter((r) => r.note.startsWith('finished before')).length}`,
  );
  console.log(`leftover objects (own run ids, after ≤120 s for namespace deletion): ${left.length}`);
  for (const l of left) console.log(`  ${l}`);
  process.exitCode = left.length === 0 && notKilled.every((r) => r.report) ? 0 : 1;
}

await main();
