import { FIELDS, type Field } from './fields.js';
import { DEFAULTS, type Options } from './options.js';

/** One problem with the options, naming the option and what to do. */
export interface Issue {
  /** The flag as the user would type it, e.g. "--attempt-timeout". */
  readonly option: string;
  /** Where the bad value came from: flag, env (name), or config file path. */
  readonly source: string;
  readonly message: string;
}

/** Raw values from one source, keyed by Options key; values are untyped. */
export type RawOptions = Partial<Record<keyof Options, unknown>>;

/** One source of raw values, in precedence order (later wins). */
export interface RawSource {
  readonly name: string;
  readonly values: RawOptions;
}

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

function parseString(raw: unknown): Parsed {
  if (typeof raw === 'string' && raw.trim() !== '') return { ok: true, value: raw.trim() };
  if (typeof raw === 'string') return { ok: false, message: 'must not be empty' };
  return { ok: false, message: `must be a string, got ${JSON.stringify(raw)}` };
}

function parseList(raw: unknown): Parsed {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return { ok: false, message: `must be a list of strings, got ${JSON.stringify(raw)}` };
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number')
      return { ok: false, message: `has a non-string item ${JSON.stringify(item)}` };
    for (const part of String(item).split(',')) if (part.trim() !== '') out.push(part.trim());
  }
  return { ok: true, value: [...new Set(out)] };
}

function parseBool(raw: unknown): Parsed {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (typeof raw === 'string' && /^(true|1|yes)$/i.test(raw)) return { ok: true, value: true };
  if (typeof raw === 'string' && /^(false|0|no)$/i.test(raw)) return { ok: true, value: false };
  return { ok: false, message: `must be true or false, got ${JSON.stringify(raw)}` };
}

function parseInt_(raw: unknown, min: number, max: number): Parsed {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n)) return { ok: false, message: `must be a whole number, got ${JSON.stringify(raw)}` };
  if (n < min || n > max) return { ok: false, message: `must be between ${min} and ${max}, got ${n}` };
  return { ok: true, value: n };
}

/** Parse one raw value for a field. Pure. */
function parseField(field: Field, raw: unknown): Parsed {
  const t = field.type;
  switch (t.kind) {
    case 'string':
      return parseString(raw);
    case 'list':
      return parseList(raw);
    case 'bool':
      return parseBool(raw);
    case 'int':
      return parseInt_(raw, t.min, t.max);
    case 'enum':
      return typeof raw === 'string' && t.values.includes(raw)
        ? { ok: true, value: raw }
        : { ok: false, message: `must be one of ${t.values.join(', ')}, got ${JSON.stringify(raw)}` };
    default: {
      const never: never = t;
      return never;
    }
  }
}

/** Cross-field checks that single fields cannot express. */
function crossChecks(o: Options): Issue[] {
  const issues: Issue[] = [];
  const endpoint = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
  for (const [key, flag] of [
    ['egressTargets', '--egress-target'],
    ['untrustedPaths', '--untrusted-path'],
  ] as const) {
    for (const v of o[key]) {
      const m = endpoint.exec(v);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65_535)
        issues.push({ option: flag, source: 'merged', message: `"${v}" is not host:port (e.g. outside.example:443)` });
    }
  }
  for (const w of o.asWorkloads) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(w)) {
      issues.push({
        option: '--as-workload',
        source: 'merged',
        message: `"${w}" is not <namespace>/<workload> (e.g. web/frontend)`,
      });
    }
  }
  if (o.quiet && o.verbose)
    issues.push({ option: '--quiet', source: 'merged', message: 'cannot be combined with --verbose' });
  const both = o.namespaces.filter((n) => o.excludeNamespaces.includes(n));
  if (both.length > 0)
    issues.push({
      option: '--exclude-namespace',
      source: 'merged',
      message: `namespace(s) ${both.join(', ')} are both included and excluded`,
    });
  if (
    o.scope !== undefined &&
    !/^[A-Za-z0-9./_-]+(\s*(=|==|!=)\s*[A-Za-z0-9._-]*)?(\s*,\s*[A-Za-z0-9./_-]+(\s*(=|==|!=)\s*[A-Za-z0-9._-]*)?)*$/.test(
      o.scope,
    )
  ) {
    issues.push({
      option: '--scope',
      source: 'merged',
      message: `"${o.scope}" is not a label selector like pci.scope=cde`,
    });
  }
  return issues;
}

/**
 * Merge sources over DEFAULTS (later sources win) and validate, collecting EVERY problem.
 * Pure: no I/O. Returns options only when there are no issues.
 */
export function validateOptions(sources: readonly RawSource[]): { options?: Options; issues: readonly Issue[] } {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  const issues: Issue[] = [];
  for (const field of FIELDS) {
    for (const source of sources) {
      const raw = source.values[field.key];
      if (raw === undefined) continue;
      const parsed = parseField(field, raw);
      if (parsed.ok) merged[field.key] = parsed.value;
      else issues.push({ option: `--${field.flag}`, source: source.name, message: parsed.message });
    }
  }
  for (const source of sources) {
    const configFile = source.values.configFile;
    if (typeof configFile === 'string') merged.configFile = configFile;
  }
  const options = merged as unknown as Options;
  issues.push(...crossChecks(options));
  return issues.length === 0 ? { options, issues } : { issues };
}

/**
 * `run` and `plan` need to know what the CDE is: --scope, --cde-namespace, or an explicit
 * --cde-all. Without one a run used to treat every namespace as CDE without a word (issue 13).
 * Pure; the commands turn the issues into one E_USAGE error (exit 2) before touching anything.
 */
export function scopeIssues(o: Pick<Options, 'scope' | 'cdeNamespaces' | 'cdeAll'>): Issue[] {
  const named = o.scope !== undefined || o.cdeNamespaces.length > 0;
  if (o.cdeAll && named) {
    return [
      {
        option: '--cde-all',
        source: 'merged',
        message:
          'cannot be combined with --scope or --cde-namespace: either name the CDE or say every namespace is CDE',
      },
    ];
  }
  if (named || o.cdeAll) return [];
  return [
    {
      option: '--scope',
      source: 'merged',
      message:
        'or --cde-namespace is required: name the cardholder data environment (e.g. --scope pci.scope=cde or --cde-namespace payments), or pass --cde-all to treat every application namespace as CDE',
    },
  ];
}
