/**
 * Identity vantages over mTLS (7.2.2, issue 16): the agent presents the mesh identity mounted in its
 * pod (TlsRequest.clientIdentityDir) to a real mTLS server on 127.0.0.1 that requires a client
 * certificate from the mesh CA and lets only one SPIFFE id through (as the lab's ghostunnel
 * sidecar with --allow-uri does), and 7.2.2 judges what came back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import { NO_MESH_IDENTITY, type AttemptSpec } from '../../../probes/protocol.js';
import { findControl } from '../../../src/catalogue/index.js';
import { meshAccess } from '../../../src/catalogue/controls/mesh-access.js';
import type { Observation } from '../../../src/domain/observation.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { mintCa, mintCert, type MintedCert } from '../../helpers/certs.js';
import { attemptsOf, judgeInput, PROBE_NS, svc } from '../../helpers/report-fixtures.js';

const spiffe = (ns: string, sa: string): string => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
const ALLOWED = spiffe('shop', 'checkout');

/** An mTLS port: client certificate from `ca` required; only ALLOWED gets an HTTP answer, others a close. */
async function startMeshPort(ca: MintedCert): Promise<{ port: number; close: () => Promise<void> }> {
  const cert = mintCert({ cn: 'vault', issuer: ca, uris: [spiffe('payments', 'vault')], ips: ['127.0.0.1'] });
  const server = createServer(
    { key: cert.keyPem, cert: cert.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: true },
    (s: TLSSocket) => {
      s.on('error', () => undefined);
      const san = s.getPeerCertificate().subjectaltname ?? '';
      if (!san.split(', ').includes(`URI:${ALLOWED}`)) {
        s.end(); // authorization denies the authenticated identity: closed after the handshake, nothing served
        return;
      }
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A directory laid out like an injected identity (MESH_IDENTITY_DIR). */
function identityDir(cert: MintedCert, ca: MintedCert): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-svid-'));
  writeFileSync(join(dir, 'certificates.pem'), cert.certPem);
  writeFileSync(join(dir, 'private_key.pem'), cert.keyPem);
  writeFileSync(join(dir, 'ca_certificates.pem'), ca.certPem);
  return dir;
}

t.test(
  "the agent presents its pod's mesh identity, and 7.2.2 tells let-through, refused and unauthenticated identities apart",
  async (t) => {
    // Given an mTLS port of the mesh CA that lets only shop/checkout through
    const ca = mintCa('mesh CA');
    const other = mintCa('other mesh CA');
    const server = await startMeshPort(ca);
    t.teardown(server.close);
    const checkout: Vantage = { kind: 'identity', namespace: 'shop', workload: 'checkout', serviceAccount: 'checkout' };
    const reports: Vantage = { kind: 'identity', namespace: 'shop', workload: 'reports', serviceAccount: 'reports' };
    const rogue: Vantage = { kind: 'identity', namespace: 'shop', workload: 'rogue', serviceAccount: 'rogue' };
    const dirs = new Map<string, string>([
      [vantageId(checkout), identityDir(mintCert({ cn: 'c', issuer: ca, uris: [ALLOWED] }), ca)],
      [vantageId(reports), identityDir(mintCert({ cn: 'r', issuer: ca, uris: [spiffe('shop', 'reports')] }), ca)],
      // an identity of another mesh (its own CA and trust bundle): not authenticated by this one
      [vantageId(rogue), identityDir(mintCert({ cn: 'x', issuer: other, uris: [spiffe('shop', 'rogue')] }), other)],
    ]);
    t.teardown(() => {
      for (const d of dirs.values()) rmSync(d, { recursive: true, force: true });
    });
    const target = svc('payments', 'vault');
    const { attempts } = attemptsOf([
      {
        probeId: 'tls-handshake',
        vantage: PROBE_NS,
        target,
        port: server.port,
        address: '127.0.0.1',
        observed: { kind: 'missing' },
      },
      ...[checkout, reports, rogue].map((v) => ({
        probeId: 'mesh-authz',
        technique: 'http' as const,
        vantage: v,
        target,
        port: server.port,
        address: '127.0.0.1',
        http: { method: 'GET', path: '', tls: true },
        observed: { kind: 'missing' } as const,
      })),
    ]);
    // When the agent makes each attempt for real, the identity ones with their pod's identity directory
    const observations: Observation[] = [];
    for (const a of attempts) {
      const dir = dirs.get(vantageId(a.vantage));
      const spec: AttemptSpec = {
        id: a.id,
        technique: a.technique,
        host: '127.0.0.1',
        port: a.port,
        timeoutMs: 3000,
        ...(a.http ? { http: a.http } : {}),
        ...(dir ? { tls: { clientIdentityDir: dir } } : {}),
      };
      observations.push(await runAttempt(spec));
    }
    const meshed = { meshListeners: [], meshed: false, nodeVersion: process.version };
    const selfChecks = new Map([PROBE_NS, checkout, reports, rogue].map((v) => [vantageId(v), meshed]));
    const evidence = buildEvidence({ attempts, observations, selfChecks });
    const kindOf = (v: Vantage): string | undefined => {
      const e = evidence.find(
        (x) => x.attempt.probeId === 'mesh-authz' && vantageId(x.attempt.vantage) === vantageId(v),
      );
      return e && meshAccess(e).kind;
    };
    // Then the allowed identity got the app's answer and the other identity of the mesh a close after mTLS; the
    // identity of another mesh was closed too (node:tls closes where Go alerts unknown_ca), by a server not of its mesh
    t.equal(kindOf(checkout), 'allowed');
    t.equal(kindOf(reports), 'refused-after-handshake');
    t.equal(kindOf(rogue), 'unknown');
    t.notMatch(JSON.stringify(observations), /PRIVATE KEY/, 'the key never reaches an observation');
    // And 7.2.2 holds for reports (refused, positive control: checkout) but not for rogue, never authenticated
    const flows = { approvedFlows: [{ from: 'shop/sa:checkout', to: 'payments/*', port: '*' as const }] };
    const j = findControl('7.2.2')!.judge(judgeInput(evidence, { context: flows }));
    t.equal(j.status, 'inconclusive', j.reasons.join('\n'));
    t.match(
      j.reasons.join('\n'),
      /closed the connection without answering for workload shop\/reports .*authorization denies this identity/,
    );
    t.match(j.reasons.join('\n'), /as workload shop\/rogue .*not from the identity's mesh trust bundle/);
    t.notMatch(j.reasons.join('\n'), /shop\/rogue[^.]*authorization denies/);
  },
);

t.test('an attempt that asks for the mesh identity in a pod without one sends nothing and says so', async (t) => {
  // Given a listener that counts connections, and a directory with no identity in it
  let connections = 0;
  const server = createServer({}, () => undefined);
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const empty = mkdtempSync(join(tmpdir(), 'meshprobe-no-svid-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  // When the agent is asked to present it
  const o = await runAttempt({
    id: 'x',
    technique: 'http',
    host: '127.0.0.1',
    port,
    timeoutMs: 2000,
    http: { method: 'GET', path: '', tls: true },
    tls: { clientIdentityDir: empty },
  });
  // Then the attempt is an agent error with the stable code, and no connection was made
  t.equal(o.transport, 'agent-error');
  t.equal(o.errorCode, NO_MESH_IDENTITY);
  t.match(o.detail ?? '', /no mesh identity was injected into this pod/);
  t.equal(connections, 0);
});
