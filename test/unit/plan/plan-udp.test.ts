/** UDP in the plan: egress targets get UDP/53 (and UDP on known UDP ports), and a UDP canary rides along. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { discover } from '../../../src/discover/discover.js';
import { buildInventory, endpointPorts, type DiscoveredInventory } from '../../../src/discover/targets.js';
import type { ScopeOptions } from '../../../src/discover/namespaces.js';
import { planRun, UDP_CANARY_PROBE_ID } from '../../../src/plan/plan.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { PROBES, CONTROLS } from '../../../src/catalogue/index.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';

const RUN = '20261203-150000-udp1';
const SCOPE: ScopeOptions = {
  scope: 'pci.scope=cde',
  cdeNamespaces: [],
  namespaces: [],
  excludeNamespaces: [],
  tenants: [],
  egressTargets: [],
  untrustedPaths: [],
};
const OPTS = {
  controls: ['1.3.2'],
  skipProbes: [],
  foreignPods: true,
  attemptTimeout: 3000,
  concurrency: 64,
  timeout: 600,
};

async function istio(scope: Partial<ScopeOptions> = {}): Promise<DiscoveredInventory> {
  return buildInventory(
    await discover(FakeClusterApi.fromFixture(new URL('../../fixtures/cluster/istio.json', import.meta.url))),
    { ...SCOPE, ...scope },
  );
}

t.test(
  'an egress target is tried over TCP on its port and over UDP/53 (DNS exfiltration); a known UDP port over both',
  async (t) => {
    t.same(
      endpointPorts(443, 'egress').map((p) => `${p.protocol}/${p.port}`),
      ['TCP/443', 'UDP/53'],
    );
    t.same(
      endpointPorts(53, 'egress').map((p) => `${p.protocol}/${p.port}`),
      ['TCP/53', 'UDP/53'],
    );
    t.same(
      endpointPorts(123, 'egress').map((p) => `${p.protocol}/${p.port}`),
      ['TCP/123', 'UDP/123', 'UDP/53'],
    );
    t.same(
      endpointPorts(161, 'egress').map((p) => `${p.protocol}/${p.port}`),
      ['TCP/161', 'UDP/161', 'UDP/53'],
    );
    // An untrusted path is a TLS endpoint: TCP only
    t.same(
      endpointPorts(8443, 'untrusted').map((p) => `${p.protocol}/${p.port}`),
      ['TCP/8443'],
    );
  },
);

t.test(
  '--egress-target host:53 plans a TCP connect and a DNS query over UDP from each CDE namespace, plus a UDP canary',
  async (t) => {
    // Given the Istio fixture (payments is the CDE) and a resolver as egress target
    const plan = planRun({
      runId: RUN,
      inventory: await istio({ egressTargets: ['203.0.113.53:53'] }),
      probes: PROBES,
      controls: CONTROLS,
      options: OPTS,
    });
    // When looking at the attempts toward it
    const egress = plan.attempts.filter((a) => a.target.name === '203.0.113.53:53');
    // Then TCP/53 and UDP/53 are both tried, from payments only, the UDP one with a real DNS query
    t.same(egress.map((a) => `${a.probeId} ${a.technique}/${a.port} ${vantageId(a.vantage)}`).sort(), [
      'egress-reach tcp/53 from-namespace:payments',
      'egress-udp udp/53 from-namespace:payments',
    ]);
    t.match(egress.find((a) => a.technique === 'udp')?.udp, {
      payload: 'dns',
      dnsName: /^mp-[0-9a-f]{12}\.meshprobe\.invalid$/,
    });
    // And the payments vantage gets a UDP canary to the echo pod beside its TCP/HTTP canary
    const canaries = plan.attempts.filter(
      (a) => a.role === 'canary' && vantageId(a.vantage) === 'from-namespace:payments',
    );
    t.same(canaries.map((a) => `${a.probeId} ${a.technique}/${a.port}`).sort(), [
      'canary http/8080',
      `${UDP_CANARY_PROBE_ID} udp/8080`,
    ]);
    t.same(canaries.find((a) => a.technique === 'udp')?.udp, { payload: 'echo' });
    // And the UDP spec reaches the pod's batch
    const spec = plan.pods.flatMap((p) => p.batch.attempts).find((s) => s.technique === 'udp' && s.port === 53);
    t.match(spec, { host: '203.0.113.53', udp: { payload: 'dns' } });
    // And the UDP ports are never handed to TCP (nor TCP to UDP): the other probe says why
    t.match(
      plan.notRun.find((n) => n.probeId === 'egress-reach' && n.target.name === '203.0.113.53:53'),
      { reason: 'port 53 is UDP; probed by egress-udp' },
    );
  },
);

t.test('a vantage without UDP attempts gets no UDP canary (plans without UDP are unchanged)', async (t) => {
  const plan = planRun({
    runId: RUN,
    inventory: await istio(),
    probes: PROBES,
    controls: CONTROLS,
    options: { ...OPTS, controls: [] },
  });
  t.equal(plan.attempts.filter((a) => a.technique === 'udp').length, 0);
});

t.test('--skip-probe egress-udp leaves out the UDP attempts and their canary', async (t) => {
  const plan = planRun({
    runId: RUN,
    inventory: await istio({ egressTargets: ['203.0.113.53:53'] }),
    probes: PROBES,
    controls: CONTROLS,
    options: { ...OPTS, skipProbes: ['egress-udp'] },
  });
  t.equal(plan.attempts.filter((a) => a.technique === 'udp').length, 0);
  t.equal(plan.attempts.filter((a) => a.probeId === 'egress-reach').length, 1);
});

t.test(
  'a UDP port of a CDE Service gets udp-reach from the probe namespace and other namespaces, with a UDP canary; TCP ports do not',
  async (t) => {
    // Given the Istio fixture where the payments api Service also declares UDP/53 (a DNS sidecar, say)
    const list = JSON.parse(readFileSync(new URL('../../fixtures/cluster/istio.json', import.meta.url), 'utf8')) as {
      items: KubeObject[];
    };
    const items = list.items.map((o) =>
      o.kind === 'Service' && o.metadata?.namespace === 'payments' && o.metadata.name === 'api'
        ? {
            ...o,
            spec: {
              ...(o.spec as object),
              ports: [
                ...(o.spec as { ports: object[] }).ports,
                { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
              ],
            },
          }
        : o,
    );
    const inventory = buildInventory(await discover(new FakeClusterApi(items)), SCOPE);
    // When 1.3.1 is planned
    const plan = planRun({
      runId: RUN,
      inventory,
      probes: PROBES,
      controls: CONTROLS,
      options: { ...OPTS, controls: ['1.3.1'] },
    });
    // Then UDP/53 of the Service is tried over UDP with a DNS query, from the probe namespace and from outside the CDE
    const udp = plan.attempts.filter((a) => a.probeId === 'udp-reach');
    t.ok(udp.length > 0, 'udp-reach attempts were planned');
    t.ok(
      udp.every(
        (a) => a.technique === 'udp' && a.port === 53 && a.target.namespace === 'payments' && a.udp?.payload === 'dns',
      ),
    );
    const from = new Set(udp.map((a) => a.vantage.kind));
    t.ok(from.has('probe-namespace') && from.has('from-namespace'), [...from].join(', '));
    t.notOk(
      udp.some((a) => a.vantage.kind === 'from-namespace' && a.vantage.namespace === 'payments'),
      'not from inside the CDE',
    );
    // And tcp-reach leaves UDP/53 to it, and it leaves the TCP ports to tcp-reach
    t.notOk(plan.attempts.some((a) => a.probeId === 'tcp-reach' && a.port === 53));
    t.match(
      plan.notRun.find((n) => n.probeId === 'udp-reach' && n.port === 80),
      { reason: 'port 80 is TCP; probed by tcp-reach', cause: 'inapplicable' },
    );
    // And every vantage with a udp-reach attempt has a UDP canary
    const canaries = new Set(
      plan.attempts.filter((a) => a.probeId === UDP_CANARY_PROBE_ID).map((a) => vantageId(a.vantage)),
    );
    t.ok(udp.every((a) => canaries.has(vantageId(a.vantage))));
  },
);
