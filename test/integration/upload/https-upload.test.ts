/**
 * --upload to an HTTPS URL: one PUT per file to a real TLS server on 127.0.0.1 whose certificate
 * a node-forge CA signed (trusted through NODE_EXTRA_CA_CERTS, as a user with a private CA would),
 * carrying the headers from MESHPROBE_UPLOAD_HEADERS or --upload-headers-file. The token never
 * appears in output or in the bundle; a wrong token is a clear 401 line and exit 5.
 */
import t from 'tap';
import { createServer, type Server } from 'node:https';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/config/options.js';
import { verifyBundleDir, writeReportBundle } from '../../../src/report/write.js';
import { buildReport } from '../../../src/report/build.js';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';
import { mintCa, mintCert } from '../../helpers/certs.js';

t.setTimeout(600_000);
/** One CLI process may take long to start on a loaded 2-core machine; the default 60 s limit killed it there. */
const CLI_LIMIT_MS = 240_000;
const TOKEN = 'Bearer mp-upload-token-7f3a9c';

interface Put {
  readonly path: string;
  readonly auth: string | undefined;
  readonly tenant: string | undefined;
  readonly type: string | undefined;
  readonly body: Buffer;
}
let server: Server;
let base: string;
const puts: Put[] = [];
let cli: CliBundle;
let work: string;
let bundle: string;
let caFile: string;

t.before(async () => {
  // A TLS server that stores each PUT and demands the token
  const ca = mintCa('meshprobe upload test CA');
  const leaf = mintCert({ cn: '127.0.0.1', ips: ['127.0.0.1'], issuer: ca });
  server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      puts.push({
        path: req.url ?? '',
        auth: req.headers.authorization,
        tenant: req.headers['x-tenant'] as string | undefined,
        type: req.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      const ok = req.method === 'PUT' && req.headers.authorization === TOKEN;
      res.writeHead(ok ? 201 : 401, { 'content-type': 'text/plain' });
      // A careless server that echoes the header it got: meshprobe must not print it
      res.end(ok ? 'stored\n' : `denied for ${req.headers.authorization ?? 'nobody'}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as { port: number }).port}/evidence`;
  work = mkdtempSync(join(tmpdir(), 'meshprobe-https-upload-'));
  caFile = join(work, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  // A real bundle, written the way a run writes it
  bundle = join(work, 'bundle');
  const report = buildReport({
    run: {
      runId: '20261203-120000-beef',
      tool: { name: 'meshprobe', version: '0.1.0' },
      startedAt: '2026-12-03T12:00:00.000Z',
      finishedAt: '2026-12-03T12:00:10.000Z',
      options: { ...DEFAULTS },
    },
    inventory: {
      cluster: { server: 'https://198.19.255.1:6443', context: 'lab' },
      namespaces: [],
      targets: 0,
      meshes: [],
      networkPolicies: 0,
    },
    verdicts: [],
    evidence: [],
    notRun: [],
    certificates: [],
    cleanup: { attempted: false, ok: true, deleted: [], problems: [] },
  } as unknown as Parameters<typeof buildReport>[0]);
  await writeReportBundle(report, bundle);
  cli = await buildCliBundle();
});
t.teardown(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  cli?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

t.test(
  'the bundle goes to the HTTPS URL one PUT per file with the headers from the environment, manifest last',
  async (t) => {
    puts.length = 0;
    // Given the token in MESHPROBE_UPLOAD_HEADERS and the private CA in NODE_EXTRA_CA_CERTS
    const env = { MESHPROBE_UPLOAD_HEADERS: `Authorization: ${TOKEN}\nX-Tenant: pci`, NODE_EXTRA_CA_CERTS: caFile };
    // When the bundle is uploaded
    const r = await cli.run(['upload', bundle, '--upload', base], { env, timeoutMs: CLI_LIMIT_MS });
    // Then every file arrived under <base>/<run-id>/ with the headers, SHA256SUMS last
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`^uploaded \\d+ files to ${base.replace(/[.]/g, '\\.')}/20261203-120000-beef/$`, 'm'));
    const local = readdirSync(bundle).sort();
    t.same(puts.map((p) => p.path.replace('/evidence/20261203-120000-beef/', '')).sort(), local);
    t.equal(puts.at(-1)?.path, '/evidence/20261203-120000-beef/SHA256SUMS', 'the manifest is sent last');
    t.ok(
      puts.every((p) => p.auth === TOKEN && p.tenant === 'pci'),
      'every PUT carried the headers',
    );
    t.equal(puts.find((p) => p.path.endsWith('report.json'))?.type, 'application/json');
    // And the received files verify as a bundle
    const copy = join(work, 'copy');
    mkdirSync(copy);
    for (const p of puts) writeFileSync(join(copy, p.path.split('/').at(-1)!), p.body);
    t.ok((await verifyBundleDir(copy)).ok);
    // And the token appears nowhere in the output or the bundle
    t.notMatch(r.stdout + r.stderr, /mp-upload-token/);
    for (const f of local) t.notMatch(readFileSync(join(bundle, f), 'utf8'), /mp-upload-token/, f);
  },
);

t.test('headers from a file (a mounted Secret) work the same way', async (t) => {
  puts.length = 0;
  const headers = join(work, 'upload-headers');
  writeFileSync(headers, `# mounted from Secret evidence-upload\nAuthorization: ${TOKEN}\n`);
  const r = await cli.run(['upload', bundle, '--upload', base, '--upload-headers-file', headers], {
    timeoutMs: CLI_LIMIT_MS,
    env: { NODE_EXTRA_CA_CERTS: caFile, MESHPROBE_UPLOAD_HEADERS: undefined },
  });
  t.equal(r.code, 0, r.stderr);
  t.ok(puts.length > 0 && puts.every((p) => p.auth === TOKEN));
});

t.test('a wrong token is one clear 401 line naming the target, exit 5, and the echoed token is redacted', async (t) => {
  puts.length = 0;
  // Given a token the server does not accept (and that the server echoes back)
  const env = { MESHPROBE_UPLOAD_HEADERS: 'Authorization: Bearer stale-token-000111', NODE_EXTRA_CA_CERTS: caFile };
  // When the bundle is uploaded
  const r = await cli.run(['upload', bundle, '--upload', base], { env, timeoutMs: CLI_LIMIT_MS });
  // Then it stops at the first file, exit 5, naming the target and what to check
  t.equal(r.code, 5, r.stderr);
  t.equal(puts.length, 1, 'a 401 is not retried');
  t.match(
    r.stderr,
    new RegExp(
      `^meshprobe: upload of \\S+ to ${base.replace(/[.]/g, '\\.')} was refused \\(401: denied for \\[redacted\\]\\)$`,
      'm',
    ),
  );
  t.match(r.stderr, /^hint: Check the credentials in MESHPROBE_UPLOAD_HEADERS or the --upload-headers-file/m);
  t.notMatch(r.stdout + r.stderr, /stale-token-000111/);
  // And the local bundle is untouched
  t.ok((await verifyBundleDir(bundle)).ok);
});

t.test('a server certificate nobody trusts is a clear failure, not a silent insecure upload', async (t) => {
  puts.length = 0;
  const r = await cli.run(['upload', bundle, '--upload', base], {
    timeoutMs: CLI_LIMIT_MS,
    env: { MESHPROBE_UPLOAD_HEADERS: `Authorization: ${TOKEN}`, NODE_EXTRA_CA_CERTS: undefined },
  });
  t.equal(r.code, 5, r.stderr);
  t.equal(puts.length, 0, 'nothing was sent');
  t.match(
    r.stderr,
    /^meshprobe: upload of \S+ to https:\/\/127\.0\.0\.1:\d+\/evidence failed: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/m,
  );
  t.match(r.stderr, /NODE_EXTRA_CA_CERTS adds a private CA/);
});
