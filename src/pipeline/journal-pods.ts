/**
 * Between gathering and classifying (issue 14): each pod's log is parsed once, as soon as the
 * pod is collected, and its redacted observations are appended to the evidence journal
 * (report/journal.ts) before the pod counts as gathered. Classification later reads the same
 * parsed result, so the journal costs one extra redaction and write per batch, not a second parse.
 */
import type { Attempt } from '../domain/attempt.js';
import type { EvidenceJournal, JournalBatch } from '../report/journal.js';
import { redactObservation } from '../shared/redact.js';
import { collectObservations, type CollectResult } from '../collect/collect.js';
import type { PodOutcome } from '../run/run-pods.js';

/** The gather hook and the parsed logs it keeps. */
export interface PodCollector {
  /** For GatherOptions.onCollected: parse, journal, remember. Never throws. */
  readonly onCollected: (outcome: PodOutcome) => Promise<void>;
  /** The parsed log of an outcome (parsed now if the hook did not see it); undefined without a log. */
  collected(outcome: PodOutcome): CollectResult | undefined;
}

/** What a collector needs. */
export interface CollectorOptions {
  readonly journal?: EvidenceJournal;
  readonly round: JournalBatch['round'];
  /** Every attempt of the round, to journal each observation with what it answers. */
  readonly attempts: readonly Attempt[];
  /** Told once, when the journal cannot be written (the run goes on; a crash would then lose more). */
  readonly warn: (text: string) => void;
}

function podName(o: PodOutcome): string {
  return o.namespace === '' ? o.name : `${o.namespace}/${o.name}`;
}

/** A journal batch for a collected pod (pure). */
export function journalBatchOf(
  o: PodOutcome,
  c: CollectResult | undefined,
  round: JournalBatch['round'],
  byId: ReadonlyMap<string, Attempt>,
): JournalBatch {
  const observations = (c?.observations ?? []).flatMap((obs) => {
    const attempt = byId.get(obs.attemptId);
    return attempt === undefined ? [] : [{ attempt, observation: redactObservation(obs) }];
  });
  return {
    round,
    pod: podName(o),
    vantage: o.vantageId,
    expected: o.expectedIds.length,
    observations,
    ...(c?.selfCheck !== undefined ? { selfCheck: c.selfCheck } : {}),
    ...(c?.settledAt !== undefined ? { settledAt: c.settledAt } : {}),
    ...(o.problem !== undefined ? { problem: o.problem } : {}),
    ...(o.meshCapture !== undefined ? { meshCapture: o.meshCapture } : {}),
  };
}

/** A collector for one round; without a journal it only parses. */
export function podCollector(opts: CollectorOptions): PodCollector {
  const parsed = new WeakMap<PodOutcome, CollectResult>();
  let byId: Map<string, Attempt> | undefined;
  let broken = false;
  const parse = (o: PodOutcome): CollectResult | undefined => {
    if (o.log === undefined) return undefined;
    const hit = parsed.get(o);
    if (hit !== undefined) return hit;
    const c = collectObservations(o.log, o.expectedIds);
    parsed.set(o, c);
    return c;
  };
  return {
    collected: parse,
    async onCollected(o) {
      const c = parse(o);
      if (opts.journal === undefined || broken) return;
      byId ??= new Map(opts.attempts.map((a) => [a.id, a]));
      try {
        await opts.journal.appendBatch(journalBatchOf(o, c, opts.round, byId));
      } catch (err) {
        broken = true;
        opts.warn(
          `the evidence journal could not be written (${err instanceof Error ? err.message : String(err)}); ` +
            'the run goes on, but a crash now would lose what was collected',
        );
      }
    },
  };
}
