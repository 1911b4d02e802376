/**
 * `npm run bench` (issue 10): how fast a full segmentation matrix runs and what it costs.
 * A script that prints numbers, not a timed test.
 *
 *   1. agent level   — the agent benchmark (test/bench/agent.ts) as a child, concurrency 64/256/1024/4096
 *   2. cluster level — the lab (skipped when it is not up): synthetic matrix, one meshprobe run
 *                      timed by stage, and the same plan by a naive kubectl-exec loop (sampled)
 *   3. CLI scale     — plan + collect + classify + evaluate + render at 10 000 and 100 000
 *                      synthetic attempts, each size in a fresh process (peak RSS per size)
 *   4. sweep         — the listener sweep (issue 13): ports/s of the agent over 1–65535, and
 *                      `meshprobe run --ports all` on one lab pod (test/bench/sweep.ts)
 *   5. peer          — the lab (issue 20): cyclonus and meshprobe on the same pods and policies,
 *                      cyclonus' 3-namespace default and a 10-namespace matrix (test/bench/peer.ts)
 *
 * Prints a table on stdout and writes reports/bench/<date>.json with the machine facts.
 *
 *   npm run bench                       # everything
 *   npm run bench -- --smoke            # small sizes, to check the script works
 *   npm run bench -- --skip agent,cluster --sizes 10000,50000,100000
 *   npm run bench -- --wait-lab 600    # wait up to 600 s for the lab before skipping the cluster part
 *   npm run bench -- --skip agent,scale,sweep,cluster --peer default   # only the peer, 3 namespaces
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { buildAgentBundle } from '../helpers/agent-bundle.js';
import { clusterBench, waitForLab } from './cluster.js';
import type { MatrixShape } from './matrix.js';
import { peerBench } from './peer.js';
import { DEFAULT_PEER, LARGE_PEER, type PeerShape } from './peer-matrix.js';
import { formatReport, type BenchResult } from './table.js';

interface Args {
  readonly smoke: boolean;
  readonly skip: ReadonlySet<string>;
  readonly sizes: readonly number[];
  readonly naiveSample: number;
  /** Wait this long for the lab to come up before skipping the cluster part (others restart it). */
  readonly waitLabMs: number;
  /** Peer matrices (--peer default,large; smoke: default only). */
  readonly peer: readonly PeerShape[];
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  const numbers = (text: string | undefined): number[] =>
    (text ?? '')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  const sizes = numbers(value('--sizes'));
  return {
    smoke,
    skip: new Set((value('--skip') ?? '').split(',').filter(Boolean)),
    sizes: sizes.length > 0 ? sizes : smoke ? [1000, 2000] : [10_000, 100_000],
    naiveSample: numbers(value('--naive-sample'))[0] ?? (smoke ? 10 : 200),
    waitLabMs: (numbers(value('--wait-lab'))[0] ?? 0) * 1000,
    peer: (value('--peer') ?? (smoke ? 'default' : 'default,large'))
      .split(',')
      .flatMap((n) => (n === 'default' ? [DEFAULT_PEER] : n === 'large' ? [LARGE_PEER] : [])),
  };
}

function machine(): Record<string, unknown> {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  // Others work in the same tree: say how many files differ from the commit that was measured.
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    memoryMiB: { total: Math.round(totalmem() / 1048576), free: Math.round(freemem() / 1048576) },
    commit: git.status === 0 ? git.stdout.trim() : undefined,
    modifiedFiles: dirty.stdout.split('\n').filter(Boolean).length,
  };
}

/** Run a child to completion, echoing its stderr; resolves with stdout and the exit code. */
function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      process.stderr.write(c);
    });
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

/** One line of test/bench/agent.ts output, as numbers (the raw line is kept too). */
function parseAgentLine(line: string): Record<string, unknown> | undefined {
  const m =
    /concurrency\s+(\d+) \| wall ([\d.]+) s \(target ≤ ([\d.]+) s\) \| (\d+) attempts\/s \| peak RSS ([\d.]+) MiB \(target ≤ (\d+)(?:; anonymous ([\d.]+) MiB)?\)/.exec(
      line,
    );
  if (!m) return undefined;
  return {
    concurrency: Number(m[1]),
    wallS: Number(m[2]),
    wallTargetS: Number(m[3]),
    attemptsPerS: Number(m[4]),
    peakRssMiB: Number(m[5]),
    rssTargetMiB: Number(m[6]),
    ...(m[7] !== undefined ? { anonRssMiB: Number(m[7]) } : {}),
    ok: line.trimEnd().endsWith('OK'),
    line: line.trim(),
  };
}

async function agentLevel(args: Args): Promise<Record<string, unknown>> {
  const concurrencies = args.smoke ? ['1024'] : ['64', '256', '1024', '4096'];
  const r = await run('npm', ['run', '--silent', 'bench:agent', '--', ...concurrencies]);
  const lines = r.stdout.split('\n');
  return {
    exitCode: r.code,
    runs: lines.flatMap((l) => parseAgentLine(l) ?? []),
    notes: lines.filter((l) => l.trim() !== '' && parseAgentLine(l) === undefined),
  };
}

async function scaleLevel(args: Args): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const size of args.sizes) {
    process.stderr.write(`scale: ${size} attempts in a fresh process…\n`);
    const t0 = performance.now();
    const r = await run(process.execPath, [join(import.meta.dirname, 'cli-scale.mjs'), String(size)]);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      out.push({ ...(JSON.parse(line) as Record<string, unknown>), processWallMs: Math.round(performance.now() - t0) });
    } catch {
      out.push({
        requested: size,
        failed: `exit ${String(r.code)}`,
        processWallMs: Math.round(performance.now() - t0),
      });
    }
  }
  return out;
}

async function clusterLevel(args: Args): Promise<Record<string, unknown>> {
  const shape: MatrixShape = args.smoke
    ? { prefix: 'bench-', cdeNamespaces: 2, servicesPerNamespace: 3, vantageNamespaces: 2, identityClients: 1 }
    : { prefix: 'bench-', cdeNamespaces: 10, servicesPerNamespace: 21, vantageNamespaces: 9, identityClients: 3 };
  if (args.waitLabMs > 0) await waitForLab(args.waitLabMs, (l) => process.stderr.write(`${l}\n`));
  const agent = await buildAgentBundle();
  const outputDir = join('reports', 'bench', `run-${Date.now()}`);
  try {
    return {
      shape,
      attemptTimeoutMs: 2000,
      concurrency: 512,
      ...(await clusterBench({
        shape,
        attemptTimeoutMs: 2000,
        concurrency: 512,
        naiveSample: args.naiveSample,
        naiveBudgetMs: 20 * 60_000,
        agentPath: agent.path,
        workerPath: join(import.meta.dirname, 'cluster-run.mjs'),
        outputDir,
        log: (l) => process.stderr.write(`${l}\n`),
      })),
    };
  } finally {
    agent.remove();
  }
}

async function sweepLevel(): Promise<Record<string, unknown>> {
  const r = await run(process.execPath, [join(import.meta.dirname, 'sweep.mjs')]);
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    return { error: `exit ${String(r.code)}` };
  }
}

async function peerLevel(args: Args): Promise<Record<string, unknown>> {
  const agent = await buildAgentBundle();
  try {
    return await peerBench({
      shapes: args.peer,
      timeoutS: 2,
      agentPath: agent.path,
      workerPath: join(import.meta.dirname, 'cluster-run.mjs'),
      outputDir: join('reports', 'bench', `peer-${Date.now()}`),
      log: (l) => process.stderr.write(`${l}\n`),
    });
  } finally {
    agent.remove();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result: BenchResult = { machine: machine(), smoke: args.smoke };
  if (!args.skip.has('agent')) result.agent = await agentLevel(args);
  if (!args.skip.has('scale')) result.scale = await scaleLevel(args);
  if (!args.skip.has('sweep')) result.sweep = await sweepLevel();
  // Last: it may wait for the lab (--wait-lab), which others start and stop.
  if (!args.skip.has('cluster')) result.cluster = await clusterLevel(args);
  if (!args.skip.has('peer')) result.peer = await peerLevel(args);
  result.machine['loadAverageAtEnd'] = loadavg().map((l) => Math.round(l * 100) / 100);
  const file = join(
    'reports',
    'bench',
    `${new Date()
      .toISOString()
      .replace(/:/g, '')
      .replace(/\.\d+Z$/, 'Z')}.json`,
  );
  mkdirSync(join('reports', 'bench'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${formatReport(result)}\nJSON: ${file}\n`);
}

await main();
