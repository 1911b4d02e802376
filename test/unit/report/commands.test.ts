import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliCommand, CliContext } from '../../../src/cli/command.js';
import { controlsCommand } from '../../../src/cli/commands/controls.js';
import { diffCommand } from '../../../src/cli/commands/diff.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';
import { SILENT_PROGRESS } from '../../../src/shared/progress.js';
import { DEFAULTS, type OutputFormat } from '../../../src/config/options.js';
import { CONTROLS } from '../../../src/catalogue/index.js';
import { writeReportBundle } from '../../../src/report/write.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

async function run(
  cmd: CliCommand,
  args: Record<string, unknown>,
  output: OutputFormat = 'text',
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    options: { ...DEFAULTS, output },
    args,
    progress: SILENT_PROGRESS,
    signal: new AbortController().signal,
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    setForcedExitHint: () => undefined,
  };
  return { code: await cmd.run(ctx), out, err };
}

t.test('diff of the all-holds and permissive-mtls-leak examples prints the expected changes and exits 1', async (t) => {
  const r = await run(diffCommand, {
    old: 'reports/examples/all-holds.json',
    new: 'reports/examples/permissive-mtls-leak.json',
  });
  t.equal(r.code, 1);
  t.match(r.out, 'REGRESSED');
  for (const line of [
    '1.2.5: holds → fails  (regressed)',
    '1.2.6: holds → fails  (regressed)',
    '2.2.5: holds → fails  (regressed)',
    '7.2.1: holds → fails  (regressed)',
  ])
    t.match(r.out, line);
  t.match(r.out, 'same-namespace:payments → Service/payments/api:8080 (plaintext-http)');
  t.match(r.out, '"RBAC: access denied"');
  t.notMatch(
    r.out,
    'Whether each insecure service has a documented business justification',
    'caveats are not findings',
  );
});

t.test('diff in the fixing direction lists closed findings and exits 0', async (t) => {
  const r = await run(diffCommand, {
    old: 'reports/examples/cross-namespace-leak.json',
    new: 'reports/examples/all-holds.json',
  });
  t.equal(r.code, 0);
  t.match(r.out, 'Closed open paths:\n  from-namespace:shop → Service/payments/api:8080 (tcp-reach)');
  t.match(r.out, '11.4.5: fails → holds');
});

t.test(
  'a control that becomes applicable and holds is not a regression; one that becomes inconclusive is',
  async (t) => {
    // Given the all-holds example, and a copy where 4.2.1 went from not-applicable to holds
    const older = buildExample(SCENARIOS.find((s) => s.name === 'all-holds')!);
    const verdicts = (status: 'holds' | 'inconclusive') =>
      older.verdicts.map((v) => (v.requirement === '4.2.1' ? { ...v, status } : v));
    const dir = mkdtempSync(join(tmpdir(), 'meshprobe-diff-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, report: unknown): string => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(report));
      return file;
    };
    const oldFile = write('old.json', older);
    // When they are diffed
    const holds = await run(diffCommand, {
      old: oldFile,
      new: write('holds.json', { ...older, verdicts: verdicts('holds') }),
    });
    const unsure = await run(diffCommand, {
      old: oldFile,
      new: write('unsure.json', { ...older, verdicts: verdicts('inconclusive') }),
    });
    // Then only the inconclusive one regressed
    t.equal(holds.code, 0);
    t.match(holds.out, '4.2.1: not-applicable → holds');
    t.notMatch(holds.out, 'regressed');
    t.equal(unsure.code, 1);
    t.match(unsure.out, '4.2.1: not-applicable → inconclusive  (regressed)');
  },
);

t.test('diff of a report with itself has no changes', async (t) => {
  const r = await run(diffCommand, { old: 'reports/examples/all-holds.json', new: 'reports/examples/all-holds.json' });
  t.equal(r.code, 0);
  t.match(r.out, 'no changes');
});

t.test('diff of a file that is not a report is a usage error naming the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-diff-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'x.json'), '{"hello":1}');
  await t.rejects(run(diffCommand, { old: join(dir, 'x.json'), new: 'reports/examples/all-holds.json' }), {
    code: 'E_USAGE',
    message: /x\.json is not a meshprobe report/,
  });
});

t.test('verify exits 0 on an intact bundle and 1 naming the altered file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshprobe-verify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await writeReportBundle(buildExample(SCENARIOS[0]!), dir);
  const ok = await run(verifyCommand, { dir });
  t.equal(ok.code, 0);
  t.match(ok.out, /^OK 7 files match SHA256SUMS/);
  writeFileSync(
    join(dir, 'junit.xml'),
    readFileSync(join(dir, 'junit.xml'), 'utf8').replace('HOLDS', 'H0LDS').replace('tests="22"', 'tests="23"'),
  );
  const bad = await run(verifyCommand, { dir });
  t.equal(bad.code, 1);
  t.match(bad.out, 'ALTERED junit.xml was altered');
});

t.test('controls lists every control as text and as JSON', async (t) => {
  const text = await run(controlsCommand, {});
  for (const c of CONTROLS) t.match(text.out, c.title);
  const json = await run(controlsCommand, {}, 'json');
  const doc = JSON.parse(json.out);
  t.equal(doc.controls.length, CONTROLS.length);
  t.same(doc.controls.find((c: { requirement: string }) => c.requirement === '1.3.1').probes, [
    'tcp-reach',
    'tenant-reach',
    'udp-reach',
    'tenant-reach-udp',
  ]);
});
