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
  const r = validateOptions([{ name: 'command line', values: { cdeNamespaces: ['payments,vault', 'payments'], tenants: 'a, b' } }]);
  t.same(r.options?.cdeNamespaces, ['payments', 'vault']);
  t.same(r.options?.tenants, ['a', 'b']);
});

t.test('contradictory options are reported', async (t) => {
  const r = validateOptions([{ name: 'command line', values: { quiet: true, verbose: true, namespaces: ['a'], excludeNamespaces: ['a'] } }]);
  t.same(r.issues.map((i) => i.option), ['--quiet', '--exclude-namespace']);
});

t.test('unknown config keys are reported with their source; unknown MESHPROBE_ variables are warned about', async (t) => {
  const cfg = configSource('mp.yaml', { 'attempt-timout': 5 });
  t.same(cfg.issues, [{ option: 'attempt-timout', source: 'mp.yaml', message: 'is not a meshprobe option (keys are flag names like attempt-timeout)' }]);
  const env = envSource({ MESHPROBE_ATEMPT_TIMEOUT: '1', PATH: '/bin' });
  t.match(env.warnings, [/^MESHPROBE_ATEMPT_TIMEOUT is not a meshprobe setting and is ignored/]);
  t.equal(env.warnings.length, 1);
  t.same(configSource('bad.yaml', ['a']).issues.map((i) => i.message), ['must contain a mapping of option: value']);
});

t.test('a bad value from the environment names the variable source', async (t) => {
  const env = envSource({ MESHPROBE_TIMEOUT: 'ten' });
  const r = validateOptions([env.source]);
  t.same(r.issues, [{ option: '--timeout', source: 'environment', message: 'must be a whole number, got "ten"' }]);
});
