/**
 * `meshprobe tls` command logic with a fake attempt runner: argument validation (every
 * problem at once, E_USAGE), --ca-file and --profile handling, output and exit codes.
 * Real servers: test/integration/tls.
 */
import t, { type Test } from 'tap';
import type { AttemptSpec, ObservationLine } from '../../../../probes/protocol.js';
import { endpointsFromArgs, runTls, tlsCommand } from '../../../../src/cli/commands/tls.js';
import { SILENT_PROGRESS } from '../../../../src/shared/progress.js';
import { DEFAULTS, type Options } from '../../../../src/config/options.js';
import { isMeshprobeError } from '../../../../src/shared/errors.js';
import { readFileSync } from 'node:fs';
import { mintCert } from '../../../helpers/certs.js';
import { validate } from '../../../helpers/json-schema-lite.js';
import { tempFiles } from '../../../integration/tls/tls-fixtures.js';

const leaf = mintCert({ ips: ['127.0.0.1'] });

/** A fake TLS 1.3-only endpoint presenting a self-signed certificate; refuses port 1. */
const fakeRunner = async (spec: AttemptSpec): Promise<ObservationLine> => {
  const base = {
    v: 1 as const,
    attemptId: spec.id,
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    bytesReceived: 0,
  };
  if (spec.port === 1) return { ...base, transport: 'refused', errorCode: 'ECONNREFUSED' };
  const ok13 = spec.tls?.minVersion === undefined || spec.tls.minVersion === 'TLSv1.3';
  return {
    ...base,
    transport: 'connected',
    tls: ok13
      ? {
          protocol: 'TLSv1.3',
          cipher: spec.tls?.ciphers ?? 'TLS_AES_128_GCM_SHA256',
          alpn: null,
          peerChainPem: [leaf.certPem],
          handshake: true,
          authorized: false,
        }
      : { protocol: null, cipher: null, alpn: null, peerChainPem: [], handshake: false, authorized: false, alert: 70 },
  };
};

async function run(
  args: Record<string, unknown>,
  options: Partial<Options> = {},
  signal = new AbortController().signal,
) {
  let stdout = '';
  let stderr = '';
  const code = await runTls(
    {
      options: { ...DEFAULTS, ...options },
      args,
      progress: SILENT_PROGRESS,
      signal,
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      setForcedExitHint: () => undefined,
    },
    fakeRunner,
  );
  return { code, stdout, stderr };
}

async function usageError(t: Test, p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(isMeshprobeError(err) && err.code === 'E_USAGE', 'E_USAGE');
  t.match((err as Error).message, message);
}

t.test('every bad endpoint is named in one usage error', async (t) => {
  await usageError(
    t,
    Promise.resolve().then(() => endpointsFromArgs({ endpoints: ['a', 'b:2', 'c:0'] })),
    /"a" is not host:port.*\n"c:0" is not host:port/s,
  );
  await usageError(
    t,
    Promise.resolve().then(() => endpointsFromArgs({})),
    /Name at least one endpoint/,
  );
  t.same(endpointsFromArgs({ endpoints: 'h:1', servername: 'sni', alpn: ['h2', ''] }), [
    { host: 'h', port: 1, servername: 'sni', alpn: ['h2'] },
  ]);
});

t.test('bad --ca-file, --profile and -o are usage errors before any handshake', async (t) => {
  const files = tempFiles({ 'empty.pem': 'nothing here' });
  t.teardown(files.remove);
  await usageError(
    t,
    run({ endpoints: ['h:2'] }, { caFile: files.path('missing.pem') }),
    /--ca-file .*missing\.pem cannot be read \(ENOENT\)/,
  );
  await usageError(t, run({ endpoints: ['h:2'] }, { caFile: files.path('empty.pem') }), /holds no PEM certificate/);
  await usageError(t, run({ endpoints: ['h:2'], profile: 'fips' }), /unknown --profile fips/);
  await usageError(t, run({ endpoints: ['h:2'] }, { output: 'sarif' }), /prints text or json, not sarif/);
});

t.test(
  'exit codes: self-signed fails (1), the tls13-only view of the same endpoint too, unreachable wins (3)',
  async (t) => {
    const one = await run({ endpoints: ['h:2'] });
    t.equal(one.code, 1);
    t.match(one.stdout, /h:2 {2}FAILS/);
    t.match(one.stdout, /CERT_SELF_SIGNED/);
    const both = await run({ endpoints: ['h:2', 'h:1'] }, { output: 'json' });
    t.equal(both.code, 3);
    t.match(both.stderr, /^meshprobe: h:1: connection refused/);
    const doc = JSON.parse(both.stdout) as { endpoints: Array<{ kind: string }> };
    t.same(
      doc.endpoints.map((e) => e.kind),
      ['assessed', 'unreachable'],
    );
    // The -o json document is the published contract reports/schema/tls.v1.schema.json
    const schema = JSON.parse(readFileSync('reports/schema/tls.v1.schema.json', 'utf8')) as Record<string, unknown>;
    t.same(validate(schema, doc), [], 'validates against tls.v1.schema.json');
    const broken = { ...doc, endpoints: [{ kind: 'assessed', endpoint: 'h:2' }] };
    t.ok(
      validate(schema, broken).some((e) => e.includes('oneOf')),
      'the schema rejects an incomplete result',
    );
  },
);

t.test('a trusted self-signed certificate (pinned by --ca-file) holds; an aborted run exits 130', async (t) => {
  const files = tempFiles({ 'pin.pem': leaf.certPem });
  t.teardown(files.remove);
  const pinned = await run({ endpoints: ['127.0.0.1:2'] }, { caFile: files.path('pin.pem') });
  t.equal(pinned.code, 0, pinned.stdout);
  const ac = new AbortController();
  ac.abort();
  const aborted = await run({ endpoints: ['h:2'] }, {}, ac.signal);
  t.equal(aborted.code, 130);
});

t.test('the command is registered as "tls <endpoints..>" with output and safety options', async (t) => {
  t.equal(tlsCommand.command, 'tls <endpoints..>');
  t.same(tlsCommand.groups, ['output', 'safety']);
  t.ok(
    tlsCommand.sharedOptions?.includes('caFile') && !tlsCommand.sharedOptions.includes('agentImage'),
    'only options tls uses',
  );
});
