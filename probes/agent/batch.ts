/**
 * Reading a batch: JSON text → AttemptBatch, or the reason it cannot run (E_BATCH).
 * Checks the envelope and ids; each attempt's own fields are checked when it runs
 * (spec-check.ts), so one bad attempt does not sink the batch. Pure.
 */
import { PROTOCOL_VERSION, type AttemptBatch } from '../protocol.js';

/** A batch, or a sentence saying what is wrong with it. */
export type BatchParse =
  | { readonly kind: 'batch'; readonly batch: AttemptBatch }
  | { readonly kind: 'invalid'; readonly message: string };

/** The largest batch one agent accepts (keeps memory bounded; the CLI splits bigger ones). */
const MAX_ATTEMPTS = 100_000;

function invalid(message: string): BatchParse {
  return { kind: 'invalid', message };
}

/** Most tries of a timed-out attempt a batch may ask for (each costs up to one attempt timeout). */
const MAX_TIMEOUT_TRIES = 4;

/** What is wrong with a batch's timeoutRetry, if anything. */
function timeoutRetryProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const r = value as { maxTries?: unknown; referenceIds?: unknown } | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'timeoutRetry must be an object';
  const tries = r.maxTries;
  if (!Number.isInteger(tries) || (tries as number) < 1 || (tries as number) > MAX_TIMEOUT_TRIES)
    return `timeoutRetry.maxTries must be a whole number from 1 to ${MAX_TIMEOUT_TRIES}`;
  const ids = r.referenceIds;
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string')))
    return 'timeoutRetry.referenceIds must be an array of attempt ids';
  return undefined;
}

/** Parse and check batch text. */
export function parseBatch(text: string): BatchParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('the batch is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalid('the batch must be a JSON object');
  const b = value as Record<string, unknown>;
  if (b['v'] !== PROTOCOL_VERSION)
    return invalid(`unsupported batch version ${JSON.stringify(b['v'])}; this agent reads v${PROTOCOL_VERSION}`);
  if (!Number.isInteger(b['concurrency']) || (b['concurrency'] as number) < 1)
    return invalid('concurrency must be a whole number ≥ 1');
  if (
    !Number.isInteger(b['deadlineMs']) ||
    (b['deadlineMs'] as number) < 1 ||
    (b['deadlineMs'] as number) > 2 ** 31 - 1
  ) {
    return invalid('deadlineMs must be a whole number of milliseconds ≥ 1');
  }
  const ready = b['policyReadyMs'];
  if (
    ready !== undefined &&
    (!Number.isInteger(ready) || (ready as number) < 0 || (ready as number) >= (b['deadlineMs'] as number))
  ) {
    return invalid('policyReadyMs must be a whole number of milliseconds ≥ 0 and below deadlineMs');
  }
  const retryProblem = timeoutRetryProblem(b['timeoutRetry']);
  if (retryProblem !== undefined) return invalid(retryProblem);
  if (!Array.isArray(b['attempts'])) return invalid('attempts must be an array');
  const attempts = b['attempts'] as unknown[];
  if (attempts.length > MAX_ATTEMPTS) return invalid(`a batch may hold at most ${MAX_ATTEMPTS} attempts`);
  const ids = new Set<string>();
  for (const [i, attempt] of attempts.entries()) {
    const id = (attempt as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') return invalid(`attempt ${i} has no id`);
    if (ids.has(id)) return invalid(`attempt id ${id} appears twice`);
    ids.add(id);
  }
  return { kind: 'batch', batch: value as AttemptBatch };
}
