/**
 * client-node serializes request bodies through its typed models and silently drops any
 * field a model does not know. Every manifest meshprobe sends must survive that unchanged,
 * or a hygiene setting could vanish on the way to the API server.
 */
import t from 'tap';
// Not re-exported by the package index; the same class the generated APIs use for request bodies.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { agentConfigMap, batchConfigMap, echoPodManifest, echoServiceManifest, namespaceManifest, probePodManifest } from '../../../src/plan/pods.js';

const RUN = '20261123-185612-a1b2';
const cases: [string, string, object][] = [
  ['namespace', 'V1Namespace', namespaceManifest(RUN)],
  ['agent ConfigMap', 'V1ConfigMap', agentConfigMap(RUN, 'ns', { agent: 'A', echo: 'E' })],
  ['batch ConfigMap', 'V1ConfigMap', batchConfigMap(RUN, 'ns', 'p', { v: 1, runId: RUN, podName: 'p', concurrency: 4, deadlineMs: 1000, attempts: [] })],
  ['probe pod', 'V1Pod', probePodManifest({ runId: RUN, name: 'p', namespace: 'ns', vantage: { kind: 'same-namespace', namespace: 'ns' }, image: 'img', activeDeadlineSeconds: 60 })],
  ['identity probe pod', 'V1Pod', probePodManifest({
    runId: RUN, name: 'p', namespace: 'web', vantage: { kind: 'identity', namespace: 'web', workload: 'front', serviceAccount: 'front-sa' }, image: 'img',
    activeDeadlineSeconds: 60,
    identity: {
      workload: { namespace: 'web', workload: 'front', ownerKind: 'Deployment', serviceAccount: 'front-sa', labels: { tier: 'web' }, withheld: [], enrolment: 'none', admittedBy: [] },
      owner: { apiVersion: 'v1', kind: 'ConfigMap', name: 'p-batch', uid: '0b9c1f4e-1111-2222-3333-444455556666' },
    },
  })],
  ['echo pod', 'V1Pod', echoPodManifest(RUN, 'img', 600)],
  ['echo Service', 'V1Service', echoServiceManifest(RUN)],
];

for (const [name, type, manifest] of cases) {
  t.test(`the ${name} manifest survives client-node serialization unchanged`, async (t) => {
    const wire: unknown = ObjectSerializer.serialize(ObjectSerializer.deserialize(manifest, type, ''), type, '');
    t.same(JSON.parse(JSON.stringify(wire)), manifest);
  });
}
