/**
 * The CLI as a user meets it: a child process running the bundled cli.mjs.
 * Covers --help, --version, and how bad input is reported (one line each, exit 2, no stack).
 */
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliBundle, type CliBundle } from '../../helpers/cli-bundle.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
let cli: CliBundle;
const tmp = mkdtempSync(join(tmpdir(), 'meshprobe-cli-'));

t.before(async () => {
  cli = await buildCliBundle();
});
t.teardown(() => {
  cli?.remove();
  rmSync(tmp, { recursive: true, force: true });
});

const noStack = (t: Test, text: string): void => {
  t.notMatch(text, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
};

t.test('--help lists the commands, the exit codes and the global options', async (t) => {
  const r = await cli.run(['--help']);
  t.equal(r.code, 0);
  for (const cmd of ['controls', 'tls', 'verify', 'diff'])
    t.match(r.stdout, new RegExp(`meshprobe ${cmd}`), `lists ${cmd}`);
  t.match(r.stdout, /Exit codes: 0 .* 130 interrupted/s);
  t.match(r.stdout, /--config/);
});

t.test('a command’s --help shows its options in named groups', async (t) => {
  const r = await cli.run(['tls', '--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /Output:\n/);
  t.match(r.stdout, /--attempt-timeout/);
  t.match(r.stdout, /MESHPROBE_ATTEMPT_TIMEOUT/, 'the env variable is named');
  t.match(r.stdout, /\[default: 3000 ms\]/, 'a duration default shows its unit');
});

t.test('--version prints the package version', async (t) => {
  const r = await cli.run(['--version']);
  t.equal(r.code, 0);
  t.equal(r.stdout.trim(), pkg.version);
});

t.test('an unknown flag is one clear line plus a hint, exit 2', async (t) => {
  const r = await cli.run(['controls', '--colour']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.same(r.stderr.trim().split('\n'), [
    'meshprobe: Unknown argument: colour',
    'hint: Run `meshprobe --help` for commands and options.',
  ]);
});

t.test('an unknown command is reported with exit 2', async (t) => {
  const r = await cli.run(['frobnicate']);
  t.equal(r.code, 2);
  t.match(r.stderr, /meshprobe: Unknown argument: frobnicate/);
  noStack(t, r.stderr);
});

t.test('several bad values are reported together, one line each, exit 2', async (t) => {
  const r = await cli.run(['controls', '-o', 'pdf', '--verbose', '--quiet'], {
    env: { MESHPROBE_CONCURRENCY: 'lots' },
  });
  t.equal(r.code, 2);
  t.same(r.stderr.trim().split('\n'), [
    'meshprobe: --output must be one of text, json, junit, tap, sarif, markdown, got "pdf"',
    'meshprobe: --concurrency must be a whole number, got "lots" (from environment)',
    'meshprobe: --quiet cannot be combined with --verbose',
    'hint: Run `meshprobe --help` for the options and their values.',
  ]);
});

t.test('an unknown MESHPROBE_ variable is a warning naming it, and the command still runs', async (t) => {
  const r = await cli.run(['controls', '-o', 'json'], {
    env: { MESHPROBE_LAB_KUBECONFIG: '/tmp/x', MESHPROBE_ATEMPT_TIMEOUT: '1' },
  });
  t.equal(r.code, 0);
  t.doesNotThrow(() => JSON.parse(r.stdout), 'stdout is still the JSON document');
  t.same(r.stderr.trim().split('\n'), [
    'meshprobe: warning: MESHPROBE_ATEMPT_TIMEOUT is not a meshprobe setting and is ignored (see meshprobe --help for the MESHPROBE_* names)',
    'meshprobe: warning: MESHPROBE_LAB_KUBECONFIG is not a meshprobe setting and is ignored (see meshprobe --help for the MESHPROBE_* names)',
  ]);
});

t.test('a config file sets options, and flags override it', async (t) => {
  const cfg = join(tmp, 'mp.yaml');
  writeFileSync(cfg, 'output: json\n');
  const fromFile = await cli.run(['controls', '--config', cfg]);
  t.equal(fromFile.code, 0);
  t.doesNotThrow(() => JSON.parse(fromFile.stdout), 'config output: json gives JSON');
  const overridden = await cli.run(['controls', '--config', cfg, '-o', 'text']);
  t.equal(overridden.code, 0);
  t.throws(() => JSON.parse(overridden.stdout), 'the flag wins over the file');
});

t.test('a broken or missing config file is one clear line, exit 2', async (t) => {
  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, 'output: [json\n');
  const r1 = await cli.run(['controls', '--config', bad]);
  t.equal(r1.code, 2);
  t.match(r1.stderr, /^meshprobe: config file .*bad\.yaml is not valid YAML\/JSON/);
  noStack(t, r1.stderr);
  const r2 = await cli.run(['controls', '--config', join(tmp, 'nope.yaml')]);
  t.equal(r2.code, 2);
  t.match(r2.stderr, /^meshprobe: cannot read config file .*nope\.yaml \(ENOENT\)/);
  const r3 = await cli.run(['controls', '--config', cfgWithTypo()]);
  t.equal(r3.code, 2);
  t.match(r3.stderr, /meshprobe: concurency is not a meshprobe option/);
});

function cfgWithTypo(): string {
  const p = join(tmp, 'typo.yaml');
  writeFileSync(p, 'concurency: 3\n');
  return p;
}
