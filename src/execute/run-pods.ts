/**
 * RUN (DESIGN §1 step 4): wait for pods with reasons, and read what the agents printed.
 * Polling is bounded by the pod-ready timeout (start) and the batch deadline (finish).
 */
import { MeshprobeError } from '../errors.js';
import type { ClusterApi } from '../cluster/ports.js';
import { AGENT_CONTAINER } from '../plan/pods.js';
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
      return new MeshprobeError('E_IMAGE_PULL', `pod ${where} cannot pull image ${state.image || image} (${state.why})`, {
        hint: 'Use --agent-image to name a Node 20+ image the cluster can pull (e.g. a mirror of node:20-alpine in your registry).',
      });
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
export async function waitForPod(api: ClusterApi, namespace: string, name: string, o: WaitOptions): Promise<WaitResult> {
  const now = o.now ?? Date.now;
  const poll = o.pollMs ?? 1000;
  const where = `${namespace}/${name}`;
  const startBy = now() + o.readyTimeoutMs;
  let finishBy: number | undefined;
  for (;;) {
    if (o.signal.aborted) throw abortError(o.signal);
    const state = podState(await api.readPod(namespace, name, o.signal));
    const failure = failureOf(state, where, o.image);
    if (failure) throw failure;
    if (state.kind === 'finished') return { state, timedOut: false };
    if (state.kind === 'running' && o.until === 'ready') {
      if (state.ready) return { state, timedOut: false };
      // Running but not ready yet: still bounded by the start timeout below.
    }
    if (state.kind === 'running' && o.until === 'finished') {
      finishBy ??= now() + o.finishTimeoutMs;
      if (now() > finishBy) return { state, timedOut: true };
    } else if (now() > startBy) {
      const seconds = Math.round(o.readyTimeoutMs / 1000);
      const text = state.kind === 'unschedulable' ? `pod ${where} was not scheduled within ${seconds}s: ${state.why}`
        : state.kind === 'running' ? `pod ${where} did not become ready within ${seconds}s`
          : `pod ${where} did not start within ${seconds}s (${'why' in state ? state.why : state.kind})`;
      throw new MeshprobeError('E_POD_TIMEOUT', text, {
        hint: 'Check node capacity and quotas in that namespace, or raise --pod-ready-timeout.',
      });
    }
    await sleep(poll, o.signal);
  }
}

/** The agent's stdout. */
export function readAgentLog(api: ClusterApi, namespace: string, name: string, signal: AbortSignal): Promise<string> {
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

/**
 * Wait for every pod to finish and read its log, in parallel. A fatal failure (probe
 * namespace pod, or any image-pull failure) aborts the others and is thrown; other
 * failures become the pod's problem.
 */
export async function gatherPods(api: ClusterApi, pods: readonly GatherPod[], o: Omit<WaitOptions, 'until' | 'finishTimeoutMs'>): Promise<readonly PodOutcome[]> {
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  let fatal: unknown;
  const one = async (p: GatherPod): Promise<PodOutcome> => {
    const base = { namespace: p.namespace, name: p.name, vantageId: p.vantageId, expectedIds: p.expectedIds };
    try {
      const waited = await waitForPod(api, p.namespace, p.name, { ...o, signal, until: 'finished', finishTimeoutMs: p.deadlineMs + 15_000 });
      const log = await readAgentLog(api, p.namespace, p.name, signal);
      const problem = waited.timedOut
        ? `pod ${p.namespace}/${p.name} was still running after its deadline; its log may be partial`
        : waited.state.kind === 'finished' && !waited.state.succeeded ? `pod ${p.namespace}/${p.name} failed (${waited.state.why})` : undefined;
      return { ...base, log, ...(problem ? { problem } : {}) };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (p.fatal || code === 'E_IMAGE_PULL' || code === 'E_INTERRUPTED' || code === 'E_TIMEOUT') {
        fatal ??= err;
        stop.abort(err);
      }
      return { ...base, problem: err instanceof Error ? err.message : String(err) };
    }
  };
  const outcomes = await Promise.all(pods.map(one));
  if (fatal !== undefined) throw fatal;
  return outcomes;
}
