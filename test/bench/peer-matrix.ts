/**
 * The peer benchmark's matrices and truth tables (pure, issue 20): namespaces and
 * NetworkPolicies for a cyclonus-shaped matrix, cyclonus' printed truth table parsed into
 * cells, meshprobe's evidence turned into the same cells, and the agreement of the two.
 *
 * A cell is `source namespace → destination pod:port`. cyclonus probes from each of its own
 * pods (one cell per source pod); meshprobe from its probe pod in the source namespace
 * (`from-namespace` for tenant-reach, `same-namespace` for its control paths), so every
 * cyclonus cell whose source namespace and destination pod:port meshprobe also tried is
 * compared with meshprobe's one result for it. Policies here select sources by namespace only,
 * never by a source pod's labels, so the source pod inside the namespace does not change the
 * answer. A pod connecting to its own IP is left out: that traffic never leaves the pod's
 * network namespace, so no NetworkPolicy applies to it.
 */
import type { KubeObject } from '../../src/cluster/ports.js';
import { TCP_COMPLETED, type TransportResult } from '../../probes/protocol.js';

/** One peer matrix: cyclonus' namespaces × pods × TCP ports, plus the policies applied first. */
export interface PeerShape {
  /** Short name in the table ("default", "large"). */
  readonly name: string;
  readonly namespaces: readonly string[];
  readonly pods: readonly string[];
  readonly ports: readonly number[];
}

/** Label on every namespace the peer bench creates (cleanup by selector). */
export const PEER_LABEL = { key: 'meshprobe.io/bench', value: 'peer' } as const;

/** cyclonus' defaults (namespaces x, y, z; pods a, b, c; ports 80, 81), with bench- names. */
export const DEFAULT_PEER: PeerShape = {
  name: 'cyclonus default (3 ns × 3 pods × 2 ports)',
  namespaces: ['bench-peer-x', 'bench-peer-y', 'bench-peer-z'],
  pods: ['a', 'b', 'c'],
  ports: [80, 81],
};

/** The larger matrix: 10 namespaces × 4 pods × 2 ports. */
export const LARGE_PEER: PeerShape = {
  name: 'larger (10 ns × 4 pods × 2 ports)',
  namespaces: Array.from({ length: 10 }, (_, i) => `bench-peer-${String(i).padStart(2, '0')}`),
  pods: ['a', 'b', 'c', 'd'],
  ports: [80, 81],
};

/** cyclonus puts `ns=<name>` on its namespaces; created here first so they carry the cleanup label too. */
export function peerNamespaces(s: PeerShape): KubeObject[] {
  return s.namespaces.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [PEER_LABEL.key]: PEER_LABEL.value, ns: name } },
  }));
}

type Ingress = Record<string, unknown>;

function policy(
  namespace: string,
  name: string,
  podSelector: Record<string, unknown>,
  ingress: readonly Ingress[],
): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { [PEER_LABEL.key]: PEER_LABEL.value } },
    spec: { podSelector, policyTypes: ['Ingress'], ingress },
  };
}

const onPort = (port: number): Ingress => ({ ports: [{ protocol: 'TCP', port }] });
const fromNamespaces = (names: readonly string[]): Ingress => ({
  from: [
    {
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names] }],
      },
    },
  ],
});

/**
 * NetworkPolicies of a shape, each selecting sources by namespace or port only (see the header):
 * the first namespace admits only port 80; on the larger matrix also a deny-all namespace, one
 * admitting only the first three namespaces, one where pod a is isolated and pod b admits only
 * port 81, and one admitting only its own namespace. The rest have no policy.
 */
export function peerPolicies(s: PeerShape): KubeObject[] {
  const [n0, n1, n2, n3, n4] = s.namespaces;
  const first = s.ports[0] ?? 80;
  const last = s.ports[s.ports.length - 1] ?? 81;
  const out: KubeObject[] = [];
  if (n0 !== undefined) out.push(policy(n0, 'admit-first-port', {}, [onPort(first)]));
  if (s.namespaces.length < 5) return out;
  out.push(
    policy(n1 as string, 'deny-all', {}, []),
    policy(n2 as string, 'admit-three-namespaces', {}, [fromNamespaces(s.namespaces.slice(0, 3))]),
    policy(n3 as string, 'isolate-a', { matchLabels: { pod: 'a' } }, []),
    policy(n3 as string, 'b-last-port', { matchLabels: { pod: 'b' } }, [onPort(last)]),
    policy(n4 as string, 'own-namespace', {}, [{ from: [{ podSelector: {} }] }]),
  );
  return out;
}

/** What a tool saw for one cell. */
export type CellResult = 'allowed' | 'blocked' | 'undecided';

/** One cyclonus cell: from its pod `fromNs/fromPod` to `toNs/toPod` on `port`. */
export interface CyclonusCell {
  readonly fromNs: string;
  readonly fromPod: string;
  readonly toNs: string;
  readonly toPod: string;
  readonly port: number;
  readonly result: CellResult;
}

const CYCLONUS_SYMBOL: Readonly<Record<string, CellResult>> = { '.': 'allowed', X: 'blocked' };

/** Split one `| a | b |` table line into its trimmed cells. */
const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/**
 * Parse the truth table of cyclonus' kube probe (`probe --all-available`): after its
 * `N wrong, N ignored, N correct` line, or after `kube results, try N:` when it found a
 * discrepancy (then it prints expected tables first). A header whose first column lists the
 * port keys (`TCP/80`, `TCP/81`, one per header line), then one row per source pod `ns/pod`
 * with one symbol per port key in each destination column. Destination columns are the same
 * pods in the same order as the rows (cyclonus builds both from one list).
 */
export function parseCyclonusTable(stdout: string): CyclonusCell[] {
  const all = stdout.split('\n');
  const marker = (re: RegExp): number => all.reduce((last, l, i) => (re.test(l) ? i : last), -1);
  const from = Math.max(marker(/^kube results, try \d+:/), marker(/\d+ wrong, \d+ ignored, \d+ correct/));
  if (from < 0) return [];
  const lines = all.slice(from + 1);
  const borders = lines.flatMap((l, i) => (/^\+-+\+/.test(l.trim()) ? [i] : []));
  if (borders.length < 2) return [];
  const [start, headerEnd] = borders as [number, number];
  const keys = lines.slice(start + 1, headerEnd).map((l) => cellsOf(l)[0] ?? '');
  if (!keys.every((k) => /^(TCP|UDP|SCTP)\/\d+$/i.test(k))) return [];
  const ports = keys.map((k) => Number(k.split('/')[1]));
  const end = lines.findIndex((l, i) => i > headerEnd && l.trim() !== '' && !/^[|+]/.test(l.trim()));
  const rows = lines
    .slice(headerEnd + 1, end < 0 ? undefined : end)
    .filter((l) => l.trim().startsWith('|'))
    .map(cellsOf)
    .filter((c) => /^[^/\s]+\/[^/\s]+$/.test(c[0] ?? ''));
  const pods = rows.map((r) => r[0] as string);
  return rows.flatMap((r) => {
    const [fromNs, fromPod] = (r[0] as string).split('/') as [string, string];
    return pods.flatMap((to, j) => {
      const [toNs, toPod] = to.split('/') as [string, string];
      const symbols = (r[j + 1] ?? '').split(/\s+/);
      return ports.map((port, k) => ({
        fromNs,
        fromPod,
        toNs,
        toPod,
        port,
        result: CYCLONUS_SYMBOL[symbols[k] ?? ''] ?? 'undecided',
      }));
    });
  });
}

/** cyclonus' own check of its probe against its policy simulation: `N wrong, N ignored, N correct`. */
export function cyclonusSelfCheck(stdout: string): { wrong: number; ignored: number; correct: number } | undefined {
  const m = [...stdout.matchAll(/(\d+) wrong, (\d+) ignored, (\d+) correct/g)].pop();
  return m ? { wrong: Number(m[1]), ignored: Number(m[2]), correct: Number(m[3]) } : undefined;
}

/** The part of a report evidence entry the comparison reads. */
export interface EvidenceLike {
  readonly attempt: {
    readonly role: string;
    readonly vantage: { readonly kind: string; readonly namespace?: string };
    readonly target: { readonly kind: string; readonly namespace: string; readonly name: string };
    readonly port: number;
  };
  readonly observation?: { readonly transport: string };
  /** The outcome: a timeout meshprobe could not confirm (inconclusive) is no "blocked" cell. */
  readonly outcome?: { readonly kind: string };
}

/**
 * meshprobe's transport words as a cell result: TCP completed = allowed; dropped or refused = blocked,
 * except a timeout whose outcome is inconclusive (no time-local reference vouched for it: undecided).
 */
export function meshprobeResult(transport: string | undefined, outcomeKind?: string): CellResult {
  if (transport === undefined) return 'undecided';
  if (transport === 'timeout' && outcomeKind === 'inconclusive') return 'undecided';
  if (TCP_COMPLETED.has(transport as TransportResult)) return 'allowed';
  return transport === 'timeout' || transport === 'refused' || transport === 'unreachable' ? 'blocked' : 'undecided';
}

/** `fromNs → toNs/toPod:port` */
const cellKey = (fromNs: string, toNs: string, toPod: string, port: number): string =>
  `${fromNs}→${toNs}/${toPod}:${port}`;

/**
 * meshprobe's cells: attempts to Pod targets from a probe pod placed in a namespace (probe and
 * control roles; canaries go to the run's echo pod). A Service attempt is the same cell through
 * the ClusterIP; the Services of a cyclonus pod are named `s-<ns>-<pod>` and use the pod's ports.
 */
export function meshprobeCells(evidence: readonly EvidenceLike[]): {
  pod: Map<string, CellResult>;
  service: Map<string, CellResult>;
} {
  const pod = new Map<string, CellResult>();
  const service = new Map<string, CellResult>();
  for (const e of evidence) {
    const { vantage, target, role, port } = e.attempt;
    const placed = vantage.kind === 'from-namespace' || vantage.kind === 'same-namespace';
    if (role === 'canary' || !placed || vantage.namespace === undefined) continue;
    const result = meshprobeResult(e.observation?.transport, e.outcome?.kind);
    if (target.kind === 'Pod') pod.set(cellKey(vantage.namespace, target.namespace, target.name, port), result);
    const svc = /^s-(.+)-([^-]+)$/.exec(target.name);
    if (target.kind === 'Service' && svc && svc[1] === target.namespace) {
      service.set(cellKey(vantage.namespace, target.namespace, svc[2] as string, port), result);
    }
  }
  return { pod, service };
}

/** Agreement of cyclonus' cells with meshprobe's over the cells both tried. */
export interface Agreement {
  readonly cyclonusCells: number;
  /** Left out: a pod to its own IP (bypasses policy). */
  readonly selfCells: number;
  readonly compared: number;
  readonly agree: number;
  readonly disagree: number;
  /** Either side undecided (cyclonus `!`/`?`, meshprobe neither connected nor blocked). */
  readonly undecided: number;
  /** cyclonus cells meshprobe did not try (e.g. same-namespace pods meshprobe has no control path for). */
  readonly cyclonusOnly: number;
  /** Per outcome pair, e.g. "cyclonus allowed / meshprobe blocked": count (disagreements and undecided only). */
  readonly differences: Readonly<Record<string, number>>;
}

/** Compare cyclonus' cells with meshprobe's cells of one kind (Pod or Service). */
export function agreement(cyclonus: readonly CyclonusCell[], meshprobe: ReadonlyMap<string, CellResult>): Agreement {
  let selfCells = 0,
    compared = 0,
    agree = 0,
    disagree = 0,
    undecided = 0,
    cyclonusOnly = 0;
  const differences: Record<string, number> = {};
  for (const c of cyclonus) {
    if (c.fromNs === c.toNs && c.fromPod === c.toPod) {
      selfCells += 1;
      continue;
    }
    const m = meshprobe.get(cellKey(c.fromNs, c.toNs, c.toPod, c.port));
    if (m === undefined) {
      cyclonusOnly += 1;
      continue;
    }
    compared += 1;
    if (c.result === 'undecided' || m === 'undecided') undecided += 1;
    else if (c.result === m) agree += 1;
    else disagree += 1;
    if (c.result !== m || m === 'undecided') {
      const key = `cyclonus ${c.result} / meshprobe ${m}`;
      differences[key] = (differences[key] ?? 0) + 1;
    }
  }
  return { cyclonusCells: cyclonus.length, selfCells, compared, agree, disagree, undecided, cyclonusOnly, differences };
}
