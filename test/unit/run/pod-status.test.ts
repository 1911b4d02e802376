import t from 'tap';
import { podState } from '../../../src/run/pod-status.js';
import { failureOf, waitForPod } from '../../../src/run/run-pods.js';
import type { KubeObject } from '../../../src/cluster/ports.js';
import { FakeClusterApi } from '../../fakes/cluster-api.js';

const pod = (status: object, image = 'lab.local/node:24'): KubeObject => ({
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'n' },
  spec: { containers: [{ name: 'agent', image }] },
  status,
});

t.test('pod status is classified by kubelet and scheduler reasons', async (t) => {
  const cases: [string, object, string, RegExp?][] = [
    [
      'ImagePullBackOff',
      {
        phase: 'Pending',
        containerStatuses: [
          {
            image: 'x/y:1',
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x/y:1"' } },
          },
        ],
      },
      'image-pull',
      /ImagePullBackOff: Back-off pulling image/,
    ],
    [
      'ErrImagePull',
      { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull' } } }] },
      'image-pull',
    ],
    [
      'InvalidImageName',
      { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'InvalidImageName' } } }] },
      'image-pull',
    ],
    [
      'CreateContainerConfigError',
      {
        phase: 'Pending',
        containerStatuses: [
          { state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' } } },
        ],
      },
      'broken',
      /configmap "x" not found/,
    ],
    [
      'unschedulable',
      {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' },
        ],
      },
      'unschedulable',
      /Unschedulable: 0\/1 nodes/,
    ],
    [
      'ContainerCreating',
      { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] },
      'waiting',
      /ContainerCreating/,
    ],
    ['pending, no status yet', { phase: 'Pending' }, 'waiting', /Pending/],
    ['running', { phase: 'Running', containerStatuses: [{ ready: false, state: { running: {} } }] }, 'running'],
    ['succeeded', { phase: 'Succeeded' }, 'finished'],
    [
      'deadline exceeded',
      {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
      },
      'finished',
      /DeadlineExceeded/,
    ],
  ];
  for (const [name, status, kind, why] of cases) {
    const s = podState(pod(status));
    t.equal(s.kind, kind, name);
    if (why) t.match('why' in s ? s.why : '', why, `${name} reason`);
  }
  t.same(podState(undefined), { kind: 'gone' });
  t.match(podState(pod({ phase: 'Failed' })), { kind: 'finished', succeeded: false });
});

t.test('an image-pull failure names the image and --agent-image; broken and gone pods are E_DEPLOY', async (t) => {
  const e = failureOf({ kind: 'image-pull', image: 'registry.invalid/node:20', why: 'ErrImagePull' }, 'ns/p', 'x');
  t.match(e, { code: 'E_IMAGE_PULL', message: /registry\.invalid\/node:20/, hint: /--agent-image/ });
  t.match(failureOf({ kind: 'broken', why: 'CreateContainerError' }, 'ns/p', 'x'), { code: 'E_DEPLOY' });
  t.match(failureOf({ kind: 'gone' }, 'ns/p', 'x'), { code: 'E_DEPLOY', message: /disappeared/ });
  t.equal(failureOf({ kind: 'running', ready: true }, 'ns/p', 'x'), undefined);
});

t.test('waiting returns when the pod finishes, and times out with the scheduler reason', async (t) => {
  // Given a pod that runs for three polls and then succeeds
  let reads = 0;
  const api = new FakeClusterApi([pod({})], {
    hooks: {
      podStatus: () =>
        ++reads < 3 ? { phase: 'Running', containerStatuses: [{ state: { running: {} } }] } : { phase: 'Succeeded' },
    },
  });
  const signal = new AbortController().signal;
  const done = await waitForPod(api, 'n', 'p', {
    until: 'finished',
    readyTimeoutMs: 1000,
    finishTimeoutMs: 10_000,
    pollMs: 1,
    signal,
    image: 'i',
  });
  t.match(done, { state: { kind: 'finished', succeeded: true }, timedOut: false });
  t.equal(reads, 3);
  // Given a pod that is never scheduled, with a fake clock
  let now = 0;
  const stuck = new FakeClusterApi([pod({})], {
    hooks: {
      podStatus: () => ({
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'node(s) had untolerated taint' },
        ],
      }),
    },
  });
  await t.rejects(
    waitForPod(stuck, 'n', 'p', {
      until: 'finished',
      readyTimeoutMs: 5000,
      finishTimeoutMs: 1,
      pollMs: 1,
      signal,
      image: 'i',
      now: () => (now += 1000),
    }),
    {
      code: 'E_POD_TIMEOUT',
      message: 'pod n/p was not scheduled within 5s: Unschedulable: node(s) had untolerated taint',
    },
  );
  // Given a pod that keeps running past its finish timeout: we stop waiting and say so
  let clock = 0;
  const slow = new FakeClusterApi([pod({})], {
    hooks: { podStatus: () => ({ phase: 'Running', containerStatuses: [{ state: { running: {} } }] }) },
  });
  t.match(
    await waitForPod(slow, 'n', 'p', {
      until: 'finished',
      readyTimeoutMs: 1,
      finishTimeoutMs: 3000,
      pollMs: 1,
      signal,
      image: 'i',
      now: () => (clock += 1000),
    }),
    { timedOut: true },
  );
  // Given a pod that runs but becomes ready only on the fourth read: waiting for 'ready' does not stop early
  let polls = 0;
  const warming = new FakeClusterApi([pod({})], {
    hooks: {
      podStatus: () => ({ phase: 'Running', containerStatuses: [{ ready: ++polls >= 4, state: { running: {} } }] }),
    },
  });
  t.match(
    await waitForPod(warming, 'n', 'p', {
      until: 'ready',
      readyTimeoutMs: 60_000,
      finishTimeoutMs: 0,
      pollMs: 1,
      signal,
      image: 'i',
    }),
    { state: { kind: 'running', ready: true } },
  );
  t.equal(polls, 4);
  // And one that never becomes ready times out with E_POD_TIMEOUT
  let tick = 0;
  const never = new FakeClusterApi([pod({})], {
    hooks: { podStatus: () => ({ phase: 'Running', containerStatuses: [{ ready: false, state: { running: {} } }] }) },
  });
  await t.rejects(
    waitForPod(never, 'n', 'p', {
      until: 'ready',
      readyTimeoutMs: 3000,
      finishTimeoutMs: 0,
      pollMs: 1,
      signal,
      image: 'i',
      now: () => (tick += 1000),
    }),
    { code: 'E_POD_TIMEOUT', message: 'pod n/p did not become ready within 3s' },
  );
  // Given the caller aborts: E_INTERRUPTED
  const c = new AbortController();
  c.abort('SIGINT');
  await t.rejects(
    waitForPod(slow, 'n', 'p', {
      until: 'finished',
      readyTimeoutMs: 1,
      finishTimeoutMs: 1,
      signal: c.signal,
      image: 'i',
    }),
    { code: 'E_INTERRUPTED' },
  );
});
