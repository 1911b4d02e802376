/**
 * Every id and file named on the command line or in config, checked before the cluster is
 * contacted (I/O at the edge): --control and --skip-probe ids, the --approved-flows entries
 * (naming the line that is wrong), the --sign-key (parsed), --ca-file, and the output
 * directory (created and writable, not a file, not under /proc or /sys), and the --upload target with
 * its credentials or headers (present and well-formed; never quoted). Every problem is
 * one line; all of them come back together as one E_USAGE error (exit 2).
 */
import { createPrivateKey } from 'node:crypto';
import { mkdir, open, readFile, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Options } from '../config/options.js';
import type { Control } from '../domain/control.js';
import type { Probe } from '../domain/probe.js';
import { validateApprovedFlows, type ApprovedFlow } from '../catalogue/index.js';
import { parseYaml } from '../cluster/yaml.js';
import { MeshprobeError } from '../shared/errors.js';
import { SUPPORT_PROBE_IDS } from '../plan/select.js';
import { resolveUploadSettings } from '../upload/settings.js';

/** What the checks need from the catalogue. */
export interface CheckCatalogue {
  readonly probes: readonly Probe[];
  readonly controls: readonly Control[];
}

/** --control and --skip-probe ids that name nothing (pure). */
function selectionProblems(options: Pick<Options, 'controls' | 'skipProbes'>, catalogue: CheckCatalogue): string[] {
  const problems: string[] = [];
  for (const id of options.controls) {
    if (!catalogue.controls.some((c) => c.id === id || c.requirement === id)) {
      problems.push(`--control ${id} is not a control id (run \`meshprobe controls\` for the list, e.g. 1.3.1)`);
    }
  }
  for (const id of options.skipProbes) {
    if (!catalogue.probes.some((p) => p.id === id) || SUPPORT_PROBE_IDS.has(id)) {
      problems.push(
        `--skip-probe ${id} is not a probe that can be skipped (run \`meshprobe controls\` for the probe ids)`,
      );
    }
  }
  return problems;
}

/** Line (1-based) of each top-level list item of a block YAML list, in order; empty for flow/JSON text. */
function listItemLines(text: string): number[] {
  const items = text
    .split('\n')
    .map((l, i) => ({ i: i + 1, m: /^(\s*)- /.exec(l) }))
    .filter((x) => x.m !== null);
  if (items.length === 0) return [];
  const indent = Math.min(...items.map((x) => x.m![1]!.length));
  return items.filter((x) => x.m![1]!.length === indent).map((x) => x.i);
}

/** Problems of an approved-flows file's text, each naming the line when it can (pure apart from the YAML import). */
async function approvedFlowsProblems(
  path: string,
  text: string,
): Promise<{ flows?: ApprovedFlow[]; problems: string[] }> {
  let doc: unknown;
  try {
    doc = await parseYaml(text);
  } catch (err) {
    const line = (err as { mark?: { line?: unknown } }).mark?.line;
    return {
      problems: [
        `--approved-flows ${path}${typeof line === 'number' ? ` line ${line + 1}` : ''} is not valid YAML or JSON`,
      ],
    };
  }
  const checked = validateApprovedFlows(doc);
  if ('flows' in checked) return { flows: checked.flows, problems: [] };
  const lines = listItemLines(text);
  return {
    problems: checked.problems.map((p) => {
      const m = /^flow (\d+): (.*)$/.exec(p);
      const line = m ? lines[Number(m[1]) - 1] : undefined;
      return `--approved-flows ${path}${line !== undefined ? ` line ${line}` : ''}: ${m ? `entry ${m[1]}: ${m[2]}` : p}`;
    }),
  };
}

async function readOrProblem(path: string, flag: string, problems: string[]): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    problems.push(`${flag} ${path} cannot be read (${(err as { code?: string }).code ?? 'error'})`);
    return undefined;
  }
}

/** Problems with the signing key: readable, and an RSA private key in PEM form. */
async function signKeyProblems(path: string, problems: string[]): Promise<void> {
  const pem = await readOrProblem(path, '--sign-key', problems);
  if (pem === undefined) return;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa')
      problems.push(
        `--sign-key ${path} is a ${key.asymmetricKeyType ?? 'non-RSA'} key; the bundle is signed with RSA (openssl genrsa -out sign.pem 3072)`,
      );
  } catch {
    problems.push(`--sign-key ${path} is not an RSA private key in PEM form (openssl genrsa -out sign.pem 3072)`);
  }
}

/** The nearest existing ancestor of a path, resolved through symlinks. */
async function existingAncestor(path: string): Promise<string> {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      return await realpath(p);
    } catch {
      if (dirname(p) === p) return p;
    }
  }
}

/** Problems with the output directory; creates it (and proves it writable) when it is fine. */
async function outputDirProblems(dir: string): Promise<string[]> {
  const real = await existingAncestor(dir);
  for (const pseudo of ['/proc', '/sys']) {
    if (real === pseudo || real.startsWith(`${pseudo}${sep}`))
      return [`--output-dir ${dir} is under ${pseudo}, which is not a place for files`];
  }
  const s = await stat(dir).catch(() => undefined);
  if (s !== undefined && !s.isDirectory()) return [`--output-dir ${dir} exists and is not a directory`];
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.meshprobe-write-check-${process.pid}`);
    await (await open(probe, 'w')).close();
    await rm(probe, { force: true });
  } catch (err) {
    return [`--output-dir ${dir} cannot be created or written (${(err as { code?: string }).code ?? 'error'})`];
  }
  return [];
}

/** The checked approved flows (undefined when none were given). */
export interface CheckedInputs {
  readonly approvedFlows?: readonly ApprovedFlow[];
}

/**
 * Check everything a command was given; throws one E_USAGE error listing every problem.
 * `outputDir` is checked (and created) only for commands that write a bundle, and so is the
 * upload target (`env` holds its credentials: AWS_* or MESHPROBE_UPLOAD_HEADERS).
 */
export async function checkInputs(
  options: Options,
  catalogue: CheckCatalogue,
  outputDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CheckedInputs> {
  const problems = selectionProblems(options, catalogue);
  let approvedFlows: ApprovedFlow[] | undefined;
  if (options.approvedFlows !== undefined) {
    const text = await readOrProblem(options.approvedFlows, '--approved-flows', problems);
    if (text !== undefined) {
      const checked = await approvedFlowsProblems(options.approvedFlows, text);
      problems.push(...checked.problems);
      approvedFlows = checked.flows;
    }
  }
  if (options.signKey !== undefined) await signKeyProblems(options.signKey, problems);
  if (options.caFile !== undefined) {
    const pem = await readOrProblem(options.caFile, '--ca-file', problems);
    if (pem !== undefined && !pem.includes('-----BEGIN CERTIFICATE-----'))
      problems.push(`--ca-file ${options.caFile} holds no PEM certificate`);
  }
  if (outputDir !== undefined) problems.push(...(await outputDirProblems(outputDir)));
  if (outputDir !== undefined) problems.push(...(await resolveUploadSettings(options, env)).problems);
  if (problems.length > 0) {
    throw new MeshprobeError('E_USAGE', problems.join('\n'), {
      hint: 'Nothing was done to the cluster; fix the inputs above and run again.',
    });
  }
  return approvedFlows === undefined ? {} : { approvedFlows };
}
