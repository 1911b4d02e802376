/**
 * The benchmark's stdout table (pure): each level's numbers next to its target, with OK or
 * MISSED, from the same result object that is written as JSON.
 */

/** Everything one `npm run bench` measured (also the JSON file). */
export interface BenchResult {
  readonly machine: Record<string, unknown>;
  readonly smoke: boolean;
  agent?: Record<string, unknown>;
  cluster?: Record<string, unknown>;
  scale?: readonly Record<string, unknown>[];
  sweep?: Record<string, unknown>;
  peer?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const s = (ms: unknown): string => (Number.isFinite(num(ms)) ? `${(num(ms) / 1000).toFixed(1)} s` : '–');
const mark = (ok: boolean): string => (ok ? 'OK' : 'MISSED');
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

function machineLines(m: Json): string[] {
  return [
    `machine: ${String(m['cores'])} cores (${String(m['cpu'])}), Node ${String(m['node'])}, ${String(obj(m['memoryMiB'])['total'])} MiB RAM, commit ${String(m['commit'])} (+${String(m['modifiedFiles'])} modified files in the shared tree)`,
    `load average at start ${(m['loadAverageAtStart'] as number[] | undefined)?.join(' ') ?? '?'}, at end ${(m['loadAverageAtEnd'] as number[] | undefined)?.join(' ') ?? '?'} (1/5/15 min)`,
  ];
}

function agentLines(a: Json | undefined): string[] {
  if (a === undefined) return ['1. agent: skipped'];
  const runs = (a['runs'] ?? []) as Json[];
  const rows = runs.map(
    (r) =>
      `   ${String(r['concurrency']).padStart(5)} | ${String(r['wallS']).padStart(7)} s (≤ ${String(r['wallTargetS'])}) | ${String(r['attemptsPerS']).padStart(6)}/s | ` +
      `${String(r['peakRssMiB'])} MiB (≤ ${String(r['rssTargetMiB'])}; anon ${String(r['anonRssMiB'] ?? '?')}) | ${r['ok'] === true ? 'OK' : 'MISSED'}`,
  );
  return [
    '1. agent: 10 000 tcp attempts to a netns host (1/3 DROP, 1/3 REJECT, 1/3 echo), timeout 1 s',
    '   conc. |    wall (target)     | attempts/s | peak RSS (target)        |',
    ...(rows.length > 0 ? rows : [`   no result (exit ${String(a['exitCode'])})`]),
    ...((a['notes'] ?? []) as string[]).map((n) => `   ${n}`),
  ];
}

const STAGES = [
  'discover',
  'plan',
  'preflight',
  'deploy',
  'sweep',
  'run',
  'collect',
  'cleanup',
  'evaluate',
  'report',
  'done',
];

function clusterLines(c: Json | undefined): string[] {
  if (c === undefined) return ['2. cluster: skipped'];
  if (typeof c['skipped'] === 'string') return [`2. cluster: skipped: ${c['skipped']}`];
  if (c['meshprobe'] === undefined) return [`2. cluster: FAILED before meshprobe finished: ${String(c['error'])}`];
  const m = obj(c['meshprobe']);
  const n = obj(c['naive']);
  const naiveProblem =
    typeof n['skipped'] === 'string'
      ? `skipped: ${n['skipped']}`
      : typeof n['error'] === 'string'
        ? `FAILED: ${n['error']}`
        : undefined;
  const pods = obj(m['pods']);
  const stages = obj(m['stagesMs']);
  const timeout = num(c['attemptTimeoutMs']);
  // Pod start: what the baseline's long-running pods needed (independent of meshprobe); else meshprobe's own pods.
  const podStart = Number.isFinite(num(n['podStartMs'])) ? num(n['podStartMs']) : num(pods['podStartServerMaxMs']);
  const budget = podStart + 2 * timeout + 30_000;
  const limit = 1.5 * (podStart + 2 * timeout);
  const ratio = num(n['estimateMs']) / num(m['wallMs']);
  const shape = obj(c['shape']);
  return [
    `2. cluster (lab): ${String(shape['cdeNamespaces'])} CDE ns × ${String(shape['servicesPerNamespace'])} services × 2 ports from ${num(shape['vantageNamespaces']) + 1} vantages; ` +
      `${String(m['attempts'])} attempts (probe + canary + control), timeout ${timeout} ms, concurrency ${String(c['concurrency'])}`,
    `   outcomes ${JSON.stringify(m['outcomes'])}; exit ${String(m['exitCode'])}${m['aborted'] ? ` ABORTED ${JSON.stringify(m['aborted'])}` : ''}; cleanup ${m['cleanupOk'] === true ? 'ok' : 'INCOMPLETE'}`,
    `   meshprobe wall ${s(m['wallMs'])}: ${STAGES.filter((k) => k in stages)
      .map((k) => `${k === 'done' ? 'stdout' : k} ${s(stages[k])}`)
      .join(', ')}`,
    `   probe pods ${String(pods['probePods'])}: last container up ${s(pods['podStartServerMaxMs'])} after its create (API stamps), agents active ${s(pods['agentWindowMs'])} (longest pod ${s(pods['agentPerPodMaxMs'])}); CLI peak RSS ${String(m['peakRssMiB'])} MiB`,
    ...(naiveProblem !== undefined ? [`   naive: ${naiveProblem}`] : naiveLines(n, podStart, ratio)),
    `   wall ${s(m['wallMs'])} vs pod start ${s(podStart)} + 2 × ${timeout / 1000} s + 30 s = ${s(budget)} ${mark(num(m['wallMs']) <= budget)}`,
    // Issue 20: the physical limit (pod start + one blocked attempt's connect and read), with 50 % slack.
    `   wall ${s(m['wallMs'])} vs limit ${s(limit)} ${mark(num(m['wallMs']) <= limit)} (limit = 1.5 × (pod start ${s(podStart)} + 2 × ${timeout / 1000} s))`,
    ...identityLines(c['identity']),
  ];
}

/** Issue 16: the same matrix with identity vantages on (the default run) and off. */
function identityLines(v: unknown): string[] {
  if (v === undefined) return [];
  const i = obj(v);
  if (typeof i['error'] === 'string') return [`   identity vantages on vs off: FAILED: ${i['error']}`];
  const row = (label: string, r: Json): string =>
    `${label} ${String(r['probePods'])} probe pods (${String(r['identityVantages'])} identity), ` +
    `${String(r['attempts'])} attempts, wall ${s(r['wallMs'])}, ` +
    `${((r['verdicts'] ?? []) as string[]).join(' ')}`;
  return [
    '   identity vantages (issue 16), clients admitted by label on the denied ports:',
    row('     on  (default):             ', obj(i['on'])),
    row('     off (--no-identity-vantages):', obj(i['off'])),
    ...(i['withMeshAuthz'] === undefined
      ? []
      : [
          row('     on, with 7.2.2 (mesh-authz): ', obj(i['withMeshAuthz'])),
          ...meshAuthzLine(obj(i['withMeshAuthz'])['meshAuthz']),
        ]),
  ];
}

/** Issue 16: what the mesh-authz attempts (7.2.2) cost within the identity run. */
function meshAuthzLine(v: unknown): string[] {
  if (v === undefined) return [];
  const m = obj(v);
  const pct = (a: unknown, b: unknown): string => (num(b) > 0 ? `${Math.round((100 * num(a)) / num(b))} %` : 'n/a');
  return [
    `     mesh-authz (7.2.2): ${String(m['attempts'])} of ${String(m['identityAttempts'])} identity attempts ` +
      `(${pct(m['attempts'], m['identityAttempts'])}; ${pct(m['attempts'], m['probeAttempts'])} of ` +
      `${String(m['probeAttempts'])} probe attempts), ${s(m['attemptMs'])} of ${s(m['identityAttemptMs'])} ` +
      `identity attempt time (${pct(m['attemptMs'], m['identityAttemptMs'])})`,
  ];
}

function naiveLines(n: Json, podStart: number, ratio: number): string[] {
  return [
    `   naive: ${String(n['executed'])} of ${String(n['planned'])} attempts executed (sequential kubectl exec, ${s(n['sampleWallMs'])}; mean ${String(obj(n['meanExecMs'])['other'])} ms connected, ` +
      `${String(obj(n['meanExecMs'])['timeout'])} ms denied; agrees with meshprobe on ${String(n['agreeWithMeshprobe'])}), extrapolated linearly per class: ` +
      `${s(n['execEstimateMs'])} + pod start ${s(podStart)} = ${s(n['estimateMs'])}`,
    ...(Object.keys(obj(n['disagreements'])).length > 0
      ? [`   naive vs meshprobe disagreements: ${JSON.stringify(n['disagreements'])}`]
      : []),
    `   ratio naive / meshprobe = ${ratio.toFixed(1)}× (target ≥ 20×) ${mark(ratio >= 20)}`,
  ];
}

function scaleRow(r: Json): string {
  if (typeof r['failed'] === 'string') return `   ${String(r['requested']).padStart(7)} | FAILED (${r['failed']})`;
  const st = obj(r['stagesMs']);
  const log = obj(r['evidenceLog']);
  const attempts = num(r['attempts']);
  const cpu = obj(r['cpuMs']);
  const pureStages = ['discover', 'plan', 'collect', 'classify', 'evaluateAndBuildReport', 'render'];
  const cpuPure = pureStages.reduce((sum, k) => sum + num(cpu[k]), 0);
  return (
    `   ${String(attempts).padStart(7)} | ${s(r['pureMs']).padStart(7)} | ${((num(r['pureMs']) / attempts) * 1000).toFixed(0).padStart(5)} µs | ` +
    `plan ${s(st['plan'])}, collect ${s(st['collect'])}, classify ${s(st['classify'])}, evaluate + report value ${s(st['evaluateAndBuildReport'])}, render ${s(st['render'])} | ` +
    `${String(r['peakRssPureMiB'])} MiB (${String(r['peakRssMiB'])} with write) | ` +
    `CPU ${cpuPure > 0 ? s(cpuPure) : '—'}, heap growth ${String(r['heapGrowingPercent'] ?? 'V8 default')} % | evidence.jsonl ${s(log['ms'])}${log['extrapolated'] === true ? ` (extrapolated from ${String(log['written'])})` : ''}, bundle write ${s(st['writeBundle'])}`
  );
}

function scaleLines(rows: readonly Json[] | undefined): string[] {
  if (rows === undefined) return ['3. CLI scale: skipped'];
  const largest = [...rows]
    .filter((r) => typeof r['failed'] !== 'string')
    .sort((a, b) => num(b['attempts']) - num(a['attempts']))[0];
  const smallest = [...rows]
    .filter((r) => typeof r['failed'] !== 'string')
    .sort((a, b) => num(a['attempts']) - num(b['attempts']))[0];
  const lines = [
    '3. CLI scale (no cluster; fake ClusterApi, synthetic agent logs; each size in a fresh process)',
    '   attempts | plan→render | per attempt | stages | peak RSS plan→render (with evidence log + bundle write) | CPU plan→render (all threads), --heap-growing-percent | not in the target: evidence log (one fdatasync per batch), bundle write',
    ...rows.map(scaleRow),
  ];
  if (largest && smallest && largest !== smallest) {
    const growth =
      num(largest['pureMs']) / num(smallest['pureMs']) / (num(largest['attempts']) / num(smallest['attempts']));
    lines.push(
      `   time per attempt grows ${growth.toFixed(2)}× from ${String(smallest['attempts'])} to ${String(largest['attempts'])} attempts (1.00 = linear)`,
    );
  }
  if (largest && num(largest['attempts']) >= 100_000) {
    lines.push(
      `   ${String(largest['attempts'])} attempts: ${s(largest['pureMs'])} (target ≤ 20 s) ${mark(num(largest['pureMs']) <= 20_000)}, ` +
        `peak RSS ${String(largest['peakRssPureMiB'])} MiB (target ≤ 250) ${mark(num(largest['peakRssPureMiB']) <= 250)}`,
    );
  }
  return lines;
}

/** The whole table. */
/** The listener sweep's cost (issue 13): agent over 1–65535 on loopback, and --ports all on one lab pod. */
export function sweepLines(w: Json | undefined): string[] {
  if (w === undefined) return ['4. sweep: skipped'];
  const a = obj(w['agent']);
  const p = obj(w['pod']);
  const pod =
    typeof p['skipped'] === 'string'
      ? `skipped: ${p['skipped']}`
      : typeof p['error'] === 'string'
        ? `FAILED: ${p['error']}`
        : `${String(p['ports'])} ports in ${s(p['durationMs'])} = ${String(p['portsPerS'])} ports/s (open ${String(p['open'])}, closed ${String(p['closed'])}, filtered ${String(p['filtered'])}, not swept ${String(p['notSwept'])}); whole run ${s(p['wallMs'])}`;
  return [
    `4. listener sweep, ${String(a['concurrency'] ?? '?')} connects in flight`,
    `   agent, 127.0.0.1 ports 1-65535: ${String(a['ports'])} ports in ${s(a['durationMs'])} = ${String(a['portsPerS'])} ports/s`,
    `   one lab pod, meshprobe run --ports all: ${pod}`,
  ];
}

function agreementLine(label: string, a: Json): string {
  const diff = Object.keys(obj(a['differences'])).length > 0 ? ` ${JSON.stringify(a['differences'])}` : '';
  return (
    `${label} ${String(a['compared'])} cells both tried, ${String(a['agree'])} agree, ` +
    `${String(a['disagree'])} disagree, ` +
    `${String(a['undecided'])} undecided${diff}`
  );
}

function peerRun(r: Json): string[] {
  const shape = obj(r['shape']);
  if (typeof r['error'] === 'string') return [`   ${String(shape['name'])}: FAILED: ${r['error']}`];
  const cold = obj(r['cyclonusCold']);
  const warm = obj(r['cyclonusWarm']);
  const m = obj(r['meshprobe']);
  const st = obj(m['stagesMs']);
  const check = obj(warm['selfCheck']);
  const ag = obj(r['agreement']);
  const pod = obj(ag['pod']);
  const ratio = num(r['ratio']);
  const large = ((shape['namespaces'] ?? []) as unknown[]).length >= 10;
  const pods = ((shape['namespaces'] ?? []) as unknown[]).length * ((shape['pods'] ?? []) as unknown[]).length;
  return [
    `   ${String(shape['name'])}, ${String(r['policies'])} NetworkPolicies, ` +
      `connect timeout ${String(r['timeoutS'])} s:`,
    `     cyclonus ${pods} pods, ${pods * pods * ((shape['ports'] ?? []) as unknown[]).length} probes ` +
      '(15 workers, one exec each): ' +
      `cold ${s(cold['wallMs'])} (creates and waits for its pods), warm ${s(warm['wallMs'])}; its own check ` +
      `${String(check['wrong'])} wrong / ${String(check['correct'])} correct; ` +
      `error lines ${String(warm['errorLines'])}`,
    `     meshprobe ${s(m['processWallMs'])} process, ${s(m['wallMs'])} from discover to cleanup ` +
      `(${String(obj(m['pods'])['probePods'])} probe pods, ${String(m['attempts'])} attempts; ` +
      `deploy ${s(st['deploy'])}, run ${s(st['run'])}, cleanup ${s(st['cleanup'])}); exit ${String(m['exitCode'])}`,
    agreementLine('     truth table (source ns → pod:port, pod IPs):', pod),
    agreementLine("     the same cells through each pod's Service:", obj(ag['service'])),
    `     left out: ${String(pod['selfCells'])} self cells (a pod to its own IP never meets a policy); ` +
      `${String(pod['cyclonusOnly'])} cyclonus cells meshprobe did not try`,
    `     ratio cyclonus / meshprobe = ${ratio.toFixed(1)}×${large ? ` (target ≥ 5×) ${mark(ratio >= 5)}` : ''}`,
  ];
}

/** The peer comparison (issue 20): cyclonus and meshprobe on the same matrix. */
export function peerLines(p: Json | undefined): string[] {
  if (p === undefined) return ['5. peer: skipped'];
  if (typeof p['skipped'] === 'string') return [`5. peer: skipped: ${p['skipped']}`];
  if (typeof p['error'] === 'string') return [`5. peer: FAILED: ${p['error']}`];
  return [
    `5. peer (lab): cyclonus ${String(p['cyclonus'])} probe (pod-ip mode, TCP) vs meshprobe run ` +
      '(--tenant every namespace, A1.1.2, --ports none); ' +
      `agnhost ${String(p['agnhost'])}`,
    ...((p['runs'] ?? []) as Json[]).flatMap(peerRun),
  ];
}

export function formatReport(r: BenchResult): string {
  return [
    `meshprobe benchmark${r.smoke ? ' (SMOKE: small sizes, numbers not representative)' : ''}`,
    ...machineLines(r.machine),
    '',
    ...agentLines(r.agent),
    '',
    ...clusterLines(r.cluster),
    '',
    ...scaleLines(r.scale),
    '',
    ...sweepLines(r.sweep),
    '',
    ...peerLines(r.peer),
  ].join('\n');
}
