/**
 * Builds the agent exactly as `npm run build` does (esbuild, one minified ESM file)
 * into a fresh temp directory with no node_modules, so tests and the benchmark run
 * the real bundle the way a pod does: `node <AGENT_NODE_FLAGS> agent.mjs <batch-file>`.
 *
 *   const agent = await buildAgentBundle();
 *   t.teardown(agent.remove);
 *   spawn(process.execPath, agentArgs(agent, batchFile), { cwd: agent.dir });
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { AGENT_NODE_FLAGS } from '../../src/plan/pods.js';

/** A freshly built agent bundle. */
export interface AgentBundle {
  /** Directory holding only agent.mjs (no node_modules anywhere above it in /tmp). */
  readonly dir: string;
  readonly path: string;
  readonly bytes: number;
  readonly remove: () => void;
}

/** The repository root: the nearest package.json named meshprobe above this file (also when bundled). */
function repoRoot(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'meshprobe')
      return dir;
  }
  throw new Error(`no meshprobe package.json above ${import.meta.dirname}`);
}

/**
 * esbuild options equal to package.json's build script for the agent (bundle.test.ts
 * checks the script still says so); reuse them wherever a test builds the agent.
 */
export function agentBuildOptions(outfile: string): BuildOptions {
  return {
    entryPoints: [join(repoRoot(), 'probes/agent/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    outfile,
  };
}

/** Bundle probes/agent/main.ts with the options of package.json's build script. */
export async function buildAgentBundle(): Promise<AgentBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-agent-'));
  const path = join(dir, 'agent.mjs');
  await build(agentBuildOptions(path));
  return { dir, path, bytes: statSync(path).size, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Node's arguments to run `agent` on `args` exactly as a probe pod's command does (src/plan/pods.ts). */
export function agentArgs(agent: Pick<AgentBundle, 'path'>, ...args: string[]): string[] {
  return [...AGENT_NODE_FLAGS, agent.path, ...args];
}
