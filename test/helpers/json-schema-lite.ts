/**
 * A small JSON Schema validator for exactly the subset report.v1.schema.json uses:
 * type (incl. arrays of types, "integer"), const, enum, required, properties,
 * additionalProperties: false, items, minItems, minimum, maximum, minLength, pattern,
 * oneOf, and local $ref ("#/$defs/x"). Unknown keywords are an error, so the schema can
 * never silently use something this validator ignores.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  '$defs',
  'type',
  'const',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'minimum',
  'maximum',
  'minLength',
  'pattern',
  'oneOf',
  '$ref',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, got: string): boolean {
  return want === got || (want === 'number' && got === 'integer');
}

/** Validate `value` against `schema` (root holds $defs). Returns error strings with JSON paths. */
export function validate(schema: Schema, value: unknown, root: Schema = schema, path = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) return [`${path}: schema uses unsupported keyword ${k}`];
  if (typeof schema['$ref'] === 'string') {
    const name = (schema['$ref'] as string).replace('#/$defs/', '');
    const target = (root['$defs'] as Record<string, Schema> | undefined)?.[name];
    return target ? validate(target, value, root, path) : [`${path}: unresolved $ref ${schema['$ref']}`];
  }
  const errors: string[] = [];
  const got = typeOf(value);
  if (schema['type'] !== undefined) {
    const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
    if (!types.some((t) => typeMatches(t, got))) return [`${path}: expected ${types.join('|')}, got ${got}`];
  }
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(value))
    errors.push(`${path}: expected ${JSON.stringify(schema['const'])}`);
  if (
    Array.isArray(schema['enum']) &&
    !(schema['enum'] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))
  )
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (Array.isArray(schema['oneOf'])) {
    const passing = (schema['oneOf'] as Schema[]).filter((s) => validate(s, value, root, path).length === 0).length;
    if (passing !== 1) errors.push(`${path}: matches ${passing} of oneOf (needs exactly 1)`);
  }
  if (got === 'string') {
    const s = value as string;
    if (typeof schema['minLength'] === 'number' && s.length < schema['minLength'])
      errors.push(`${path}: shorter than ${schema['minLength']}`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'] as string, 'u').test(s))
      errors.push(`${path}: ${JSON.stringify(s)} does not match ${schema['pattern']}`);
  }
  if (got === 'integer' || got === 'number') {
    const n = value as number;
    if (typeof schema['minimum'] === 'number' && n < schema['minimum'])
      errors.push(`${path}: below ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && n > schema['maximum'])
      errors.push(`${path}: above ${schema['maximum']}`);
  }
  if (got === 'array') {
    const a = value as unknown[];
    if (typeof schema['minItems'] === 'number' && a.length < schema['minItems'])
      errors.push(`${path}: fewer than ${schema['minItems']} items`);
    if (schema['items'])
      for (const [i, x] of a.entries()) errors.push(...validate(schema['items'] as Schema, x, root, `${path}[${i}]`));
  }
  if (got === 'object') {
    const o = value as Record<string, unknown>;
    for (const r of (schema['required'] as string[] | undefined) ?? [])
      if (!(r in o)) errors.push(`${path}: missing required ${r}`);
    const props = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errors.push(...validate(props[k], v, root, `${path}.${k}`));
      else if (schema['additionalProperties'] === false) errors.push(`${path}: unexpected property ${k}`);
    }
  }
  return errors;
}
