import t from 'tap';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory, type DiscoveredInventory } from '../../../src/discover/targets.js';
import type { ScopeOptions } from '../../../src/discover/namespaces.js';
import type { Control } from '../../../src/domain/control.js';
import type { Probe } from '../../../src/domain/probe.js';
import type { Target } from '../../../src/domain/target.js';
import { attemptId } from '../../../src/domain/attempt.js';
import { vantageId } from '../../../src/domain/vantage.js';
import {
  CONFIGMAP_LIMIT_BYTES,
  chunkSpecs,
  jsonBytes,
  batchDeadlineMs,
  MAX_BATCH_BYTES,
} from '../../../src/plan/batch.js';
import { planRun, CONTROL_PATH_PROBE_ID, type PlanInput } from '../../../src/plan/plan.js';
import { batchConfigMap } from '../../../src/plan/pods.js';
import { PROBES, CONTROLS } from '../../../src/catalogue/index.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';

const RUN = '20261123-185612-a1b2';
const SCOPE: ScopeOptions = {
  scope: 'pci.scope=cde',
  cdeNamespaces: [],
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [],
  untrustedPaths: [],
};
const OPTS = { controls: [], skipProbes: [], foreignPods: true, attemptTimeout: 3000, concurrency: 64, timeout: 600 };

async function istio(scope: Partial<ScopeOptions> = {}): Promise<DiscoveredInventory> {
  return buildInventory(
    await discover(FakeClusterApi.fromFixture(new URL('../../fixtures/cluster/istio.json', import.meta.url))),
    { ...SCOPE, ...scope },
  );
}

/** A tiny catalogue: reach from outside toward CDE, and a same-namespace HTTP probe. */
const reach: Probe = {
  id: 'tcp-reach',
  title: 'reach',
  technique: 'tcp',
  vantages: ['from-namespace', 'probe-namespace'],
  secureLooksLike: '',
  applies: (_t, p) => (p.meshBypass === undefined ? true : `port ${p.port} is a mesh port`),
  request: () => ({ technique: 'tcp' }),
};
const http: Probe = {
  id: 'plaintext-http',
  title: 'http',
  technique: 'http',
  vantages: ['same-namespace'],
  secureLooksLike: '',
  applies: (target) => (target.ref.kind === 'Pod' ? true : 'pods only'),
  request: (_t, _p, seed) => ({ technique: 'http', http: { method: 'GET', path: `/x${seed.slice(0, 4)}` } }),
};
const canary: Probe = {
  id: 'canary',
  title: 'canary',
  technique: 'http',
  vantages: [],
  secureLooksLike: '',
  applies: () => true,
  request: () => ({ technique: 'http', http: { method: 'GET', path: '/canary' } }),
};
const control = (id: string, probeIds: string[]): Control => ({
  id: `pci-dss-4.0.1/${id}`,
  requirement: id,
  title: id,
  holdsMeans: '',
  probeIds,
  judge: () => ({ status: 'holds', reasons: [], evidenceIds: [] }),
});
const CATALOGUE = {
  probes: [reach, http, canary],
  controls: [control('1.3.1', ['tcp-reach']), control('2.2.5', ['plaintext-http'])],
};

function input(inventory: DiscoveredInventory, over: Partial<PlanInput['options']> = {}): PlanInput {
  return { runId: RUN, inventory, ...CATALOGUE, options: { ...OPTS, ...over } };
}

t.test('segmentation attempts come from every out-of-scope app namespace toward CDE ports only', async (t) => {
  // Given the Istio fixture (payments is the CDE; shop, legacy, ambient-apps are out of scope)
  const plan = planRun(input(await istio()));
  // When looking at tcp-reach from foreign namespaces
  const from = plan.attempts.filter((a) => a.probeId === 'tcp-reach' && a.vantage.kind === 'from-namespace');
  // Then they all target payments, from each out-of-scope app namespace, never from system/mesh namespaces
  t.same([...new Set(from.map((a) => a.target.namespace))], ['payments']);
  t.same([...new Set(from.map((a) => vantageId(a.vantage)))].sort(), [
    'from-namespace:ambient-apps',
    'from-namespace:default',
    'from-namespace:legacy',
    'from-namespace:shop',
  ]);
  // And out-of-scope targets get a not-run reason instead
  t.match(
    plan.notRun.find(
      (n) => n.probeId === 'tcp-reach' && n.target.namespace === 'shop' && n.vantage.kind === 'from-namespace',
    ),
    { reason: /is out of scope; segmentation is probed toward CDE targets/ },
  );
  // And mesh by-design ports are not-run with the probe's reason
  t.match(
    plan.notRun.find((n) => n.probeId === 'tcp-reach' && n.port === 15021),
    { reason: 'port 15021 is a mesh port' },
  );
});

t.test('attempt ids are the stable hash of probe, vantage, target and port', async (t) => {
  const plan = planRun(input(await istio()));
  for (const a of plan.attempts)
    t.equal(a.id, attemptId({ probeId: a.probeId, vantage: a.vantage, target: a.target, port: a.port }));
  t.equal(new Set(plan.attempts.map((a) => a.id)).size, plan.attempts.length, 'unique');
  t.same(planRun(input(await istio())), plan, 'deterministic');
});

t.test('--no-foreign-pods removes from-namespace vantages and says why', async (t) => {
  const plan = planRun(input(await istio(), { foreignPods: false }));
  t.notOk(plan.attempts.some((a) => a.vantage.kind === 'from-namespace'));
  t.ok(plan.notRun.some((n) => n.vantage.kind === 'from-namespace' && /--no-foreign-pods/.test(n.reason)));
  t.notOk(plan.pods.some((p) => p.vantage.kind === 'from-namespace'));
});

t.test('no probe pod is placed in control-plane or mesh namespaces; they are still targets', async (t) => {
  const plan = planRun(input(await istio()));
  t.notOk(plan.pods.some((p) => ['kube-system', 'istio-system'].includes(p.namespace)));
  t.ok(
    plan.attempts.some((a) => a.target.namespace === 'istio-system' && a.vantage.kind === 'probe-namespace'),
    'istiod probed from the probe namespace',
  );
  t.match(
    plan.notRun.find((n) => n.probeId === 'plaintext-http' && n.target.namespace === 'istio-system'),
    { reason: /mesh namespace: probed for exposures, not used as a vantage/ },
  );
});

t.test("one canary per pod vantage, to the echo pod, in that vantage's first batch", async (t) => {
  const plan = planRun({ ...input(await istio()), canaryAddress: '10.96.99.1' });
  const vantages = new Set(plan.pods.map((p) => vantageId(p.vantage)));
  const canaries = plan.attempts.filter((a) => a.role === 'canary');
  t.same(new Set(canaries.map((a) => vantageId(a.vantage))), vantages);
  t.equal(canaries.length, vantages.size);
  t.ok(
    canaries.every(
      (a) =>
        a.address === '10.96.99.1' &&
        a.port === 8080 &&
        a.target.kind === 'Canary' &&
        a.target.namespace === `meshprobe-${RUN}`,
    ),
  );
  for (const pod of plan.pods)
    t.equal(
      pod.batch.attempts.filter((s) => canaries.some((c) => c.id === s.id)).length,
      pod.name.endsWith('-0') ? 1 : 0,
      pod.name,
    );
  t.equal(
    planRun(input(await istio())).canary.address,
    `meshprobe-echo.meshprobe-${RUN}.svc`,
    'DNS name before the Service exists',
  );
});

t.test('control-path attempts come from the target namespace where policy allows it', async (t) => {
  const plan = planRun(input(await istio()));
  const controls = plan.attempts.filter((a) => a.role === 'control');
  const inPayments = controls.filter((a) => a.target.namespace === 'payments');
  // payments allows same-namespace to api:8080 (pod) and Service port 80 → 8080, and nothing else
  t.same(inPayments.map((a) => `${a.target.kind}/${a.target.name}:${a.port}`).sort(), [
    'Pod/api-7d9f8c6b5d-x2x4q:8080',
    'Service/api:80',
  ]);
  // shop denies all ingress and egress: no control path there; legacy has no policy: allowed
  t.notOk(controls.some((a) => a.target.namespace === 'shop'));
  t.ok(controls.some((a) => a.target.namespace === 'legacy'));
  t.ok(
    controls.every(
      (a) =>
        a.probeId === CONTROL_PATH_PROBE_ID &&
        a.vantage.kind === 'same-namespace' &&
        a.vantage.namespace === a.target.namespace,
    ),
  );
  // A STRICT sidecar port gets a TLS control (plaintext would be closed after connect); others plain TCP
  t.match(
    controls.find((a) => a.target.kind === 'Pod' && a.target.namespace === 'payments'),
    { technique: 'tls', tls: { alpn: ['istio-http/1.1', 'istio', 'http/1.1'] } },
  );
  t.match(
    controls.find((a) => a.target.namespace === 'legacy'),
    { technique: 'tcp' },
  );
});

t.test('--control selects probes; --skip-probe removes them', async (t) => {
  const only = planRun(input(await istio(), { controls: ['2.2.5'] }));
  // With the L4 attempts phase 2 waits for (issue 13), from other namespaces only
  t.same([...new Set(only.attempts.filter((a) => a.role === 'probe').map((a) => a.probeId))].sort(), [
    'plaintext-http',
    'tcp-reach',
  ]);
  t.ok(only.attempts.filter((a) => a.probeId === 'tcp-reach').every((a) => a.vantage.kind === 'from-namespace'));
  t.same(only.controlIds, ['pci-dss-4.0.1/2.2.5']);
  const skipped = planRun(input(await istio(), { skipProbes: ['tcp-reach'] }));
  t.notOk(skipped.attempts.some((a) => a.probeId === 'tcp-reach'));
});

t.test("pods run in the vantage namespace; the batch carries exactly that vantage's attempts", async (t) => {
  const plan = planRun(input(await istio()));
  for (const pod of plan.pods) {
    const expectNs =
      pod.vantage.kind === 'probe-namespace'
        ? `meshprobe-${RUN}`
        : pod.vantage.kind === 'host'
          ? ''
          : pod.vantage.namespace;
    t.equal(pod.namespace, expectNs, pod.name);
    const ids = new Set(plan.attempts.filter((a) => vantageId(a.vantage) === vantageId(pod.vantage)).map((a) => a.id));
    t.ok(
      pod.batch.attempts.every((s) => ids.has(s.id)),
      `${pod.name} holds only its vantage's attempts`,
    );
    t.ok(pod.name.length <= 63 && /^[a-z0-9-]+$/.test(pod.name));
  }
  const total = plan.pods.reduce((n, p) => n + p.batch.attempts.length, 0);
  t.equal(total, plan.attempts.length, 'every attempt is in exactly one batch');
});

t.test(
  'egress and untrusted endpoints: only from CDE namespaces, and only from the host + probe namespace',
  async (t) => {
    const inv = await istio({ egressTargets: ['outside.example:443'], untrustedPaths: ['partner.example:8443'] });
    const plan = planRun({ runId: RUN, inventory: inv, probes: PROBES, controls: CONTROLS, options: OPTS });
    const egress = plan.attempts.filter((a) => a.target.name === 'outside.example:443');
    t.ok(egress.length > 0);
    t.ok(
      egress.every(
        (a) =>
          ['egress-reach', 'egress-udp'].includes(a.probeId) &&
          a.vantage.kind === 'from-namespace' &&
          a.vantage.namespace === 'payments',
      ),
    );
    const untrusted = plan.attempts.filter((a) => a.target.name === 'partner.example:8443');
    t.ok(untrusted.some((a) => a.vantage.kind === 'host'));
    t.notOk(untrusted.some((a) => a.probeId === 'egress-reach'));
    t.ok(
      plan.hostBatch &&
        plan.hostBatch.attempts.length === plan.attempts.filter((a) => a.vantage.kind === 'host').length,
    );
  },
);

t.test(
  '4.2.1 plans handshakes pinned to TLS 1.0 and 1.1 for an --untrusted-path (host + probe namespace) and CDE TLS ports',
  async (t) => {
    // Given an untrusted path and the Istio fixture plus a CDE app-TLS Service, with only 4.2.1 selected
    const base = await istio({ untrustedPaths: ['partner.example:8443'] });
    const payTls: Target = {
      ref: { kind: 'Service', namespace: 'payments', name: 'pay-tls' },
      address: '10.96.7.7',
      ports: [{ port: 8443, name: 'https', protocol: 'TCP', mtls: 'not-meshed' }],
      mesh: 'none',
      enrolment: 'none',
      inScope: true,
      workload: 'pay-tls',
      labels: {},
    };
    const inv: DiscoveredInventory = { ...base, targets: [...base.targets, payTls] };
    const plan = planRun({
      runId: RUN,
      inventory: inv,
      probes: PROBES,
      controls: CONTROLS,
      options: { ...OPTS, controls: ['4.2.1'] },
    });
    const legacy = plan.attempts.filter((a) => a.probeId.startsWith('tls-legacy-'));
    // Then the path gets one pinned handshake per legacy version from each vantage next to the ordinary one
    const path = plan.attempts.filter((a) => a.target.name === 'partner.example:8443');
    const shape = (a: (typeof path)[number]) =>
      `${a.probeId}@${a.vantage.kind}:${a.tls?.minVersion ?? '-'}/${a.tls?.maxVersion ?? '-'}`;
    t.same(path.map(shape).sort(), [
      'tls-handshake@host:-/-',
      'tls-handshake@probe-namespace:-/-',
      'tls-legacy-1-0@host:TLSv1/TLSv1',
      'tls-legacy-1-0@probe-namespace:TLSv1/TLSv1',
      'tls-legacy-1-1@host:TLSv1.1/TLSv1.1',
      'tls-legacy-1-1@probe-namespace:TLSv1.1/TLSv1.1',
    ]);
    // And the wire specs ask for SECLEVEL=0, or Node's OpenSSL would not offer TLS 1.0/1.1 at all
    const specs = [...plan.pods.flatMap((p) => p.batch.attempts), ...(plan.hostBatch?.attempts ?? [])];
    for (const a of legacy) {
      const spec = specs.find((s) => s.id === a.id);
      t.match(
        spec?.tls,
        {
          minVersion: a.tls?.minVersion,
          maxVersion: a.tls?.minVersion,
          ciphers: 'ALL:eNULL:@SECLEVEL=0',
          handshakeOnly: true,
        },
        `${a.probeId} ${a.target.name} is in a batch, pinned`,
      );
    }
    // And in-cluster pinned attempts go only to CDE TLS ports, from the probe namespace
    const inCluster = legacy.filter((a) => a.target.kind !== 'Endpoint');
    t.same(inCluster.map(shape).sort(), [
      'tls-legacy-1-0@probe-namespace:TLSv1/TLSv1',
      'tls-legacy-1-1@probe-namespace:TLSv1.1/TLSv1.1',
    ]);
    t.ok(inCluster.every((a) => a.target.name === 'pay-tls' && a.port === 8443));
    t.ok(
      plan.notRun.some(
        (n) => n.probeId === 'tls-legacy-1-0' && n.target.kind === 'ApiServer' && /outside the CDE/.test(n.reason),
      ),
      'out-of-scope TLS ports (the API server) are reported as not run, with the reason',
    );
  },
);

t.test('the real catalogue plans without error and every not-run has a reason', async (t) => {
  const plan = planRun({ runId: RUN, inventory: await istio(), probes: PROBES, controls: CONTROLS, options: OPTS });
  t.ok(plan.attempts.length > 0);
  t.ok(plan.notRun.every((n) => n.reason.length > 0));
  t.notOk(plan.attempts.some((a) => a.probeId === 'kubelet-anonymous' && a.target.kind !== 'Node'));
});

t.test('batches stay well under the ConfigMap limit, split by bytes and by count', async (t) => {
  // Given 6000 attempt specs of about 150 bytes each (≈ 900 KB in one piece)
  const specs = Array.from({ length: 6000 }, (_, i) => ({
    id: i.toString(16).padStart(16, '0'),
    technique: 'http' as const,
    host: '10.244.1.10',
    port: 8080,
    timeoutMs: 3000,
    http: { method: 'GET', path: `/__meshprobe_${i}` },
  }));
  // When chunked with the defaults
  const chunks = chunkSpecs(specs);
  // Then every chunk's batch ConfigMap is under our budget and far under the 1 MiB limit, and nothing is lost
  for (const c of chunks) {
    const cm = batchConfigMap(RUN, 'ns', `mp-${RUN}-pn000000-10`, {
      v: 1,
      runId: RUN,
      podName: `mp-${RUN}-pn000000-10`,
      concurrency: 64,
      deadlineMs: 600000,
      attempts: c,
    });
    const bytes = jsonBytes(cm.data);
    t.ok(bytes <= MAX_BATCH_BYTES, `chunk of ${c.length} is ${bytes} B`);
    t.ok(bytes < CONFIGMAP_LIMIT_BYTES / 2);
  }
  t.equal(chunks.flat().length, 6000);
  t.ok(chunks.length >= 4, 'split by bytes');
  // And a count limit applies even to small specs
  t.same(
    chunkSpecs(specs.slice(0, 25), MAX_BATCH_BYTES, 10).map((c) => c.length),
    [10, 10, 5],
  );
  // And the deadline grows with waves and is capped by the run timeout
  t.equal(batchDeadlineMs(64, { concurrency: 64, attemptTimeoutMs: 3000, maxDeadlineMs: 480000 }), 11000);
  t.equal(batchDeadlineMs(65, { concurrency: 64, attemptTimeoutMs: 3000, maxDeadlineMs: 480000 }), 17000);
  t.equal(batchDeadlineMs(64000, { concurrency: 64, attemptTimeoutMs: 3000, maxDeadlineMs: 480000 }), 480000);
});

t.test('the control-path technique follows the port: TLS on STRICT sidecar ports, TCP elsewhere', async (t) => {
  const { controlPathProbe } = await import('../../../src/plan/plan.js');
  const target = (mesh: 'istio' | 'linkerd' | 'none', enrolment: 'sidecar' | 'ambient' | 'none') => ({
    ref: { kind: 'Pod' as const, namespace: 'n', name: 'p' },
    address: '10.0.0.1',
    ports: [],
    mesh,
    enrolment,
    inScope: true,
    workload: 'p',
    labels: {},
  });
  const port = (mtls: 'strict' | 'permissive' | 'not-meshed', meshBypass?: string) => ({
    port: 8080,
    protocol: 'TCP' as const,
    mtls,
    ...(meshBypass ? { meshBypass } : {}),
  });
  t.match(controlPathProbe.request(target('istio', 'sidecar'), port('strict'), 's'), {
    technique: 'tls',
    tls: { alpn: ['istio-http/1.1', 'istio', 'http/1.1'] },
  });
  t.same(controlPathProbe.request(target('linkerd', 'sidecar'), port('strict'), 's'), { technique: 'tls', tls: {} });
  t.same(controlPathProbe.request(target('istio', 'sidecar'), port('permissive'), 's'), { technique: 'tcp' });
  t.same(controlPathProbe.request(target('istio', 'ambient'), port('strict'), 's'), { technique: 'tcp' });
  t.same(controlPathProbe.request(target('istio', 'sidecar'), port('strict', 'excluded'), 's'), { technique: 'tcp' });
  t.same(controlPathProbe.request(target('none', 'none'), port('not-meshed'), 's'), { technique: 'tcp' });
  t.same(
    controlPathProbe.request(
      target('none', 'none'),
      { port: 8443, name: 'https', protocol: 'TCP', mtls: 'not-meshed' },
      's',
    ),
    { technique: 'tls', tls: {} },
    'app TLS port',
  );
});

t.test(
  'probe pods carry --policy-settle as their policy-ready point inside their deadline; the host vantage does not',
  async (t) => {
    const plain = planRun(input(await istio()));
    const ready = planRun(input(await istio(), { policySettle: 3000 }));
    t.ok(
      plain.pods.every((p) => p.batch.policyReadyMs === undefined),
      'no point unless asked',
    );
    t.ok(ready.pods.length > 0);
    for (const [i, p] of ready.pods.entries()) {
      t.equal(p.batch.policyReadyMs, 3000, `${p.name} has the point`);
      const plainDeadline = plain.pods[i]?.batch.deadlineMs ?? 0;
      // The repeats after the point get a second round of waves on top of the point itself. The plain
      // deadline is waves W (2 timeouts each) + 2 retry rounds of W/2 + 1 timeouts + 5 s: W = (plain − 5 s − 2T) / 2
      const waves = (plainDeadline - 5000 - 2 * OPTS.attemptTimeout) / 2;
      t.equal(p.batch.deadlineMs, plainDeadline + 3000 + waves, `${p.name}: room for the point and the repeats`);
      t.same(p.batch.timeoutRetry?.maxTries, 3, `${p.name}: timed-out TCP attempts get up to 3 tries`);
    }
    t.equal(ready.hostBatch?.policyReadyMs, undefined, 'the host is not a pod; no policy engine to wait for');
    // A whole-run --timeout too small for the point still leaves half the batch budget for the repeats
    const tight = planRun(input(await istio(), { policySettle: 60_000, timeout: 10 }));
    t.ok(
      tight.pods.every((p) => (p.batch.policyReadyMs ?? 0) <= p.batch.deadlineMs / 2),
      'the point is capped at half the deadline',
    );
  },
);

t.test(
  '--no-nodes reports every applicable node attempt as not run (left out), instead of dropping the node silently',
  async (t) => {
    // Given a probe that applies to node kubelet ports, and the node in the inventory
    const kubelet: Probe = {
      id: 'kubelet-anonymous',
      title: 'kubelet',
      technique: 'http',
      vantages: ['probe-namespace'],
      secureLooksLike: '',
      applies: (target) => (target.ref.kind === 'Node' ? true : 'not a node'),
      request: () => ({ technique: 'http', http: { method: 'GET', path: '/pods' } }),
    };
    const catalogue = { probes: [kubelet, canary], controls: [control('2.2.4', ['kubelet-anonymous'])] };
    const inventory = await istio({ namespaces: ['payments'] });
    // When planned with and without --no-nodes, under -n payments
    const withNodes = planRun({ runId: RUN, inventory, ...catalogue, options: { ...OPTS } });
    const without = planRun({ runId: RUN, inventory, ...catalogue, options: { ...OPTS, nodes: false } });
    // Then -n alone still probes both kubelet ports
    t.same(
      withNodes.attempts
        .filter((a) => a.probeId === 'kubelet-anonymous')
        .map((a) => a.port)
        .sort(),
      [10250, 10255],
    );
    // And --no-nodes makes no node attempt but lists each as left out with the reason
    t.equal(without.attempts.filter((a) => a.probeId === 'kubelet-anonymous').length, 0);
    t.same(
      without.notRun.filter((n) => n.target.kind === 'Node').map((n) => [n.port, n.cause, n.reason]),
      [
        [10250, 'left-out', 'node targets are left out of this run (--no-nodes)'],
        [10255, 'left-out', 'node targets are left out of this run (--no-nodes)'],
      ],
    );
    // And inapplicable targets are marked so, not counted as gaps
    t.ok(without.notRun.filter((n) => n.target.kind !== 'Node').every((n) => n.cause === 'inapplicable'));
  },
);
