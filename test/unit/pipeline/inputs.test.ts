import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULTS } from '../../../src/config/options.js';
import { agentCandidates, loadRunInputs } from '../../../src/pipeline/inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'mp-inputs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

t.test('bad input files are usage errors naming the flag and path', async (t) => {
  await t.rejects(
    loadRunInputs({ ...DEFAULTS, signKey: join(dir, 'nokey.pem') }, {}, async () => ''),
    { code: 'E_USAGE', message: /--sign-key/ },
  );
});

t.test('run inputs carry the agent, the echo server and the checked approved flows', async (t) => {
  const flows = [{ from: 'shop', to: 'payments/api', port: 8080 as const }];
  const inputs = await loadRunInputs(
    { ...DEFAULTS, tenants: ['a', 'b'], caFile: file('ca.pem', 'PEM') },
    { approvedFlows: flows },
    async () => 'AGENT',
  );
  t.equal(inputs.files.agent, 'AGENT');
  t.match(inputs.files.echo, /createServer/);
  t.same(inputs.approvedFlows, flows);
  t.equal(inputs.trustPem, 'PEM');
});

t.test('the agent bundle is looked for next to the CLI bundle first, then in dist/', async (t) => {
  t.equal(
    agentCandidates(pathToFileURL('/pkg/dist/cli.mjs'))[0]?.pathname,
    '/pkg/dist/agent.mjs',
    'installed: beside cli.mjs',
  );
  t.equal(
    agentCandidates(pathToFileURL('/repo/src/pipeline/inputs.ts'))[2]?.pathname,
    '/repo/dist/agent.mjs',
    'from source: the package dist/',
  );
});
