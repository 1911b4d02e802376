/**
 * `meshprobe tls` benchmark (issue 5; a script that prints numbers, not a timed test).
 *
 * For three local servers — node:tls with Node's defaults (TLS 1.2 + 1.3), openssl
 * s_server TLS 1.0-only, node:tls requiring a client certificate — it runs the host scan
 * in-process and prints the handshakes made, the wall time, and sslscan's wall time on
 * the same server for scale. Loopback only; nothing leaves the machine.
 *
 *   npm run bench:tls
 */
import { execFileSync } from 'node:child_process';
import type { AttemptSpec } from '../../probes/protocol.js';
import { runAttempt } from '../../probes/agent/attempt.js';
import { scanTlsEndpoint } from '../../src/execute/host-tls-scan.js';
import { mintCa, mintCert } from '../helpers/certs.js';
import { startTlsServer } from '../helpers/servers.js';
import { startOpenSslServer } from '../integration/tls/tls-fixtures.js';

const ca = mintCa();
const leaf = mintCert({ issuer: ca, ips: ['127.0.0.1'] });

const SERVERS = [
  { name: 'node:tls defaults (TLS 1.2 + 1.3)', start: () => startTlsServer({ cert: leaf.certPem, key: leaf.keyPem }) },
  { name: 'openssl s_server TLS 1.0 only', start: () => startOpenSslServer(leaf.certPem, leaf.keyPem, ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']) },
  { name: 'node:tls client cert required', start: () => startTlsServer({ cert: leaf.certPem, key: leaf.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }) },
];

function sslscanMs(port: number): string {
  const t0 = performance.now();
  try {
    execFileSync('sslscan', ['--no-colour', `127.0.0.1:${port}`], { stdio: 'ignore', timeout: 120_000 });
  } catch {
    return 'n/a';
  }
  return `${Math.round(performance.now() - t0)} ms`;
}

console.log('server | handshakes | accepted suites | meshprobe wall | sslscan wall');
for (const s of SERVERS) {
  const server = await s.start();
  let handshakes = 0;
  const run = (spec: AttemptSpec, signal?: AbortSignal) => {
    handshakes += 1;
    return runAttempt(spec, signal);
  };
  const t0 = performance.now();
  const scan = await scanTlsEndpoint({ host: '127.0.0.1', port: server.port }, { timeoutMs: 3000, concurrency: 8, run });
  const wall = Math.round(performance.now() - t0);
  const accepted = scan.suites.filter((x) => x.observation.tls?.cipher?.toUpperCase() === x.suite).length;
  console.log(`${s.name} | ${handshakes} | ${accepted} | ${wall} ms | ${sslscanMs(server.port)}`);
  await server.close();
}
