/**
 * Fixtures for `meshprobe tls` integration tests: Debian's `openssl s_server` on a free
 * 127.0.0.1 port, the command run in-process with a real CliContext, and `sslscan`
 * (the independent scanner) with its XML parsed into comparable facts.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTls } from '../../../src/cli/commands/tls.js';
import { SILENT_PROGRESS } from '../../../src/shared/progress.js';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { closedPort } from '../../helpers/servers.js';

/** A temp directory with files; remove() deletes it. */
export function tempFiles(files: Readonly<Record<string, string>>): {
  dir: string;
  path: (name: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-tls-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running `openssl s_server`. */
export interface OpenSslServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly close: () => Promise<void>;
}

/**
 * Start `openssl s_server -www` on 127.0.0.1 with the given certificate and extra
 * arguments; resolves when it prints ACCEPT (it is listening), rejects after 15 s.
 */
export async function startOpenSslServer(
  certPem: string,
  keyPem: string,
  args: readonly string[],
): Promise<OpenSslServer> {
  const files = tempFiles({ 'cert.pem': certPem, 'key.pem': keyPem });
  const port = await closedPort();
  const child = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      files.path('cert.pem'),
      '-key',
      files.path('key.pem'),
      '-www',
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl s_server did not start: ${output}`)), 15_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('ACCEPT')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl s_server exited (${String(code)}): ${output}`));
    });
  });
  return {
    host: '127.0.0.1',
    port,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      files.remove();
    },
  };
}

/** What one in-process `meshprobe tls` run printed and returned. */
export interface TlsRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `meshprobe tls` in-process through the command's run() with a real context. */
export async function runTlsCommand(
  args: Readonly<Record<string, unknown>>,
  options: Partial<Options> = {},
): Promise<TlsRun> {
  let stdout = '';
  let stderr = '';
  const code = await runTls({
    options: { ...DEFAULTS, ...options },
    args,
    progress: SILENT_PROGRESS,
    signal: new AbortController().signal,
    stdout: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`;
    },
    stderr: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`;
    },
    setForcedExitHint: () => undefined,
  });
  return { code, stdout, stderr };
}

/** What sslscan reported for one endpoint. */
export interface SslscanFacts {
  readonly protocols: Readonly<Record<string, boolean>>;
  /** Accepted suites per protocol (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3). */
  readonly ciphers: Readonly<Record<string, readonly string[]>>;
  readonly keyType: string | undefined;
  readonly keyBits: number | undefined;
  readonly notAfter: string | undefined;
  readonly notBefore: string | undefined;
  readonly expired: boolean | undefined;
  readonly selfSigned: boolean | undefined;
  readonly signatureAlgorithm: string | undefined;
  /** The subject's and issuer's CN as sslscan prints them (the CN only). */
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  /** "DNS:localhost, IP Address:127.0.0.1" as printed. */
  readonly altnames: string | undefined;
  readonly xml: string;
}

const SSLSCAN_VERSIONS: Readonly<Record<string, string>> = {
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

/** Parse sslscan 2.x `--xml=-` output. */
export function parseSslscanXml(xml: string): SslscanFacts {
  const protocols: Record<string, boolean> = {};
  for (const m of xml.matchAll(/<protocol type="tls" version="([\d.]+)" enabled="(\d)"/g)) {
    const v = SSLSCAN_VERSIONS[m[1] ?? ''];
    if (v !== undefined) protocols[v] = m[2] === '1';
  }
  const ciphers: Record<string, string[]> = {};
  for (const m of xml.matchAll(/<cipher status="(?:accepted|preferred)" sslversion="([^"]+)"[^>]* cipher="([^"]+)"/g)) {
    const version = m[1] === 'TLSv1.0' ? 'TLSv1' : (m[1] ?? '');
    ciphers[version] ??= [];
    ciphers[version].push(m[2] ?? '');
  }
  for (const list of Object.values(ciphers)) list.sort();
  const pk = /<pk error="false" type="([^"]+)" (?:curve_name="[^"]*" )?bits="(\d+)"/.exec(xml);
  const notAfter = /<not-valid-after>([^<]+)<\/not-valid-after>/.exec(xml)?.[1];
  const notBefore = /<not-valid-before>([^<]+)<\/not-valid-before>/.exec(xml)?.[1];
  const expired = /<expired>(true|false)<\/expired>/.exec(xml)?.[1];
  const selfSigned = /<self-signed>(true|false)<\/self-signed>/.exec(xml)?.[1];
  const cdata = (tag: string): string | undefined =>
    new RegExp(`<${tag}><!\\[CDATA\\[([^\\]]*)\\]\\]></${tag}>`).exec(xml)?.[1];
  return {
    protocols,
    ciphers,
    keyType: pk?.[1],
    keyBits: pk?.[2] === undefined ? undefined : Number(pk[2]),
    notAfter: notAfter === undefined ? undefined : new Date(notAfter).toISOString(),
    notBefore: notBefore === undefined ? undefined : new Date(notBefore).toISOString(),
    expired: expired === undefined ? undefined : expired === 'true',
    selfSigned: selfSigned === undefined ? undefined : selfSigned === 'true',
    signatureAlgorithm: /<signature-algorithm>([^<]+)<\/signature-algorithm>/.exec(xml)?.[1],
    subject: cdata('subject'),
    issuer: cdata('issuer'),
    altnames: cdata('altnames'),
    xml,
  };
}

/** Run sslscan against host:port (bounded to 120 s) and parse its XML. */
export function sslscan(host: string, port: number): Promise<SslscanFacts> {
  return new Promise((resolve, reject) => {
    execFile(
      'sslscan',
      ['--no-colour', '--xml=-', `${host}:${port}`],
      { timeout: 120_000, maxBuffer: 4 << 20 },
      (err, stdout) => {
        if (err && stdout === '') reject(err);
        else resolve(parseSslscanXml(stdout));
      },
    );
  });
}

/** sslscan is installed (Debian package `sslscan`; .ci/run installs it). */
function sslscanAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile('sslscan', ['--version'], (err) => resolve(err === null)));
}

/**
 * Whether sslscan comparisons can run: in CI (CI set) a missing sslscan is a failure, since
 * .ci/run installs it; elsewhere the test is skipped with a reason that shows in the output.
 * Returns the skip reason, or false when sslscan is there.
 */
export async function sslscanSkipReason(): Promise<string | false> {
  if (await sslscanAvailable()) return false;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
    throw new Error(
      'sslscan is not installed, but CI must compare with it: .ci/run installs the Debian package sslscan.',
    );
  }
  return 'sslscan is not installed (apt-get install -y sslscan); CI fails instead of skipping';
}
