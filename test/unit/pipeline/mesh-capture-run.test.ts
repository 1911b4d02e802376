/**
 * A whole run where the cluster's injector puts an Istio sidecar into meshprobe's probe pods of one
 * namespace despite the opt-out labels (e.g. an alwaysInjectSelector), and the proxy comes up after
 * the agent's self-check, which therefore reports no proxy port (issue 16, MESH-NOTES §G.3). The pod
 * as the API server admitted it still gives the capture away: that vantage's attempts are
 * inconclusive, saying why, and the other vantages are judged as before.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, type Options } from '../../../src/config/options.js';
import { runConformance } from '../../../src/pipeline/run.js';
import { SILENT_PROGRESS, type ProgressSink } from '../../../src/shared/progress.js';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';
import { connectedLog, DONE, READY } from '../../fakes/connected-agent.js';

const FIXTURE = new URL('../../fixtures/cluster/istio.json', import.meta.url);

/** What Istio's injector does to a pod: a sidecar, the iptables init container, its status annotation. */
function injectIstio(pod: KubeObject): KubeObject {
  const spec = (pod.spec ?? {}) as { containers?: object[]; initContainers?: object[] };
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...pod.metadata?.annotations, 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
    },
    spec: {
      ...spec,
      initContainers: [...(spec.initContainers ?? []), { name: 'istio-init' }],
      containers: [...(spec.containers ?? []), { name: 'istio-proxy' }],
    },
  };
}

t.test(
  'a probe pod the mesh injected is caught from its admitted spec: its vantage is inconclusive, saying why',
  async (t) => {
    // Given a cluster whose injector puts Istio into every pod meshprobe creates in namespace shop
    const dir = mkdtempSync(join(tmpdir(), 'meshprobe-capture-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const api: FakeClusterApi = FakeClusterApi.fromFixture(FIXTURE, {
      hooks: {
        admit: (kind, ns, body) => (kind === 'pods' && ns === 'shop' ? injectIstio(body) : body),
        podStatus: (pod) => (pod.metadata?.name === 'meshprobe-echo' ? READY : DONE),
        podLog: (pod) => connectedLog(api, pod),
      },
    });
    const warnings: string[] = [];
    const progress: ProgressSink = { ...SILENT_PROGRESS, warn: (text: string) => void warnings.push(text) };
    const options: Options = { ...DEFAULTS, scope: 'pci.scope=cde', outputDir: dir, podReadyTimeout: 2 };
    // When meshprobe runs
    const result = await runConformance(options, {
      cluster: api,
      progress,
      signal: new AbortController().signal,
      random: () => 'abcd',
      agentSource: async () => '/* agent */',
      pollMs: 5,
    });
    // Then every attempt made from the shop pod is inconclusive because the mesh captured it
    const ev = result.report.evidence;
    const fromShop = ev.filter(
      (e) =>
        e.attempt.vantage.kind !== 'host' && 'namespace' in e.attempt.vantage && e.attempt.vantage.namespace === 'shop',
    );
    t.ok(fromShop.length > 0, 'the shop pod made attempts');
    for (const e of fromShop) {
      t.match(e.outcome, {
        kind: 'inconclusive',
        reason: 'probe-meshed',
        detail:
          /Istio mesh by the cluster, not by meshprobe \(container istio-init, container istio-proxy, annotation sidecar\.istio\.io\/status\)/,
      });
    }
    // And the other pods, whose spec shows no mesh, are classified from what they saw
    const others = ev.filter((e) => !fromShop.includes(e) && e.attempt.vantage.kind !== 'host');
    t.ok(others.length > 0);
    t.notOk(others.some((e) => e.outcome.kind === 'inconclusive' && e.outcome.reason === 'probe-meshed'));
    // And the run warned, naming the pod
    t.ok(
      warnings.some((w) => /^shop\/.+: the probe pod was enrolled in the Istio mesh/.test(w)),
      warnings.join('\n'),
    );
  },
);
