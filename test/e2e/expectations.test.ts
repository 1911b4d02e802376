/**
 * The parts of the e2e suite that need no cluster: the ground truth is well-formed and refers
 * to real controls and real scenario namespaces, every manifest parses and documents its intent,
 * the certificates mint with the planted defects, and the comparison and leftover parsing
 * catch what they must. Runs with `npm run test:e2e` whether or not the lab is up.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { loadAllYaml } from '@kubernetes/client-node';
import { ALL_CONTROLS } from '../../src/catalogue/controls/index.js';
import { compareReport, formatDiff, type Scenario } from './helpers/compare.js';
import { loadExpectations } from './helpers/expectations.js';
import { describeLeftovers, parseLeftovers } from './helpers/leftovers.js';
import { fillPlaceholders, headerOf, manifestFiles, scenarioNamespaces } from './helpers/scenarios.js';
import { kubeconfigPathsIn } from './helpers/lab.js';
import { withoutFlags } from './helpers/meshprobe.js';
import { mintScenarioCertificates } from './scenarios/certificates.js';

const expectations = loadExpectations();
const controlIds = new Set(ALL_CONTROLS.map((c) => c.id));

t.test('every expected control id exists in the catalogue', async (t) => {
  for (const s of expectations.scenarios) {
    for (const id of Object.keys(s.expect)) t.ok(controlIds.has(id), `${s.name}: ${id} is a catalogue control`);
    for (const d of s.knownDeviations)
      t.ok(controlIds.has(d.control), `${s.name}: known deviation ${d.control} is a catalogue control`);
  }
});

t.test(
  'every scenario names only namespaces that a manifest creates, and every fails verdict names what failed',
  async (t) => {
    const known = new Set(scenarioNamespaces());
    for (const s of expectations.scenarios) {
      for (const ns of s.namespaces) t.ok(known.has(ns), `${s.name}: namespace ${ns} has a manifest`);
      for (const [id, e] of Object.entries(s.expect)) {
        if (e.status === 'fails')
          t.ok(
            (e.reasons ?? []).length > 0,
            `${s.name}: ${id} fails and lists the reason fragments naming namespace/workload/port`,
          );
      }
    }
    t.equal(
      new Set(expectations.scenarios.map((s) => s.name)).size,
      expectations.scenarios.length,
      'scenario names are unique',
    );
  },
);

t.test('every manifest parses, documents intent and ground truth, and labels its objects for teardown', async (t) => {
  for (const f of manifestFiles()) {
    const name = f.split('/').pop()!;
    const docs = loadAllYaml(readFileSync(f, 'utf8')).filter(Boolean) as {
      kind: string;
      metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    }[];
    t.ok(docs.length > 0, `${name} has objects`);
    const header = headerOf(f);
    t.match(header, /Intent/, `${name} header states the intent`);
    t.match(header, /Ground truth|none by itself/, `${name} header states the ground truth`);
    for (const d of docs) {
      t.equal(
        d.metadata.labels?.['meshprobe-e2e/part-of'],
        'scenarios',
        `${name}: ${d.kind}/${d.metadata.name} carries the scenario label`,
      );
      t.not(
        d.metadata.labels?.['app.kubernetes.io/managed-by'],
        'meshprobe',
        `${name}: ${d.kind}/${d.metadata.name} does not pretend to be a meshprobe object`,
      );
    }
    if (!name.startsWith('00-')) {
      const ns = name.replace(/\.yaml$/, '');
      t.ok(
        docs.some((d) => d.kind === 'Namespace' && d.metadata.name === ns),
        `${name} creates namespace ${ns}`,
      );
      t.ok(
        docs.every((d) => d.kind === 'Namespace' || d.metadata.namespace === ns),
        `${name} puts every object in ${ns}`,
      );
    }
  }
});

t.test('the scenario certificates carry exactly the planted defects', async (t) => {
  // Given certificates minted "now"
  const now = new Date();
  const minted = mintScenarioCertificates(now);
  const byName = new Map(minted.secrets.map((s) => [s.name, new X509Certificate(s.cert.certPem)]));
  // Then the expired one ended before now, the weak one has 1024 bits, the others are valid RSA-2048
  t.ok(new Date(byName.get('cert-expired-tls')!.validTo) < now, 'cert-expired is expired');
  t.equal(byName.get('cert-weak-tls')!.publicKey.asymmetricKeyDetails?.modulusLength, 1024, 'cert-weak is RSA-1024');
  for (const n of ['tls-legacy-tls', 'payments-tls', 'ledger-tls', 'orders-tls']) {
    const c = byName.get(n)!;
    t.ok(new Date(c.validTo) > now && new Date(c.validFrom) <= now, `${n} is within validity`);
    t.equal(c.publicKey.asymmetricKeyDetails?.modulusLength, 2048, `${n} is RSA-2048`);
  }
  t.match(
    byName.get('payments-tls')!.subjectAltName ?? '',
    /URI:spiffe:\/\/cluster\.local\/ns\/cde-strict\/sa\/payments/,
    'the sidecar stand-in presents a SPIFFE identity',
  );
  t.ok(
    byName.get('cert-weak-tls')!.checkIssued(new X509Certificate(minted.webCaPem)),
    'app certificates are issued by the lab web CA',
  );
  t.ok(
    byName.get('payments-tls')!.checkIssued(new X509Certificate(minted.meshCaPem)),
    'mesh certificates are issued by the lab mesh CA',
  );
});

const scenario: Scenario = {
  name: 'example',
  intent: 'test',
  namespaces: ['a'],
  args: [],
  expect: {
    'pci-dss-4.0.1/1.3.1': { status: 'fails', reasons: [['cde/vault', 'port 8080', 'from namespace shop']] },
    'pci-dss-4.0.1/1.3.2': { status: 'holds' },
  },
  knownDeviations: [{ control: 'pci-dss-4.0.1/1.3.2', observed: 'inconclusive', why: 'documented', evidence: 'run x' }],
};
const naming =
  'Cde/vault port 8080 accepted a TCP connection from namespace shop: inbound traffic to the CDE is not restricted.';

t.test('the comparison demands exactly the expected controls, statuses and reason fragments', async (t) => {
  const cases: {
    name: string;
    verdicts: { controlId: string; status: string; reasons: string[] }[];
    kinds: string[];
  }[] = [
    {
      name: 'a matching report has no difference',
      verdicts: [
        { controlId: 'pci-dss-4.0.1/1.3.1', status: 'fails', reasons: ['x', naming.replace('Cde', 'cde')] },
        { controlId: 'pci-dss-4.0.1/1.3.2', status: 'holds', reasons: [] },
      ],
      kinds: [],
    },
    {
      name: 'a wrong status is a difference',
      verdicts: [
        { controlId: 'pci-dss-4.0.1/1.3.1', status: 'holds', reasons: [] },
        { controlId: 'pci-dss-4.0.1/1.3.2', status: 'holds', reasons: [] },
      ],
      kinds: ['status'],
    },
    {
      name: 'fragments split across two reasons do not count',
      verdicts: [
        {
          controlId: 'pci-dss-4.0.1/1.3.1',
          status: 'fails',
          reasons: ['cde/vault port 8080 was open', 'from namespace shop'],
        },
        { controlId: 'pci-dss-4.0.1/1.3.2', status: 'holds', reasons: [] },
      ],
      kinds: ['missing-reason'],
    },
    {
      name: 'a missing control is a difference',
      verdicts: [{ controlId: 'pci-dss-4.0.1/1.3.2', status: 'holds', reasons: [] }],
      kinds: ['missing-control'],
    },
    {
      name: 'an extra control is a difference',
      verdicts: [
        { controlId: 'pci-dss-4.0.1/1.3.1', status: 'fails', reasons: [naming.replace('Cde', 'cde')] },
        { controlId: 'pci-dss-4.0.1/1.3.2', status: 'holds', reasons: [] },
        { controlId: 'pci-dss-4.0.1/2.2.4', status: 'holds', reasons: [] },
      ],
      kinds: ['unexpected-control'],
    },
  ];
  for (const c of cases) {
    const got = compareReport({ verdicts: c.verdicts }, scenario);
    t.same(
      got.map((m) => m.kind),
      c.kinds,
      c.name,
    );
  }
});

t.test('a documented deviation is marked as such only when the observed status is the documented one', async (t) => {
  const base = { controlId: 'pci-dss-4.0.1/1.3.1', status: 'fails', reasons: [naming.replace('Cde', 'cde')] };
  const documented = compareReport(
    { verdicts: [base, { controlId: 'pci-dss-4.0.1/1.3.2', status: 'inconclusive', reasons: [] }] },
    scenario,
  );
  t.ok(documented[0]?.knownDeviation, 'inconclusive matches the documented deviation');
  const other = compareReport(
    { verdicts: [base, { controlId: 'pci-dss-4.0.1/1.3.2', status: 'fails', reasons: ['r'] }] },
    scenario,
  );
  t.notOk(other[0]?.knownDeviation, 'fails is not the documented deviation');
  t.match(
    formatDiff('example', other),
    /pci-dss-4\.0\.1\/1\.3\.2 \[status\][\s\S]*expected: holds[\s\S]*got: +fails[\s\S]*reason: r/,
    'the diff names control, expected, got and reasons',
  );
});

t.test('placeholders in arguments and fragments are filled from the applied lab', async (t) => {
  const applied = {
    outside: '198.19.0.10:8080',
    webCaFile: '/tmp/ca.pem',
    serviceIps: { 'cde-crypto/cert-weak': '198.19.0.20' },
  };
  t.equal(fillPlaceholders('{outside}', applied), '198.19.0.10:8080');
  t.match(
    fillPlaceholders('{scenarios}/approved-flows/x.yaml', applied),
    /test\/e2e\/scenarios\/approved-flows\/x\.yaml$/,
  );
  t.equal(fillPlaceholders('{ip:cde-crypto/cert-weak}:8443', applied), '198.19.0.20:8443');
  t.throws(
    () => fillPlaceholders('{ip:nowhere/none}:1', applied),
    /no scenario Service nowhere\/none/,
    'an unknown Service is an error, not an empty host',
  );
  const s: Scenario = {
    ...scenario,
    expect: { 'pci-dss-4.0.1/1.3.2': { status: 'fails', reasons: [['{outside}']] } },
    knownDeviations: [],
  };
  t.same(
    compareReport(
      {
        verdicts: [
          { controlId: 'pci-dss-4.0.1/1.3.2', status: 'fails', reasons: ['egress target 198.19.0.10:8080 connected'] },
        ],
      },
      s,
      { '{outside}': applied.outside },
    ),
    [],
  );
});

t.test('leftover parsing names every object and marks terminating ones', async (t) => {
  const json = JSON.stringify({
    items: [
      { kind: 'Pod', metadata: { name: 'agent-1', namespace: 'meshprobe-abc' } },
      { kind: 'Namespace', metadata: { name: 'meshprobe-abc', deletionTimestamp: '2026-11-23T19:00:00Z' } },
    ],
  });
  const left = parseLeftovers(json);
  t.equal(left.length, 2);
  t.equal(describeLeftovers(left), 'Namespace meshprobe-abc (terminating)\nPod meshprobe-abc/agent-1');
  t.same(parseLeftovers('{"items":[]}'), []);
});

t.test('the lab kubeconfig is found in the status text', async (t) => {
  t.same(
    kubeconfigPathsIn('kubeconfig: /root/.cache/meshprobe-lab/run/admin.kubeconfig\nlp: /x/meshprobe-user.kubeconfig'),
    ['/root/.cache/meshprobe-lab/run/admin.kubeconfig', '/x/meshprobe-user.kubeconfig'],
  );
  t.same(kubeconfigPathsIn('export KUBECONFIG=/var/lib/lab/kubeconfig'), ['/var/lib/lab/kubeconfig']);
});

t.test('a fault test override replaces the default flag and its value instead of repeating it', async (t) => {
  const defaults = ['--agent-image', 'lab.local/node:24', '-o', 'json', '--quiet', '--pod-ready-timeout', '180'];
  t.same(withoutFlags(defaults, ['--agent-image', '--pod-ready-timeout']), ['-o', 'json', '--quiet']);
  t.same(
    withoutFlags(defaults, ['--quiet']),
    ['--agent-image', 'lab.local/node:24', '-o', 'json', '--pod-ready-timeout', '180'],
    'a boolean flag takes no value with it',
  );
});
