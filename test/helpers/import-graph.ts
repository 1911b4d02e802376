/**
 * The folder-level import checker behind test/unit/import-rules.test.ts: which folder a file
 * is in, which folders it imports, and which of those edges break a rank table or close a
 * cycle. Pure functions over a map of file → import specifiers, so the test can run them on
 * the real tree and on a synthetic graph with a back-edge.
 */
import { posix } from 'node:path';

/** File (repo-relative, e.g. src/plan/plan.ts) → the module specifiers it imports. */
export type ImportMap = ReadonlyMap<string, readonly string[]>;

/** Folder (repo-relative, no trailing slash) → rank; a folder may import only folders of lower rank. */
export type RankTable = Readonly<Record<string, number>>;

/** The repo-relative path a relative specifier names (.js → .ts), or undefined for a package. */
export function resolveImport(file: string, spec: string): string | undefined {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), spec));
  return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
}

/** The ranked folder a file is in: the longest table entry that is a prefix of its path. */
export function folderOf(file: string, ranks: RankTable): string | undefined {
  let best: string | undefined;
  for (const folder of Object.keys(ranks)) {
    if (file.startsWith(`${folder}/`) && (best === undefined || folder.length > best.length)) best = folder;
  }
  return best;
}

/** Folder → folders it imports (files of src/ only; packages and files outside the table are left to other rules). */
export function folderEdges(imports: ImportMap, ranks: RankTable): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const [file, specs] of imports) {
    const from = folderOf(file, ranks);
    if (from === undefined) continue;
    for (const spec of specs) {
      const target = resolveImport(file, spec);
      const to = target === undefined ? undefined : folderOf(target, ranks);
      if (to === undefined || to === from) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${file} imports ${spec}`);
      edges.set(from, out);
    }
  }
  return edges;
}

/** Every src/ file outside the rank table, and every folder edge that does not go to a lower rank. */
export function rankViolations(imports: ImportMap, ranks: RankTable): string[] {
  const out: string[] = [];
  for (const file of imports.keys()) {
    if (file.startsWith('src/') && folderOf(file, ranks) === undefined)
      out.push(`${file} is in no folder of the rank table`);
  }
  for (const [from, targets] of folderEdges(imports, ranks)) {
    for (const [to, example] of targets) {
      if (ranks[to]! >= ranks[from]!)
        out.push(`${from} (rank ${ranks[from]}) may not import ${to} (rank ${ranks[to]}): ${example}`);
    }
  }
  return out.sort();
}

/** Cycles between folders (Tarjan's strongly connected components of more than one folder), each sorted. */
export function folderCycles(imports: ImportMap, ranks: RankTable): string[][] {
  const edges = folderEdges(imports, ranks);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Imports of src/ files into probes/ other than the allowed entry files. */
export function probeDoorViolations(imports: ImportMap, doors: readonly string[]): string[] {
  const out: string[] = [];
  for (const [file, specs] of imports) {
    if (!file.startsWith('src/')) continue;
    for (const spec of specs) {
      const target = resolveImport(file, spec);
      if (target?.startsWith('probes/') && !doors.includes(target))
        out.push(`${file} imports ${spec}: src/ may import from probes/ only ${doors.join(' and ')}`);
    }
  }
  return out;
}

/** Deep imports into a package's build output (`pkg/dist/...`): only its public exports may be used. */
export function deepDistImports(imports: ImportMap): string[] {
  const out: string[] = [];
  for (const [file, specs] of imports) {
    for (const spec of specs)
      if (/^(@[^/]+\/)?[^./@][^/]*\/(.*\/)?dist(\/|$)/.test(spec)) out.push(`${file} imports ${spec}`);
  }
  return out;
}
