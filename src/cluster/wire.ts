/**
 * Wire JSON of a typed @kubernetes/client-node model, through the package's public exports only.
 * The generated models rename some fields (`from` → `_from`, `continue` → `_continue`) and turn
 * timestamps into Dates; each model class publishes its attribute map (`getAttributeTypeMap`),
 * which is all the package's own (unexported) ObjectSerializer reads to serialize. Same rules:
 * arrays, string maps, Dates (`date` format as local yyyy-mm-dd), models by attribute map,
 * anything else (primitives, unknown types) as it is. test/integration/cluster checks it
 * against the package's serializer.
 */
import * as k8s from '@kubernetes/client-node';

interface AttributeType {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

type Model = { getAttributeTypeMap(): readonly AttributeType[] };

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;
const MODELS = k8s as unknown as Readonly<Record<string, Partial<Model> | undefined>>;

function modelOf(type: string): Model | undefined {
  const model = Object.hasOwn(MODELS, type) ? MODELS[type] : undefined;
  return typeof model?.getAttributeTypeMap === 'function' ? (model as Model) : undefined;
}

function day(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** `data` of model type `type` (e.g. 'V1PodList') in the API server's JSON shape; unset attributes stay unset. */
export function toWire(data: unknown, type: string, format = ''): unknown {
  if (data === undefined || data === null) return data;
  const t = type.replace(/ \| (null|undefined)$/, '');
  if (t !== type) return toWire(data, t, format);
  const array = ARRAY.exec(t);
  if (array) return (data as readonly unknown[]).map((d) => toWire(d, array[1]!, format));
  const map = MAP.exec(t);
  if (map) return Object.fromEntries(Object.entries(data as object).map(([k, v]) => [k, toWire(v, map[1]!, format)]));
  if (t === 'Date') return data instanceof Date ? (format === 'date' ? day(data) : data.toISOString()) : data;
  const model = modelOf(t);
  if (model === undefined) return data;
  const out: Record<string, unknown> = {};
  for (const a of model.getAttributeTypeMap())
    out[a.baseName] = toWire((data as Record<string, unknown>)[a.name], a.type, a.format);
  return out;
}
