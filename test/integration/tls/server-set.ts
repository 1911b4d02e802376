/**
 * meshprobe's own set of local TLS servers of different kinds (old versions, weak keys and
 * signatures, expired, self-signed, client-certificate demanding, CBC-only, NULL-only,
 * anonymous-only, modern), shared by the sslscan agreement test and `npm run bench:tls`.
 * Every server listens on 127.0.0.1 only; certificates are minted by node-forge.
 */
import { daysFromNow, mintCa, mintCert, mintEcCert, type MintedCert } from '../../helpers/certs.js';
import { startTlsServer } from '../../helpers/servers.js';
import { startOpenSslServer } from './tls-fixtures.js';

/** A running server of the set. */
export interface RunningServer {
  readonly port: number;
  readonly close: () => Promise<void>;
}

/** One kind of server and what meshprobe must say about it. */
export interface ServerKind {
  readonly name: string;
  readonly start: () => Promise<RunningServer>;
  /** Protocol versions it accepts. */
  readonly protocols: readonly string[];
  /** Failing finding codes meshprobe must report (a subset check; empty = none may fail). */
  readonly fails: readonly string[];
  /** A client certificate is demanded. */
  readonly clientCert?: boolean;
}

/** The CA that signs the set's leaves; give it as --ca-file. */
export const SET_CA: MintedCert = mintCa('meshprobe server-set CA');

const leaf = (extra: Parameters<typeof mintCert>[0] = {}): MintedCert =>
  mintCert({ issuer: SET_CA, dns: ['localhost'], ips: ['127.0.0.1'], notAfter: daysFromNow(200), ...extra });

const good = leaf();
const expired = leaf({ notBefore: daysFromNow(-60), notAfter: daysFromNow(-2) });
const rsa1024 = leaf({ keyBits: 1024 });
const sha1 = leaf({ hash: 'sha1' });
const selfSigned = mintCert({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], notAfter: daysFromNow(200) });
const ec = mintEcCert({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], issuer: SET_CA, days: 200 });

/** `openssl s_server` with the certificate and extra arguments (SECLEVEL 0 lets it serve weak things at all). */
const openssl = (cert: MintedCert, args: readonly string[]) => () =>
  startOpenSslServer(cert.certPem, cert.keyPem, args);

/** The set: 12 kinds. */
export const SERVER_SET: readonly ServerKind[] = [
  {
    name: 'modern (openssl defaults, TLS 1.2 + 1.3)',
    start: openssl(good, []),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    fails: [],
  },
  {
    name: 'TLS 1.3 only, EC P-256',
    start: () => startTlsServer({ cert: ec.certPem, key: ec.keyPem, minVersion: 'TLSv1.3' }),
    protocols: ['TLSv1.3'],
    fails: [],
  },
  {
    name: 'TLS 1.0 only',
    start: openssl(good, ['-tls1', '-cipher', 'HIGH:!aNULL@SECLEVEL=0']),
    protocols: ['TLSv1'],
    fails: ['TLS_PROTOCOL_BELOW_MIN'],
  },
  {
    name: 'TLS 1.1 only',
    start: openssl(good, ['-tls1_1', '-cipher', 'HIGH:!aNULL@SECLEVEL=0']),
    protocols: ['TLSv1.1'],
    fails: ['TLS_PROTOCOL_BELOW_MIN'],
  },
  {
    name: 'TLS 1.2 CBC only',
    start: openssl(good, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA:AES256-SHA256']),
    protocols: ['TLSv1.2'],
    fails: [],
  },
  {
    name: 'NULL suites only',
    start: openssl(good, ['-tls1_2', '-cipher', 'NULL-SHA256:NULL-SHA@SECLEVEL=0']),
    protocols: ['TLSv1.2'],
    fails: ['CIPHER_WEAK'],
  },
  {
    name: 'anonymous suites only',
    start: openssl(good, ['-tls1_2', '-cipher', 'aNULL:!eNULL@SECLEVEL=0']),
    protocols: ['TLSv1.2'],
    fails: ['CIPHER_WEAK'],
  },
  {
    name: 'RSA-1024 key',
    start: openssl(rsa1024, ['-no_tls1', '-no_tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    fails: ['KEY_TOO_SMALL'],
  },
  {
    name: 'SHA-1 signed certificate',
    start: openssl(sha1, ['-no_tls1', '-no_tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    fails: ['SIGNATURE_WEAK'],
  },
  {
    name: 'expired certificate',
    start: openssl(expired, []),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    fails: ['CERT_EXPIRED'],
  },
  {
    name: 'self-signed certificate',
    start: openssl(selfSigned, []),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    fails: ['CERT_SELF_SIGNED', 'CERT_UNTRUSTED'],
  },
  {
    name: 'client certificate required',
    start: () =>
      startTlsServer({
        cert: good.certPem,
        key: good.keyPem,
        ca: SET_CA.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      }),
    protocols: ['TLSv1.2', 'TLSv1.3'],
    fails: [],
    clientCert: true,
  },
];

/** Start every server of `kinds` (in parallel); close() stops them all. */
export async function startSet(
  kinds: readonly ServerKind[] = SERVER_SET,
): Promise<{ servers: RunningServer[]; close: () => Promise<void> }> {
  const servers = await Promise.all(kinds.map((k) => k.start()));
  return { servers, close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}
