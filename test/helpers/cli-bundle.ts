/**
 * Builds the CLI (and the agent beside it) exactly as `npm run build` does, into a fresh
 * directory inside the repository (so `node_modules` resolves for the external packages),
 * and runs it as a child process — the way a user runs `npx meshprobe`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { agentBuildOptions } from './agent-bundle.js';

const ROOT = join(import.meta.dirname, '../..');

/** A freshly built CLI bundle. */
export interface CliBundle {
  readonly dir: string;
  readonly path: string;
  run(
    args: readonly string[],
    opts?: { env?: Record<string, string | undefined>; timeoutMs?: number; input?: string },
  ): Promise<CliResult>;
  remove(): void;
}

/** What one CLI invocation did. */
interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Build dist-like cli.mjs + agent.mjs into .tap/cli-XXXX/. */
export async function buildCliBundle(): Promise<CliBundle> {
  mkdirSync(join(ROOT, '.tap'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tap', 'cli-'));
  const path = join(dir, 'cli.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    outfile: path,
    logLevel: 'warning',
  });
  await build(agentBuildOptions(join(dir, 'agent.mjs')));
  chmodSync(path, 0o755);
  return {
    dir,
    path,
    run: (args, opts = {}) => runNode(path, args, opts),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function runNode(
  path: string,
  args: readonly string[],
  opts: { env?: Record<string, string | undefined>; timeoutMs?: number; input?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...opts.env }))
      if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [path, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
