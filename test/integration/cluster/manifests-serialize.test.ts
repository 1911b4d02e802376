/**
 * client-node serializes request bodies through its typed models and silently drops any
 * field a model does not know. Every manifest meshprobe sends must survive that unchanged,
 * or a hygiene setting could vanish on the way to the API server.
 */
import t from 'tap';
// Not re-exported by the package index; the same class the generated APIs use for request bodies.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import {
  agentConfigMap,
  batchConfigMap,
  echoPodManifest,
  echoServiceManifest,
  namespaceManifest,
  probePodManifest,
} from '../../../src/plan/pods.js';

const RUN = '20261123-185612-a1b2';
const cases: [string, string, object][] = [
  ['namespace', 'V1Namespace', namespaceManifest(RUN)],
  ['agent ConfigMap', 'V1ConfigMap', agentConfigMap(RUN, 'ns', { agent: 'A', echo: 'E' })],
  [
    'batch ConfigMap',
    'V1ConfigMap',
    batchConfigMap(RUN, 'ns', 'p', { v: 1, runId: RUN, podName: 'p', concurrency: 4, deadlineMs: 1000, attempts: [] }),
  ],
  [
    'probe pod',
    'V1Pod',
    probePodManifest({
      runId: RUN,
      name: 'p',
      namespace: 'ns',
      vantage: { kind: 'same-namespace', namespace: 'ns' },
      image: 'img',
      activeDeadlineSeconds: 60,
    }),
  ],
  [
    'identity probe pod',
    'V1Pod',
    probePodManifest({
      runId: RUN,
      name: 'p',
      namespace: 'web',
      vantage: { kind: 'identity', namespace: 'web', workload: 'front', serviceAccount: 'front-sa' },
      image: 'img',
      activeDeadlineSeconds: 60,
      identity: {
        workload: {
          namespace: 'web',
          workload: 'front',
          ownerKind: 'Deployment',
          serviceAccount: 'front-sa',
          labels: { tier: 'web' },
          withheld: [],
          enrolment: 'none',
          admittedBy: [],
        },
        owner: { apiVersion: 'v1', kind: 'ConfigMap', name: 'p-batch', uid: '0b9c1f4e-1111-2222-3333-444455556666' },
      },
    }),
  ],
  ['echo pod', 'V1Pod', echoPodManifest(RUN, 'img', 600)],
  ['echo Service', 'V1Service', echoServiceManifest(RUN)],
];

for (const [name, type, manifest] of cases) {
  t.test(`the ${name} manifest survives client-node serialization unchanged`, async (t) => {
    const wire: unknown = ObjectSerializer.serialize(ObjectSerializer.deserialize(manifest, type, ''), type, '');
    t.same(JSON.parse(JSON.stringify(wire)), manifest);
  });
}

t.test(
  'toWire (public exports only) gives the same wire JSON as the package serializer, renamed fields and dates included',
  async (t) => {
    // Given typed models as the generated API returns them: a pod list with a continue token and
    // timestamps, and a network policy whose ingress rule uses the renamed `from` field
    const { toWire } = await import('../../../src/cluster/wire.js');
    const podList = {
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: { _continue: 'tok', resourceVersion: '7' },
      items: [
        {
          metadata: {
            name: 'p',
            namespace: 'ns',
            creationTimestamp: new Date('2026-11-23T18:56:12Z'),
            labels: { a: 'b' },
          },
          status: { phase: 'Running', startTime: new Date('2026-11-23T18:56:13Z') },
        },
      ],
    };
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: {
        podSelector: {},
        ingress: [
          { _from: [{ namespaceSelector: { matchLabels: { x: 'y' } } }], ports: [{ port: 443, protocol: 'TCP' }] },
        ],
      },
    };
    // When both serializers turn them into wire JSON
    const typedPods = cases
      .filter((c) => c[1] === 'V1Pod')
      .map((c): [unknown, string] => [ObjectSerializer.deserialize(c[2], 'V1Pod', ''), 'V1Pod']);
    for (const [value, type] of [[podList, 'V1PodList'], [policy, 'V1NetworkPolicy'], ...typedPods] as [
      unknown,
      string,
    ][]) {
      const ours = JSON.parse(JSON.stringify(toWire(value, type)));
      const theirs = JSON.parse(JSON.stringify(ObjectSerializer.serialize(value, type, '')));
      // Then they agree, and the renamed fields are back to their wire names
      t.same(ours, theirs, type);
    }
    const wirePods = JSON.parse(JSON.stringify(toWire(podList, 'V1PodList')));
    t.equal(wirePods.metadata.continue, 'tok');
    t.equal(wirePods.items[0].metadata.creationTimestamp, '2026-11-23T18:56:12.000Z');
    t.ok(JSON.parse(JSON.stringify(toWire(policy, 'V1NetworkPolicy'))).spec.ingress[0].from, 'from, not _from');
  },
);
