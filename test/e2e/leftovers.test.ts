/**
 * The leftover checker itself is proven once: with one meshprobe-labelled pod deliberately left
 * in the cluster it must fail and name the pod; after the pod is removed it must pass.
 */
import t from 'tap';
import { kubectl, kubectlOk } from './helpers/kubectl.js';
import { findLeftovers, leftoverProblem, MANAGED_BY_SELECTOR } from './helpers/leftovers.js';
import { e2eReady } from './helpers/skip.js';

const NS = 'meshprobe-e2e-leftover';

const ready = e2eReady(false);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  const [key, value] = MANAGED_BY_SELECTOR.split('=') as [string, string];
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'left-behind',
      namespace: NS,
      labels: { [key]: value, 'meshprobe-e2e/part-of': 'leftover-test' },
    },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'idle',
          image: 'lab.local/node:24',
          imagePullPolicy: 'Never',
          command: ['/usr/bin/node', '-e', 'setInterval(() => {}, 1 << 30)'],
          resources: { limits: { cpu: '50m', memory: '64Mi' } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  };
  t.teardown(() => {
    kubectl(lab, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
  });

  t.test('the checker fails while one labelled pod remains, naming it, and passes once it is gone', async (t) => {
    // Given a clean cluster (no meshprobe object from anything else)
    t.equal(await leftoverProblem(lab, 60_000), undefined, 'the cluster starts clean');
    // When one pod labelled like a meshprobe object is left behind
    kubectlOk(lab, ['create', 'namespace', NS]);
    kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
    // Then the checker fails and names it
    t.ok(
      findLeftovers(lab).some((l) => l.kind === 'Pod' && l.namespace === NS && l.name === 'left-behind'),
      'the checker lists the pod',
    );
    t.match(
      await leftoverProblem(lab, 3_000),
      new RegExp(`Pod ${NS}/left-behind`),
      'the leftover check fails naming the pod',
    );
    // When it is removed, Then the checker passes again
    kubectlOk(lab, ['delete', 'pod', 'left-behind', '-n', NS, '--grace-period=0', '--force']);
    t.equal(await leftoverProblem(lab, 120_000), undefined, 'the check passes after removal');
  });
}
