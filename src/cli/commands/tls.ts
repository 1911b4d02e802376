/**
 * `meshprobe tls <host:port>...`: the host-vantage TLS check. Learns the accepted protocol
 * versions and cipher suites by pinned handshakes (the agent's own TLS technique, run
 * in-process), reads the chain, applies a crypto profile and prints a summary or JSON.
 * Exit 0 profile holds, 1 profile fails, 2 bad input, 3 an endpoint cannot be reached,
 * 4 a pinned handshake got no answer (the endpoint is inconclusive).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import pkg from '../../../package.json' with { type: 'json' };
import { MeshprobeError } from '../../shared/errors.js';
import { splitPemBundle } from '../../crypto/certificate.js';
import { CRYPTO_PROFILES, cryptoProfile, type CryptoProfile } from '../../crypto/profiles/index.js';
import { assessTlsEndpoint, type TlsEndpointResult } from '../../tls/tls-assess.js';
import { endpointText, parseEndpoint, type TlsEndpoint } from '../../tls/tls-scan.js';
import { scanTlsEndpoint, type AttemptRunner } from '../../tls/host-tls-scan.js';
import { renderTlsText, tlsJsonDocument } from '../../tls/tls-text.js';
import type { CliCommand, CliContext } from '../command.js';
import { EXIT, mostSevere, type ExitCode } from '../../shared/exit-codes.js';

/** Handshakes in flight per endpoint: enough to be quick, few enough to be polite. */
const SCAN_CONCURRENCY = 6;
/** Endpoints scanned at once (each with its own handshake bound). */
const ENDPOINT_CONCURRENCY = 4;

function stringList(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Endpoints from the positional arguments, or one E_USAGE error naming every bad one. */
export function endpointsFromArgs(args: Readonly<Record<string, unknown>>): TlsEndpoint[] {
  const raw = stringList(args.endpoints);
  const servername = typeof args.servername === 'string' && args.servername !== '' ? args.servername : undefined;
  const alpn = stringList(args.alpn).filter((p) => p !== '');
  const problems: string[] = [];
  const endpoints: TlsEndpoint[] = [];
  for (const text of raw) {
    const parsed = parseEndpoint(text);
    if ('problem' in parsed) problems.push(parsed.problem);
    else
      endpoints.push({
        ...parsed,
        ...(servername !== undefined ? { servername } : {}),
        ...(alpn.length > 0 ? { alpn } : {}),
      });
  }
  if (raw.length === 0) problems.push('Name at least one endpoint, e.g. `meshprobe tls example.com:443`.');
  if (problems.length > 0)
    throw new MeshprobeError('E_USAGE', problems.join('\n'), { hint: 'Endpoints are host:port; IPv6 as [addr]:port.' });
  return endpoints;
}

/** The trust bundle named by --ca-file, or undefined. Unreadable or empty files are usage errors. */
function readTrustBundle(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new MeshprobeError('E_USAGE', `--ca-file ${path} cannot be read (${code}).`, {
      hint: 'Give a PEM file of CA certificates.',
      cause: err,
    });
  }
  if (splitPemBundle(text).length === 0) {
    throw new MeshprobeError('E_USAGE', `--ca-file ${path} holds no PEM certificate.`, {
      hint: 'Give a PEM file with -----BEGIN CERTIFICATE----- blocks.',
    });
  }
  return text;
}

function profileFromArgs(args: Readonly<Record<string, unknown>>): CryptoProfile {
  const id = typeof args.profile === 'string' ? args.profile : 'pci-strong-crypto';
  const profile = cryptoProfile(id);
  if (profile === undefined) {
    throw new MeshprobeError('E_USAGE', `unknown --profile ${id}.`, {
      hint: `Use one of: ${CRYPTO_PROFILES.map((p) => p.id).join(', ')}.`,
    });
  }
  return profile;
}

function exitCodeOf(r: TlsEndpointResult): ExitCode {
  if (r.kind === 'unreachable') return EXIT.ABORTED;
  return r.status === 'fails' ? EXIT.FAILS : r.status === 'inconclusive' ? EXIT.INCONCLUSIVE : EXIT.OK;
}

/** What every endpoint of one `meshprobe tls` call is checked with. */
interface EndpointCheck {
  readonly profile: CryptoProfile;
  readonly trustPem: string | undefined;
  readonly runner: AttemptRunner | undefined;
}

/** Scan and assess one endpoint; the shell reads the clock once per endpoint. */
async function checkEndpoint(ctx: CliContext, ep: TlsEndpoint, check: EndpointCheck): Promise<TlsEndpointResult> {
  const { options } = ctx;
  const scan = await scanTlsEndpoint(ep, {
    timeoutMs: options.attemptTimeout,
    concurrency: Math.min(SCAN_CONCURRENCY, options.concurrency),
    signal: ctx.signal,
    ...(check.runner !== undefined ? { run: check.runner } : {}),
  });
  // The assessment itself is pure.
  return assessTlsEndpoint(ep, scan, {
    now: new Date(),
    expiryWarningDays: options.certExpiryWarningDays,
    profile: check.profile,
    ...(check.trustPem !== undefined ? { trustPem: check.trustPem } : {}),
  });
}

/** Every endpoint, a few at once, results in the order given; progress counts what is done. */
async function checkAll(
  ctx: CliContext,
  endpoints: readonly TlsEndpoint[],
  check: EndpointCheck,
): Promise<TlsEndpointResult[]> {
  const results: Array<TlsEndpointResult | undefined> = new Array(endpoints.length);
  let next = 0;
  let done = 0;
  const label = (): string =>
    `TLS handshakes with ${endpoints.length === 1 ? endpointText(endpoints[0] as TlsEndpoint) : `${endpoints.length} endpoints (${done} done)`}`;
  ctx.progress.start(label());
  const worker = async (): Promise<void> => {
    for (let i = next++; i < endpoints.length && !ctx.signal.aborted; i = next++) {
      results[i] = await checkEndpoint(ctx, endpoints[i] as TlsEndpoint, check);
      done += 1;
      ctx.progress.update(label());
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENDPOINT_CONCURRENCY, endpoints.length) }, worker));
  const finished = results.filter((r): r is TlsEndpointResult => r !== undefined);
  for (const r of finished) if (r.kind === 'unreachable') ctx.stderr(`meshprobe: ${r.message}`);
  const failed = finished.filter((r) => r.kind === 'unreachable').length;
  if (failed > 0) ctx.progress.fail(`${failed} of ${endpoints.length} endpoints could not be assessed`);
  else
    ctx.progress.succeed(finished.map((r) => `${r.endpoint}: ${r.kind === 'assessed' ? r.status : r.kind}`).join(', '));
  return finished;
}

/** Run the command; `runner` is the agent's runAttempt unless a test injects another. */
export async function runTls(ctx: CliContext, runner?: AttemptRunner): Promise<number> {
  const { options } = ctx;
  if (options.output !== 'text' && options.output !== 'json') {
    throw new MeshprobeError('E_USAGE', `meshprobe tls prints text or json, not ${options.output}.`, {
      hint: 'Use -o json for machine output.',
    });
  }
  const endpoints = endpointsFromArgs(ctx.args);
  const check: EndpointCheck = {
    profile: profileFromArgs(ctx.args),
    trustPem: readTrustBundle(options.caFile),
    runner,
  };
  // Every handshake in flight listens on the one signal.
  setMaxListeners(0, ctx.signal);
  const results = await checkAll(ctx, endpoints, check);
  ctx.progress.stop();
  if (options.output === 'json') {
    ctx.stdout(
      JSON.stringify(
        tlsJsonDocument(results, { checkedAt: new Date().toISOString(), toolVersion: pkg.version }),
        null,
        2,
      ),
    );
  } else {
    const text = renderTlsText(results, { verbose: options.verbose });
    if (text !== '') ctx.stdout(text);
  }
  if (ctx.signal.aborted) return EXIT.INTERRUPTED;
  return mostSevere(results.map(exitCodeOf));
}

/** `meshprobe tls <host:port>...` */
export const tlsCommand: CliCommand = {
  command: 'tls <endpoints..>',
  describe:
    'Check TLS endpoints from this machine: protocol versions, cipher suites, certificate chain, PCI strong cryptography',
  groups: ['output', 'safety'],
  sharedOptions: ['output', 'verbose', 'quiet', 'attemptTimeout', 'concurrency', 'caFile', 'certExpiryWarningDays'],
  builder(y: Argv): Argv {
    return (
      y
        .positional('endpoints', { type: 'string', array: true, describe: 'host:port to check ([v6]:port for IPv6)' })
        .option('servername', {
          type: 'string',
          requiresArg: true,
          describe: 'SNI name to send and to match the certificate against (default: the host)',
        })
        // Not `array: true`: a greedy array would swallow the endpoints after it; repeating the flag collects values.
        .option('alpn', {
          type: 'string',
          requiresArg: true,
          describe: 'ALPN protocol to offer (repeatable: --alpn h2 --alpn http/1.1)',
        })
        .option('profile', {
          type: 'string',
          requiresArg: true,
          choices: CRYPTO_PROFILES.map((p) => p.id),
          describe: 'Crypto profile to apply (default pci-strong-crypto)',
        })
        .example('$0 tls payments.example.com:443', 'check one endpoint against the PCI strong-cryptography profile')
        .example(
          '$0 tls 10.0.0.5:8443 --servername api.internal --ca-file ca.pem -o json',
          'validate the chain against a private CA, JSON output',
        )
        .epilog(
          'Exit codes: 0 the profile holds for every endpoint · 1 it fails for one · 2 bad input · 3 an endpoint cannot be reached or does not speak TLS · 4 a pinned handshake got no answer, so an endpoint is not fully assessed.',
        ) as Argv
    );
  },
  run: (ctx) => runTls(ctx),
};
