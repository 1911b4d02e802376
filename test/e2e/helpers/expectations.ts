/** Loading test/e2e/expectations.json (the ground truth) with a light shape check. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Expectations } from './compare.js';
import { REPO_ROOT } from './lab.js';

/** Path of the expectations file. */
export const EXPECTATIONS_FILE = join(REPO_ROOT, 'test/e2e/expectations.json');

/** Parse the expectations file; throws naming the first malformed scenario. */
export function loadExpectations(file: string = EXPECTATIONS_FILE): Expectations {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Expectations>;
  if (!Array.isArray(raw.runDefaults) || !Array.isArray(raw.scenarios))
    throw new Error(`${file}: needs runDefaults[] and scenarios[]`);
  for (const s of raw.scenarios) {
    const ok =
      typeof s.name === 'string' &&
      typeof s.intent === 'string' &&
      Array.isArray(s.namespaces) &&
      Array.isArray(s.args) &&
      typeof s.expect === 'object' &&
      s.expect !== null &&
      Array.isArray(s.knownDeviations);
    if (!ok)
      throw new Error(
        `${file}: scenario ${JSON.stringify(s.name)} lacks name/intent/namespaces/args/expect/knownDeviations`,
      );
  }
  return raw as Expectations;
}
