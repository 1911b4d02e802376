/**
 * Report surfaces key Pod targets by their workload (issue 16): a rollout renames every pod
 * (new ReplicaSet hash, new random suffix), and a quarterly `meshprobe diff` must not show every
 * row as changed because of it. The pod name stays in the evidence as supporting detail.
 */
import t from 'tap';
import { CONTROLS } from '../../../src/catalogue/index.js';
import { attemptId, type NotRunAttempt } from '../../../src/domain/attempt.js';
import { evidenceRecord } from '../../../src/domain/evidence.js';
import type { Report } from '../../../src/domain/report.js';
import type { TargetRef } from '../../../src/domain/target.js';
import type { Vantage } from '../../../src/domain/vantage.js';
import { evaluate } from '../../../src/evaluate/evaluate.js';
import { buildCertificateInventory } from '../../../src/evaluate/certificate-inventory.js';
import { buildReport } from '../../../src/report/build.js';
import { diffReports, diffTargetKey, renderDiff } from '../../../src/report/diff.js';
import { renderHtml, renderMarkdown, renderText } from '../../../src/report/reporters/index.js';
import { renderCertificatesCsv } from '../../../src/report/reporters/certificates-csv.js';
import { reachabilityMatrix } from '../../../src/report/reporters/matrix.js';
import { judgeContext } from '../../../src/shared/judge-context.js';
import { mintCert } from '../../helpers/certs.js';
import { T0, canaryStep, evidenceOf, from, inventory, ns, type Step } from '../../helpers/report-fixtures.js';

const POD_BEFORE = 'api-5ccf96d46d-hrbcs';
const POD_AFTER = 'api-7f6b9c8d4-x2kqz';
const pod = (name: string, workload?: string): TargetRef => ({
  kind: 'Pod',
  namespace: 'payments',
  name,
  ...(workload !== undefined ? { workload } : {}),
});
const CERT = mintCert({ emptySubject: true, uris: ['spiffe://cluster.local/ns/payments/sa/api'], sanCritical: true });
const IDENTITY: Vantage = { kind: 'identity', namespace: 'shop', workload: 'web', serviceAccount: 'web' };

/** One run against the payments/api workload, whose pod is `target`. */
function steps(target: TargetRef): Step[] {
  return [
    canaryStep(from('shop')),
    canaryStep(IDENTITY),
    // An open path from shop (1.3.1 fails, naming the workload) and a plaintext port (4.2.1 and friends).
    { probeId: 'tcp-reach', vantage: from('shop'), target, port: 8080, observed: { kind: 'connected' } },
    { probeId: 'tcp-reach', vantage: IDENTITY, target, port: 9090, observed: { kind: 'connected' } },
    {
      probeId: 'plaintext-http',
      vantage: from('shop'),
      target,
      port: 8080,
      observed: { kind: 'http', status: 200, body: '{"ok":true}' },
    },
    // A certificate seen on the pod (the inventory's sighting row).
    {
      probeId: 'tls-handshake',
      vantage: from('shop'),
      target,
      port: 8443,
      observed: { kind: 'tls', alert: 116, chain: [CERT.certPem] },
    },
  ];
}

/** A report through the real pipeline: evidence → certificate inventory → verdicts → report. */
function reportFor(target: TargetRef, runId: string): Report {
  const evidence = evidenceOf(steps(target));
  const certificates = buildCertificateInventory(evidence, { now: new Date(T0), expiryWarningDays: 30 });
  const summary = inventory([ns('payments', 'cde'), ns('shop', 'out-of-scope'), ns('meshprobe-run', 'probe', 1)]);
  const notRun: NotRunAttempt[] = [
    {
      probeId: 'plaintext-http',
      vantage: from('shop'),
      target,
      port: 5432,
      reason: 'port 5432 is named tcp-postgres, not HTTP',
      cause: 'inapplicable',
    },
  ];
  const context = judgeContext({ approvedFlows: [] });
  const verdicts = evaluate(CONTROLS, {
    evidence,
    inventory: summary,
    certificates,
    now: new Date(T0),
    context,
    coverage: { notRun },
  });
  return buildReport({
    run: {
      runId,
      tool: { name: 'meshprobe', version: '0.1.0' },
      startedAt: T0,
      finishedAt: '2026-01-15T10:00:42.000Z',
      options: {},
    },
    inventory: summary,
    verdicts,
    evidence,
    notRun,
    certificates,
    cleanup: { attempted: true, ok: true, deleted: [], problems: [] },
  });
}

t.test('a diff of two reports whose pods differ only by ReplicaSet hash shows no changed rows', async (t) => {
  // Given last quarter's report and this quarter's, after a rollout renamed the workload's pod
  const older = reportFor(pod(POD_BEFORE, 'api'), 'mp-old');
  const newer = reportFor(pod(POD_AFTER, 'api'), 'mp-new');
  t.ok(
    older.verdicts.some((v) => v.status === 'fails'),
    'the runs have failing findings to compare',
  );
  t.ok(older.certificates.length > 0, 'and a certificate sighting');
  // When they are diffed
  const d = diffReports(older, newer);
  // Then no row changed: same statuses, findings, open paths and certificates
  t.same(d.statusChanges, []);
  t.same(d.newFindings, []);
  t.same(d.closedFindings, []);
  t.same(d.openedPaths, []);
  t.same(d.closedPaths, []);
  t.same(d.certificatesAdded, []);
  t.same(d.certificatesRemoved, []);
  t.equal(d.regressed, false);
  t.match(renderDiff(d), /no changes/);
  // And the evidence still names each pod as supporting detail, under the same attempt ids
  t.ok(older.evidence.some((e) => e.attempt.target.name === POD_BEFORE));
  t.ok(newer.evidence.some((e) => e.attempt.target.name === POD_AFTER));
  t.same(
    older.evidence.map((e) => e.id),
    newer.evidence.map((e) => e.id),
  );
});

t.test('a diff against another workload does show the changed rows (the comparison can fail)', async (t) => {
  // Given the same run, but the second report's pod belongs to another workload
  const older = reportFor(pod(POD_BEFORE, 'api'), 'mp-old');
  const newer = reportFor(pod('ledger-6d5c4b8f9-q7w2r', 'ledger'), 'mp-new');
  // When they are diffed
  const d = diffReports(older, newer);
  // Then the paths and findings of api closed and those of ledger opened
  t.ok(d.openedPaths.some((p) => p.includes('Pod/payments/ledger:8080')));
  t.ok(d.closedPaths.some((p) => p.includes('Pod/payments/api:8080')));
  t.ok(d.newFindings.length > 0 && d.closedFindings.length > 0);
  t.equal(d.regressed, true);
});

t.test('a report made before Pod targets carried their workload diffs cleanly against a new one', async (t) => {
  // Given an old report whose Pod targets name only the pod (no workload field), and a new one
  const older = reportFor(pod(POD_BEFORE), 'mp-old');
  const newer = reportFor(pod(POD_AFTER, 'api'), 'mp-new');
  // When they are diffed
  const d = diffReports(older, newer);
  // Then the open paths match: a Deployment pod name is read as its workload
  t.same(d.openedPaths, []);
  t.same(d.closedPaths, []);
  t.equal(diffTargetKey(pod(POD_BEFORE)), 'Pod/payments/api');
  t.equal(diffTargetKey(pod('old-db-0')), 'Pod/payments/old-db-0', 'a StatefulSet pod keeps its stable name');
  t.equal(diffTargetKey({ kind: 'Service', namespace: 'payments', name: 'api' }), 'Service/payments/api');
});

t.test('attempt ids key a Pod target by its workload, not the pod name', async (t) => {
  const parts = { probeId: 'tcp-reach', vantage: from('shop'), port: 8080 };
  t.equal(
    attemptId({ ...parts, target: pod(POD_BEFORE, 'api') }),
    attemptId({ ...parts, target: pod(POD_AFTER, 'api') }),
  );
  t.not(attemptId({ ...parts, target: pod(POD_BEFORE, 'api') }), attemptId({ ...parts, target: pod(POD_BEFORE) }));
});

t.test('matrix, markdown, HTML, text and certificate CSV name the workload, never the pod', async (t) => {
  // Given a report whose evidence reached a Deployment's pod
  const report = reportFor(pod(POD_BEFORE, 'api'), 'mp-render');
  // When every surface is rendered
  const m = reachabilityMatrix(report);
  const md = renderMarkdown(report);
  const html = renderHtml(report);
  const text = renderText(report, { verbose: true });
  const csv = renderCertificatesCsv(report.certificates);
  // Then the matrix keys by namespace, and identity rows by workload
  t.same(m.targets, ['payments']);
  t.same(m.sources, ['shop', 'shop (as web)']);
  // And the markdown evidence rows, not-run rows and certificate places name payments/api
  t.match(md, /\| payments\/api:8080 \|/);
  t.match(md, /\| Pod\/payments\/api:5432 \|/);
  t.match(md, /payments\/api port 8443/);
  t.match(csv, /Pod\/payments\/api:8443@from-namespace:shop/);
  t.match(html, /payments\/api port 8080/);
  // And no rendered surface, nor any verdict reason or evidence sentence, carries the pod name
  for (const [name, out] of Object.entries({ md, html, text, csv })) t.notOk(out.includes(POD_BEFORE), name);
  t.notOk(JSON.stringify(report.verdicts).includes(POD_BEFORE), 'verdicts');
  t.notOk(
    report.evidence.some((e) => evidenceRecord(e).why.includes(POD_BEFORE)),
    'evidence sentences',
  );
});
