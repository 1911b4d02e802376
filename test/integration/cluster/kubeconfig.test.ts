/**
 * Kubeconfig problems are named for what they are (issue 14): not YAML (with the line), not a
 * kubeconfig, no current-context, a current-context that is not defined, a plain http://
 * server — each an E_KUBECONFIG (exit 2) with a hint, never a raw client-library message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadKubeConfig } from '../../../src/cluster/kube-client.js';
import { exitCodeForError } from '../../../src/shared/exit-codes.js';
import type { MeshprobeError } from '../../../src/shared/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'meshprobe-kcfg-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const body = (server: string, extra = ''): string =>
  [
    'apiVersion: v1',
    'kind: Config',
    extra,
    'clusters:',
    '- name: c',
    '  cluster:',
    `    server: ${server}`,
    'users:',
    '- name: u',
    '  user: {token: x}',
    'contexts:',
    '- name: a',
    '  context: {cluster: c, user: u}',
  ].join('\n');

const cases = [
  {
    name: 'a file that is not YAML',
    text: 'apiVersion: v1\nclusters: [\n  - foo: {\n',
    message: /^kubeconfig \S+ is not valid YAML \(line \d+\)$/,
  },
  { name: 'an empty file', text: '', message: /is not a kubeconfig/ },
  {
    name: 'YAML that is not a kubeconfig',
    text: 'just a string\n',
    message: /is not a kubeconfig \(it has no clusters and no contexts\)/,
  },
  {
    name: 'no current-context',
    text: body('https://127.0.0.1:6443'),
    message: /^kubeconfig \S+ has no current-context$/,
    hint: /--context <name>\. Known contexts: a\./,
  },
  {
    name: 'a current-context that is not defined',
    text: body('https://127.0.0.1:6443', 'current-context: zzz'),
    message: /the current-context "zzz" of kubeconfig \S+ is not one of its contexts/,
    hint: /Known contexts: a/,
  },
  {
    name: 'a plain http:// API server',
    text: body('http://127.0.0.1:6443', 'current-context: a'),
    message: /the API server http:\/\/127\.0\.0\.1:6443 of context "a" is plain http:\/\//,
    hint: /https:\/\//,
  },
] as const;

for (const [i, c] of cases.entries()) {
  t.test(`${c.name} is one clear E_KUBECONFIG line (exit 2)`, async (t) => {
    // Given such a kubeconfig file
    const file = join(dir, `kc-${i}`);
    writeFileSync(file, c.text);
    // When it is loaded
    let err: MeshprobeError | undefined;
    try {
      loadKubeConfig({ kubeconfig: file });
    } catch (e) {
      err = e as MeshprobeError;
    }
    // Then the error names the problem
    t.equal(err?.code, 'E_KUBECONFIG');
    t.match(err?.message, c.message);
    if ('hint' in c) t.match(err?.hint, c.hint);
    t.notMatch(err?.message ?? '', /\n/, 'one line');
    t.equal(exitCodeForError('E_KUBECONFIG'), 2);
  });
}

t.test('a working kubeconfig with a current-context loads', async (t) => {
  const file = join(dir, 'ok');
  writeFileSync(file, body('https://127.0.0.1:6443', 'current-context: a'));
  t.equal(loadKubeConfig({ kubeconfig: file }).getCurrentContext(), 'a');
});
