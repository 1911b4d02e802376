import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULTS } from '../../../src/config/options.js';
import { agentCandidates, loadApprovedFlows, loadRunInputs } from '../../../src/pipeline/inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'mp-inputs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

t.test('approved flows load from YAML lists or a flows: key', async (t) => {
  t.same(await loadApprovedFlows(file('a.yaml', '- { from: frontend, to: payments/api, port: 8080, ref: CHG-1 }\n')), [{ from: 'frontend', to: 'payments/api', port: 8080, ref: 'CHG-1' }]);
  t.same(await loadApprovedFlows(file('b.json', '{"flows":[{"from":"*","to":"payments/*","port":"*"}]}')), [{ from: '*', to: 'payments/*', port: '*' }]);
});

t.test('bad input files are usage errors naming the flag and path', async (t) => {
  await t.rejects(loadApprovedFlows(join(dir, 'missing.yaml')), { code: 'E_USAGE', message: /--approved-flows .*missing\.yaml cannot be read \(ENOENT\)/ });
  await t.rejects(loadApprovedFlows(file('c.yaml', 'from: x\n')), { code: 'E_USAGE', message: /must be a list/ });
  await t.rejects(loadApprovedFlows(file('d.yaml', '- [unclosed\n')), { code: 'E_USAGE', message: /not valid YAML/ });
  await t.rejects(loadRunInputs({ ...DEFAULTS, signKey: join(dir, 'nokey.pem') }, async () => ''), { code: 'E_USAGE', message: /--sign-key/ });
});

t.test('run inputs carry the agent, the echo server and the judges\' context', async (t) => {
  const inputs = await loadRunInputs({ ...DEFAULTS, tenants: ['a', 'b'], caFile: file('ca.pem', 'PEM'), approvedFlows: file('f.yaml', '[]') }, async () => 'AGENT');
  t.equal(inputs.files.agent, 'AGENT');
  t.match(inputs.files.echo, /createServer/);
  t.same(inputs.context, { tenants: ['a', 'b'], untrustedPaths: [], egressTargets: [], approvedFlows: [], trustBundleSupplied: true, certExpiryWarningDays: 30 });
  t.equal(inputs.trustPem, 'PEM');
});

t.test('the agent bundle is looked for next to the CLI bundle first, then in dist/', async (t) => {
  t.equal(agentCandidates(pathToFileURL('/pkg/dist/cli.mjs'))[0]?.pathname, '/pkg/dist/agent.mjs', 'installed: beside cli.mjs');
  t.equal(agentCandidates(pathToFileURL('/repo/src/pipeline/inputs.ts'))[2]?.pathname, '/repo/dist/agent.mjs', 'from source: the package dist/');
});
