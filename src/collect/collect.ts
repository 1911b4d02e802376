/**
 * COLLECT (DESIGN §1 step 5): agent log text → observations + problems. Pure.
 *
 * The log may hold stderr noise (kubelet interleaves streams): lines that do not start
 * with `{` are ignored; lines that do and are not valid agent lines are reported.
 * Attempts without a line are simply absent: the classifier makes them
 * `inconclusive: no-observation`, never a result.
 */
import type { Observation, SelfCheck, TransportResult } from '../domain/observation.js';
import { PROTOCOL_VERSION } from '../../probes/protocol.js';

/** Something wrong with an agent's output, with the 1-based line it was found on. */
interface CollectProblem {
  readonly kind:
    | 'malformed-line'
    | 'unknown-id'
    | 'duplicate-id'
    | 'missing-done'
    | 'count-mismatch'
    | 'unknown-version'
    | 'agent-error';
  readonly line?: number;
  readonly attemptId?: string;
  readonly message: string;
}

/** What one agent's output amounts to. */
export interface CollectResult {
  /** One per expected id that has a valid line, in `expectedIds` order. */
  readonly observations: readonly Observation[];
  readonly selfCheck?: SelfCheck;
  /** From the done line: when connections start to count as proof (DoneLine.settledAt); absent if none or not a date. */
  readonly settledAt?: string;
  /** The agent printed its done line. */
  readonly done: boolean;
  readonly problems: readonly CollectProblem[];
}

const TRANSPORTS: ReadonlySet<TransportResult> = new Set<TransportResult>([
  'connected',
  'refused',
  'reset',
  'eof',
  'silent',
  'timeout',
  'unreachable',
  'dns-failure',
  'agent-error',
  'skipped',
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optional = (value: unknown, type: 'string' | 'object'): boolean =>
  value === undefined || (type === 'object' ? isObject(value) : typeof value === type);

/** True when `line` has the shape of an ObservationLine v1 (nested facts checked shallowly). */
export function isObservationLine(line: Json): boolean {
  return (
    typeof line['attemptId'] === 'string' &&
    typeof line['startedAt'] === 'string' &&
    typeof line['durationMs'] === 'number' &&
    typeof line['bytesReceived'] === 'number' &&
    TRANSPORTS.has(line['transport'] as TransportResult) &&
    optional(line['errorCode'], 'string') &&
    optional(line['dataPrefix'], 'string') &&
    optional(line['detail'], 'string') &&
    optional(line['tls'], 'object') &&
    (line['tls'] === undefined || Array.isArray((line['tls'] as Json)['peerChainPem'])) &&
    optional(line['http'], 'object') &&
    (line['http'] === undefined || typeof (line['http'] as Json)['status'] === 'number') &&
    optional(line['dns'], 'object') &&
    optional(line['udp'], 'object') &&
    optional(line['repeated'], 'object') &&
    optional(line['retried'], 'object') &&
    optional(line['sweep'], 'object') &&
    (line['sweep'] === undefined || Array.isArray((line['sweep'] as Json)['open']))
  );
}

function isSelfCheck(value: unknown): value is SelfCheck {
  return isObject(value) && Array.isArray(value['meshListeners']) && typeof value['meshed'] === 'boolean';
}

interface Accumulator {
  /** Expected ids, each mapped to the batch's own string (the line's copy is dropped). */
  readonly expected: ReadonlyMap<string, string>;
  /** Repeated short values of this pod's lines (timestamps, banners), one copy each. */
  readonly repeated: Map<string, string>;
  readonly byId: Map<string, Observation>;
  readonly problems: CollectProblem[];
  attemptLines: number;
  done?: { readonly count: number; readonly selfCheck?: SelfCheck; readonly settledAt?: string; readonly line: number };
}

function parseLine(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function collectLine(acc: Accumulator, text: string, line: number): void {
  const json = parseLine(text);
  if (json === undefined) {
    acc.problems.push({
      kind: 'malformed-line',
      line,
      message: `line ${line} starts like JSON but is not a JSON object`,
    });
    return;
  }
  if (json['v'] !== PROTOCOL_VERSION) {
    const message = `line ${line} has protocol version ${JSON.stringify(json['v'])}; expected ${PROTOCOL_VERSION}`;
    acc.problems.push({ kind: 'unknown-version', line, message });
    return;
  }
  if (json['done'] === true) {
    collectDone(acc, json, line);
    return;
  }
  if (isObject(json['error'])) {
    const { code, message } = json['error'];
    const text = `the agent reported ${String(code)}: ${String(message)}`;
    acc.problems.push({ kind: 'agent-error', line, message: text });
    return;
  }
  if (!isObservationLine(json)) {
    acc.problems.push({ kind: 'malformed-line', line, message: `line ${line} is not a valid observation line` });
    return;
  }
  collectObservation(acc, shared(acc, json) as unknown as Observation, line);
}

/** Values of a line that repeat across a pod's lines: shared, so 100 000 observations do not hold 100 000 copies. */
const SHARED_FIELDS = ['startedAt', 'dataPrefix', 'errorCode'] as const;

/** The parsed line (ours: JSON.parse made it) with its id and repeated values replaced by one shared copy. */
function shared(acc: Accumulator, json: Json): Json {
  const id = acc.expected.get(json['attemptId'] as string);
  if (id !== undefined) json['attemptId'] = id;
  for (const field of SHARED_FIELDS) {
    const value = json[field];
    if (typeof value !== 'string' || value.length > 256) continue;
    const known = acc.repeated.get(value);
    if (known !== undefined) json[field] = known;
    else acc.repeated.set(value, value);
  }
  return json;
}

function collectObservation(acc: Accumulator, obs: Observation, line: number): void {
  acc.attemptLines += 1;
  const attemptId = obs.attemptId;
  if (!acc.expected.has(attemptId)) {
    acc.problems.push({
      kind: 'unknown-id',
      line,
      attemptId,
      message: `line ${line} reports attempt ${attemptId}, which was not in the batch`,
    });
  } else if (acc.byId.has(attemptId)) {
    acc.problems.push({
      kind: 'duplicate-id',
      line,
      attemptId,
      message: `line ${line} reports attempt ${attemptId} a second time; the first line is kept`,
    });
  } else {
    acc.byId.set(attemptId, obs);
  }
}

function collectDone(acc: Accumulator, json: Json, line: number): void {
  if (acc.done !== undefined || typeof json['count'] !== 'number') {
    const why =
      acc.done !== undefined
        ? `a second done line (the first is line ${acc.done.line})`
        : 'a done line without a count';
    acc.problems.push({ kind: 'malformed-line', line, message: `line ${line} is ${why}` });
    return;
  }
  const selfCheck = isSelfCheck(json['selfCheck']) ? json['selfCheck'] : undefined;
  // The agent's policy-ready point (DoneLine.policyReadyAt) is the pod's settle point for proof.ts.
  const settled = json['policyReadyAt'];
  // A settle point that is not a date is treated as not reported: no connection of the pod counts as proof.
  const settledAt = typeof settled === 'string' && !Number.isNaN(Date.parse(settled)) ? settled : undefined;
  acc.done = {
    count: json['count'],
    line,
    ...(selfCheck !== undefined ? { selfCheck } : {}),
    ...(settledAt !== undefined ? { settledAt } : {}),
  };
}

function countProblems(acc: Accumulator, expectedCount: number): CollectProblem[] {
  const done = acc.done;
  if (done === undefined) {
    return [
      {
        kind: 'missing-done',
        message: 'the agent output has no done line: the agent stopped before finishing its batch',
      },
    ];
  }
  const problems: CollectProblem[] = [];
  if (done.count !== acc.attemptLines) {
    const message = `the done line counts ${done.count} attempts but ${acc.attemptLines} attempt lines were read`;
    problems.push({ kind: 'count-mismatch', line: done.line, message });
  }
  if (done.count !== expectedCount) {
    const message = `the done line counts ${done.count} attempts but the batch had ${expectedCount}`;
    problems.push({ kind: 'count-mismatch', line: done.line, message });
  }
  return problems;
}

/** Turn one agent's output into observations (in `expectedIds` order) and problems (in line order). */
export function collectObservations(text: string, expectedIds: readonly string[]): CollectResult {
  const acc: Accumulator = {
    expected: new Map(expectedIds.map((id) => [id, id])),
    byId: new Map(),
    repeated: new Map(),
    problems: [],
    attemptLines: 0,
  };
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('{')) collectLine(acc, trimmed, index + 1);
  });
  const unique = [...acc.expected.keys()];
  const observations = unique.flatMap((id) => acc.byId.get(id) ?? []);
  const problems = [...acc.problems, ...countProblems(acc, unique.length)];
  return {
    observations,
    ...(acc.done?.selfCheck !== undefined ? { selfCheck: acc.done.selfCheck } : {}),
    ...(acc.done?.settledAt !== undefined ? { settledAt: acc.done.settledAt } : {}),
    done: acc.done !== undefined,
    problems,
  };
}

/** One pod's self-check (absent without a done line) and how many observations it contributed. */
export interface PodSelfCheck {
  readonly vantageId: string;
  readonly selfCheck?: SelfCheck;
  readonly observed: number;
}

/**
 * Self-checks per vantage id, as buildEvidence reads them, from the pods serving each
 * vantage (a large vantage is split over several pods, which share one canary). The merge
 * is conservative: meshed when any pod is meshed; absent (so the vantage's observations are
 * inconclusive: no-self-check) when any pod that contributed observations has none;
 * unmeshed only when every contributing pod said so. A pod that contributed no
 * observation (never collected, e.g. after an interrupt) cannot taint the others: its own
 * attempts are inconclusive (no-observation) anyway.
 */
export function mergeSelfChecks(pods: readonly PodSelfCheck[]): Map<string, SelfCheck> {
  const merged = new Map<string, SelfCheck>();
  const unknown = new Set<string>();
  for (const p of pods) {
    if (p.selfCheck === undefined) {
      if (p.observed > 0) unknown.add(p.vantageId);
      continue;
    }
    const prior = merged.get(p.vantageId);
    if (prior === undefined || (p.selfCheck.meshed && !prior.meshed)) merged.set(p.vantageId, p.selfCheck);
  }
  for (const v of unknown) if (merged.get(v)?.meshed !== true) merged.delete(v);
  return merged;
}
