/**
 * A ClusterApi that forwards every call to the real one and records what the benchmark
 * wants to know about the run, without changing it: API calls per method, when each probe
 * pod was created and first seen running or finished, and (from the agents' own log lines)
 * when the attempts inside the pods started and ended.
 */
import type {
  AccessCheck,
  ClusterApi,
  ClusterInfo,
  KubeObject,
  ListKind,
  ListOptions,
  ListResult,
  WriteKind,
} from '../../src/cluster/ports.js';
import type { PermissionId } from '../../src/cluster/permissions.js';

/** Timeline of one pod, in performance.now() milliseconds (client clock) plus the server's own stamps. */
export interface PodTimeline {
  readonly key: string;
  createdAt: number;
  /** First poll that saw the container running or already finished (poll-granular). */
  startedSeenAt?: number;
  /** Server stamps: creationTimestamp and the container's startedAt (1 s resolution). */
  serverCreated?: string;
  serverStarted?: string;
  /** Agent lines: first attempt start and last attempt end (ISO), and how many lines. */
  firstAttemptAt?: string;
  lastAttemptEndAt?: string;
  lines?: number;
  /** First poll that saw the pod finished, the container's own end stamp, and when its log was read (client clock). */
  finishedSeenAt?: number;
  serverFinished?: string;
  logReadAt?: number;
}

type ContainerState = {
  running?: { startedAt?: string };
  terminated?: { startedAt?: string; finishedAt?: string };
};

function containerState(pod: KubeObject | undefined): ContainerState | undefined {
  return (pod?.status as { containerStatuses?: { state?: ContainerState }[] } | undefined)?.containerStatuses?.[0]
    ?.state;
}

function containerStartedAt(pod: KubeObject | undefined): string | undefined {
  const state = containerState(pod);
  return state?.running?.startedAt ?? state?.terminated?.startedAt;
}

/** First attempt start and last attempt end among an agent's observation lines. */
export function attemptWindow(log: string): { first?: string; lastEnd?: string; lines: number } {
  let first: number | undefined;
  let lastEnd: number | undefined;
  let lines = 0;
  for (const line of log.split('\n')) {
    if (!line.includes('"attemptId"')) continue;
    try {
      const o = JSON.parse(line) as { startedAt?: string; durationMs?: number };
      const start = Date.parse(o.startedAt ?? '');
      if (Number.isNaN(start)) continue;
      lines += 1;
      first = first === undefined ? start : Math.min(first, start);
      lastEnd = Math.max(lastEnd ?? 0, start + (o.durationMs ?? 0));
    } catch {
      // not an agent line (stderr noise); collect.ts reports those
    }
  }
  return {
    ...(first !== undefined ? { first: new Date(first).toISOString() } : {}),
    ...(lastEnd !== undefined ? { lastEnd: new Date(lastEnd).toISOString() } : {}),
    lines,
  };
}

/** The recording wrapper. */
export class TimedClusterApi implements ClusterApi {
  readonly calls: Record<string, number> = {};
  readonly pods = new Map<string, PodTimeline>();
  readonly #inner: ClusterApi;

  constructor(inner: ClusterApi) {
    this.#inner = inner;
  }

  #count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  info(): ClusterInfo {
    return this.#inner.info();
  }

  version(signal?: AbortSignal): Promise<string | undefined> {
    this.#count('version');
    return this.#inner.version(signal);
  }

  list(kind: ListKind, options?: ListOptions): Promise<ListResult> {
    this.#count('list');
    return this.#inner.list(kind, options);
  }

  async create(
    kind: WriteKind,
    namespace: string | undefined,
    body: KubeObject,
    signal?: AbortSignal,
  ): Promise<KubeObject> {
    this.#count(`create-${kind}`);
    const createdAt = performance.now();
    const stored = await this.#inner.create(kind, namespace, body, signal);
    if (kind === 'pods') {
      const key = `${namespace ?? ''}/${stored.metadata?.name ?? ''}`;
      this.pods.set(key, {
        key,
        createdAt,
        ...(stored.metadata?.creationTimestamp ? { serverCreated: stored.metadata.creationTimestamp } : {}),
      });
    }
    return stored;
  }

  delete(
    kind: WriteKind,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<'deleted' | 'absent'> {
    this.#count(`delete-${kind}`);
    return this.#inner.delete(kind, namespace, name, signal);
  }

  async readPod(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
    this.#count('readPod');
    const pod = await this.#inner.readPod(namespace, name, signal);
    const t = this.pods.get(`${namespace}/${name}`);
    const phase = (pod?.status as { phase?: string } | undefined)?.phase;
    if (t && t.startedSeenAt === undefined && (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed'))
      t.startedSeenAt = performance.now();
    const started = containerStartedAt(pod);
    if (t && started) t.serverStarted = started;
    if (t && t.finishedSeenAt === undefined && (phase === 'Succeeded' || phase === 'Failed')) {
      t.finishedSeenAt = performance.now();
      const finished = containerState(pod)?.terminated?.finishedAt;
      if (finished) t.serverFinished = finished;
    }
    return pod;
  }

  async readPodLog(namespace: string, name: string, container: string, signal?: AbortSignal): Promise<string> {
    this.#count('readPodLog');
    const log = await this.#inner.readPodLog(namespace, name, container, signal);
    const t = this.pods.get(`${namespace}/${name}`);
    if (t) {
      const w = attemptWindow(log);
      if (w.first) t.firstAttemptAt = w.first;
      if (w.lastEnd) t.lastAttemptEndAt = w.lastEnd;
      t.lines = w.lines;
      t.logReadAt = performance.now();
    }
    return log;
  }

  checkAccess(
    checks: readonly { readonly permission: PermissionId; readonly namespace?: string }[],
    signal?: AbortSignal,
  ): Promise<readonly AccessCheck[]> {
    this.#count('checkAccess');
    return this.#inner.checkAccess(checks, signal);
  }
}
