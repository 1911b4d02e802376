/**
 * Enforces the import rules of DESIGN.md §2 by reading import lines of every source file.
 * Keeps the functional core free of I/O and each library behind its one edge.
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

const IO_MODULES = /^(node:)?(fs|fs\/promises|net|tls|http|https|http2|dgram|child_process|dns|dns\/promises)$/;
const LIBS = { clientNode: /^@kubernetes\/client-node/, undici: /^undici/, yargs: /^yargs/, ora: /^ora$/ };

interface Rule {
  readonly name: string;
  readonly applies: (file: string) => boolean;
  readonly forbidden: (spec: string) => boolean;
}

const PURE_DIRS = ['src/domain/', 'src/catalogue/', 'src/plan/', 'src/evaluate/', 'src/report/reporters/'];
const PURE_EXCEPTIONS = new Set(['src/evaluate/certificate.ts']);

const RULES: readonly Rule[] = [
  {
    name: 'the functional core (domain, catalogue, plan, evaluate, reporters) does no I/O and uses no edge library',
    applies: (f) => PURE_DIRS.some((d) => f.startsWith(d)) && !PURE_EXCEPTIONS.has(f),
    forbidden: (s) => IO_MODULES.test(s) || Object.values(LIBS).some((re) => re.test(s)),
  },
  { name: 'only src/cluster/ imports @kubernetes/client-node', applies: (f) => !f.startsWith('src/cluster/'), forbidden: (s) => LIBS.clientNode.test(s) },
  { name: 'only src/cli/ imports yargs and ora', applies: (f) => !f.startsWith('src/cli/'), forbidden: (s) => LIBS.yargs.test(s) || LIBS.ora.test(s) },
  {
    name: 'undici, node:net and node:tls live only in probes/agent/, src/execute/ and src/upload/ (the CLI\'s own uploads)',
    applies: (f) => !f.startsWith('probes/agent/') && !f.startsWith('src/execute/') && !f.startsWith('src/upload/'),
    forbidden: (s) => LIBS.undici.test(s) || /^(node:)?(net|tls)$/.test(s),
  },
  { name: 'the agent imports nothing from src/ (it is bundled alone)', applies: (f) => f.startsWith('probes/'), forbidden: (s) => /(^|\/)src\//.test(s) },
];

t.test('import lines are parsed for static, re-export, side-effect and dynamic imports', async (t) => {
  const text = "import a from 'x';\nimport type { B } from \"y\";\nexport * from './z.js';\nimport 'side';\nconst m = await import('dyn');";
  t.same(importsOf(text), ['x', 'y', './z.js', 'side', 'dyn']);
});

t.test('every source file follows the import rules of DESIGN.md §2', async (t) => {
  const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'probes'))].map((f) => relative(ROOT, f));
  t.ok(files.length > 10, 'found the source files');
  const violations: string[] = [];
  for (const file of files) {
    const specs = importsOf(readFileSync(join(ROOT, file), 'utf8'));
    for (const rule of RULES) {
      if (!rule.applies(file)) continue;
      for (const s of specs) if (rule.forbidden(s)) violations.push(`${file} imports ${s}: ${rule.name}`);
    }
  }
  t.same(violations, [], 'no violations');
});

t.test('the checker catches a violation (so the test above can fail)', async (t) => {
  const rule = RULES[0]!;
  t.ok(rule.applies('src/evaluate/classify.ts'));
  t.notOk(rule.applies('src/evaluate/certificate.ts'));
  t.ok(importsOf("import { connect } from 'node:net';").some(rule.forbidden));
  t.ok(importsOf("import * as k from '@kubernetes/client-node';").some(RULES[1]!.forbidden));
});
