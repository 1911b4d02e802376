/**
 * Identity vantages on the lab (issue 16): an over-broad podSelector policy is caught from the
 * admitted identity while an unlabelled pod is denied; a correct policy set holds; a bare
 * ReplicaSet and a DaemonSet whose selectors match the impersonated labels keep their pods (same
 * UIDs, same counts) through the run; no probe pod ever appears in an EndpointSlice (watched
 * every second during each run). Manifests: test/e2e/identity/*.yaml (namespaces id16-*).
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlJson, kubectlOk, sleep } from './helpers/kubectl.js';
import type { Lab } from './helpers/lab.js';
import { REPO_ROOT } from './helpers/lab.js';
import { attemptCount, runCli } from './helpers/meshprobe.js';
import { e2eReady } from './helpers/skip.js';

const DIR = join(REPO_ROOT, 'test/e2e/identity');
const DEFAULTS = [
  '--agent-image',
  'lab.local/node:24',
  '-o',
  'json',
  '--quiet',
  '--attempt-timeout',
  '2000',
  '--pod-ready-timeout',
  '180',
  '--timeout',
  '600',
];

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  status?: Record<string, unknown>;
}
interface Slice {
  metadata: { name: string; namespace: string };
  endpoints?: { targetRef?: { kind?: string; name?: string }; conditions?: Record<string, boolean> }[] | null;
}

/** `kubectl get` without throwing (a watcher must outlive a brief apiserver restart). */
async function getJson<T>(lab: Lab, args: readonly string[]): Promise<T | undefined> {
  const child = spawn(lab.kubectl, [
    '--kubeconfig',
    lab.kubeconfig,
    'get',
    ...args,
    '-o',
    'json',
    '--request-timeout',
    '5s',
  ]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  try {
    return code === 0 ? (JSON.parse(out) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Pods owned by the bare ReplicaSet and the DaemonSet: "kind/name uid", sorted. */
function strayPods(items: readonly Obj[]): string[] {
  return items
    .filter((p) => p.metadata.ownerReferences?.some((o) => o.name === 'stray-rs' || o.name === 'stray-ds'))
    .map((p) => `${p.metadata.ownerReferences?.[0]?.kind}/${p.metadata.ownerReferences?.[0]?.name} ${p.metadata.uid}`)
    .sort();
}

/** What the watcher saw during a run. */
interface Watch {
  polls: number;
  slicesWithProbe: string[];
  strayChanges: string[];
  identityPodsSeen: Set<string>;
  identityVantages: Set<string>;
  /** The watcher read real slices: id16-web/front's slice listing the front pod. */
  sawFrontSlice: boolean;
  foreignOwners: string[];
}

/** Poll every second (bounded by `stop`): EndpointSlices cluster-wide, and the pods of id16-web. */
function watch(
  lab: Lab,
  strayBefore: readonly string[],
  stop: { done: boolean },
): { result: Watch; finished: Promise<void> } {
  const result: Watch = {
    polls: 0,
    slicesWithProbe: [],
    strayChanges: [],
    identityPodsSeen: new Set(),
    identityVantages: new Set(),
    foreignOwners: [],
    sawFrontSlice: false,
  };
  const finished = (async () => {
    for (let i = 0; i < 900 && !stop.done; i++) {
      const [slices, pods] = await Promise.all([
        getJson<{ items: Slice[] }>(lab, ['endpointslices', '-A']),
        getJson<{ items: Obj[] }>(lab, ['pods', '-n', 'id16-web']),
      ]);
      if (slices && pods) result.polls += 1;
      for (const s of slices?.items ?? []) {
        for (const e of s.endpoints ?? []) {
          if (s.metadata.namespace === 'id16-web' && e.targetRef?.name?.startsWith('front-'))
            result.sawFrontSlice = true;
          if (e.targetRef?.kind === 'Pod' && e.targetRef.name?.startsWith('mp-')) {
            result.slicesWithProbe.push(
              `${s.metadata.namespace}/${s.metadata.name} lists ${e.targetRef.name} ${JSON.stringify(e.conditions)}`,
            );
          }
        }
      }
      if (pods) {
        const now = strayPods(pods.items);
        if (now.join('|') !== strayBefore.join('|')) result.strayChanges.push(now.join(', '));
        for (const p of pods.items.filter((x) => x.metadata.labels?.['meshprobe.io/vantage']?.startsWith('identity'))) {
          result.identityPodsSeen.add(p.metadata.name);
          result.identityVantages.add(p.metadata.labels?.['meshprobe.io/vantage'] ?? '');
          const owner = p.metadata.ownerReferences?.find((o) => o.controller === true);
          if (owner?.kind !== 'ConfigMap')
            result.foreignOwners.push(`${p.metadata.name} controlled by ${JSON.stringify(owner)}`);
        }
      }
      await sleep(1000);
    }
  })();
  return { result, finished };
}

interface Verdict {
  controlId: string;
  status: string;
  reasons: string[];
  findings?: string[];
}
interface EvidenceLine {
  attempt: {
    vantage: { kind: string; namespace?: string; workload?: string };
    target: { namespace: string; name: string };
    port: number;
    role: string;
    probeId: string;
  };
  outcome: { kind: string };
}

async function runWatched(
  t: Test,
  lab: Lab,
  cde: string,
): Promise<{ report: Record<string, unknown>; watch: Watch; code: number | null }> {
  const strayBefore = strayPods(kubectlJson<{ items: Obj[] }>(lab, ['get', 'pods', '-n', 'id16-web']).items);
  const rs = kubectlJson<Obj>(lab, ['get', 'replicaset', 'stray-rs', '-n', 'id16-web']).status;
  const stop = { done: false };
  const w = watch(lab, strayBefore, stop);
  const outputDir = mkdtempSync(join(tmpdir(), `meshprobe-e2e-${cde}-`));
  const args = [
    'run',
    '--kubeconfig',
    lab.kubeconfig,
    ...DEFAULTS,
    '--namespace',
    cde,
    '--namespace',
    'id16-web',
    '--cde-namespace',
    cde,
    '--control',
    '1.3.1',
    '--approved-flows',
    join(DIR, 'approved-flows.yaml'),
  ];
  t.comment(`meshprobe ${args.join(' ')}`);
  const run = await runCli({ args, outputDir });
  // Keep watching a little after the run: cleanup deletes the pods; adoption would show by now.
  await sleep(5000);
  stop.done = true;
  await w.finished;
  t.comment(
    `${cde}: wall ${(run.wallMs / 1000).toFixed(1)} s, ${attemptCount(run.report) ?? '?'} attempts, exit ${run.code}, ${w.result.polls} watch polls, identity pods seen: ${[...w.result.identityPodsSeen].join(', ')}`,
  );
  t.ok(run.report, `report written (${outputDir})${run.report ? '' : `: ${run.stderr.slice(-1500)}`}`);
  // Then: the watched safety properties held for the whole run
  t.ok(w.result.polls >= 5, 'the watcher polled throughout the run');
  t.same(
    [...w.result.identityVantages].sort(),
    ['identity.id16-web.front', 'identity.id16-web.stray-ds', 'identity.id16-web.stray-rs'],
    'identity pods of the Deployment, the bare ReplicaSet and the DaemonSet existed while watched',
  );
  t.ok(w.result.sawFrontSlice, 'the watcher read real EndpointSlices (id16-web/front lists its pod)');
  t.same(w.result.slicesWithProbe, [], 'no probe pod was ever listed in any EndpointSlice');
  t.same(
    w.result.strayChanges,
    [],
    'the bare ReplicaSet and the DaemonSet kept exactly their own pods (same UIDs) throughout',
  );
  t.same(w.result.foreignOwners, [], "every identity pod stayed controlled by the run's ConfigMap");
  const strayAfter = strayPods(kubectlJson<{ items: Obj[] }>(lab, ['get', 'pods', '-n', 'id16-web']).items);
  t.same(strayAfter, strayBefore, 'after the run: the same ReplicaSet/DaemonSet pods (UIDs), same count');
  t.same(
    kubectlJson<Obj>(lab, ['get', 'replicaset', 'stray-rs', '-n', 'id16-web']).status?.['replicas'],
    rs?.['replicas'],
    'ReplicaSet replica count unchanged',
  );
  const runId = (run.report?.['run'] as { runId?: string } | undefined)?.runId ?? 'none';
  let left = 'unknown';
  for (let i = 0; i < 60; i++) {
    left = kubectlOk(lab, [
      'get',
      'pods,configmaps,namespaces',
      '-A',
      '-l',
      `meshprobe.io/run-id=${runId}`,
      '-o',
      'name',
    ]).trim();
    if (left === '') break;
    await sleep(2000);
  }
  t.equal(left, '', `nothing of run ${runId} is left`);
  return { report: run.report ?? {}, watch: w.result, code: run.code };
}

function evidenceOf(report: Record<string, unknown>): EvidenceLine[] {
  return (report['evidence'] as EvidenceLine[] | undefined) ?? [];
}

const ready = e2eReady(true);
if ('skip' in ready) {
  t.plan(0, ready.skip);
} else {
  const lab = ready.lab;
  t.before(async () => {
    for (const f of ['id16-web.yaml', 'id16-pay.yaml', 'id16-good.yaml']) kubectlOk(lab, ['apply', '-f', join(DIR, f)]);
    for (const [ns, what] of [
      ['id16-web', 'deployment/front'],
      ['id16-pay', 'deployment/api'],
      ['id16-good', 'deployment/api'],
    ] as const) {
      kubectlOk(lab, ['rollout', 'status', '-n', ns, what, '--timeout=180s'], { timeoutMs: 200_000 });
    }
    kubectlOk(lab, ['rollout', 'status', '-n', 'id16-web', 'daemonset/stray-ds', '--timeout=180s'], {
      timeoutMs: 200_000,
    });
    for (
      let i = 0;
      i < 90 &&
      kubectl(lab, ['get', 'rs', 'stray-rs', '-n', 'id16-web', '-o', 'jsonpath={.status.readyReplicas}']).stdout !==
        '2';
      i++
    )
      await sleep(2000);
  });

  t.test(
    'an over-broad podSelector policy is caught from the admitted identity while an unlabelled pod is denied',
    async (t) => {
      // Given id16-pay admitting tier=web pods of id16-web on ALL ports of api, approved flows giving 8080 only
      const { report, code } = await runWatched(t, lab, 'id16-pay');
      const v = (report['verdicts'] as Verdict[] | undefined)?.find((x) => x.controlId === 'pci-dss-4.0.1/1.3.1');
      // Then 1.3.1 fails, naming the identity and the admin port
      if (v?.status !== 'fails') t.comment(JSON.stringify(v?.reasons, null, 1));
      t.equal(v?.status, 'fails', '1.3.1 fails');
      t.match(
        (v?.findings ?? []).join('\n'),
        /id16-pay\/api port 9000 .*as workload id16-web\/front \(its labels and ServiceAccount front-sa\).*no approved flow gives id16-web\/front this port/,
      );
      t.notMatch((v?.findings ?? []).join('\n'), /port 8080/, 'the approved port is not a finding');
      t.equal(code, 1);
      // And the unlabelled pod of the same namespace was dropped on the admin port
      const unlabelled = evidenceOf(report).filter(
        (e) =>
          e.attempt.role === 'probe' &&
          e.attempt.vantage.kind === 'from-namespace' &&
          e.attempt.vantage.namespace === 'id16-web' &&
          e.attempt.port === 9000,
      );
      t.ok(unlabelled.length > 0, 'attempts from an unlabelled pod of id16-web were made');
      t.same([...new Set(unlabelled.map((e) => e.outcome.kind))], ['blocked'], 'and were blocked');
    },
  );

  t.test('a correct podSelector policy set holds from the same identities', async (t) => {
    // Given id16-good admitting tier=web only on 8080, which the approved flows allow
    const { report, code } = await runWatched(t, lab, 'id16-good');
    const v = (report['verdicts'] as Verdict[] | undefined)?.find((x) => x.controlId === 'pci-dss-4.0.1/1.3.1');
    if (v?.status !== 'holds') t.comment(JSON.stringify(v?.reasons, null, 1));
    t.equal(v?.status, 'holds', '1.3.1 holds');
    const fromId = evidenceOf(report).filter(
      (e) => e.attempt.role === 'probe' && e.attempt.vantage.kind === 'identity',
    );
    t.ok(
      fromId.some((e) => e.attempt.port === 8080 && e.outcome.kind === 'allowed'),
      'the identity reached the approved port',
    );
    t.ok(
      fromId.some((e) => e.attempt.port === 9000 && e.outcome.kind === 'blocked'),
      'and was dropped on the admin port',
    );
    t.equal(code, 0);
  });

  t.test(
    'with --no-identity-vantages the over-broad policy is not seen, and 1.3.1 says so instead of holding',
    async (t) => {
      // Given the over-broad id16-pay, When identity vantages are switched off
      const outputDir = mkdtempSync(join(tmpdir(), 'meshprobe-e2e-id16-off-'));
      const run = await runCli({
        outputDir,
        args: [
          'run',
          '--kubeconfig',
          lab.kubeconfig,
          ...DEFAULTS,
          '--namespace',
          'id16-pay',
          '--namespace',
          'id16-web',
          '--cde-namespace',
          'id16-pay',
          '--control',
          '1.3.1',
          '--approved-flows',
          join(DIR, 'approved-flows.yaml'),
          '--no-identity-vantages',
        ],
      });
      t.comment(
        `id16-pay without identity vantages: wall ${(run.wallMs / 1000).toFixed(1)} s, ${attemptCount(run.report) ?? '?'} attempts, exit ${run.code}`,
      );
      const v = (run.report?.['verdicts'] as Verdict[] | undefined)?.find((x) => x.controlId === 'pci-dss-4.0.1/1.3.1');
      // Then nothing fails (an unlabelled pod is denied everywhere), but 1.3.1 is inconclusive naming the unprobed workloads
      t.equal(v?.status, 'inconclusive', '1.3.1 inconclusive');
      t.match(v?.reasons.join(' '), /not probed as themselves: id16-web\/front \(identity vantages are switched off/);
      t.equal(run.code, 4);
    },
  );

  t.test(
    'control: a pod with the impersonated labels and NO controller is adopted (what the ownerReference prevents)',
    async (t) => {
      // Given a bare pod in id16-web labelled tier=web, as an identity pod would be without its ownerReference
      const name = 'id16-orphan-control';
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'id16-web', labels: { tier: 'web', 'meshprobe-e2e/part-of': 'identity' } },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'c',
              image: 'lab.local/node:24',
              imagePullPolicy: 'Never',
              args: ['-e', 'setTimeout(() => {}, 120000)'],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      };
      kubectlOk(lab, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
      try {
        // When the controllers see it (bounded: 60 s)
        let owner: string | undefined;
        for (let i = 0; i < 30 && owner === undefined; i++) {
          const o = await getJson<Obj>(lab, ['pod', name, '-n', 'id16-web']);
          const ref = o?.metadata.ownerReferences?.find((r) => r.controller === true);
          owner = ref ? `${ref.kind}/${ref.name}` : undefined;
          if (owner === undefined) await sleep(2000);
        }
        // Then a selector-matching controller adopted it: the hazard is real on this lab
        t.match(owner, /^(ReplicaSet\/stray-rs|DaemonSet\/stray-ds)$/, `adopted by ${owner ?? 'nobody'}`);
      } finally {
        kubectl(lab, ['delete', 'pod', name, '-n', 'id16-web', '--ignore-not-found', '--wait=false']);
      }
    },
  );
}
