/**
 * `npm run bench` part 4 (issue 13): the listener sweep's cost.
 *   a. agent level — the agent's sweep of ports 1–65535 on 127.0.0.1 (closed ports answer RST at once)
 *   b. one pod     — `meshprobe run --ports all` on the lab against the one pod of the scenario
 *                    namespace i13-cde-hidden-port (same-namespace ingress allows every port):
 *                    the sweep's ports/s from its observation, and the run's wall time
 * Prints one JSON object on stdout (bench.ts folds it into the table).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAttempt } from '../../probes/agent/attempt.js';
import type { ObservationLine } from '../../probes/protocol.js';
import { labState } from '../e2e/helpers/lab.js';

const CONCURRENCY = 512;
const NAMESPACE = 'i13-cde-hidden-port';

function rate(o: ObservationLine | undefined): Record<string, unknown> {
  const s = o?.sweep;
  if (o === undefined || s === undefined) return { error: 'no sweep observation' };
  const tried = s.open.length + s.closed + s.filtered;
  return {
    ports: tried,
    durationMs: o.durationMs,
    portsPerS: Math.round(tried / (o.durationMs / 1000)),
    open: s.open.length,
    closed: s.closed,
    filtered: s.filtered,
    notSwept: s.notSwept,
  };
}

async function agentLevel(): Promise<Record<string, unknown>> {
  const o = await runAttempt({
    id: 'bench',
    technique: 'sweep',
    host: '127.0.0.1',
    port: 1,
    timeoutMs: 300_000,
    sweep: { ports: [[1, 65_535]], concurrency: CONCURRENCY, connectTimeoutMs: 1000 },
  });
  return { concurrency: CONCURRENCY, ...rate(o) };
}

function podLevel(): Record<string, unknown> {
  const lab = labState();
  if (!lab.up) return { skipped: `the lab is not up (${lab.reason})` };
  const ns = spawnSync(
    lab.lab.kubectl,
    ['--kubeconfig', lab.lab.kubeconfig, 'get', 'namespace', NAMESPACE, '-o', 'name'],
    { encoding: 'utf8' },
  );
  if (ns.status !== 0) return { skipped: `namespace ${NAMESPACE} is not applied (run the e2e scenarios once)` };
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-bench-sweep-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        'dist/cli.mjs',
        'run',
        '--kubeconfig',
        lab.lab.kubeconfig,
        '--agent-image',
        'lab.local/node:24',
        '--quiet',
        '-o',
        'json',
        '--namespace',
        NAMESPACE,
        '--scope',
        'pci.scope=cde',
        '--control',
        '2.2.4',
        '--ports',
        'all',
        '--sweep-concurrency',
        String(CONCURRENCY),
        '--sweep-timeout',
        '300',
        '--timeout',
        '900',
        '--output-dir',
        dir,
      ],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    const wallMs = Math.round(performance.now() - t0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      evidence: { attempt: { technique: string }; observation?: ObservationLine }[];
    };
    const sweeps = report.evidence.filter((e) => e.attempt.technique === 'sweep');
    return {
      namespace: NAMESPACE,
      pods: sweeps.length,
      concurrency: CONCURRENCY,
      wallMs,
      exitCode: r.status,
      ...rate(sweeps[0]?.observation),
    };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const out = { agent: await agentLevel(), pod: podLevel() };
process.stdout.write(`${JSON.stringify(out)}\n`);
