/**
 * Compare two reports (pure): controls whose status changed, new and closed failing findings,
 * new and closed open paths, certificates added, removed or expired — for the quarterly run
 * against the last one. `regressed` drives exit 1.
 */
import type { Report } from '../domain/report.js';
import { workloadKey, type TargetRef } from '../domain/target.js';
import { vantageId } from '../domain/vantage.js';
import type { VerdictStatus } from '../domain/verdict.js';
import { compareControlIds } from '../catalogue/index.js';

/** A control whose status differs between the runs. */
interface StatusChange {
  readonly controlId: string;
  readonly from: VerdictStatus | 'absent';
  readonly to: VerdictStatus | 'absent';
  readonly regressed: boolean;
}

/** A failing reason of one control. */
interface FindingRef {
  readonly controlId: string;
  readonly reason: string;
}

/** The differences. */
export interface ReportDiff {
  readonly oldRun: string;
  readonly newRun: string;
  readonly statusChanges: readonly StatusChange[];
  readonly newFindings: readonly FindingRef[];
  readonly closedFindings: readonly FindingRef[];
  readonly openedPaths: readonly string[];
  readonly closedPaths: readonly string[];
  readonly certificatesAdded: readonly string[];
  readonly certificatesRemoved: readonly string[];
  /** Certificates in the new report whose notAfter is before the new run started. */
  readonly certificatesExpired: readonly string[];
  readonly regressed: boolean;
}

/** Worse is higher. not-applicable and absent rank lowest. */
const RANK: Readonly<Record<VerdictStatus | 'absent', number>> = {
  absent: 0,
  'not-applicable': 0,
  holds: 1,
  inconclusive: 2,
  fails: 3,
};

function findings(r: Report): FindingRef[] {
  return r.verdicts
    .filter((v) => v.status === 'fails')
    .flatMap((v) => (v.findings ?? v.reasons).map((reason) => ({ controlId: v.controlId, reason })));
}

/**
 * Characters of the generated suffixes Kubernetes puts on pod names (no vowels, no 0/1/3): the
 * ReplicaSet's pod-template-hash and the pod's own random part.
 */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`);

/**
 * A target as diff rows key it: a Pod by its workload, so the same workload matches across a rollout
 * that renamed its pod. Reports made before Pod targets carried `workload` name only the pod; a
 * Deployment's pod name ("api-5ccf96d46d-hrbcs") is then read as its workload ("api").
 */
export function diffTargetKey(ref: TargetRef): string {
  if (ref.kind !== 'Pod' || (ref.workload !== undefined && ref.workload !== '')) return workloadKey(ref);
  const legacy = DEPLOYMENT_POD.exec(ref.name)?.[1];
  return legacy === undefined ? workloadKey(ref) : workloadKey({ ...ref, workload: legacy });
}

/** Open paths: "from-namespace:shop → Service/payments/api:8080 (tcp-reach)"; a Pod as "Pod/ns/<workload>". */
function openPaths(r: Report): string[] {
  return [
    ...new Set(
      r.evidence
        .filter((e) => e.attempt.role === 'probe' && e.outcome.kind === 'allowed')
        .map(
          (e) =>
            `${vantageId(e.attempt.vantage)} → ${diffTargetKey(e.attempt.target)}:${e.attempt.port} (${e.attempt.probeId})`,
        ),
    ),
  ].sort();
}

function certLabel(c: Report['certificates'][number]): string {
  const f = c.facts;
  return `${f.fingerprintSha256.slice(0, 16)} ${f.spiffe[0]?.uri ?? f.sans.dns[0] ?? f.subject} (not after ${f.notAfter})`;
}

function minus<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): T[] {
  const keys = new Set(b.map(key));
  return a.filter((x) => !keys.has(key(x)));
}

function statusChanges(older: Report, newer: Report): StatusChange[] {
  const was = new Map(older.verdicts.map((v) => [v.controlId, v.status]));
  const now = new Map(newer.verdicts.map((v) => [v.controlId, v.status]));
  const ids = [...new Set([...was.keys(), ...now.keys()])].sort(compareControlIds);
  return ids.flatMap((controlId) => {
    const from = was.get(controlId) ?? 'absent';
    const to = now.get(controlId) ?? 'absent';
    // Becoming applicable and holding (not-applicable → holds) is news, not a regression.
    return from === to ? [] : [{ controlId, from, to, regressed: RANK[to] > RANK[from] && to !== 'holds' }];
  });
}

/** Diff two reports. */
export function diffReports(older: Report, newer: Report): ReportDiff {
  const fkey = (f: FindingRef): string => `${f.controlId}|${f.reason}`;
  const fp = (c: Report['certificates'][number]): string => c.facts.fingerprintSha256;
  const changes = statusChanges(older, newer);
  const newFindings = minus(findings(newer), findings(older), fkey);
  const openedPaths = minus(openPaths(newer), openPaths(older), (x) => x);
  const started = Date.parse(newer.run.startedAt);
  const certificatesExpired = newer.certificates.filter((c) => Date.parse(c.facts.notAfter) < started).map(certLabel);
  return {
    oldRun: older.run.runId,
    newRun: newer.run.runId,
    statusChanges: changes,
    newFindings,
    closedFindings: minus(findings(older), findings(newer), fkey),
    openedPaths,
    closedPaths: minus(openPaths(older), openPaths(newer), (x) => x),
    certificatesAdded: minus(newer.certificates, older.certificates, fp).map(certLabel),
    certificatesRemoved: minus(older.certificates, newer.certificates, fp).map(certLabel),
    certificatesExpired,
    regressed:
      changes.some((c) => c.regressed) ||
      newFindings.length > 0 ||
      openedPaths.length > 0 ||
      certificatesExpired.length > 0,
  };
}

function section(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : [`${title}:`, ...lines.map((l) => `  ${l}`), ''];
}

/** Human-readable diff. */
export function renderDiff(d: ReportDiff): string {
  const req = (id: string): string => id.slice(id.lastIndexOf('/') + 1);
  const body = [
    ...section(
      'Controls whose status changed',
      d.statusChanges.map((c) => `${req(c.controlId)}: ${c.from} → ${c.to}${c.regressed ? '  (regressed)' : ''}`),
    ),
    ...section(
      'New findings',
      d.newFindings.map((f) => `${req(f.controlId)}: ${f.reason}`),
    ),
    ...section(
      'Closed findings',
      d.closedFindings.map((f) => `${req(f.controlId)}: ${f.reason}`),
    ),
    ...section('New open paths', d.openedPaths),
    ...section('Closed open paths', d.closedPaths),
    ...section('Certificates added', d.certificatesAdded),
    ...section('Certificates removed', d.certificatesRemoved),
    ...section('Certificates expired at the time of the new run', d.certificatesExpired),
  ];
  const head = `meshprobe diff ${d.oldRun} → ${d.newRun}: ${d.regressed ? 'REGRESSED' : body.length === 0 ? 'no changes' : 'no regressions'}`;
  return `${[head, '', ...body].join('\n').trimEnd()}\n`;
}
