/**
 * `meshprobe tls` benchmark (issue 15; a script that prints numbers, not a timed test).
 *
 * Starts meshprobe's own set of 12 kinds of local servers (test/integration/tls/server-set.ts:
 * old versions, weak key and signature, expired, self-signed, client-certificate demanding,
 * CBC-only, NULL-only, anonymous-only, modern) and runs, on the same endpoints in one run:
 *   - the built CLI (`node dist/cli.mjs tls`, process start included) once per endpoint,
 *     and once for all endpoints in one call;
 *   - sslscan once per endpoint (it scans one target at a time);
 *   - testssl.sh (`testssl`), when installed, on a few endpoints (it takes ~1 min each);
 *     MESHPROBE_BENCH_TESTSSL=all runs it on every endpoint, =off skips it.
 * Prints a Markdown table with each tool's wall time, the ratios, and how many facts
 * (protocols, suites per version, key, dates) meshprobe and sslscan agree on.
 * Loopback only; every run is bounded by a timeout. Run `npm run build` first (bench:tls does).
 *
 *   npm run bench:tls
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TlsEndpointResult } from '../../src/tls/tls-assess.js';
import { SERVER_SET, SET_CA, startSet } from '../integration/tls/server-set.js';
import { parseSslscanXml, tempFiles, type SslscanFacts } from '../integration/tls/tls-fixtures.js';

const CLI = 'dist/cli.mjs';
const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type Assessed = Extract<TlsEndpointResult, { kind: 'assessed' }>;

/** Run a command; resolves with stdout and wall milliseconds (never rejects). */
function timed(
  cmd: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ stdout: string; ms: number; ok: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout) => {
      resolve({
        stdout,
        ms: Math.round(performance.now() - t0),
        ok: err === null || (typeof err.code === 'number' && err.code <= 4),
      });
    });
  });
}

function installed(cmd: string): Promise<boolean> {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${cmd}`], (err) => resolve(err === null)));
}

/** Facts both tools report, and how many agree (the client-cert TLS 1.2 suite list is the documented exception). */
function agreement(
  r: Assessed,
  s: SslscanFacts,
  clientCert: boolean,
): { agree: number; total: number; differ: string[] } {
  const checks: Array<[string, unknown, unknown]> = VERSIONS.map((v) => [v, r.protocols[v], s.protocols[v] ?? false]);
  for (const v of VERSIONS.filter((x) => r.protocols[x] && !(clientCert && x !== 'TLSv1.3'))) {
    checks.push([`${v} suites`, (r.ciphers[v] ?? []).join(','), (s.ciphers[v] ?? []).join(',')]);
  }
  const f = r.chain.certificates[0];
  if (f !== undefined) {
    checks.push(['key bits', f.keyType === 'ec' && f.keyBits !== null ? f.keyBits / 2 : f.keyBits, s.keyBits]);
    checks.push(['signature', f.signatureAlgorithm, s.signatureAlgorithm]);
    checks.push(['not after', f.notAfter, s.notAfter]);
    checks.push(['self-signed', f.selfSigned, s.selfSigned]);
    checks.push(['expired', r.findings.some((x) => x.code === 'CERT_EXPIRED'), s.expired]);
  }
  const differ = checks.filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b)).map(([what]) => what);
  return { agree: checks.length - differ.length, total: checks.length, differ };
}

const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run \`npm run build\` first.`);
  process.exit(2);
}
const haveSslscan = await installed('sslscan');
const haveTestssl = await installed('testssl');
const testsslMode = process.env['MESHPROBE_BENCH_TESTSSL'] ?? 'some';
/** Kinds testssl runs on by default: one modern, one legacy, one NULL-only. */
const TESTSSL_SOME = new Set([0, 2, 5]);

const set = await startSet();
const files = tempFiles({ 'ca.pem': SET_CA.certPem });
const endpoints = set.servers.map((s) => `127.0.0.1:${s.port}`);
const mpArgs = (eps: readonly string[]): string[] => [
  CLI,
  'tls',
  ...eps,
  '-o',
  'json',
  '--quiet',
  '--ca-file',
  files.path('ca.pem'),
];
try {
  const all = await timed('node', mpArgs(endpoints), 300_000);
  const rows: string[] = [];
  let mpSum = 0;
  let ssSum = 0;
  let tsSum = 0;
  let tsMpSum = 0;
  let agree = 0;
  let total = 0;
  for (const [i, kind] of SERVER_SET.entries()) {
    const ep = endpoints[i] as string;
    const mp = await timed('node', mpArgs([ep]), 120_000);
    const r = (JSON.parse(mp.stdout) as { endpoints: TlsEndpointResult[] }).endpoints[0];
    const ss = haveSslscan ? await timed('sslscan', ['--no-colour', '--xml=-', ep], 120_000) : undefined;
    const runTestssl = haveTestssl && testsslMode !== 'off' && (testsslMode === 'all' || TESTSSL_SOME.has(i));
    const ts = runTestssl
      ? await timed('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '-p', '-E', '-S', ep], 600_000)
      : undefined;
    mpSum += mp.ms;
    ssSum += ss?.ms ?? 0;
    if (ts !== undefined) {
      tsSum += ts.ms;
      tsMpSum += mp.ms;
    }
    const facts =
      r?.kind === 'assessed' && ss !== undefined
        ? agreement(r, parseSslscanXml(ss.stdout), kind.clientCert === true)
        : undefined;
    agree += facts?.agree ?? 0;
    total += facts?.total ?? 0;
    const status = r?.kind === 'assessed' ? r.status : (r?.kind ?? 'no result');
    const factText =
      facts === undefined
        ? 'n/a'
        : `${facts.agree}/${facts.total}${facts.differ.length > 0 ? ` (differ: ${facts.differ.join(', ')})` : ''}`;
    rows.push(
      `| ${kind.name} | ${status} | ${mp.ms} | ${ss?.ms ?? 'n/a'} | ${ss ? ratio(mp.ms, ss.ms) : 'n/a'} | ${ts?.ms ?? '—'} | ${factText} |`,
    );
  }
  console.log(
    '| server | meshprobe verdict | meshprobe ms | sslscan ms | meshprobe/sslscan | testssl ms | facts agreeing with sslscan |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(
    `| **total, one process per endpoint** | | ${mpSum} | ${haveSslscan ? ssSum : 'n/a'} | ${haveSslscan ? ratio(mpSum, ssSum) : 'n/a'} | ${tsSum > 0 ? tsSum : '—'} | ${agree}/${total} |`,
  );
  console.log(
    `| **total, meshprobe: one call for all ${endpoints.length} endpoints** | | ${all.ms} | ${haveSslscan ? ssSum : 'n/a'} | ${haveSslscan ? ratio(all.ms, ssSum) : 'n/a'} | | |`,
  );
  if (tsSum > 0)
    console.log(
      `\ntestssl on the same ${tsMpSum > 0 ? 'endpoints' : ''}: ${tsSum} ms vs meshprobe ${tsMpSum} ms (meshprobe/testssl ${ratio(tsMpSum, tsSum)}).`,
    );
  if (!haveSslscan) console.log('\nsslscan is not installed (apt-get install -y sslscan): no comparison.');
} finally {
  await set.close();
  files.remove();
}
