/**
 * The canary echo server source really serves (HTTP 200 and raw echo), and the host batch
 * runner reports real observations — both against 127.0.0.1 only.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECHO_SERVER_SOURCE } from '../../../src/plan/echo-server.js';
import { runAttempt } from '../../../probes/agent/attempt.js';
import { runHostBatch } from '../../../src/run/run-host.js';
import { collectObservations } from '../../../src/collect/collect.js';

function exchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(payload));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
}

t.test('the echo server answers HTTP with 200 and echoes other bytes', async (t) => {
  // Given the echo server started as the pod would start it, on a free port
  const dir = mkdtempSync(join(tmpdir(), 'mp-echo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'echo.mjs'), ECHO_SERVER_SOURCE);
  const child = spawn(process.execPath, [join(dir, 'echo.mjs')], {
    env: { ...process.env, ECHO_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const [first] = (await once(child.stdout, 'data')) as [Buffer];
  const { port } = JSON.parse(first.toString()) as { port: number };
  // When an HTTP request and raw bytes arrive
  const http = await exchange(port, 'GET /__meshprobe/canary/x HTTP/1.1\r\nhost: x\r\n\r\n');
  const raw = await exchange(port, 'hello meshprobe');
  // Then HTTP gets 200 and raw bytes come back
  t.match(http, /^HTTP\/1\.1 200 OK\r\n/);
  t.match(http, /meshprobe-echo\n$/);
  t.equal(raw, 'hello meshprobe');
  // And SIGTERM stops it cleanly
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  t.equal(code, 0);
});

t.test('the host batch runs the agent in-process and its output collects cleanly', async (t) => {
  // Given a listening port and a closed port on loopback
  const server = createServer((s) => s.end('hi'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const open = (server.address() as AddressInfo).port;
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closed = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  // When a host batch with both runs
  const batch = {
    v: 1 as const,
    runId: 'r',
    podName: 'host',
    concurrency: 2,
    deadlineMs: 10_000,
    attempts: [
      { id: 'aaaaaaaaaaaaaaaa', technique: 'tcp' as const, host: '127.0.0.1', port: open, timeoutMs: 2000 },
      { id: 'bbbbbbbbbbbbbbbb', technique: 'tcp' as const, host: '127.0.0.1', port: closed, timeoutMs: 2000 },
    ],
  };
  const text = await runHostBatch(batch, new AbortController().signal);
  const collected = collectObservations(text, ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  // Then both attempts are observed as they really happened, and the host is never "meshed"
  t.same(collected.problems, []);
  t.equal(collected.done, true);
  t.same(
    collected.observations.map((o) => o.transport),
    ['connected', 'refused'],
  );
  t.equal(collected.selfCheck?.meshed, false);
});

t.test('the echo server sends UDP datagrams back on the same port: the UDP canary', async (t) => {
  // Given the echo server started as the pod would start it
  const dir = mkdtempSync(join(tmpdir(), 'mp-echo-udp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'echo.mjs'), ECHO_SERVER_SOURCE);
  const child = spawn(process.execPath, [join(dir, 'echo.mjs')], {
    env: { ...process.env, ECHO_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const [first] = (await once(child.stdout, 'data')) as [Buffer];
  const { port, udp } = JSON.parse(first.toString()) as { port: number; udp: number };
  t.equal(udp, port, 'UDP listens on the TCP port number');
  // When the agent's UDP canary attempt goes to it
  const obs = await runAttempt({
    id: 'udp-canary',
    technique: 'udp',
    host: '127.0.0.1',
    port,
    timeoutMs: 2000,
    udp: { payload: 'echo' },
  });
  // Then the datagram came back
  t.equal(obs.transport, 'connected');
  t.equal(obs.dataPrefix, 'MESHPROBE-UDP\n');
});
