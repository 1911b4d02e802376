/**
 * `meshprobe tls` end to end through the real CLI (yargs wiring, option loading, exit
 * codes): bad input gives one clear line and a documented exit code, never a stack trace.
 */
import t, { type Test } from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';
import { daysFromNow, mintCa, mintCert } from '../../helpers/certs.js';
import { closedPort, startHttpServer, startTcpServer, startTlsServer } from '../../helpers/servers.js';
import { tempFiles } from './tls-fixtures.js';

t.setTimeout(300_000);

let bundle: CliBundle | undefined;
t.before(async () => {
  bundle = await buildCliBundle();
});
t.teardown(() => bundle?.remove());

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the bundled CLI (optionally under `unshare -n`), bounded to 120 s. */
function meshprobe(args: readonly string[], opts: { readonly isolatedNet?: boolean } = {}): Promise<CliRun> {
  const cli = bundle?.path ?? 'cli bundle not built';
  const [cmd, argv] = opts.isolatedNet
    ? ['unshare', ['-n', process.execPath, cli, ...args]]
    : [process.execPath, [cli, ...args]];
  return new Promise((done) => {
    execFile(
      cmd as string,
      argv as string[],
      { timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
      },
    );
  });
}

/** stderr holds exactly one `meshprobe:` line matching `re` (plus at most a hint), and no stack trace. */
function oneClearLine(t: Test, run: CliRun, re: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  t.equal(
    lines.filter((l) => l.startsWith('meshprobe: ')).length,
    1,
    `one meshprobe: line in ${JSON.stringify(run.stderr)}`,
  );
  t.match(lines[0], re);
  t.ok(
    lines.every((l) => l.startsWith('meshprobe: ') || l.startsWith('hint: ')),
    'only the message and a hint',
  );
  t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

t.test('bad input: one clear line each, with a documented exit code', async (t) => {
  const http = await startHttpServer();
  const silent = await startTcpServer('silent');
  t.teardown(http.close);
  t.teardown(silent.close);
  const closed = await closedPort();
  const cases: ReadonlyArray<{ name: string; args: readonly string[]; code: number; line: RegExp }> = [
    {
      name: 'an endpoint without a port',
      args: ['tls', 'example'],
      code: 2,
      line: /^meshprobe: "example" is not host:port/,
    },
    {
      name: 'a port out of range',
      args: ['tls', '127.0.0.1:70000'],
      code: 2,
      line: /^meshprobe: "127\.0\.0\.1:70000" is not host:port/,
    },
    {
      name: 'a closed port',
      args: ['tls', `127.0.0.1:${closed}`],
      code: 3,
      line: new RegExp(`^meshprobe: 127\\.0\\.0\\.1:${closed}: connection refused \\(ECONNREFUSED\\)`),
    },
    {
      name: 'a plaintext HTTP listener',
      args: ['tls', `127.0.0.1:${http.port}`],
      code: 3,
      line: /does not speak TLS; the reply to a ClientHello was not a TLS handshake \(ERR_SSL_WRONG_VERSION_NUMBER\)/,
    },
    {
      name: 'a listener that never answers',
      args: ['tls', `127.0.0.1:${silent.port}`, '--attempt-timeout', '500'],
      code: 3,
      line: /does not speak TLS.*\(silent\)/,
    },
    {
      name: 'an unreadable --ca-file',
      args: ['tls', `127.0.0.1:${closed}`, '--ca-file', '/nonexistent/ca.pem'],
      code: 2,
      line: /^meshprobe: --ca-file \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/,
    },
    {
      name: 'an output format tls does not print',
      args: ['tls', `127.0.0.1:${closed}`, '-o', 'junit'],
      code: 2,
      line: /^meshprobe: meshprobe tls prints text or json, not junit/,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      // Given bad input, When meshprobe tls runs, Then one clear line and the exit code
      const run = await meshprobe(c.args);
      t.equal(run.code, c.code, 'exit code');
      oneClearLine(t, run, c.line);
      t.equal(run.stdout, '', 'nothing on stdout');
    });
  }
});

// An empty network namespace (root only) has no route to the resolver, so the lookup fails
// without a single packet leaving this machine.
const netnsReason =
  spawnSync('unshare', ['-n', 'true']).status === 0
    ? false
    : 'unshare -n needs root (creates an empty network namespace)';

t.test(
  'an unresolvable name is one clear line and exit 3 (in an empty network namespace: no DNS traffic leaves)',
  { skip: netnsReason },
  async (t) => {
    const run = await meshprobe(['tls', 'no-such-host.invalid:443'], { isolatedNet: true });
    t.equal(run.code, 3);
    oneClearLine(
      t,
      run,
      /^meshprobe: no-such-host\.invalid:443: the name "no-such-host\.invalid" does not resolve \((EAI_AGAIN|ENOTFOUND)\)/,
    );
  },
);

t.test('--servername, repeatable --alpn, --ca-file and --cert-expiry-warning-days reach the scan', async (t) => {
  // Given a TLS server that speaks h2 with a certificate for localhost only, expiring in 100 days
  const ca = mintCa();
  const leaf = mintCert({ issuer: ca, dns: ['localhost'], notAfter: daysFromNow(100) });
  const files = tempFiles({ 'ca.pem': ca.certPem });
  t.teardown(files.remove);
  const server = await startTlsServer({ cert: leaf.certPem, key: leaf.keyPem, ALPNProtocols: ['h2'] });
  t.teardown(server.close);
  // When meshprobe tls names it by SNI, offers h2 and http/1.1, trusts the CA and warns 200 days ahead
  const run = await meshprobe([
    'tls',
    `127.0.0.1:${server.port}`,
    '--servername',
    'localhost',
    '--alpn',
    'h2',
    '--alpn',
    'http/1.1',
    '--ca-file',
    files.path('ca.pem'),
    '--cert-expiry-warning-days',
    '200',
    '-o',
    'json',
  ]);
  // Then it holds (a warning does not fail), ALPN h2 was negotiated and the identity matched the SNI name
  t.equal(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout) as {
    schema: string;
    endpoints: Array<{
      negotiated: { alpn: string };
      chain: { trusted: boolean; identityMatch: boolean };
      findings: Array<{ code: string }>;
    }>;
  };
  t.equal(doc.schema, 'meshprobe.tls/v1');
  const [r] = doc.endpoints;
  t.equal(r?.negotiated.alpn, 'h2');
  t.equal(r?.chain.trusted, true);
  t.equal(r?.chain.identityMatch, true);
  t.same(
    r?.findings.map((f) => f.code),
    ['CERT_EXPIRING_SOON', 'CIPHER_NOT_TESTABLE'],
  );
  // And without --servername the IP is matched against a localhost-only certificate: identity fails, exit 1
  const byIp = await meshprobe(['tls', `127.0.0.1:${server.port}`, '--ca-file', files.path('ca.pem')]);
  t.equal(byIp.code, 1);
  t.match(
    byIp.stdout,
    /IDENTITY_MISMATCH: The certificate does not carry the expected identity\. Expected host "127\.0\.0\.1"; the leaf certificate names DNS:localhost\./,
  );
  t.match(byIp.stdout, /hint {8}.*pass --servername <name>/);
});

t.test('several endpoints: the exit code is the most severe (unreachable 3 beats fails 1)', async (t) => {
  const weak = mintCert({ keyBits: 1024, ips: ['127.0.0.1'] });
  const server = await startTlsServer({ cert: weak.certPem, key: weak.keyPem });
  t.teardown(server.close);
  const closed = await closedPort();
  // (--alpn before the second endpoint must not swallow it)
  const run = await meshprobe(['tls', `127.0.0.1:${server.port}`, '--alpn', 'h2', `127.0.0.1:${closed}`]);
  t.equal(run.code, 3);
  t.match(run.stdout, /FAILS/);
  t.match(run.stdout, /KEY_TOO_SMALL/);
  oneClearLine(t, run, /connection refused/);
});
