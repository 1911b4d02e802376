/**
 * The bundled agent (one minified ESM file, built as `npm run build` builds it) run as
 * a child process from a directory with no node_modules, the way a probe pod runs it:
 * one batch with every wire case (loopback servers, plus the namespace test host when
 * root and `ip netns` are available) → exactly one correct line per attempt, then the
 * done line, exit 0. Bad batches → one E_BATCH line, exit 2.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import type { AttemptBatch, AttemptSpec, ObservationLine } from '../../../probes/protocol.js';
import { collectObservations } from '../../../src/collect/collect.js';
import { agentArgs, buildAgentBundle, type AgentBundle } from '../../helpers/agent-bundle.js';
import { netnsUnavailable } from '../../helpers/netns.js';
import { closedPort, startTcpServer } from '../../helpers/servers.js';
import { netnsCases, startNetnsTestHost } from './netns-cases.js';
import { mismatches, startWireCases, type Expectation } from './wire-cases.js';

const BUDGET_BYTES = 200 * 1024;

interface AgentRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the bundle like a pod does; resolves when the process exits by itself. */
function runAgent(agent: AgentBundle, args: string[], env: NodeJS.ProcessEnv = {}): Promise<AgentRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, agentArgs(agent, ...args), {
      cwd: agent.dir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeBatch(
  agent: AgentBundle,
  name: string,
  attempts: AttemptSpec[],
  extra: Partial<AttemptBatch> = {},
): string {
  const path = join(agent.dir, name);
  const batch: AttemptBatch = {
    v: 1,
    runId: 'bundle-test',
    podName: 'probe-0',
    concurrency: 16,
    deadlineMs: 120_000,
    attempts,
    ...extra,
  };
  writeFileSync(path, JSON.stringify(batch));
  return path;
}

t.test('the agent bundle is one file under 200 KiB with no dependency outside Node', async (t) => {
  // Given the agent built with the production build options
  const agent = await buildAgentBundle();
  t.teardown(agent.remove);
  // Then it fits a ConfigMap with room to spare, and undici is not in it
  t.ok(agent.bytes <= BUDGET_BYTES, `bundle is ${agent.bytes} bytes (budget ${BUDGET_BYTES})`);
  const text = readFileSync(agent.path, 'utf8');
  t.notMatch(text, /undici/i, 'undici is not bundled');
  const imports = [...text.matchAll(/from\s*"([^"]+)"/g)].map((m) => m[1]);
  t.ok(
    imports.every((name) => name?.startsWith('node:')),
    `only node: imports (${imports.join(', ')})`,
  );
  // And nothing above its directory could supply node_modules
  t.notOk(existsSync(join(dirname(agent.dir), 'node_modules')), 'no node_modules next to the bundle directory');
});

t.test("the test bundle is built with the same esbuild flags as package.json's build script", async (t) => {
  // Given the build script's agent step
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const agentStep =
    (pkg.scripts['build'] ?? '').split('&&').find((step) => step.includes('probes/agent/main.ts')) ?? '';
  // Then every option the tests build with is there too
  for (const flag of [
    '--bundle',
    '--platform=node',
    '--target=node20',
    '--format=esm',
    '--minify',
    '--legal-comments=none',
    '--outfile=dist/agent.mjs',
  ]) {
    t.match(agentStep, flag, flag);
  }
});

t.test('the bundled agent prints exactly one correct line per attempt, then the done line', async (t) => {
  // Given every loopback wire case, plus the namespace host's iptables cases when available
  const agent = await buildAgentBundle();
  t.teardown(agent.remove);
  const wire = await startWireCases();
  t.teardown(wire.close);
  const rows: { id: string; spec: AttemptSpec; expect: Expectation }[] = wire.cases.map((c) => ({
    id: c.spec.id,
    spec: c.spec,
    expect: c.expect,
  }));
  const nsReason = netnsUnavailable();
  if (nsReason === undefined) {
    const host = await startNetnsTestHost();
    t.teardown(host.destroy);
    for (const c of netnsCases(host.address)) {
      rows.push({
        id: c.spec.id,
        spec: c.spec,
        expect: { transport: c.transport, ...(c.errorCode ? { errorCode: c.errorCode } : {}) },
      });
    }
  } else {
    t.comment(`namespace cases left out of this batch: ${nsReason}`);
  }
  const batchFile = writeBatch(
    agent,
    'batch.json',
    rows.map((r) => r.spec),
  );
  // When the bundle runs the batch as a child process
  const run = await runAgent(agent, [batchFile]);
  // Then it exits 0 by itself, with nothing alarming on stderr
  t.equal(run.code, 0, run.stderr);
  t.notMatch(run.stderr, /handles still open/);
  // And stdout is one line per attempt plus the done line, and nothing else
  const lines = run.stdout.trimEnd().split('\n');
  t.equal(lines.length, rows.length + 1);
  const done = JSON.parse(lines.at(-1) ?? '{}') as { done?: boolean; count?: number };
  t.same(
    { done: done.done, count: done.count },
    { done: true, count: rows.length },
    'the done line comes last and counts every attempt',
  );
  const collected = collectObservations(
    run.stdout,
    rows.map((r) => r.id),
  );
  t.same(collected.problems, [], 'no unknown, duplicate or malformed lines');
  t.equal(collected.selfCheck?.nodeVersion, process.version);
  const byId = new Map<string, ObservationLine>(collected.observations.map((o) => [o.attemptId, o]));
  for (const row of rows) {
    const obs = byId.get(row.id);
    t.ok(obs, `${row.id} has a line`);
    if (obs !== undefined) t.same(mismatches(obs, row.expect), [], row.id);
  }
});

t.test('SIGTERM (the pod being stopped) still gives one line per attempt, the done line and exit 0', async (t) => {
  // Given attempts that would hang for a minute on a silent server
  const agent = await buildAgentBundle();
  t.teardown(agent.remove);
  const silent = await startTcpServer('silent');
  t.teardown(silent.close);
  const ids = ['s1', 's2', 's3', 's4'];
  const file = writeBatch(
    agent,
    'term.json',
    ids.map((id) => ({ id, technique: 'tcp', host: '127.0.0.1', port: silent.port, timeoutMs: 60_000 })),
    { concurrency: 2 },
  );
  // When the agent is stopped with SIGTERM once its first attempts are connected
  const child = spawn(process.execPath, agentArgs(agent, file), { cwd: agent.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  while (silent.accepted() < 2) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  const [code] = (await once(child, 'close')) as [number | null];
  // Then every attempt has an E_ABORTED line, the done line follows, and the exit code is 0
  t.equal(code, 0);
  const collected = collectObservations(stdout, ids);
  t.same(collected.problems, []);
  t.same(
    collected.observations.map((o) => [o.transport, o.errorCode]),
    ids.map(() => ['agent-error', 'E_ABORTED']),
  );
});

t.test('the batch can be named by MESHPROBE_BATCH instead of an argument', async (t) => {
  // Given a one-attempt batch and no argument
  const agent = await buildAgentBundle();
  t.teardown(agent.remove);
  const closed = await closedPort();
  const file = writeBatch(agent, 'env-batch.json', [
    { id: 'a', technique: 'tcp', host: '127.0.0.1', port: closed, timeoutMs: 2000 },
  ]);
  // When the agent runs with MESHPROBE_BATCH set
  const run = await runAgent(agent, [], { MESHPROBE_BATCH: file });
  // Then it ran that batch
  t.equal(run.code, 0, run.stderr);
  const collected = collectObservations(run.stdout, ['a']);
  t.same(collected.problems, []);
  t.equal(collected.observations[0]?.transport, 'refused');
});

t.test('a batch the agent cannot use gives one E_BATCH line and exit 2', async (t) => {
  const agent = await buildAgentBundle();
  t.teardown(agent.remove);
  writeFileSync(join(agent.dir, 'not-json.json'), '{"v":1, attempts: [');
  writeFileSync(
    join(agent.dir, 'v2.json'),
    JSON.stringify({ v: 2, runId: 'r', podName: 'p', concurrency: 1, deadlineMs: 1000, attempts: [] }),
  );
  writeFileSync(
    join(agent.dir, 'dup.json'),
    JSON.stringify({
      v: 1,
      runId: 'r',
      podName: 'p',
      concurrency: 1,
      deadlineMs: 1000,
      attempts: [{ id: 'x' }, { id: 'x' }],
    }),
  );
  const cases: { sentence: string; args: string[]; message: RegExp }[] = [
    { sentence: 'no batch given', args: [], message: /no batch given/ },
    {
      sentence: 'a missing file',
      args: [join(agent.dir, 'missing.json')],
      message: /cannot read the batch file .*ENOENT/,
    },
    { sentence: 'not JSON', args: [join(agent.dir, 'not-json.json')], message: /not valid JSON/ },
    { sentence: 'an unknown version', args: [join(agent.dir, 'v2.json')], message: /unsupported batch version 2/ },
    { sentence: 'duplicate ids', args: [join(agent.dir, 'dup.json')], message: /attempt id x appears twice/ },
  ];
  for (const c of cases) {
    // When the agent is given the bad batch
    const run = await runAgent(agent, c.args);
    // Then it prints exactly one error line with code E_BATCH and exits 2, without a stack trace
    t.equal(run.code, 2, c.sentence);
    const lines = run.stdout.trimEnd().split('\n');
    t.equal(lines.length, 1, c.sentence);
    const line = JSON.parse(lines[0] ?? '{}') as { v?: number; error?: { code?: string; message?: string } };
    t.equal(line.v, 1);
    t.equal(line.error?.code, 'E_BATCH', c.sentence);
    t.match(line.error?.message ?? '', c.message, c.sentence);
    t.notMatch(run.stderr, /\n\s+at /, `${c.sentence}: no stack trace`);
  }
});
