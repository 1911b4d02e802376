/**
 * Timed-out TCP attempts are tried again before they are reported (AttemptBatch.timeoutRetry).
 *
 * A timeout means no SYN-ACK came back: a DROP rule, or a node, CNI or agent too loaded to
 * answer in time (issue 20: 21 policy-allowed attempts timed out at load 44 and were reported
 * "blocked"). A DROP drops every try; a loaded path answers one of them. So each timed-out
 * attempt gets up to `maxTries` tries on fresh sockets, in rounds made after the pass, and a
 * reference connection of the same pod (one that completed TCP in the pass) is made again beside
 * every round — once per REFERENCE_EVERY retried attempts, because a round of many timeouts runs
 * in waves that last an attempt timeout each, and the CLI accepts only a reference that started
 * within one timeout of the try it vouches for: a timeout is reported only when every try timed
 * out, together with the reference try nearest to its last try, for the CLI to judge
 * (src/classify/timeout-check.ts).
 * Rounds stop as soon as one is quiet (no retried attempt got an answer and the reference
 * connected): on a steady path a DROP costs one extra timeout per pod, not per attempt.
 */
import { TCP_COMPLETED, type AttemptSpec, type ObservationLine, type ReferenceTry } from '../protocol.js';

/** Techniques whose timeout is a TCP connect that got no answer (UDP and DNS have their own rules). */
const TCP_TECHNIQUES: ReadonlySet<AttemptSpec['technique']> = new Set(['tcp', 'tls', 'http']);

/** True when `line` is a TCP timeout that is tried again. */
export function retriable(spec: AttemptSpec, line: ObservationLine): boolean {
  return line.transport === 'timeout' && TCP_TECHNIQUES.has(spec.technique);
}

/** True when the line's TCP handshake completed (what a reference must show). */
export function tcpCompleted(line: ObservationLine): boolean {
  return TCP_COMPLETED.has(line.transport) || line.http !== undefined || line.tls?.handshake === true;
}

/** Picks the pod's reference connection while the pass runs: preferred ids first, then plain TCP. Keeps one spec. */
export interface ReferencePicker {
  offer(spec: AttemptSpec, line: ObservationLine): void;
  readonly picked: () => AttemptSpec | undefined;
}

/** A picker preferring `preferredIds` in their order, then any `tcp` attempt, then any tls/http attempt. */
export function referencePicker(preferredIds: readonly string[] = []): ReferencePicker {
  const preferred = new Map(preferredIds.map((id, i) => [id, i]));
  let best: { spec: AttemptSpec; rank: number } | undefined;
  return {
    offer(spec, line) {
      if (!TCP_TECHNIQUES.has(spec.technique) || !tcpCompleted(line)) return;
      const rank = preferred.get(spec.id) ?? preferred.size + (spec.technique === 'tcp' ? 0 : 1);
      if (best === undefined || rank < best.rank) best = { spec, rank };
    },
    picked: () => best?.spec,
  };
}

/** What ended a retry round, for deciding whether to make another. */
export interface RoundFacts {
  /** Rounds made so far (the pass's try not counted). */
  readonly rounds: number;
  readonly maxTries: number;
  /** Attempts still timing out after the round. */
  readonly pending: number;
  /** Retried attempts that got an answer in the round. */
  readonly answered: number;
  /** undefined = the pod has no reference; else whether it completed TCP beside the round. */
  readonly referenceOk: boolean | undefined;
}

/**
 * Make another round? Only while something still times out, tries are left, and the round was not
 * quiet: an attempt changed its answer (the path is unsteady) or the reference failed beside it.
 * Pure.
 */
export function anotherRound(f: RoundFacts): boolean {
  if (f.pending === 0 || f.rounds + 1 >= f.maxTries) return false;
  return f.answered > 0 || f.referenceOk === false;
}

/** One timed-out attempt being retried: its first try's facts and its latest timeout line (memory: no more). */
export interface Held {
  readonly spec: AttemptSpec;
  readonly firstStartedAt: string;
  readonly firstDurationMs: number;
  readonly repeated: ObservationLine['repeated'];
  last: ObservationLine;
  tries: number;
  answered: boolean;
}

/** What the rounds need from the batch runner. */
export interface RetryDeps {
  readonly maxTries: number;
  readonly reference: AttemptSpec | undefined;
  /** Retried attempts per reference try (referenceInterval of the pool's workers). */
  readonly referenceEvery: number;
  /** Run specs through the batch's worker pool; `finish` gets every line. */
  readonly runSpecs: (
    specs: readonly AttemptSpec[],
    finish: (spec: AttemptSpec, line: ObservationLine) => void,
  ) => Promise<void>;
  /** True when a round of `count` attempts of these timeouts still fits before the batch deadline. */
  readonly fits: (count: number, timeoutMs: number) => boolean;
  /** Resolves once the lines emitted so far have left the process; awaited between chunks of the final lines. */
  readonly drained?: () => Promise<void>;
}

/**
 * The timeouts that stayed are written this many at a time, each chunk after the last has left
 * the process: thousands of lines at once would otherwise wait in stdout's buffer (issue 20: the
 * agent's memory peaked in that burst).
 */
export const EMIT_CHUNK = 64;

/** The counting line of an attempt that got an answer on a later try. */
function answeredLine(h: Held, line: ObservationLine): ObservationLine {
  const retried = { tries: h.tries, firstStartedAt: h.firstStartedAt, firstDurationMs: h.firstDurationMs };
  return { ...line, ...(h.repeated ? { repeated: h.repeated } : {}), retried };
}

/** The counting line of an attempt that timed out on every try. */
function timeoutLine(h: Held, reference: ReferenceTry | undefined, quiet: boolean): ObservationLine {
  const retried = {
    tries: h.tries,
    firstStartedAt: h.firstStartedAt,
    firstDurationMs: h.firstDurationMs,
    ...(reference !== undefined ? { reference } : {}),
    quiet,
  };
  return { ...h.last, ...(h.repeated ? { repeated: h.repeated } : {}), retried };
}

function referenceTry(line: ObservationLine): ReferenceTry {
  return {
    attemptId: line.attemptId,
    startedAt: line.startedAt,
    durationMs: line.durationMs,
    transport: line.transport,
  };
}

/** Hold the first timeout of `spec` for the retry rounds. */
export function holdTimeout(spec: AttemptSpec, line: ObservationLine): Held {
  return {
    spec,
    firstStartedAt: line.startedAt,
    firstDurationMs: line.durationMs,
    repeated: line.repeated,
    last: line,
    tries: 1,
    answered: false,
  };
}

/** A reference try is made before at most every this many retried attempts of a round. */
export const REFERENCE_EVERY = 16;

/**
 * How many retried attempts one reference try stands beside when `workers` run at once: at most
 * half a wave, so every wave of tries (they start in list order) holds a reference try of its own.
 */
export function referenceInterval(workers: number): number {
  return Math.max(1, Math.min(REFERENCE_EVERY, Math.floor(workers / 2)));
}

/** The round's spec list: the reference before every `every` retried attempts (none without one). */
export function interleaveReference(
  specs: readonly AttemptSpec[],
  ref: AttemptSpec | undefined,
  every = REFERENCE_EVERY,
): AttemptSpec[] {
  if (ref === undefined) return [...specs];
  const out: AttemptSpec[] = [];
  specs.forEach((s, i) => {
    if (i % every === 0) out.push(ref);
    out.push(s);
  });
  return out;
}

/** The reference try that started nearest to `line`'s start (undefined when there is none). Pure. */
export function nearestReference(tries: readonly ReferenceTry[], line: ObservationLine): ReferenceTry | undefined {
  const at = Date.parse(line.startedAt);
  let best: ReferenceTry | undefined;
  let gap = Number.POSITIVE_INFINITY;
  for (const r of tries) {
    const d = Math.abs(Date.parse(r.startedAt) - at);
    if (d < gap) {
      gap = d;
      best = r;
    }
  }
  return best;
}

/**
 * Retry `timeouts` (held with holdTimeout) in rounds and `emit` exactly one line for
 * each: the first answer a later try got, or the last timeout with `retried` facts. Returns how
 * many rounds were made. A try cut short by the batch deadline (agent-error) does not count.
 */
export async function retryTimeouts(
  timeouts: Held[],
  deps: RetryDeps,
  emit: (line: ObservationLine) => void,
): Promise<number> {
  let pending: Held[] = timeouts;
  const byId = new Map(pending.map((h) => [h.spec.id, h]));
  const ref = deps.reference;
  let rounds = 0;
  // What the reference saw beside the latest round, one entry per reference try in it.
  let beside: ReferenceTry[] = [];
  let quiet = true;
  // A loop, not Math.max(...): a batch may hold 100 000 timeouts, more arguments than a call takes.
  const longest = pending.reduce((m, h) => Math.max(m, h.spec.timeoutMs), ref?.timeoutMs ?? 0);
  const refs = (n: number): number => (ref === undefined ? 0 : Math.ceil(n / deps.referenceEvery));
  while (pending.length > 0 && deps.fits(pending.length + refs(pending.length), longest)) {
    const round: ReferenceTry[] = [];
    let answered = 0;
    const specs = interleaveReference(
      pending.map((h) => h.spec),
      ref,
      deps.referenceEvery,
    );
    await deps.runSpecs(specs, (spec, line) => {
      const h = byId.get(spec.id);
      if (h === undefined) round.push(referenceTry(line));
      else if (line.transport === 'timeout') {
        h.tries += 1;
        h.last = line;
      } else if (line.transport !== 'agent-error') {
        h.tries += 1;
        h.answered = true;
        answered += 1;
        emit(answeredLine(h, line));
      }
    });
    rounds += 1;
    beside = round;
    pending = pending.filter((h) => !h.answered);
    quiet = answered === 0;
    // Every reference try of the round must have connected for the round to count as steady.
    const referenceOk =
      ref === undefined ? undefined : round.length > 0 && round.every((r) => TCP_COMPLETED.has(r.transport));
    if (!anotherRound({ rounds, maxTries: deps.maxTries, pending: pending.length, answered, referenceOk })) break;
  }
  for (let i = 0; i < pending.length; i += 1) {
    if (i > 0 && i % EMIT_CHUNK === 0) await deps.drained?.();
    const h = pending[i]!;
    emit(timeoutLine(h, nearestReference(beside, h.last), quiet));
  }
  return rounds;
}
