/**
 * A probe pod that the cluster put into a mesh (an injector ignoring the opt-outs, a proxy that
 * started after the agent's self-check, ambient redirection) is recognised from the pod as the
 * API returned it, and every attempt it made becomes inconclusive (issue 16, MESH-NOTES §G.3).
 */
import t from 'tap';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { meshCaptureOf, noteCapture } from '../../../src/run/mesh-capture.js';
import { probePodManifest } from '../../../src/plan/pods.js';
import { gatherPods } from '../../../src/run/run-pods.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';

const RUN = '20261203-230000-abcd';
const probePod = probePodManifest({
  runId: RUN,
  name: `mp-${RUN}-shop-0`,
  namespace: 'shop',
  vantage: { kind: 'from-namespace', namespace: 'shop' },
  image: 'lab.local/node:24',
  activeDeadlineSeconds: 300,
});
const identityPod = probePodManifest({
  runId: RUN,
  name: `mp-${RUN}-id-0`,
  namespace: 'web',
  vantage: { kind: 'identity', namespace: 'web', workload: 'front', serviceAccount: 'front' },
  image: 'lab.local/node:24',
  activeDeadlineSeconds: 300,
  identity: {
    workload: {
      namespace: 'web',
      workload: 'front',
      ownerKind: 'Deployment',
      serviceAccount: 'front',
      labels: { app: 'front', 'mesh.lab.meshprobe.io/inject': 'enabled', 'istio.io/dataplane-mode': 'ambient' },
      enrolment: 'sidecar',
      admittedBy: [],
      withheld: [],
    },
    owner: { apiVersion: 'v1', kind: 'ConfigMap', name: `mp-${RUN}-id-0-batch`, uid: 'u1' },
  },
});

type Spec = { containers?: object[]; initContainers?: object[]; volumes?: object[] };
const specOf = (pod: KubeObject): Spec => (pod.spec ?? {}) as Spec;

/** The pod after a mutating webhook added containers, annotations or labels. */
function admitted(
  pod: KubeObject,
  add: { containers?: string[]; init?: string[]; annotations?: object; labels?: object },
): KubeObject {
  const spec = specOf(pod);
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...pod.metadata?.annotations, ...(add.annotations as Record<string, string>) },
      labels: { ...pod.metadata?.labels, ...(add.labels as Record<string, string>) },
    },
    spec: {
      ...spec,
      containers: [...(spec.containers ?? []), ...(add.containers ?? []).map((name) => ({ name }))],
      initContainers: [...(spec.initContainers ?? []), ...(add.init ?? []).map((name) => ({ name }))],
    },
  };
}

t.test("meshprobe's own probe pods, with their mesh opt-outs, show no capture", async (t) => {
  // Given the manifests meshprobe creates (opt-out labels sidecar.istio.io/inject=false, dataplane-mode=none)
  // Then neither the plain probe pod nor an identity pod is read as captured
  t.equal(meshCaptureOf(probePod), undefined);
  t.equal(meshCaptureOf(identityPod), undefined, 'the opt-out wins over the workload ambient label');
  t.equal(meshCaptureOf(undefined), undefined, 'an unread pod says nothing');
});

t.test("the lab injector's identity-only injection (SVID volume, status annotation) is not capture", async (t) => {
  // Given an identity pod as the lab mesh injector admits it: a mounted SVID and its status annotations
  const pod = admitted(identityPod, {
    annotations: {
      'mesh.lab.meshprobe.io/status': 'injected',
      'mesh.lab.meshprobe.io/spiffe-id': 'spiffe://lab/ns/web/sa/front',
    },
  });
  // Then nothing captures its outbound traffic, so its attempts keep their meaning
  t.equal(meshCaptureOf(pod), undefined);
});

const CASES: readonly {
  readonly name: string;
  readonly pod: KubeObject;
  readonly says: RegExp;
}[] = [
  {
    name: 'an Istio sidecar injected despite the opt-out (classic sidecar and istio-init)',
    pod: admitted(probePod, {
      containers: ['istio-proxy'],
      init: ['istio-init'],
      annotations: { 'sidecar.istio.io/status': '{"initContainers":["istio-init"]}' },
    }),
    says: /Istio mesh .*container istio-init, container istio-proxy, annotation sidecar\.istio\.io\/status/,
  },
  {
    name: 'an Istio native sidecar (init container that keeps running) on an identity pod',
    pod: admitted(identityPod, { init: ['istio-proxy'] }),
    says: /Istio mesh .*container istio-proxy/,
  },
  {
    name: 'a Linkerd proxy',
    pod: admitted(probePod, {
      containers: ['linkerd-proxy'],
      init: ['linkerd-init'],
      annotations: { 'linkerd.io/proxy-version': 'edge-25.1.1' },
    }),
    says: /Linkerd mesh .*container linkerd-init, container linkerd-proxy, annotation linkerd\.io\/proxy-version/,
  },
  {
    name: 'ambient redirection by istio-cni',
    pod: admitted(probePod, { annotations: { 'ambient.istio.io/redirection': 'enabled' } }),
    says: /Istio ambient mesh .*ambient\.istio\.io\/redirection=enabled/,
  },
  {
    name: 'a webhook that rewrote the dataplane-mode label to ambient',
    pod: admitted(probePod, { labels: { 'istio.io/dataplane-mode': 'ambient' } }),
    says: /Istio ambient mesh .*label istio\.io\/dataplane-mode=ambient/,
  },
  {
    name: 'a Kuma sidecar',
    pod: admitted(probePod, { containers: ['kuma-sidecar'], annotations: { 'kuma.io/sidecar-injected': 'true' } }),
    says: /Kuma mesh/,
  },
];

for (const c of CASES) {
  t.test(`${c.name} makes the pod captured, saying why`, async (t) => {
    // When the pod as admitted is read
    const why = meshCaptureOf(c.pod);
    // Then it is captured, naming the mesh and the signs, and saying what that does to its attempts
    t.match(why, c.says);
    t.match(why, /upgraded to mTLS/);
    t.match(why, /unauthenticated attempt from it may have been sent authenticated/);
  });
}

t.test('a Kuma annotation saying false, or an unknown extra container, is not capture', async (t) => {
  t.equal(meshCaptureOf(admitted(probePod, { annotations: { 'kuma.io/sidecar-injected': 'false' } })), undefined);
  t.equal(meshCaptureOf(admitted(probePod, { containers: ['vault-agent'] })), undefined);
});

t.test('noteCapture keeps the first reason per vantage and words the warning', async (t) => {
  const captures = new Map<string, string>();
  const base = { namespace: 'shop', vantageId: 'from-namespace:shop' };
  t.equal(noteCapture(captures, { ...base, name: 'p0' }), undefined, 'an uncaptured pod adds nothing');
  t.match(noteCapture(captures, { ...base, name: 'p1', meshCapture: 'first' }), /^shop\/p1: first; every attempt/);
  noteCapture(captures, { ...base, name: 'p2', meshCapture: 'second' });
  t.same([...captures], [['from-namespace:shop', 'first']]);
});

t.test('gathering reads the capture from the pod the API server admitted', async (t) => {
  // Given a cluster whose webhook injects an Istio sidecar into pods of namespace shop
  const api = new FakeClusterApi([], {
    hooks: {
      admit: (kind, ns, body) =>
        kind === 'pods' && ns === 'shop' ? admitted(body, { containers: ['istio-proxy'] }) : body,
      podStatus: () => ({ phase: 'Succeeded', containerStatuses: [{ state: { terminated: { exitCode: 0 } } }] }),
      podLog: () => '',
    },
  });
  await api.create('pods', 'shop', probePod);
  await api.create('pods', 'payments', { ...probePod, metadata: { ...probePod.metadata, namespace: 'payments' } });
  // When both pods are gathered
  const pods = ['shop', 'payments'].map((namespace) => ({
    namespace,
    name: probePod.metadata?.name ?? '',
    vantageId: `from-namespace:${namespace}`,
    expectedIds: [],
    deadlineMs: 1000,
    fatal: false,
  }));
  const { outcomes } = await gatherPods(api, pods, {
    readyTimeoutMs: 1000,
    signal: new AbortController().signal,
    image: 'node:20',
    pollMs: 1,
  });
  // Then only the injected pod carries the capture
  t.match(outcomes[0]?.meshCapture, /Istio mesh .*container istio-proxy/);
  t.equal(outcomes[1]?.meshCapture, undefined);
});
