/**
 * PLAN (DESIGN §1 step 2, pure): inventory × catalogue × selection → RunPlan. Every
 * applicable probe × vantage × target × port becomes an attempt with a stable id; every
 * combination that is not made becomes a not-run attempt with its reason. Adds one canary
 * per vantage (to the run's echo pod) and control-path attempts where policy is known to
 * allow a source, then packs attempts into pod-sized batches.
 */
import { attemptId, type Attempt, type NotRunAttempt } from '../domain/attempt.js';
import type { Control } from '../domain/control.js';
import type { Probe } from '../domain/probe.js';
import { targetKey, type Target, type TargetPort } from '../domain/target.js';
import { vantageId, type Vantage, type VantageKind } from '../domain/vantage.js';
import type { AttemptBatch } from '../../probes/protocol.js';
import { controlPathKey, type DiscoveredInventory } from '../discover/targets.js';
import { mayHostProbePods, type NamespaceFacts } from '../discover/namespaces.js';
import { Interner } from '../shared/interner.js';
import { chunkSpecs, makeBatch, referenceIdsOf, TIMEOUT_TRIES, toSpec, type BatchTiming } from './batch.js';
import { ECHO_PORT } from './echo-server.js';
import { ECHO_NAME, probeNamespaceName } from './pods.js';
import {
  endpointAllows,
  selectControls,
  selectProbes,
  vantagesFor,
  type SelectOptions,
  type VantageChoice,
} from './select.js';
import { ISTIO_ALPN } from '../catalogue/probes/tls-handshake-istio-alpn.js';
import { chooseReference, describeReference, type VantageReference } from './references.js';
import { phaseTwoAttempts, withPhaseOneL4 } from './phase-two.js';
import { planSweep, sweepWanted, SWEEP_PROBE_ID, type SweepOptions, type SweepPlan } from './sweep.js';
import { speaksTls } from '../catalogue/probes/port-kind.js';
import { udpReach } from '../catalogue/probes/udp-reach.js';
import type { WorkloadIdentity } from '../discover/identities.js';
import { chooseIdentities, identityCombos, type IdentityChoice, type IdentityOptions } from './identity.js';

/** Why node targets are not probed under --no-nodes (the node controls quote it as inconclusive). */
export const NO_NODES_REASON = 'node targets are left out of this run (--no-nodes)';

/** Probe id of control-path attempts (not a catalogue probe: a plain TCP connect from an allowed source). */
export const CONTROL_PATH_PROBE_ID = 'control-path';
/** Probe id of a vantage's reference attempt where policy denies it the echo pod (role canary, a plain TCP connect). */
export const CANARY_REFERENCE_PROBE_ID = 'canary-reference';

/** Everything planning needs. */
export interface PlanInput {
  readonly runId: string;
  readonly inventory: DiscoveredInventory;
  readonly probes: readonly Probe[];
  readonly controls: readonly Control[];
  readonly options: SelectOptions &
    IdentityOptions &
    Partial<Pick<SweepOptions, 'ports' | 'sweepConcurrency' | 'sweepTimeout'>> & {
      readonly attemptTimeout: number;
      readonly concurrency: number;
      readonly timeout: number;
      readonly policySettle?: number;
    };
  /** Address of the echo Service; defaults to its DNS name (known before it exists). */
  readonly canaryAddress?: string;
}

/** One probe pod: where it runs, for which vantage, with which batch. */
export interface PlannedPod {
  readonly name: string;
  readonly namespace: string;
  readonly vantage: Vantage;
  readonly batch: AttemptBatch;
  /** For identity vantages: the workload identity the pod carries (labels, ServiceAccount). */
  readonly identity?: WorkloadIdentity;
}

/** The plan of one run. */
export interface RunPlan {
  readonly runId: string;
  readonly probeNamespace: string;
  readonly controlIds: readonly string[];
  readonly attempts: readonly Attempt[];
  readonly notRun: readonly NotRunAttempt[];
  readonly pods: readonly PlannedPod[];
  /** Attempts made from the host running meshprobe (no pod). */
  readonly hostBatch?: AttemptBatch;
  readonly canary: { readonly address: string; readonly port: number };
  /** Per probe pod vantage: the reference that proves its pod works (plan/references.ts). */
  readonly references: readonly VantageReference[];
  /** Workloads considered as identity vantages, chosen or not, with why (issue 16). */
  readonly identities?: readonly IdentityChoice[];
  /** The listener-sweep round that runs before these attempts (absent with --ports none or nothing to sweep). */
  readonly sweep?: SweepPlan;
  /** How many of `attempts` are phase 2 (made only where their L4 attempt connects). */
  readonly phaseTwo: number;
}

function nominalVantage(kind: VantageKind, target: Target): Vantage {
  switch (kind) {
    case 'same-namespace':
      return { kind, namespace: target.ref.namespace };
    case 'from-namespace':
      return { kind, namespace: '*' };
    case 'probe-namespace':
    case 'host':
      return { kind };
    case 'identity':
      return { kind, namespace: target.ref.namespace, workload: '*', serviceAccount: '' };
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function makeAttempt(
  probe: Probe,
  role: Attempt['role'],
  vantage: Vantage,
  target: Target,
  port: TargetPort,
  timeoutMs: number,
  after?: string,
): Attempt {
  const id = attemptId({ probeId: probe.id, vantage, target: target.ref, port: port.port });
  const req = probe.request(target, port, id);
  return {
    id,
    probeId: probe.id,
    role,
    vantage,
    target: target.ref,
    address: target.address,
    port: port.port,
    technique: req.technique,
    timeoutMs,
    ...(req.tls ? { tls: req.tls } : {}),
    ...(req.http ? { http: req.http } : {}),
    ...(req.udp ? { udp: req.udp } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/** A plain TCP connect used for canaries (when the catalogue has none) and control paths. */
function tcpProbe(id: string): Probe {
  return {
    id,
    title: id,
    technique: 'tcp',
    vantages: [],
    secureLooksLike: '',
    applies: () => true,
    request: () => ({ technique: 'tcp' }),
  };
}

/**
 * One object per distinct vantage (and per distinct reason text): a 100 000-attempt plan
 * otherwise holds one vantage object per attempt and per not-run entry, and one copy of
 * each per-target reason per port.
 */
interface PlanInterners {
  readonly vantages: Interner<Vantage>;
  readonly reasons: Interner<string>;
}

/** probe × target × port × vantage expansion. */
function expand(
  input: PlanInput,
  probes: readonly Probe[],
  intern: PlanInterners,
): { attempts: Attempt[]; notRun: NotRunAttempt[] } {
  const attempts: Attempt[] = [];
  const notRun: NotRunAttempt[] = [];
  const { inventory, options } = input;
  for (const probe of probes) {
    // Identity vantages are chosen per workload (identityAttempts); a probe made only for them has nothing here.
    if (probe.vantages.every((k) => k === 'identity')) continue;
    for (const target of inventory.targets) {
      // The vantages of a kind depend on the probe and the target, not on the port: resolved once per target.
      const choices = new Map<VantageKind, VantageChoice>();
      const choiceFor = (kind: VantageKind): VantageChoice => {
        let choice = choices.get(kind);
        if (choice === undefined) {
          choice = vantagesFor(probe, kind, target, inventory.namespaces, options);
          choice =
            choice.kind === 'none'
              ? {
                  kind: 'none',
                  reason: intern.reasons.intern(choice.reason),
                  ...(choice.byDesign ? { byDesign: true as const } : {}),
                }
              : { kind: 'vantages', vantages: choice.vantages.map((v) => intern.vantages.intern(v)) };
          choices.set(kind, choice);
        }
        return choice;
      };
      const endpoint = endpointAllows(probe, target);
      const leftOut = target.ref.kind === 'Node' && options.nodes === false ? NO_NODES_REASON : undefined;
      for (const port of target.ports) {
        const applies = endpoint === true ? probe.applies(target, port) : endpoint;
        if (applies !== true) {
          notRun.push({
            probeId: probe.id,
            vantage: intern.vantages.intern(nominalVantage(probe.vantages[0] ?? 'probe-namespace', target)),
            target: target.ref,
            port: port.port,
            reason: intern.reasons.intern(applies),
            cause: 'inapplicable',
          });
          continue;
        }
        for (const kind of probe.vantages) {
          const choice = choiceFor(kind);
          if (leftOut !== undefined || choice.kind === 'none') {
            // A vantage kind that never applies to such a target is not a gap, --no-nodes or not.
            const byDesign = choice.kind === 'none' && choice.byDesign === true;
            const reason = byDesign || leftOut === undefined ? (choice.kind === 'none' ? choice.reason : '') : leftOut;
            const cause = byDesign ? 'inapplicable' : leftOut !== undefined ? 'left-out' : 'no-vantage';
            notRun.push({
              probeId: probe.id,
              vantage: intern.vantages.intern(nominalVantage(kind, target)),
              target: target.ref,
              port: port.port,
              reason,
              cause,
            });
            continue;
          }
          for (const v of choice.vantages)
            attempts.push(makeAttempt(probe, 'probe', v, target, port, options.attemptTimeout));
        }
      }
    }
  }
  return { attempts, notRun };
}

/**
 * The control-path probe: proves an allowed source reaches the port at L4. A STRICT
 * sidecar port closes plaintext after accepting it (eof/reset), which does not read as
 * "reached"; a TLS ClientHello there completes the handshake before the mesh asks for a
 * client certificate (MESH-NOTES §A.3, §B.3), so those ports, and app ports that speak TLS,
 * get a TLS control instead.
 */
export const controlPathProbe: Probe = {
  ...tcpProbe(CONTROL_PATH_PROBE_ID),
  request(target, port) {
    const strictSidecar = target.enrolment === 'sidecar' && port.mtls === 'strict' && port.meshBypass === undefined;
    if (strictSidecar)
      return target.mesh === 'istio' ? { technique: 'tls', tls: { alpn: ISTIO_ALPN } } : { technique: 'tls', tls: {} };
    // A TLS server closes a plaintext client too; greet it in TLS.
    return speaksTls(port) ? { technique: 'tls', tls: {} } : { technique: 'tcp' };
  },
};

/** Probe id of UDP control-path attempts: udp-reach's request from a source policy allows. */
export const UDP_CONTROL_PATH_PROBE_ID = 'control-path-udp';

/**
 * The UDP control path: the same request udp-reach sends, from a fresh pod of the target's own
 * namespace where policy admits it over UDP. Its reply shows the port answers that request, so
 * silence elsewhere is the policy's; no reply there leaves silence elsewhere unexplained.
 */
const udpControlPathProbe: Probe = {
  ...tcpProbe(UDP_CONTROL_PATH_PROBE_ID),
  technique: 'udp',
  request: (target, port, seed) => udpReach.request(target, port, seed),
};

/**
 * Control-path attempts: same-namespace connects (a UDP request for UDP attempts) where policy
 * allows a fresh pod of the namespace over the attempt's protocol.
 */
function controlAttempts(input: PlanInput, attempts: readonly Attempt[], intern: PlanInterners): Attempt[] {
  const out = new Map<string, Attempt>();
  // First of each key wins, as a linear find would.
  const targets = new Map<string, Target>();
  for (const t of input.inventory.targets) if (!targets.has(targetKey(t.ref))) targets.set(targetKey(t.ref), t);
  const namespaces = new Map<string, NamespaceFacts>();
  for (const n of input.inventory.namespaces) if (!namespaces.has(n.name)) namespaces.set(n.name, n);
  for (const a of attempts) {
    if (a.vantage.kind === 'same-namespace' || a.vantage.kind === 'host') continue;
    const tKey = targetKey(a.target);
    const udp = a.technique === 'udp';
    const key = controlPathKey(a.target, a.port, udp ? 'UDP' : 'TCP');
    if (input.inventory.sameNamespaceAllowed[key] !== true || out.has(key)) continue;
    const target = targets.get(tKey);
    const ns = namespaces.get(a.target.namespace);
    const port = target?.ports.find((p) => p.port === a.port && (p.protocol === 'UDP') === udp);
    if (!target || !port || !ns || !mayHostProbePods(ns)) continue;
    out.set(
      key,
      makeAttempt(
        udp ? udpControlPathProbe : controlPathProbe,
        'control',
        intern.vantages.intern({ kind: 'same-namespace', namespace: ns.name }),
        target,
        port,
        input.options.attemptTimeout,
      ),
    );
  }
  return [...out.values()];
}

/** The run's echo pod as a canary target, on one of its ports (TCP http-echo or UDP udp-echo). */
function echoCanary(input: PlanInput, address: string, port: TargetPort): { target: Target; port: TargetPort } {
  const target: Target = {
    ref: { kind: 'Canary', namespace: probeNamespaceName(input.runId), name: ECHO_NAME },
    address,
    ports: [port],
    mesh: 'none',
    enrolment: 'none',
    inScope: false,
    workload: ECHO_NAME,
    labels: {},
  };
  return { target, port };
}

/** One canary per pod vantage, to the run's echo pod. */
function canaryAttempts(input: PlanInput, vantages: readonly Vantage[], address: string): Attempt[] {
  const probe = input.probes.find((p) => p.id === 'canary') ?? tcpProbe('canary');
  const { target, port } = echoCanary(input, address, {
    port: ECHO_PORT,
    name: 'http-echo',
    protocol: 'TCP',
    mtls: 'not-meshed',
  });
  return vantages.map((v) => makeAttempt(probe, 'canary', v, target, port, input.options.attemptTimeout));
}

/**
 * Per pod vantage the reference it uses, and a reference attempt (role canary, plain TCP) where
 * policy denies it the echo pod but allows another endpoint. The echo canary is still tried:
 * the plan's reading of policy may be wrong, and a connection seen beats a policy read.
 */
function referenceAttempts(
  input: PlanInput,
  vantages: readonly Vantage[],
  probeNamespace: string,
): { attempts: Attempt[]; references: VantageReference[] } {
  const probe = tcpProbe(CANARY_REFERENCE_PROBE_ID);
  const attempts: Attempt[] = [];
  const references: VantageReference[] = [];
  for (const v of vantages) {
    const choice = chooseReference(v, input.inventory.references, input.runId, probeNamespace);
    references.push(describeReference(vantageId(v), choice, probeNamespace));
    if (choice.kind === 'cluster-dns' || choice.kind === 'policy-allowed') {
      attempts.push(makeAttempt(probe, 'canary', v, choice.target, choice.port, input.options.attemptTimeout));
    }
  }
  return { attempts, references: references.sort((a, b) => a.vantageId.localeCompare(b.vantageId)) };
}

/** Probe id of UDP canary attempts (not a catalogue probe: the echo pod's UDP echo). */
export const UDP_CANARY_PROBE_ID = 'canary-udp';

/** The UDP canary: an echo datagram to the run's echo pod, which sends it back. */
const udpCanaryProbe: Probe = {
  ...tcpProbe(UDP_CANARY_PROBE_ID),
  technique: 'udp',
  request: () => ({ technique: 'udp', udp: { payload: 'echo' } }),
};

/**
 * One UDP canary per pod vantage that makes UDP attempts: without a datagram that came back
 * from the same pod, UDP silence cannot count as dropped (classify.ts).
 */
function udpCanaryAttempts(input: PlanInput, vantages: readonly Vantage[], address: string): Attempt[] {
  const { target, port } = echoCanary(input, address, {
    port: ECHO_PORT,
    name: 'udp-echo',
    protocol: 'UDP',
    mtls: 'not-meshed',
  });
  return vantages.map((v) => makeAttempt(udpCanaryProbe, 'canary', v, target, port, input.options.attemptTimeout));
}

/** Namespace that hosts the pod of a vantage. */
function podNamespace(v: Vantage, probeNamespace: string): string {
  return v.kind === 'same-namespace' || v.kind === 'from-namespace' || v.kind === 'identity'
    ? v.namespace
    : probeNamespace;
}

/** Short, stable, DNS-safe tag for a vantage (FNV-1a of its id). */
function vantageTag(v: Vantage): string {
  let h = 0x811c9dc5;
  for (const ch of vantageId(v)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${v.kind === 'probe-namespace' ? 'pn' : v.kind === 'same-namespace' ? 'sn' : v.kind === 'from-namespace' ? 'fn' : v.kind === 'identity' ? 'id' : 'h'}${h.toString(16).padStart(8, '0').slice(0, 6)}`;
}

/** The default collation, as String.prototype.localeCompare uses it (same order, without a per-call setup). */
const collator = new Intl.Collator();

function sortAttempts(list: readonly Attempt[]): Attempt[] {
  // Keys built once per attempt, not twice per comparison.
  const keyed = list.map((a) => ({
    a,
    key: `${vantageId(a.vantage)}|${a.role === 'canary' ? 0 : 1}|${targetKey(a.target)}|${String(a.port).padStart(5, '0')}|${a.probeId}`,
  }));
  keyed.sort((x, y) => collator.compare(x.key, y.key));
  return keyed.map((k) => k.a);
}

/** Build the plan. Pure and deterministic for the same inputs. */
export function planRun(input: PlanInput): RunPlan {
  const probeNamespace = probeNamespaceName(input.runId);
  const address = input.canaryAddress ?? `${ECHO_NAME}.${probeNamespace}.svc`;
  const controls = selectControls(input.controls, input.options.controls);
  const selected = selectProbes(input.probes, controls, input.options.skipProbes);
  // The listener sweep is its own round (sweep.ts), not a probe × port expansion.
  const probes = withPhaseOneL4(
    selected.filter((p) => p.id !== SWEEP_PROBE_ID),
    input.probes,
    input.options.skipProbes,
  );
  const intern: PlanInterners = {
    vantages: new Interner<Vantage>(vantageId),
    reasons: new Interner<string>((text) => text),
  };
  const expanded = expand(input, probes, intern);
  const identities = chooseIdentities(input.inventory.identities ?? [], input.inventory.namespaces, input.options);
  const fromIdentities = identityAttempts(input, probes, identities, intern);
  // Identity vantages are phase-1 L4 vantages too: where one connects, the application probes follow.
  const phaseOne = [...expanded.attempts, ...fromIdentities.attempts];
  // A prerequisite L4 probe the user did not select explains nothing on its own: its not-run entries stay out.
  const added = probes.filter((p) => !selected.includes(p));
  const notRun =
    added.length === 0 ? expanded.notRun : expanded.notRun.filter((n) => !added.some((p) => p.id === n.probeId));
  notRun.push(...fromIdentities.notRun);
  const phaseTwo = phaseTwoAttempts({
    attempts: phaseOne,
    probes,
    targets: targetMap(input.inventory.targets),
    make: (probe, vantage, target, port, after) =>
      makeAttempt(probe, 'probe', vantage, target, port, input.options.attemptTimeout, after),
  });
  const probeAttempts = phaseTwo.length === 0 ? phaseOne : [...phaseOne, ...phaseTwo];
  const control = controlAttempts(input, probeAttempts, intern);
  const podVantages = new Map<string, Vantage>();
  for (const list of [probeAttempts, control])
    for (const a of list) if (a.vantage.kind !== 'host') podVantages.set(vantageId(a.vantage), a.vantage);
  const refs = referenceAttempts(input, [...podVantages.values()], probeNamespace);
  const udpVantages = new Map<string, Vantage>();
  for (const a of probeAttempts) {
    if (a.technique === 'udp' && a.vantage.kind !== 'host') udpVantages.set(vantageId(a.vantage), a.vantage);
  }
  const attempts = sortAttempts([
    ...canaryAttempts(input, [...podVantages.values()], address),
    ...udpCanaryAttempts(input, [...udpVantages.values()], address),
    ...refs.attempts,
    ...probeAttempts,
    ...control,
  ]);
  const timing: BatchTiming = {
    concurrency: input.options.concurrency,
    attemptTimeoutMs: input.options.attemptTimeout,
    maxDeadlineMs: Math.floor(input.options.timeout * 1000 * 0.8),
    policyReadyMs: input.options.policySettle ?? 0,
    timeoutTries: TIMEOUT_TRIES,
  };
  const pods: PlannedPod[] = [];
  // Attempts grouped by vantage once (in plan order), not filtered once per vantage.
  const byVantage = new Map<string, Attempt[]>();
  for (const a of attempts) {
    const id = vantageId(a.vantage);
    const group = byVantage.get(id);
    if (group) group.push(a);
    else byVantage.set(id, [a]);
  }
  for (const [id, v] of podVantages) {
    const specs = (byVantage.get(id) ?? []).map(toSpec);
    chunkSpecs(specs).forEach((chunk, i) => {
      const name = `mp-${input.runId}-${vantageTag(v)}-${i}`;
      const identity =
        v.kind === 'identity' ? identities.find((c) => vantageId(c.vantage) === id)?.identity : undefined;
      const batch = makeBatch(input.runId, name, chunk, timing, referenceIdsOf(byVantage.get(id) ?? [], chunk));
      pods.push({
        name,
        namespace: podNamespace(v, probeNamespace),
        vantage: v,
        batch,
        ...(identity ? { identity } : {}),
      });
    });
  }
  const hostSpecs = attempts.filter((a) => a.vantage.kind === 'host').map(toSpec);
  return {
    runId: input.runId,
    probeNamespace,
    controlIds: controls.map((c) => c.id),
    attempts,
    notRun,
    pods: pods.sort((a, b) => a.name.localeCompare(b.name)),
    // The host vantage is not a pod: no policy engine to wait for.
    ...(hostSpecs.length > 0
      ? { hostBatch: makeBatch(input.runId, 'host', hostSpecs, { ...timing, policyReadyMs: 0 }) }
      : {}),
    canary: { address, port: ECHO_PORT },
    references: refs.references,
    ...(identities.length > 0 ? { identities } : {}),
    ...sweepOf(input, selected),
    phaseTwo: phaseTwo.length,
  };
}

/** Attempts (and not-run entries) from identity vantages; see plan/identity.ts. */
function identityAttempts(
  input: PlanInput,
  probes: readonly Probe[],
  choices: readonly IdentityChoice[],
  intern: PlanInterners,
): { attempts: Attempt[]; notRun: NotRunAttempt[] } {
  const attempts: Attempt[] = [];
  const notRun: NotRunAttempt[] = [];
  for (const c of identityCombos(probes, choices, input.inventory.targets)) {
    const vantage = intern.vantages.intern(c.vantage);
    if (c.notRun !== undefined) {
      notRun.push({
        probeId: c.probe.id,
        vantage,
        target: c.target.ref,
        port: c.port.port,
        reason: intern.reasons.intern(c.notRun),
      });
    } else attempts.push(makeAttempt(c.probe, 'probe', vantage, c.target, c.port, input.options.attemptTimeout));
  }
  return { attempts, notRun };
}

/** The sweep round, when wanted and something is in scope to sweep. */
function sweepOf(input: PlanInput, selected: readonly Probe[]): { sweep?: SweepPlan } {
  const o = input.options;
  const options: SweepOptions = {
    ports: o.ports ?? 'default',
    sweepConcurrency: o.sweepConcurrency ?? 512,
    sweepTimeout: o.sweepTimeout ?? 120,
    attemptTimeout: o.attemptTimeout,
    skipProbes: o.skipProbes,
  };
  if (!sweepWanted(selected, options)) return {};
  const sweep = planSweep({
    runId: input.runId,
    inventory: input.inventory,
    options: {
      ...options,
      timeout: o.timeout,
      ...(o.policySettle !== undefined ? { policySettle: o.policySettle } : {}),
    },
  });
  return sweep.attempts.length + sweep.notRun.length > 0 ? { sweep } : {};
}

/** Targets by key (first of each key wins, as a linear find would). */
function targetMap(targets: readonly Target[]): Map<string, Target> {
  const out = new Map<string, Target>();
  for (const t of targets) if (!out.has(targetKey(t.ref))) out.set(targetKey(t.ref), t);
  return out;
}
