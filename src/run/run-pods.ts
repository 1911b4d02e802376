/**
 * RUN (DESIGN §1 step 4): wait for pods with reasons, and read what the agents printed.
 * Polling is bounded by the pod-ready timeout (start) and the batch deadline (finish).
 */
import { MeshprobeError } from '../shared/errors.js';
import type { ClusterApi, KubeObject } from '../cluster/ports.js';
import { AGENT_CONTAINER } from '../plan/pods.js';
import { meshCaptureOf } from './mesh-capture.js';
import { podState, type PodState } from './pod-status.js';

/** Waiting parameters (all injectable for tests). */
export interface WaitOptions {
  readonly readyTimeoutMs: number;
  /** After start: how long the pod may run before we stop waiting. */
  readonly finishTimeoutMs: number;
  readonly pollMs?: number;
  readonly signal: AbortSignal;
  /** Until: 'ready' (echo pod) or 'finished' (probe pods). */
  readonly until: 'ready' | 'finished';
  readonly image: string;
  readonly now?: () => number;
}

/** How waiting ended for a pod that did not fail. */
export interface WaitResult {
  readonly state: PodState;
  /** True when the pod was still running at the finish timeout (logs may be partial). */
  readonly timedOut: boolean;
  /** The pod as last read (after admission: what injectors added to it). */
  readonly pod?: KubeObject;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function abortError(signal: AbortSignal): MeshprobeError {
  const r: unknown = signal.reason;
  if (r instanceof MeshprobeError) return r;
  return new MeshprobeError('E_INTERRUPTED', `interrupted (${String(r)})`);
}

/** Turn a pod state into a failure, or undefined when it is fine to continue. */
export function failureOf(state: PodState, where: string, image: string): MeshprobeError | undefined {
  switch (state.kind) {
    case 'image-pull':
      return new MeshprobeError(
        'E_IMAGE_PULL',
        `pod ${where} cannot pull image ${state.image || image} (${state.why})`,
        {
          hint: 'Use --agent-image to name a Node 20+ image the cluster can pull (e.g. a mirror of node:24-alpine in your registry).',
        },
      );
    case 'broken':
      return new MeshprobeError('E_DEPLOY', `pod ${where} cannot start its container (${state.why})`);
    case 'gone':
      return new MeshprobeError('E_DEPLOY', `pod ${where} disappeared while meshprobe was waiting for it`);
    case 'waiting':
    case 'running':
    case 'finished':
    case 'unschedulable':
      return undefined;
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** Wait for one pod to be ready or finished. Throws E_IMAGE_PULL, E_POD_TIMEOUT (with the scheduler's reason), E_DEPLOY. */
export async function waitForPod(
  api: ClusterApi,
  namespace: string,
  name: string,
  o: WaitOptions,
): Promise<WaitResult> {
  const now = o.now ?? Date.now;
  const poll = o.pollMs ?? 1000;
  const where = `${namespace}/${name}`;
  const startBy = now() + o.readyTimeoutMs;
  let finishBy: number | undefined;
  for (;;) {
    if (o.signal.aborted) throw abortError(o.signal);
    const pod = await api.readPod(namespace, name, o.signal);
    const state = podState(pod);
    const failure = failureOf(state, where, o.image);
    if (failure) throw failure;
    const seen = pod !== undefined ? { pod } : {};
    if (state.kind === 'finished') return { state, timedOut: false, ...seen };
    if (state.kind === 'running' && o.until === 'ready') {
      if (state.ready) return { state, timedOut: false, ...seen };
      // Running but not ready yet: still bounded by the start timeout below.
    }
    if (state.kind === 'running' && o.until === 'finished') {
      finishBy ??= now() + o.finishTimeoutMs;
      if (now() > finishBy) return { state, timedOut: true, ...seen };
    } else if (now() > startBy) {
      const seconds = Math.round(o.readyTimeoutMs / 1000);
      const text =
        state.kind === 'unschedulable'
          ? `pod ${where} was not scheduled within ${seconds}s: ${state.why}`
          : state.kind === 'running'
            ? `pod ${where} did not become ready within ${seconds}s`
            : `pod ${where} did not start within ${seconds}s (${'why' in state ? state.why : state.kind})`;
      throw new MeshprobeError('E_POD_TIMEOUT', text, {
        hint: 'Check node capacity and quotas in that namespace, or raise --pod-ready-timeout.',
      });
    }
    await sleep(poll, o.signal);
  }
}

/** The agent's stdout. */
function readAgentLog(api: ClusterApi, namespace: string, name: string, signal: AbortSignal): Promise<string> {
  return api.readPodLog(namespace, name, AGENT_CONTAINER, signal);
}

/** One pod's raw result: its log text, or why there is none. */
export interface PodOutcome {
  readonly namespace: string;
  readonly name: string;
  readonly vantageId: string;
  readonly expectedIds: readonly string[];
  readonly log?: string;
  /** Set when the pod produced no (or a partial) log; becomes a warning. */
  readonly problem?: string;
  /** Set when the pod's spec shows a mesh captured its traffic (mesh-capture.ts): why, as a sentence. */
  readonly meshCapture?: string;
}

/** What gathering needs for one pod. */
export interface GatherPod {
  readonly namespace: string;
  readonly name: string;
  readonly vantageId: string;
  readonly expectedIds: readonly string[];
  readonly deadlineMs: number;
  /** A failure here ends the run (probe namespace, or an image that cannot be pulled anywhere). */
  readonly fatal: boolean;
}

/** Options for {@link gatherPods}. */
export interface GatherOptions extends Omit<WaitOptions, 'until' | 'finishTimeoutMs'> {
  /** When the run stops early: how long the one last read of a pod's log may take. Default {@link SALVAGE_MS}. */
  readonly salvageMs?: number;
  /**
   * Called with each pod's outcome as soon as it is known (log read, salvaged, or failed), and
   * awaited before the pod counts as gathered: the run journals the batch here (issue 14). Must not throw.
   */
  readonly onCollected?: (outcome: PodOutcome) => Promise<void>;
}

/** What gathering produced: one outcome per pod, and why it stopped early, if it did. */
export interface GatherResult {
  readonly outcomes: readonly PodOutcome[];
  /**
   * Set when the run stopped before every pod finished: the caller's signal (SIGINT,
   * --timeout) or a fatal pod failure. The outcomes still hold every log read so far.
   */
  readonly stoppedBy?: unknown;
}

/** Budget for reading a pod's log once more after the run was stopped (DESIGN §1: cleanup must not wait long). */
const SALVAGE_MS = 3000;

/** `work`, or a rejection after `ms` even when the API client ignores its abort signal. */
function withinMs<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new MeshprobeError('E_TIMEOUT', `no answer within ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([work(controller.signal), expired]).finally(() => clearTimeout(timer));
}

/**
 * The run stopped while this pod was not yet collected: read its log once, briefly, on a
 * fresh signal (the run's is aborted). A pod that finished keeps everything; one still
 * running keeps its lines so far (no done line, so no self-check: collect and classify make
 * them inconclusive); one whose log cannot be read keeps none (its attempts: no-observation).
 */
async function salvage(
  api: ClusterApi,
  p: GatherPod,
  base: Omit<PodOutcome, 'log' | 'problem'>,
  ms: number,
): Promise<PodOutcome> {
  const where = `${p.namespace}/${p.name}`;
  try {
    const log = await withinMs((s) => readAgentLog(api, p.namespace, p.name, s), ms);
    return {
      ...base,
      log,
      problem: `the run stopped before pod ${where} was seen to finish; its log was read once (partial if the agent was still running)`,
    };
  } catch (err) {
    return {
      ...base,
      problem: `the run stopped before pod ${where} finished, and its log could not be read (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

/**
 * Wait for every pod to finish and read its log, in parallel. A fatal failure (probe
 * namespace pod, or any image-pull failure) stops the others; other failures become the
 * pod's problem. Stopping (fatal failure, or the caller's signal) never loses what was read:
 * pods already collected keep their logs, the rest are read once within `salvageMs`, and
 * the reason is returned as `stoppedBy` for the caller to throw after classifying.
 */
export async function gatherPods(api: ClusterApi, pods: readonly GatherPod[], o: GatherOptions): Promise<GatherResult> {
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const salvageMs = o.salvageMs ?? SALVAGE_MS;
  let fatal: unknown;
  const one = async (p: GatherPod): Promise<PodOutcome> => {
    const outcome = await gatherOne(p);
    await o.onCollected?.(outcome);
    return outcome;
  };
  const gatherOne = async (p: GatherPod): Promise<PodOutcome> => {
    const base = { namespace: p.namespace, name: p.name, vantageId: p.vantageId, expectedIds: p.expectedIds };
    // Each pod waits on its own signal (AbortSignal.any adds no listener to its source), so
    // N pods polling at once are not N 'abort' listeners on one signal (MaxListenersExceededWarning at 11).
    const podSignal = AbortSignal.any([signal]);
    try {
      const waited = await waitForPod(api, p.namespace, p.name, {
        ...o,
        signal: podSignal,
        until: 'finished',
        finishTimeoutMs: p.deadlineMs + 15_000,
      });
      const log = await readAgentLog(api, p.namespace, p.name, podSignal);
      const meshCapture = meshCaptureOf(waited.pod);
      const problem = waited.timedOut
        ? `pod ${p.namespace}/${p.name} was still running after its deadline; its log may be partial`
        : waited.state.kind === 'finished' && !waited.state.succeeded
          ? `pod ${p.namespace}/${p.name} failed (${waited.state.why})`
          : undefined;
      return { ...base, log, ...(problem ? { problem } : {}), ...(meshCapture !== undefined ? { meshCapture } : {}) };
    } catch (err) {
      // Stopped from outside (or by another pod's fatal failure) while waiting or reading: salvage.
      if (signal.aborted) return salvage(api, p, base, salvageMs);
      const code = (err as { code?: unknown }).code;
      if (p.fatal || code === 'E_IMAGE_PULL') {
        fatal ??= err;
        stop.abort(err);
      }
      return { ...base, problem: err instanceof Error ? err.message : String(err) };
    }
  };
  const outcomes = await Promise.all(pods.map(one));
  if (fatal !== undefined) return { outcomes, stoppedBy: fatal };
  if (o.signal.aborted) return { outcomes, stoppedBy: abortError(o.signal) };
  return { outcomes };
}
