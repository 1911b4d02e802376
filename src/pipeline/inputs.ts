/**
 * Files a run reads before touching the cluster (I/O at the edge, every problem a clear
 * usage error): the agent bundle, --sign-key, --ca-file. The --approved-flows file is read and
 * checked strictly once, by check-inputs.ts, whose flows the run passes on here.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Options } from '../config/options.js';
import type { ApprovedFlow } from '../domain/control.js';
import type { CheckedInputs } from './check-inputs.js';
import { MeshprobeError } from '../shared/errors.js';
import { ECHO_SERVER_SOURCE } from '../plan/echo-server.js';

/** Everything read from disk for a run. */
export interface RunInputs {
  readonly files: { readonly agent: string; readonly echo: string };
  /** The checked --approved-flows entries (absent when none were given). */
  readonly approvedFlows?: readonly ApprovedFlow[];
  readonly signKeyPem?: string;
  readonly trustPem?: string;
}

/**
 * Candidate locations of the agent bundle: next to the CLI bundle (dist/cli.mjs →
 * dist/agent.mjs), or the package's dist/ when running from source.
 */
export function agentCandidates(base: string | URL = import.meta.url): URL[] {
  return [new URL('./agent.mjs', base), new URL('../dist/agent.mjs', base), new URL('../../dist/agent.mjs', base)];
}

/** Read the bundled agent. E_AGENT when it is not there (a source checkout without `npm run build`). */
async function readAgentBundle(): Promise<string> {
  for (const url of agentCandidates()) {
    try {
      return await readFile(url, 'utf8');
    } catch {
      // try the next location
    }
  }
  throw new MeshprobeError(
    'E_AGENT',
    `the agent bundle was not found (looked for ${agentCandidates()
      .map((u) => fileURLToPath(u))
      .join(', ')})`,
    {
      hint: 'Run `npm run build` in a source checkout; an installed package ships dist/agent.mjs.',
    },
  );
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new MeshprobeError('E_USAGE', `${flag} ${path} cannot be read (${code})`, {
      hint: `Check the path given to ${flag}.`,
      cause: err,
    });
  }
}

/** Read every input of a run, given what checkInputs checked; `agentSource` replaces the bundle read (tests). */
export async function loadRunInputs(
  options: Options,
  checked: CheckedInputs,
  agentSource?: () => Promise<string>,
): Promise<RunInputs> {
  const agent = await (agentSource ?? readAgentBundle)();
  const signKeyPem = options.signKey === undefined ? undefined : await readText(options.signKey, '--sign-key');
  const trustPem = options.caFile === undefined ? undefined : await readText(options.caFile, '--ca-file');
  return {
    files: { agent, echo: ECHO_SERVER_SOURCE },
    ...(checked.approvedFlows !== undefined ? { approvedFlows: checked.approvedFlows } : {}),
    ...(signKeyPem !== undefined ? { signKeyPem } : {}),
    ...(trustPem !== undefined ? { trustPem } : {}),
  };
}
