/**
 * Running the built CLI (`node dist/cli.mjs`) as a child process against the lab, the way a
 * user would: exit code, stdout, stderr, wall time, and the report.json it left on disk.
 * Optionally sends SIGINT when a predicate on the progress so far (or the cluster) says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lab.js';

/** Path of the built CLI. */
export const CLI = join(REPO_ROOT, 'dist/cli.mjs');

let built = false;

/** Build dist/ once per test process (esbuild, a few seconds), so the e2e tests run current code. */
export function ensureBuilt(): void {
  if (built) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
  built = true;
}

/** True when the CLI has a `run` command (the pipeline issue may not have landed yet). */
export function cliHasRun(): boolean {
  if (!existsSync(CLI)) return false;
  const r = spawnSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 && /\brun\b/.test(r.stdout);
}

/** What one CLI run gave. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /** report.json from --output-dir, parsed, when one was written. */
  readonly report: Record<string, unknown> | undefined;
}

/** Options of one run. `interruptWhen` is polled every 500 ms; when it returns true SIGINT is sent once. */
export interface CliRunOptions {
  readonly args: readonly string[];
  readonly outputDir: string;
  readonly timeoutMs?: number;
  readonly interruptWhen?: () => boolean | Promise<boolean>;
  readonly env?: Readonly<Record<string, string>>;
}

/** The environment a user would have: without the lab's and the e2e suite's own MESHPROBE_LAB_* / MESHPROBE_E2E_* names. */
function userEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^MESHPROBE_(LAB|E2E)_/.test(k)));
}

/** Run `meshprobe <args> --output-dir <dir>`; kills it (SIGKILL) only past `timeoutMs`. */
export async function runCli(o: CliRunOptions): Promise<CliRun & { interrupted: boolean }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...o.args, '--output-dir', o.outputDir], {
    cwd: REPO_ROOT,
    env: { ...userEnv(process.env), NO_COLOR: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let interrupted = false;
  let exited = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 900_000);
  const poll = o.interruptWhen
    ? setInterval(() => {
        void (async () => {
          if (interrupted || exited || !(await o.interruptWhen!())) return;
          interrupted = true;
          child.kill('SIGINT');
        })();
      }, 500)
    : undefined;
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  exited = true;
  clearTimeout(killer);
  if (poll) clearInterval(poll);
  return { code, signal, stdout, stderr, wallMs: Date.now() - started, report: readReport(o.outputDir), interrupted };
}

/** report.json of an output dir, or undefined. */
export function readReport(dir: string): Record<string, unknown> | undefined {
  const f = join(dir, 'report.json');
  if (!existsSync(f) || statSync(f).size === 0) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
}

/** Attempt count of a report (summary.attempts), for the printed numbers. */
export function attemptCount(report: Record<string, unknown> | undefined): number | undefined {
  const s = report?.['summary'] as { attempts?: unknown } | undefined;
  return typeof s?.attempts === 'number' ? s.attempts : undefined;
}

/** Default args minus the flags (and their values) that `flags` overrides. Pure. */
export function withoutFlags(defaults: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < defaults.length; i++) {
    const a = defaults[i]!;
    if (flags.includes(a)) {
      if (defaults[i + 1] !== undefined && !defaults[i + 1]!.startsWith('-')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}
