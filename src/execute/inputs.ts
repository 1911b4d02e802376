/**
 * Files a run reads before touching the cluster (I/O at the edge, every problem a clear
 * usage error): the agent bundle, --approved-flows, --sign-key, --ca-file; and the control
 * context judges read.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Options } from '../config/options.js';
import { parseYaml } from '../cluster/yaml.js';
import { MeshprobeError } from '../errors.js';
import { ECHO_SERVER_SOURCE } from '../plan/echo-server.js';

/** Everything read from disk for a run. */
export interface RunInputs {
  readonly files: { readonly agent: string; readonly echo: string };
  readonly context: Readonly<Record<string, unknown>>;
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
  throw new MeshprobeError('E_AGENT', `the agent bundle was not found (looked for ${agentCandidates().map((u) => fileURLToPath(u)).join(', ')})`, {
    hint: 'Run `npm run build` in a source checkout; an installed package ships dist/agent.mjs.',
  });
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new MeshprobeError('E_USAGE', `${flag} ${path} cannot be read (${code})`, { hint: `Check the path given to ${flag}.`, cause: err });
  }
}

/** Parse the approved-flows file: a YAML/JSON list of { from, to, port, ref? } (or { flows: [...] }). */
export async function loadApprovedFlows(path: string): Promise<readonly unknown[]> {
  const text = await readText(path, '--approved-flows');
  let doc: unknown;
  try {
    doc = await parseYaml(text);
  } catch (err) {
    throw new MeshprobeError('E_USAGE', `--approved-flows ${path} is not valid YAML or JSON`, { cause: err });
  }
  const list = Array.isArray(doc) ? doc : (doc as { flows?: unknown } | null)?.flows;
  if (!Array.isArray(list)) {
    throw new MeshprobeError('E_USAGE', `--approved-flows ${path} must be a list of { from, to, port } entries`, { hint: 'Example: - { from: frontend, to: payments/api, port: 8080, ref: CHG-1234 }' });
  }
  return list;
}

/** Read every input of a run; `agentSource` replaces the bundle read (tests). */
export async function loadRunInputs(options: Options, agentSource?: () => Promise<string>): Promise<RunInputs> {
  const agent = await (agentSource ?? readAgentBundle)();
  const approvedFlows = options.approvedFlows === undefined ? undefined : await loadApprovedFlows(options.approvedFlows);
  const signKeyPem = options.signKey === undefined ? undefined : await readText(options.signKey, '--sign-key');
  const trustPem = options.caFile === undefined ? undefined : await readText(options.caFile, '--ca-file');
  return {
    files: { agent, echo: ECHO_SERVER_SOURCE },
    context: {
      tenants: options.tenants,
      untrustedPaths: options.untrustedPaths,
      egressTargets: options.egressTargets,
      ...(approvedFlows !== undefined ? { approvedFlows } : {}),
      trustBundleSupplied: trustPem !== undefined,
      certExpiryWarningDays: options.certExpiryWarningDays,
    },
    ...(signKeyPem !== undefined ? { signKeyPem } : {}),
    ...(trustPem !== undefined ? { trustPem } : {}),
  };
}
