import { readFile } from 'node:fs/promises';
import { MeshprobeError } from '../shared/errors.js';
import { parseYaml } from '../cluster/yaml.js';
import { envName, FIELDS } from './fields.js';
import type { Options } from './options.js';
import { scopeIssues, validateOptions, type Issue, type RawOptions, type RawSource } from './validate.js';

/**
 * Raw values from MESHPROBE_* variables. Unknown MESHPROBE_* names are returned as warnings,
 * not usage errors: the environment is ambient (CI runners, lab tooling export their own
 * MESHPROBE_LAB_* names), so a stray name must not stop a run, but a typo must be visible.
 */
export function envSource(env: NodeJS.ProcessEnv): { source: RawSource; warnings: string[] } {
  const values: RawOptions = {};
  const known = new Set<string>(['MESHPROBE_CONFIG', 'MESHPROBE_BATCH', 'MESHPROBE_DEBUG', 'MESHPROBE_UPLOAD_HEADERS']);
  for (const field of FIELDS) {
    const name = envName(field);
    known.add(name);
    const v = env[name];
    if (v !== undefined) values[field.key] = v;
  }
  const warnings = Object.keys(env)
    .filter((k) => k.startsWith('MESHPROBE_') && !known.has(k))
    .sort()
    .map((k) => `${k} is not a meshprobe setting and is ignored (see meshprobe --help for the MESHPROBE_* names)`);
  return { source: { name: 'environment', values }, warnings };
}

/** Maps config-file keys (camelCase option keys or flag names) to option keys. */
const CONFIG_KEYS: ReadonlyMap<string, keyof Options> = new Map(
  FIELDS.flatMap((f) => [[f.key as string, f.key] as const, [f.flag, f.key] as const]),
);

/** Raw values from a config file object; unknown keys are issues. Pure. */
export function configSource(path: string, doc: unknown): { source: RawSource; issues: Issue[] } {
  if (doc === null || doc === undefined) return { source: { name: path, values: { configFile: path } }, issues: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return {
      source: { name: path, values: {} },
      issues: [{ option: '--config', source: path, message: 'must contain a mapping of option: value' }],
    };
  }
  const values: RawOptions = { configFile: path };
  const issues: Issue[] = [];
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const key = CONFIG_KEYS.get(k);
    if (key) values[key] = v;
    else
      issues.push({
        option: k,
        source: path,
        message: 'is not a meshprobe option (keys are flag names like attempt-timeout)',
      });
  }
  return { source: { name: path, values }, issues };
}

/** Read and parse a --config file (YAML or JSON). */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MeshprobeError('E_CONFIG', `cannot read config file ${path} (${code ?? 'error'})`, {
      hint: 'Check the path given to --config (or MESHPROBE_CONFIG).',
      cause: err,
    });
  }
  try {
    return await parseYaml(text);
  } catch (err) {
    throw new MeshprobeError(
      'E_CONFIG',
      `config file ${path} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`,
      {
        hint: 'Fix the syntax; keys are option names like attempt-timeout: 3000.',
        cause: err,
      },
    );
  }
}

/**
 * Load options with precedence DEFAULTS < config file < MESHPROBE_* env < flags, collecting
 * every problem from every source. Throws one E_USAGE error listing all issues.
 */
export async function loadOptions(input: {
  readonly flags: RawOptions;
  readonly configPath: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** Receives one line per ignored MESHPROBE_* variable. */
  readonly warn?: (line: string) => void;
}): Promise<Options> {
  const issues: Issue[] = [];
  const sources: RawSource[] = [];
  const configPath = input.configPath ?? input.env.MESHPROBE_CONFIG;
  if (configPath !== undefined) {
    const cfg = configSource(configPath, await readConfigFile(configPath));
    sources.push(cfg.source);
    issues.push(...cfg.issues);
  }
  const env = envSource(input.env);
  sources.push(env.source, { name: 'command line', values: input.flags });
  for (const w of env.warnings) input.warn?.(w);
  const result = validateOptions(sources);
  issues.push(...result.issues);
  if (issues.length > 0 || !result.options) throw usageError(issues);
  return result.options;
}

/** One E_USAGE error whose message lists every issue, one per line. */
export function usageError(issues: readonly Issue[]): MeshprobeError {
  const lines = issues.map(
    (i) =>
      `${i.option} ${i.message}${i.source === 'command line' || i.source === 'merged' ? '' : ` (from ${i.source})`}`,
  );
  return new MeshprobeError('E_USAGE', lines.join('\n'), {
    hint: 'Run `meshprobe --help` for the options and their values.',
  });
}

/** Throw the E_USAGE error of {@link scopeIssues} when `run`/`plan` options name no CDE. */
export function requireScope(options: Pick<Options, 'scope' | 'cdeNamespaces' | 'cdeAll'>): void {
  const issues = scopeIssues(options);
  if (issues.length > 0) throw usageError(issues);
}
