import t from 'tap';
import { configSource, envSource } from '../../../src/config/load.js';
import { DEFAULTS } from '../../../src/config/options.js';
import { validateOptions } from '../../../src/config/validate.js';

t.test('no sources gives exactly the DEFAULTS', async (t) => {
  const r = validateOptions([]);
  t.same(r.issues, []);
  t.same(r.options, DEFAULTS);
});

t.test('precedence is defaults < config file < env < flags', async (t) => {
  // Given the same option in three sources
  const cfg = configSource('mp.yaml', { 'attempt-timeout': 1000, concurrency: 8, 'agent-image': 'cfg/img:1' });
  const env = envSource({ MESHPROBE_ATTEMPT_TIMEOUT: '2000', MESHPROBE_CONCURRENCY: '16' });
  // When merged with flags last
  const r = validateOptions([cfg.source, env.source, { name: 'command line', values: { attemptTimeout: '3000' } }]);
  // Then the later source wins per option, and untouched options keep earlier values
  t.same(r.issues, []);
  t.equal(r.options?.attemptTimeout, 3000);
  t.equal(r.options?.concurrency, 16);
  t.equal(r.options?.agentImage, 'cfg/img:1');
  t.equal(r.options?.configFile, 'mp.yaml');
  t.equal(r.options?.podReadyTimeout, DEFAULTS.podReadyTimeout);
});

t.test('every problem is collected, not just the first', async (t) => {
  const r = validateOptions([
    {
      name: 'command line',
      values: {
        attemptTimeout: 'soon',
        concurrency: '0',
        output: 'pdf',
        foreignPods: 'maybe',
        egressTargets: ['outside.example', 'ok.example:443', 'x:99999'],
        scope: 'pci scope = = cde',
      },
    },
  ]);
  t.equal(r.options, undefined, 'no options when anything is wrong');
  const got = r.issues.map((i) => `${i.option} ${i.message}`);
  t.same(got, [
    '--foreign-pods must be true or false, got "maybe"',
    '--output must be one of text, json, junit, tap, sarif, markdown, got "pdf"',
    '--attempt-timeout must be a whole number, got "soon"',
    '--concurrency must be between 1 and 4096, got 0',
    '--egress-target "outside.example" is not host:port (e.g. outside.example:443)',
    '--egress-target "x:99999" is not host:port (e.g. outside.example:443)',
    '--scope "pci scope = = cde" is not a label selector like pci.scope=cde',
  ]);
});

t.test('lists accept repeated flags and comma-separated values, deduplicated', async (t) => {
  const r = validateOptions([
    { name: 'command line', values: { cdeNamespaces: ['payments,vault', 'payments'], tenants: 'a, b' } },
  ]);
  t.same(r.options?.cdeNamespaces, ['payments', 'vault']);
  t.same(r.options?.tenants, ['a', 'b']);
});

t.test('contradictory options are reported', async (t) => {
  const r = validateOptions([
    { name: 'command line', values: { quiet: true, verbose: true, namespaces: ['a'], excludeNamespaces: ['a'] } },
  ]);
  t.same(
    r.issues.map((i) => i.option),
    ['--quiet', '--exclude-namespace'],
  );
});

t.test(
  'unknown config keys are reported with their source; unknown MESHPROBE_ variables are warned about',
  async (t) => {
    const cfg = configSource('mp.yaml', { 'attempt-timout': 5 });
    t.same(cfg.issues, [
      {
        option: 'attempt-timout',
        source: 'mp.yaml',
        message: 'is not a meshprobe option (keys are flag names like attempt-timeout)',
      },
    ]);
    const env = envSource({ MESHPROBE_ATEMPT_TIMEOUT: '1', PATH: '/bin' });
    t.match(env.warnings, [/^MESHPROBE_ATEMPT_TIMEOUT is not a meshprobe setting and is ignored/]);
    t.equal(env.warnings.length, 1);
    t.same(
      configSource('bad.yaml', ['a']).issues.map((i) => i.message),
      ['must contain a mapping of option: value'],
    );
  },
);

t.test('a bad value from the environment names the variable source', async (t) => {
  const env = envSource({ MESHPROBE_TIMEOUT: 'ten' });
  const r = validateOptions([env.source]);
  t.same(r.issues, [{ option: '--timeout', source: 'environment', message: 'must be a whole number, got "ten"' }]);
});

t.test(
  'run and plan need a CDE: --scope, --cde-namespace, or --cde-all said explicitly (from any source)',
  async (t) => {
    const { scopeIssues } = await import('../../../src/config/validate.js');
    const { requireScope } = await import('../../../src/config/load.js');
    // Given options from flags, config file and environment
    const cases: { name: string; sources: Parameters<typeof validateOptions>[0]; issue?: RegExp }[] = [
      {
        name: 'no scope at all is an issue naming both flags and --cde-all',
        sources: [],
        issue: /^--scope or --cde-namespace is required: .*--cde-all/,
      },
      { name: '--scope is enough', sources: [{ name: 'command line', values: { scope: 'pci.scope=cde' } }] },
      {
        name: '--cde-namespace is enough',
        sources: [{ name: 'command line', values: { cdeNamespaces: ['payments'] } }],
      },
      { name: '--cde-all from the environment is enough', sources: [envSource({ MESHPROBE_CDE_ALL: 'true' }).source] },
      { name: 'cde-all from a config file is enough', sources: [configSource('mp.yaml', { 'cde-all': true }).source] },
      {
        name: '--cde-all beside --scope is an issue',
        sources: [{ name: 'command line', values: { cdeAll: true, scope: 'pci.scope=cde' } }],
        issue: /^--cde-all cannot be combined with --scope or --cde-namespace/,
      },
    ];
    for (const c of cases) {
      // When the options are validated and the scope checked
      const r = validateOptions(c.sources);
      t.same(r.issues, [], `${c.name}: the options themselves are valid`);
      const issues = scopeIssues(r.options!);
      // Then only the scope-less (or contradictory) ones are an issue, thrown as E_USAGE (exit 2)
      if (c.issue === undefined) {
        t.same(issues, [], c.name);
        t.doesNotThrow(() => requireScope(r.options!), c.name);
      } else {
        t.match(`${issues[0]?.option} ${issues[0]?.message}`, c.issue, c.name);
        t.throws(() => requireScope(r.options!), { code: 'E_USAGE' }, c.name);
      }
    }
  },
);

t.test('--no-nodes sets nodes to false; nodes are probed by default', async (t) => {
  t.equal(validateOptions([]).options?.nodes, true);
  t.equal(validateOptions([{ name: 'command line', values: { nodes: false } }]).options?.nodes, false);
  t.equal(validateOptions([envSource({ MESHPROBE_NODES: 'false' }).source]).options?.nodes, false);
});
