/**
 * 4.2.1 end to end without a cluster: the plan a `meshprobe run --untrusted-path` makes, the
 * real agent bundle (child process, as in a probe pod) and the in-process host batch against
 * real node:tls servers on 127.0.0.1, then COLLECT → evidence → certificate inventory → the
 * 4.2.1 judge. One server still accepts TLS 1.0 (minVersion TLSv1, SECLEVEL=0), the other
 * only TLS 1.2+; only the first may fail, and its reason must name target, port and protocol.
 */
import { judgeContext } from '../../../src/shared/judge-context.js';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { AttemptBatch } from '../../../probes/protocol.js';
import { CONTROLS, PROBES } from '../../../src/catalogue/index.js';
import type { NamespaceFacts } from '../../../src/discover/namespaces.js';
import { endpointTargets, type DiscoveredInventory } from '../../../src/discover/targets.js';
import type { Observation, SelfCheck } from '../../../src/domain/observation.js';
import type { Target } from '../../../src/domain/target.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { buildCertificateInventory } from '../../../src/evaluate/certificate-inventory.js';
import { evaluate } from '../../../src/evaluate/evaluate.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { collectObservations } from '../../../src/collect/collect.js';
import { runHostBatch } from '../../../src/run/run-host.js';
import { ECHO_PORT } from '../../../src/plan/echo-server.js';
import { planRun } from '../../../src/plan/plan.js';
import { agentArgs, buildAgentBundle, type AgentBundle } from '../../helpers/agent-bundle.js';
import { mintCa, mintCert } from '../../helpers/certs.js';
import { inventory, ns } from '../../helpers/report-fixtures.js';
import { startHttpServer, startTlsServer } from '../../helpers/servers.js';

const RUN = '20260115-100000-tls1';

/** Run one batch in the bundled agent the way a pod does; its stdout. */
async function runInAgent(agent: AgentBundle, batch: AttemptBatch): Promise<string> {
  const file = join(agent.dir, `${batch.podName}.json`);
  writeFileSync(file, JSON.stringify(batch));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, agentArgs(agent, file), {
      cwd: agent.dir,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`agent exited ${String(code)}: ${stderr}`)),
    );
  });
}

t.test(
  'run --untrusted-path: pinned TLS 1.0/1.1 handshakes by the real agent fail a server that accepts TLS 1.0 and not one that takes only TLS 1.2+',
  async (t) => {
    // Given a CA-issued RSA-2048 certificate for 127.0.0.1 (so only the protocol can make a path fail)
    const ca = mintCa('meshprobe legacy-TLS test CA');
    const leaf = mintCert({ cn: '127.0.0.1', ips: ['127.0.0.1'], issuer: ca });
    const tls = { key: leaf.keyPem, cert: `${leaf.certPem}${ca.certPem}` };
    // And two real TLS servers: one still accepting TLS 1.0/1.1, one with Node's default (TLS 1.2+)
    const legacy = await startTlsServer({ ...tls, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    t.teardown(legacy.close);
    const modern = await startTlsServer(tls);
    t.teardown(modern.close);
    // And a stand-in for the run's echo pod, so the probe pod's canary works
    const echo = await startHttpServer({ body: 'meshprobe echo' });
    t.teardown(echo.close);
    const legacyPath = `127.0.0.1:${legacy.port}`;
    const modernPath = `127.0.0.1:${modern.port}`;

    // And what discovery hands the planner: both paths as --untrusted-path endpoints, plus the CDE
    // Service behind the first one, reached at the same address (as the lab names a path by ClusterIP)
    const service: Target = {
      ref: { kind: 'Service', namespace: 'cde-crypto', name: 'tls-legacy' },
      address: '127.0.0.1',
      ports: [{ port: legacy.port, name: 'https', protocol: 'TCP', mtls: 'not-meshed' }],
      mesh: 'none',
      enrolment: 'none',
      inScope: true,
      workload: 'tls-legacy',
      labels: {},
    };
    const scope = {
      scope: undefined,
      cdeNamespaces: ['cde-crypto'],
      namespaces: [],
      excludeNamespaces: [],
      tenants: [],
      egressTargets: [],
      untrustedPaths: [legacyPath, modernPath],
    };
    const cde: NamespaceFacts = { name: 'cde-crypto', role: 'cde', inScope: true, included: true, labels: {} };
    const discovered: DiscoveredInventory = {
      summary: inventory([ns('cde-crypto', 'cde', 1)]),
      targets: [service, ...endpointTargets(scope)],
      namespaces: [cde],
      sameNamespaceAllowed: {},
    };

    // When the run plans 4.2.1
    const plan = planRun({
      runId: RUN,
      inventory: discovered,
      probes: PROBES,
      controls: CONTROLS,
      canaryAddress: '127.0.0.1',
      options: {
        controls: ['4.2.1'],
        skipProbes: [],
        foreignPods: true,
        attemptTimeout: 3000,
        concurrency: 8,
        timeout: 120,
      },
    });
    // Then every path is tried with the ordinary handshake and with TLS 1.0 and TLS 1.1 pinned, from the probe pod and the host
    const tried = (address: string, port: number, kind: string) =>
      plan.attempts
        .filter((a) => a.address === address && a.port === port && a.target.kind === kind)
        .map((a) => `${a.probeId}@${a.vantage.kind}`)
        .sort();
    const both = [
      'tls-handshake@host',
      'tls-handshake@probe-namespace',
      'tls-legacy-1-0@host',
      'tls-legacy-1-0@probe-namespace',
      'tls-legacy-1-1@host',
      'tls-legacy-1-1@probe-namespace',
    ];
    t.same(tried('127.0.0.1', legacy.port, 'Endpoint'), both);
    t.same(tried('127.0.0.1', modern.port, 'Endpoint'), both);
    t.same(tried('127.0.0.1', legacy.port, 'Service'), [
      'tls-handshake@probe-namespace',
      'tls-legacy-1-0@probe-namespace',
      'tls-legacy-1-1@probe-namespace',
    ]);
    t.equal(plan.pods.length, 1, 'one probe-namespace pod');

    // When the pod's batch runs in the real agent bundle (its canary pointed at the echo stand-in's port) and the host batch in-process
    const agent = await buildAgentBundle();
    t.teardown(agent.remove);
    const pod = plan.pods[0]!;
    const canaries = new Set(plan.attempts.filter((a) => a.role === 'canary' && a.port === ECHO_PORT).map((a) => a.id));
    const batch: AttemptBatch = {
      ...pod.batch,
      attempts: pod.batch.attempts.map((a) => (canaries.has(a.id) ? { ...a, port: echo.port } : a)),
    };
    const podOut = collectObservations(
      await runInAgent(agent, batch),
      batch.attempts.map((a) => a.id),
    );
    t.same(podOut.problems, [], 'the agent printed one valid line per attempt and its done line');
    const hostBatch = plan.hostBatch!;
    const hostOut = collectObservations(
      await runHostBatch(hostBatch, new AbortController().signal),
      hostBatch.attempts.map((a) => a.id),
    );
    t.same(hostOut.problems, []);

    // And COLLECT → evidence → certificate inventory → the 4.2.1 judge, once per path
    const observations: Observation[] = [...podOut.observations, ...hostOut.observations];
    const selfChecks = new Map<string, SelfCheck>([
      [vantageId(pod.vantage), podOut.selfCheck!],
      [vantageId({ kind: 'host' }), hostOut.selfCheck!],
    ]);
    const evidence = buildEvidence({ attempts: plan.attempts, observations, selfChecks });
    t.ok(
      evidence.some((e) => e.attempt.role === 'canary' && e.outcome.kind === 'allowed'),
      "the probe pod's canary reached the echo stand-in",
    );
    const now = new Date();
    const certificates = buildCertificateInventory(evidence, { now, expiryWarningDays: 30 });
    const judge = (path: string) =>
      evaluate(
        CONTROLS.filter((c) => c.requirement === '4.2.1'),
        {
          evidence,
          inventory: discovered.summary,
          certificates,
          now,
          context: judgeContext({ untrustedPaths: [path] }),
        },
      )[0]!;

    // Then the agent saw TLS 1.0 and 1.1 negotiated on the first server and refused by the second
    const pinnedTo = (port: number, probeId: string) =>
      evidence
        .filter((e) => e.attempt.port === port && e.attempt.probeId === probeId)
        .map((e) => e.observation?.tls?.protocol ?? e.observation?.errorCode);
    t.same([...new Set(pinnedTo(legacy.port, 'tls-legacy-1-0'))], ['TLSv1']);
    t.same([...new Set(pinnedTo(legacy.port, 'tls-legacy-1-1'))], ['TLSv1.1']);
    t.same([...new Set(pinnedTo(modern.port, 'tls-legacy-1-0'))], ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION']);
    t.same([...new Set(pinnedTo(modern.port, 'tls-legacy-1-1'))], ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION']);

    // And 4.2.1 fails the TLS 1.0 path, each reason naming the target, the port and the legacy protocols
    const bad = judge(legacyPath);
    t.equal(bad.status, 'fails', bad.reasons.join('\n'));
    t.equal(bad.reasons.length, 3, 'the endpoint from the host and the probe pod, and the CDE Service behind it');
    t.ok(
      bad.reasons.every(
        (r) =>
          r.includes('not strong cryptography (') &&
          r.includes('The endpoint accepts TLSv1 (a version-pinned handshake negotiated ') &&
          r.includes('The endpoint accepts TLSv1.1 (a version-pinned handshake negotiated '),
      ),
      'every reason names the legacy protocols',
    );
    t.ok(
      bad.reasons.some((r) =>
        r.startsWith(
          `Untrusted path ${legacyPath} completed a TLS handshake (TLSv1.3) from the host running meshprobe`,
        ),
      ),
      'named as the user gave it',
    );
    t.ok(
      bad.reasons.some((r) =>
        r.startsWith(
          `cde-crypto/tls-legacy port ${legacy.port} (untrusted path ${legacyPath}) completed a TLS handshake`,
        ),
      ),
      'the CDE Service by its name',
    );
    t.notMatch(bad.reasons.join('\n'), /egress target/i);

    // And the TLS 1.2+ path holds: the ordinary handshake is strong and both legacy versions were refused
    const good = judge(modernPath);
    t.equal(good.status, 'holds', good.reasons.join('\n'));
    t.equal(good.reasons.length, 2);
    t.ok(good.reasons.every((r) => r.includes('handshakes pinned to TLSv1 and TLSv1.1 were refused')));
  },
);
