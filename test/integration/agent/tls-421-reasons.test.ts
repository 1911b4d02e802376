/**
 * 4.2.1 / 4.2.1.1 reasons from real handshakes (the host batch of a planned run against
 * node:tls servers on 127.0.0.1): the expiry threshold is --cert-expiry-warning-days, a
 * certificate about to expire is named in the verdict reasons, and a SHA-1 signature and a
 * legacy version are each said once per reason (issue 15, from the lab run).
 */
import { judgeContext } from '../../../src/shared/judge-context.js';
import t from 'tap';
import { CONTROLS, PROBES } from '../../../src/catalogue/index.js';
import { endpointTargets, type DiscoveredInventory } from '../../../src/discover/targets.js';
import { buildCertificateInventory } from '../../../src/evaluate/certificate-inventory.js';
import { evaluate } from '../../../src/evaluate/evaluate.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { collectObservations } from '../../../src/collect/collect.js';
import { runHostBatch } from '../../../src/run/run-host.js';
import { planRun } from '../../../src/plan/plan.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { daysFromNow, mintCa, mintCert } from '../../helpers/certs.js';
import { inventory } from '../../helpers/report-fixtures.js';
import { startTlsServer } from '../../helpers/servers.js';
import { startOpenSslServer } from '../tls/tls-fixtures.js';
import { buildReport } from '../../../src/report/build.js';
import { renderMarkdown } from '../../../src/report/reporters/markdown.js';
import { DEFAULTS } from '../../../src/config/options.js';
import type { Evidence } from '../../../src/domain/evidence.js';

t.test(
  '4.2.1 names an expiring certificate by --cert-expiry-warning-days and says SHA-1 and legacy TLS once',
  async (t) => {
    // Given a CA, a server accepting TLS 1.0 with a SHA-1 signed certificate, and a modern one whose certificate expires in 10 days
    const ca = mintCa('meshprobe 4.2.1 reasons CA');
    const sha1 = mintCert({
      cn: '127.0.0.1',
      ips: ['127.0.0.1'],
      issuer: ca,
      hash: 'sha1',
      notAfter: daysFromNow(300),
    });
    const soon = mintCert({ cn: '127.0.0.1', ips: ['127.0.0.1'], issuer: ca, notAfter: daysFromNow(10) });
    const legacy = await startTlsServer({
      key: sha1.keyPem,
      cert: sha1.certPem + ca.certPem,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    t.teardown(legacy.close);
    const expiring = await startTlsServer({ key: soon.keyPem, cert: soon.certPem + ca.certPem });
    t.teardown(expiring.close);
    const legacyPath = `127.0.0.1:${legacy.port}`;
    const soonPath = `127.0.0.1:${expiring.port}`;
    const scope = {
      scope: undefined,
      cdeNamespaces: [],
      namespaces: [],
      excludeNamespaces: [],
      tenants: [],
      egressTargets: [],
      untrustedPaths: [legacyPath, soonPath],
    };
    const discovered: DiscoveredInventory = {
      summary: inventory([]),
      targets: endpointTargets(scope),
      namespaces: [],
      sameNamespaceAllowed: {},
    };
    // When the run's host batch makes the ordinary and the version-pinned handshakes
    const plan = planRun({
      runId: '20260115-100000-r421',
      inventory: discovered,
      probes: PROBES,
      controls: CONTROLS,
      canaryAddress: '127.0.0.1',
      options: {
        controls: ['4.2.1', '4.2.1.1'],
        skipProbes: [],
        foreignPods: true,
        attemptTimeout: 3000,
        concurrency: 8,
        timeout: 120,
      },
    });
    const hostBatch = plan.hostBatch!;
    const out = collectObservations(
      await runHostBatch(hostBatch, new AbortController().signal),
      hostBatch.attempts.map((a) => a.id),
    );
    t.same(out.problems, []);
    const attempts = plan.attempts.filter((a) => a.vantage.kind === 'host');
    const evidence = buildEvidence({
      attempts,
      observations: out.observations,
      selfChecks: new Map([[vantageId({ kind: 'host' }), out.selfCheck!]]),
    });
    const now = new Date();
    const judge = (paths: string[], days: number) => {
      const certificates = buildCertificateInventory(evidence, { now, expiryWarningDays: days, trustPem: ca.certPem });
      const controls = CONTROLS.filter((c) => c.requirement === '4.2.1' || c.requirement === '4.2.1.1');
      const context = judgeContext({ untrustedPaths: paths, certExpiryWarningDays: days, trustBundleSupplied: true });
      return evaluate(controls, { evidence, inventory: discovered.summary, certificates, now, context });
    };

    // Then the TLS 1.0 / SHA-1 path fails, each fact said once in its reason
    const [bad] = judge([legacyPath], 30);
    t.equal(bad?.status, 'fails');
    const reason = bad?.reasons[0] ?? '';
    t.equal(reason.match(/signed with sha1WithRSAEncryption/g)?.length, 1, `SHA-1 said once: ${reason}`);
    t.equal(reason.match(/accepts TLSv1 /g)?.length, 1, 'TLS 1.0 said once');
    t.equal(reason.match(/accepts TLSv1\.1 /g)?.length, 1, 'TLS 1.1 said once');
    t.notMatch(reason, /Legacy TLS accepted/, 'no second legacy sentence');

    // And with a 14-day threshold the modern path holds, naming the certificate that expires in 10 days
    const [warned, inventory14] = judge([soonPath], 14);
    t.equal(warned?.status, 'holds', warned?.reasons.join('\n') ?? '');
    t.match(warned?.reasons.join('\n'), /Warning: .*expires at .*, in (9|10) days \(warning threshold 14 days\)/);
    t.match(inventory14?.reasons.join('\n'), /about to expire: .*warning threshold 14 days/, '4.2.1.1 names it too');
    // And with a 5-day threshold nothing is said about it
    const [quiet] = judge([soonPath], 5);
    t.equal(quiet?.status, 'holds');
    t.notMatch(quiet?.reasons.join('\n'), /expires at/);
  },
);

t.test(
  'report.md lists each place a certificate was seen once, without the port twice, with both trust facts',
  async (t) => {
    // Given a real handshake to an --untrusted-path endpoint from the host
    const ca = mintCa('meshprobe report.md CA');
    const leaf = mintCert({
      cn: '127.0.0.1',
      ips: ['127.0.0.1'],
      issuer: ca,
      notBefore: daysFromNow(-30),
      notAfter: daysFromNow(-1),
    });
    const server = await startTlsServer({ key: leaf.keyPem, cert: leaf.certPem + ca.certPem });
    t.teardown(server.close);
    const path = `127.0.0.1:${server.port}`;
    const scope = {
      scope: undefined,
      cdeNamespaces: [],
      namespaces: [],
      excludeNamespaces: [],
      tenants: [],
      egressTargets: [],
      untrustedPaths: [path],
    };
    const discovered: DiscoveredInventory = {
      summary: inventory([]),
      targets: endpointTargets(scope),
      namespaces: [],
      sameNamespaceAllowed: {},
    };
    const plan = planRun({
      runId: '20260115-100000-md01',
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
    const out = collectObservations(
      await runHostBatch(plan.hostBatch!, new AbortController().signal),
      plan.hostBatch!.attempts.map((a) => a.id),
    );
    const host = buildEvidence({
      attempts: plan.attempts.filter((a) => a.vantage.kind === 'host'),
      observations: out.observations,
      selfChecks: new Map([[vantageId({ kind: 'host' }), out.selfCheck!]]),
    });
    // And the same observations as seen from a second vantage (a pod reaching the same address)
    const pod: Evidence[] = host.map((e) => ({
      ...e,
      id: `f${e.id.slice(1)}`,
      attempt: { ...e.attempt, id: `f${e.attempt.id.slice(1)}`, vantage: { kind: 'probe-namespace' } },
    }));
    const now = new Date();
    const certificates = buildCertificateInventory([...host, ...pod], {
      now,
      expiryWarningDays: 30,
      trustPem: ca.certPem,
    });
    // When the Markdown report is rendered
    const report = buildReport({
      run: {
        runId: '20260115-100000-md01',
        tool: { name: 'meshprobe', version: '0' },
        startedAt: now.toISOString(),
        finishedAt: now.toISOString(),
        options: { ...DEFAULTS },
      },
      inventory: discovered.summary,
      verdicts: [],
      evidence: [...host, ...pod],
      notRun: [],
      certificates,
      cleanup: { attempted: false, ok: true, deleted: [], problems: [] },
    });
    const row =
      renderMarkdown(report)
        .split('\n')
        .find((l) => l.includes('| CN=127.0.0.1 |')) ?? '';
    // Then the leaf's row names the endpoint once, as given, and says chain-valid but not trusted now (expired)
    t.equal(row.split(path).length - 1, 1, `the place appears once: ${row}`);
    t.notMatch(row, `${path}:${server.port}`, 'the port is not printed twice');
    t.match(row, 'trust: chain-valid yes, trusted-now no');
    t.match(row, 'fail: CERT_EXPIRED');
    t.same(certificates.find((c) => c.seenAt.length > 0 && c.facts.subject === 'CN=127.0.0.1')?.trust, {
      chainValid: true,
      trustedNow: false,
      detail: `The certificate "CN=127.0.0.1" on the trust path expired at ${certificates.find((c) => c.facts.subject === 'CN=127.0.0.1')?.facts.notAfter}.`,
    });
  },
);

t.test(
  'a legacy version whose only suites are outside DEFAULT (NULL at TLS 1.0) is found by the pinned handshake, not called refused',
  async (t) => {
    // Given an openssl s_server whose suites are one AEAD suite (TLS 1.2 only) and NULL-SHA: at TLS 1.0 only NULL is left
    const ca = mintCa('meshprobe legacy NULL CA');
    const leaf = mintCert({ cn: '127.0.0.1', ips: ['127.0.0.1'], issuer: ca, notAfter: daysFromNow(300) });
    const server = await startOpenSslServer(leaf.certPem, leaf.keyPem, [
      '-cipher',
      'ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA@SECLEVEL=0',
      '-no_tls1_3',
    ]);
    t.teardown(server.close);
    const path = `127.0.0.1:${server.port}`;
    const scope = {
      scope: undefined,
      cdeNamespaces: [],
      namespaces: [],
      excludeNamespaces: [],
      tenants: [],
      egressTargets: [],
      untrustedPaths: [path],
    };
    const discovered: DiscoveredInventory = {
      summary: inventory([]),
      targets: endpointTargets(scope),
      namespaces: [],
      sameNamespaceAllowed: {},
    };
    const plan = planRun({
      runId: '20260115-100000-nul1',
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
    // When the host batch runs and 4.2.1 judges it
    const out = collectObservations(
      await runHostBatch(plan.hostBatch!, new AbortController().signal),
      plan.hostBatch!.attempts.map((a) => a.id),
    );
    const evidence = buildEvidence({
      attempts: plan.attempts.filter((a) => a.vantage.kind === 'host'),
      observations: out.observations,
      selfChecks: new Map([[vantageId({ kind: 'host' }), out.selfCheck!]]),
    });
    const now = new Date();
    const [v] = evaluate(
      CONTROLS.filter((c) => c.requirement === '4.2.1'),
      {
        evidence,
        inventory: discovered.summary,
        certificates: buildCertificateInventory(evidence, { now, expiryWarningDays: 30 }),
        now,
        context: judgeContext({ untrustedPaths: [path] }),
      },
    );
    // Then the TLS 1.0 handshake negotiated NULL-SHA and the path fails on it
    const pinned = evidence.find((e) => e.attempt.probeId === 'tls-legacy-1-0');
    t.same([pinned?.observation?.tls?.protocol, pinned?.observation?.tls?.cipher], ['TLSv1', 'NULL-SHA']);
    t.equal(v?.status, 'fails');
    t.match(v?.reasons.join('\n') ?? '', /accepts TLSv1 \(a version-pinned handshake negotiated NULL-SHA\)/);
  },
);
