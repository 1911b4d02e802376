import t from 'tap';
import {
  CONTROLS,
  PROBES,
  compareRequirements,
  controlById,
  findControl,
  probeById,
  validateCatalogue,
} from '../../../src/catalogue/index.js';
import type { Target, TargetPort } from '../../../src/domain/target.js';

const httpPort: TargetPort = { port: 8080, name: 'http', protocol: 'TCP', mtls: 'strict' };
const api: Target = {
  ref: { kind: 'Service', namespace: 'payments', name: 'api' },
  address: '10.96.0.10',
  ports: [httpPort],
  mesh: 'istio',
  enrolment: 'sidecar',
  inScope: true,
  workload: 'api',
  labels: {},
};

t.test(
  'the catalogue is consistent: unique ids, every control names existing probes, every probe is used',
  async (t) => {
    t.same(validateCatalogue(), []);
  },
);

t.test('validation names a control that refers to an unknown probe and an unused probe', async (t) => {
  // Given a control naming a probe that does not exist, and a probe no control uses
  const control = { ...CONTROLS[0]!, id: 'pci-dss-4.0.1/9.9.9', requirement: '9.9.9', probeIds: ['no-such-probe'] };
  const probe = { ...PROBES[0]!, id: 'lonely-probe' };
  // When validating
  const problems = validateCatalogue([...PROBES, probe], [...CONTROLS, control]);
  // Then both are named
  t.ok(problems.includes('control pci-dss-4.0.1/9.9.9 names unknown probe no-such-probe'));
  t.ok(problems.includes('probe lonely-probe is not used by any control'));
});

t.test('the core controls and not-applicable requirements are all present', async (t) => {
  for (const r of [
    '1.2.5',
    '1.2.6',
    '1.3.1',
    '1.3.2',
    '1.3.3',
    '1.4.3',
    '2.2.4',
    '2.2.5',
    '2.2.7',
    '4.2.1',
    '4.2.1.1',
    '4.2.1.2',
    '7.2.1',
    '7.2.2',
    '8.3.1',
    '10.2.1',
    '11.3.1',
    '11.3.2',
    '11.4.5',
    '11.4.6',
    'A1.1.2',
  ]) {
    t.ok(findControl(r), `control ${r} exists`);
    t.ok(controlById.get(`pci-dss-4.0.1/${r}`), `control id for ${r} resolves`);
  }
});

t.test('controls are listed in requirement order, not string order', async (t) => {
  const reqs = CONTROLS.map((c) => c.requirement);
  t.same([...reqs].sort(compareRequirements), reqs);
  t.ok(reqs.indexOf('2.2.4') < reqs.indexOf('10.2.1'));
  t.ok(reqs.indexOf('11.4.6') < reqs.indexOf('A1.1.2'));
});

t.test('plaintext-http applies to a meshed HTTP port and uses a random path from the seed', async (t) => {
  const p = probeById.get('plaintext-http')!;
  t.equal(p.applies(api, httpPort), true);
  const a = p.request(api, httpPort, 'seed-one');
  const b = p.request(api, httpPort, 'seed-two');
  t.not(a.http?.path, b.http?.path);
  t.match(a.http?.path, /^\/__meshprobe_/);
});

t.test('plaintext-http does not apply to mesh by-design ports and says why', async (t) => {
  const p = probeById.get('plaintext-http')!;
  const reason = p.applies(api, {
    port: 15090,
    protocol: 'TCP',
    mtls: 'unknown',
    meshBypass: 'istio-envoy-prometheus',
  });
  t.type(reason, 'string');
  t.match(String(reason), /mesh by-design/);
});

t.test('the Istio ALPN handshake applies only to Istio-meshed targets', async (t) => {
  const p = probeById.get('tls-handshake-istio-alpn')!;
  t.equal(p.applies(api, httpPort), true);
  t.same(p.request(api, httpPort, 's').tls?.alpn, ['istio-http/1.1', 'istio', 'http/1.1']);
  t.type(p.applies({ ...api, mesh: 'none', enrolment: 'none' }, httpPort), 'string');
});

t.test('the kubelet probe uses HTTPS on 10250 and plaintext on the read-only port 10255', async (t) => {
  const p = probeById.get('kubelet-anonymous')!;
  const node: Target = { ...api, ref: { kind: 'Node', namespace: '', name: 'worker-1' } };
  t.equal(p.request(node, { port: 10250, protocol: 'TCP', mtls: 'not-meshed' }, 's').http?.tls, true);
  t.equal(p.request(node, { port: 10255, protocol: 'TCP', mtls: 'not-meshed' }, 's').http?.tls, false);
  t.type(p.applies(api, httpPort), 'string');
});

t.test('the judge context is built from options in one place, every field typed and defaulted', async (t) => {
  const { controlContext, judgeContext } = await import('../../../src/catalogue/index.js');
  // Given options without a flows file, and then with one and the identity gaps
  const ctx = controlContext({
    tenants: ['a', 'b'],
    untrustedPaths: ['pay.example:443'],
    egressTargets: [],
    caFile: '/ca.pem',
  });
  // Then every field is there, with "not given" values, and no approvedFlows key at all
  t.same(ctx, {
    tenants: ['a', 'b'],
    untrustedPaths: ['pay.example:443'],
    egressTargets: [],
    trustBundleSupplied: true,
    identityGaps: [],
    tenantLabelAdmissions: [],
    hostNetworkCde: [],
    hostNetworkTenants: [],
    certExpiryWarningDays: 30,
  });
  t.notOk('approvedFlows' in ctx);
  const flows = [{ from: 'shop', to: 'payments/api', port: 8080 as const }];
  const full = controlContext(
    { tenants: [], untrustedPaths: [], egressTargets: [], caFile: undefined, certExpiryWarningDays: 7 },
    {
      approvedFlows: flows,
      identityGaps: ['web/x'],
      tenantLabelAdmissions: ['b/p admits pods of a labelled x=y on every port'],
    },
  );
  t.same(
    full,
    judgeContext({
      approvedFlows: flows,
      identityGaps: ['web/x'],
      tenantLabelAdmissions: ['b/p admits pods of a labelled x=y on every port'],
      certExpiryWarningDays: 7,
    }),
  );
});

t.test('an approved-flows file parses, and every bad entry is named', async (t) => {
  const { parseApprovedFlows } = await import('../../../src/catalogue/index.js');
  t.same(parseApprovedFlows('{"flows":[{"from":"shop","to":"payments/api","port":8080,"ref":"CHG-1"}]}'), {
    flows: [{ from: 'shop', to: 'payments/api', port: 8080, ref: 'CHG-1' }],
  });
  t.same(parseApprovedFlows('[{"from":"shop","to":"payments","port":0}]'), {
    problems: ['flow 1: "to" must be "<namespace>/<name>" or "<namespace>/*"', 'flow 1: "port" must be 1-65535 or "*"'],
  });
  // Strict: a misspelt or missing "from" never widens a flow to every source, a string port is no port
  t.same(parseApprovedFlows('[{"form":"shop","to":"payments/api","port":8080}]'), {
    problems: [
      'flow 1: unknown key "form" (a flow has from, to, port and ref)',
      'flow 1: "from" must be a namespace, "<namespace>/<workload>", "<namespace>/sa:<serviceaccount>" or "*"',
    ],
  });
  t.same(parseApprovedFlows('[{"from":"shop","to":"payments/api","port":"8080","ref":7}]'), {
    problems: ['flow 1: "port" must be 1-65535 or "*"', 'flow 1: "ref" must be text (a ticket or rule id)'],
  });
  t.same(parseApprovedFlows('["shop"]'), { problems: ['flow 1: must be an object { from, to, port, ref? }'] });
  t.same(parseApprovedFlows('[{"from":"web/sa:front","to":"payments/*","port":"*"}]'), {
    flows: [{ from: 'web/sa:front', to: 'payments/*', port: '*' }],
  });
  t.match(parseApprovedFlows('not json'), { problems: [/not valid JSON/] });
});
