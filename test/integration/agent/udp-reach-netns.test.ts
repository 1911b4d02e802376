/**
 * udp-reach (issue 13) end to end below the cluster: the probe's own request (a DNS query to a
 * CDE Service's UDP/53), made by the real agent against a test host in a network namespace whose
 * INPUT chain drops one DNS port and lets another through, then classified with the UDP canary
 * rule and judged by 1.3.1. A reply from outside the CDE fails 1.3.1; silence holds only where
 * the same vantage's UDP canary was answered.
 */
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import type { UdpRequest } from '../../../probes/protocol.js';
import { controlById } from '../../../src/catalogue/index.js';
import { udpReach } from '../../../src/catalogue/probes/udp-reach.js';
import { attemptId, type Attempt } from '../../../src/domain/attempt.js';
import type { Target, TargetPort, TargetRef } from '../../../src/domain/target.js';
import { vantageId, type Vantage } from '../../../src/domain/vantage.js';
import { evaluate } from '../../../src/evaluate/evaluate.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { toSpec } from '../../../src/plan/batch.js';
import { createNetnsHost, netnsUnavailable, type NetnsHost } from '../../helpers/netns.js';
import { judgeInput } from '../../helpers/report-fixtures.js';

const unavailable = netnsUnavailable();
const PORTS = { open: 53, drop: 153, echo: 8080, echoDropped: 8081 } as const;

async function udpHost(): Promise<NetnsHost> {
  const host = await createNetnsHost();
  try {
    host.iptables(['-A', 'INPUT', '-p', 'udp', '--dport', String(PORTS.drop), '-j', 'DROP']);
    host.iptables(['-A', 'INPUT', '-p', 'udp', '--dport', String(PORTS.echoDropped), '-j', 'DROP']);
    await host.listen([
      { port: PORTS.open, behaviour: 'udp-dns' },
      { port: PORTS.drop, behaviour: 'udp-dns' },
      { port: PORTS.echo, behaviour: 'udp-echo' },
      { port: PORTS.echoDropped, behaviour: 'udp-echo' },
    ]);
    return host;
  } catch (err) {
    await host.destroy();
    throw err;
  }
}

const CDE_DNS: TargetRef = { kind: 'Service', namespace: 'payments', name: 'dns' };
const CANARY: TargetRef = { kind: 'Canary', namespace: 'meshprobe-run', name: 'meshprobe-echo' };

/** A udp-reach attempt as the planner makes it: the probe's own request for the port. */
function reach(vantage: Vantage, address: string, port: number): Attempt {
  const tp: TargetPort = { port, name: 'dns', protocol: 'UDP', mtls: 'not-meshed' };
  const target = { ref: CDE_DNS, address, ports: [tp] } as unknown as Target;
  t.equal(udpReach.applies(target, tp), true);
  const req = udpReach.request(target, tp, 'abcdef0123456789');
  const id = attemptId({ probeId: udpReach.id, vantage, target: CDE_DNS, port });
  return {
    id,
    probeId: udpReach.id,
    role: 'probe',
    vantage,
    target: CDE_DNS,
    address,
    port,
    technique: 'udp',
    timeoutMs: 1200,
    ...(req.udp ? { udp: req.udp } : {}),
  };
}

function canary(vantage: Vantage, address: string, port: number): Attempt {
  const udp: UdpRequest = { payload: 'echo' };
  const id = attemptId({ probeId: 'canary-udp#canary', vantage, target: CANARY, port });
  return {
    id,
    probeId: 'canary-udp',
    role: 'canary',
    vantage,
    target: CANARY,
    address,
    port,
    technique: 'udp',
    timeoutMs: 1200,
    udp,
  };
}

t.test(
  'a DNS reply from a CDE UDP port to another namespace fails 1.3.1; silence on a port nothing shows answering never holds',
  { skip: unavailable ?? false },
  async (t) => {
    // Given a CDE DNS Service whose UDP/53 answers and whose UDP/153 is dropped, and two vantages outside the CDE:
    // shop (its UDP canary answered) and legacy (its UDP canary dropped too)
    const host = await udpHost();
    t.teardown(host.destroy);
    const shop: Vantage = { kind: 'from-namespace', namespace: 'shop' };
    const legacy: Vantage = { kind: 'from-namespace', namespace: 'legacy' };
    const fresh: Vantage = { kind: 'probe-namespace' };
    const dropped = [
      canary(fresh, host.address, PORTS.echo),
      reach(fresh, host.address, PORTS.drop),
      canary(legacy, host.address, PORTS.echoDropped),
      reach(legacy, host.address, PORTS.drop),
    ];
    const answered = [canary(shop, host.address, PORTS.echo), reach(shop, host.address, PORTS.open)];
    t.match(
      answered[1]?.udp,
      { payload: 'dns', dnsName: 'mp-abcdef012345.meshprobe.invalid' },
      'the probe sends a real DNS query on 53',
    );
    // When the agent makes them and the CLI classifies and judges 1.3.1
    const run = async (attempts: Attempt[]): Promise<ReturnType<typeof buildEvidence>> => {
      const observations = await Promise.all(attempts.map((a) => runAttempt(toSpec(a))));
      const selfChecks = new Map(
        [shop, legacy, fresh].map((v) => [
          vantageId(v),
          { meshListeners: [], meshed: false, nodeVersion: process.version },
        ]),
      );
      return buildEvidence({ attempts, observations, selfChecks });
    };
    const control = controlById.get('pci-dss-4.0.1/1.3.1')!;
    const ns = [
      { name: 'payments', role: 'cde' },
      { name: 'shop', role: 'out-of-scope' },
      { name: 'legacy', role: 'out-of-scope' },
      { name: 'meshprobe-run', role: 'probe' },
    ] as const;
    const namespaces = ns.map((n) => ({
      name: n.name,
      role: n.role,
      inScope: n.role === 'cde',
      workloads: 1,
      networkPolicies: 1,
      mesh: 'none',
    }));
    const both = await run([...dropped, ...answered]);
    const [failing] = evaluate([control], judgeInput(both, { namespaces: namespaces as never }));
    // Then the answered DNS query fails 1.3.1, naming the UDP path
    t.equal(failing?.status, 'fails');
    t.match(
      failing?.findings?.join('\n'),
      /payments\/dns port 53 answered a DNS query over UDP\/53 \(DNS reply NOERROR, 1 answer\) from namespace shop: inbound traffic to the CDE is not restricted/,
    );
    // And the dropped port (an echo request: not every server answers it, and no control path showed this one does)
    // is inconclusive even where the canary came back, and where it did not
    const outcome = (v: Vantage): unknown =>
      both.find((e) => e.attempt.probeId === 'udp-reach' && vantageId(e.attempt.vantage) === vantageId(v))?.outcome;
    t.match(outcome(fresh), { kind: 'inconclusive', reason: 'no-control-path' });
    t.match(outcome(legacy), { kind: 'inconclusive', reason: 'canary-failed' });
    // And with only the dropped attempts, 1.3.1 does not hold either (one vantage could not tell)
    const [unsure] = evaluate([control], judgeInput(await run(dropped), { namespaces: namespaces as never }));
    t.equal(unsure?.status, 'inconclusive');
    t.match(
      unsure?.reasons.join('\n'),
      /nothing shows this port answers the request when it is allowed.* from a new unlabelled pod/,
    );
    t.match(
      unsure?.reasons.join('\n'),
      /port 153 gave no usable answer .*UDP canary from the same pod was not answered either.* from namespace legacy/,
    );
  },
);
