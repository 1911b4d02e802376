/**
 * One Node LTS line everywhere it is named (issue 18): the default agent image, the second
 * runtime CI tests on (test/lts-node.sh), the lab's agent image that the e2e suite deploys, and
 * `engines`. A bump of one without the others would test one Node and ship another.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DEFAULT_AGENT_IMAGE } from '../../../src/config/options.js';

const ROOT = join(import.meta.dirname, '../../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

t.test('the default agent image, the CI runtime, the lab agent image and engines name the same LTS line', async (t) => {
  // Given the default agent image's Node major
  const major = /^docker\.io\/library\/node:(\d+)-alpine$/.exec(DEFAULT_AGENT_IMAGE)?.[1];
  t.ok(major, `${DEFAULT_AGENT_IMAGE} is an official node:<major>-alpine image`);
  t.ok(Number(major) % 2 === 0 && Number(major) > 20, 'an even (LTS) line newer than the end-of-life Node 20');
  // When the other places that name a Node line are read
  const lts = /MESHPROBE_LTS_NODE_VERSION:-(\d+)\.\d+\.\d+/.exec(read('test/lts-node.sh'))?.[1];
  const expectations = JSON.parse(read('test/e2e/expectations.json')) as { runDefaults: string[] };
  const labImage = expectations.runDefaults[expectations.runDefaults.indexOf('--agent-image') + 1];
  const labImages = /^LAB_IMAGES=\((.*)\)$/m.exec(read('test/e2e/lab/images.sh'))?.[1]?.split(' ') ?? [];
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  // Then each names that line
  t.equal(lts, major, 'test/lts-node.sh installs the same major for CI');
  t.equal(labImage, `lab.local/node:${major}`, 'the e2e runs deploy the lab image of that line');
  t.ok(labImages.includes(`lab.local/node:${major}`), 'images.sh builds it');
  t.match(engines, new RegExp(`\\^${major}\\.\\d+\\.\\d+`), 'engines declares the tested line');
  t.match(engines, /\^20\.19\.0/, 'engines still declares Node 20, which CI also runs');
});
