/**
 * The options of a run given as command-line words (`meshprobe schedule -- --scope pci.scope=cde -n shop`),
 * read with the same FIELDS table as the CLI's own flags, and rendered back in the `--config` file
 * format (flag-name keys). Pure: no I/O, no yargs.
 */
import { FIELDS, type Field } from './fields.js';
import type { Options } from './options.js';
import type { Issue, RawOptions } from './validate.js';

const BY_NAME: ReadonlyMap<string, Field> = new Map(
  FIELDS.flatMap((f) => [[f.flag, f] as const, ...(f.alias ? [[f.alias, f] as const] : [])]),
);

/** Where the words came from, for issue messages. */
export const RUN_ARGS_SOURCE = 'arguments after --';

/** One word `--flag=value`, `--flag`, `--no-flag`, `-a` split into name, negation and inline value. */
function splitWord(word: string): { name: string; negated: boolean; inline: string | undefined } | undefined {
  const m = /^(--?)([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(word);
  if (!m) return undefined;
  const [, dashes, rawName = '', inline] = m;
  if (dashes === '-' && rawName.length !== 1) return undefined;
  const negated = dashes === '--' && rawName.startsWith('no-') && !BY_NAME.has(rawName);
  return { name: negated ? rawName.slice(3) : rawName, negated, inline };
}

function issue(word: string, message: string): Issue {
  return { option: word, source: RUN_ARGS_SOURCE, message };
}

/**
 * Read run options from words. Lists accumulate; a boolean takes an optional explicit
 * true/false word; every other option takes the next word. Unknown words are issues.
 */
export function parseRunArgs(words: readonly string[]): { values: RawOptions; issues: Issue[] } {
  const values: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const split = splitWord(word);
    const field = split ? BY_NAME.get(split.name) : undefined;
    if (!split || !field) {
      const why = split
        ? 'is not an option of meshprobe run'
        : 'is not an option (run options look like --scope pci.scope=cde)';
      issues.push(issue(word, why));
      continue;
    }
    if (field.type.kind === 'bool') {
      let value: unknown = split.inline ?? true;
      if (split.inline === undefined && /^(true|false)$/.test(words[i + 1] ?? '')) value = words[++i];
      values[field.key] = split.negated ? !(value === true || value === 'true') : value;
      continue;
    }
    if (split.negated) {
      issues.push(issue(word, 'is not an option of meshprobe run (only on/off options have a --no- form)'));
      continue;
    }
    const value = split.inline ?? words[++i];
    if (value === undefined) {
      issues.push(issue(word, 'needs a value'));
      continue;
    }
    if (field.type.kind === 'list') values[field.key] = [...((values[field.key] as string[] | undefined) ?? []), value];
    else values[field.key] = value;
  }
  return { values: values as RawOptions, issues };
}

/**
 * Options as a `--config` file: one `flag-name: value` line per given key, in FIELDS order.
 * Values are written as JSON, which is also YAML, so any string survives unchanged.
 */
export function renderConfig(options: Options, keys: ReadonlySet<keyof Options>): string {
  const lines: string[] = [];
  for (const f of FIELDS) {
    if (!keys.has(f.key)) continue;
    const value = options[f.key];
    if (value === undefined) continue;
    lines.push(`${f.flag}: ${JSON.stringify(value)}`);
  }
  return lines.length === 0 ? '{}\n' : `${lines.join('\n')}\n`;
}
