/**
 * Operations on json trees behind the SQL operators and functions: navigation (-> ->>
 * #> #>>), key tests (? ?| ?&), concatenation (||), deletion (- #-), jsonb_set, and the
 * conversion of SQL values to JSON (to_json, json_build_object, json_agg...). Pure.
 *
 * json (as opposed to jsonb) keeps the text it was given, so navigation over json works
 * on raw member texts (jsonRawChildren) and returns them unchanged, as PostgreSQL does.
 */
import { sqlError } from '../sql-error.ts';
import { Interval } from './interval.ts';
import { formatJson, JsonArray, jsonRawChildren, JsonObject, Jsonb, parseJson, quoteJson, type JsonNode } from './jsonb.ts';
import { Numeric } from './numeric.ts';
import { SqlArray } from './sql-array.ts';
import type { SqlType, Value } from './types.ts';

/** A path step: an object key, or an array index (negative counts from the end). */
export type JsonStep = string | number;

/** jsonb -> step; undefined when absent. */
export function jsonbChild(n: JsonNode, step: JsonStep): JsonNode | undefined {
  if (n instanceof JsonObject) return typeof step === 'string' ? n.get(step) : undefined;
  if (n instanceof JsonArray) {
    const i = typeof step === 'number' ? step : arrayIndexOf(step);
    if (i === null) return undefined;
    return n.items[i < 0 ? n.items.length + i : i];
  }
  // A scalar jsonb is stored as a one-element array: element 0 (or -1) is the scalar itself.
  return step === 0 || step === -1 ? n : undefined;
}

function arrayIndexOf(step: string): number | null {
  return /^\s*-?\d+\s*$/.test(step) ? Number(step) : null;
}

export function jsonbPath(n: JsonNode, path: readonly (string | null)[]): JsonNode | undefined {
  let cur: JsonNode | undefined = n;
  for (const step of path) {
    if (cur === undefined || step === null) return undefined;
    cur = jsonbChild(cur, step);
  }
  return cur;
}

/** json -> step over raw text: the member's own text (the last one of duplicate keys). */
export function jsonRawChild(text: string, step: JsonStep): string | undefined {
  const c = jsonRawChildren(text);
  if (c.container === 'object') {
    if (typeof step !== 'string') return undefined;
    const i = c.keys.lastIndexOf(step);
    return i < 0 ? undefined : c.raws[i];
  }
  if (c.container === 'array') {
    const i = typeof step === 'number' ? step : arrayIndexOf(step);
    if (i === null) return undefined;
    return c.raws[i < 0 ? c.raws.length + i : i];
  }
  return undefined;
}

export function jsonRawPath(text: string, path: readonly (string | null)[]): string | undefined {
  let cur: string | undefined = text;
  for (const step of path) {
    if (cur === undefined || step === null) return undefined;
    cur = jsonRawChild(cur, step);
  }
  return cur;
}

/** ->> over json text: strings unescaped, null as SQL NULL, the rest as written. */
export function jsonRawAsText(raw: string): string | null {
  const t = raw.trim();
  if (t === 'null') return null;
  if (t.startsWith('"')) return parseJson(t, 'json') as string;
  return raw;
}

/** jsonb ? key: an object key, or a string element of an array, or the string itself. */
export function jsonbHasKey(n: JsonNode, key: string): boolean {
  if (n instanceof JsonObject) return n.get(key) !== undefined;
  if (n instanceof JsonArray) return n.items.some((x) => x === key);
  return n === key;
}

/** jsonb || jsonb */
export function jsonbConcat(a: JsonNode, b: JsonNode): JsonNode {
  if (a instanceof JsonObject && b instanceof JsonObject) {
    return JsonObject.fromPairs([...a.keys.map((k, i) => [k, a.values[i]!] as const), ...b.keys.map((k, i) => [k, b.values[i]!] as const)]);
  }
  const items = (n: JsonNode): readonly JsonNode[] => (n instanceof JsonArray ? n.items : [n]);
  return new JsonArray([...items(a), ...items(b)]);
}

/** jsonb - text: removes a key, or matching string elements of an array. */
export function jsonbDeleteKey(n: JsonNode, key: string): JsonNode {
  if (n instanceof JsonObject) {
    const keep = n.keys.flatMap((k, i) => (k === key ? [] : [i]));
    return new JsonObject(keep.map((i) => n.keys[i]!), keep.map((i) => n.values[i]!));
  }
  if (n instanceof JsonArray) return new JsonArray(n.items.filter((x) => x !== key));
  throw sqlError('22023', 'cannot delete from scalar');
}

/** jsonb - integer: removes an array element (negative counts from the end). */
export function jsonbDeleteIndex(n: JsonNode, index: number): JsonNode {
  if (n instanceof JsonObject) throw sqlError('22023', 'cannot delete from object using integer index');
  if (!(n instanceof JsonArray)) throw sqlError('22023', 'cannot delete from scalar');
  const i = index < 0 ? n.items.length + index : index;
  return new JsonArray(n.items.filter((_x, j) => j !== i));
}

/** jsonb #- path */
export function jsonbDeletePath(n: JsonNode, path: readonly (string | null)[]): JsonNode {
  if (!(n instanceof JsonObject || n instanceof JsonArray)) throw sqlError('22023', 'cannot delete path in scalar');
  const [step, ...rest] = path;
  if (step === undefined) return n;
  if (step === null) throw sqlError('22004', 'path element at position 1 is null');
  const child = jsonbChild(n, step);
  if (child === undefined) return n;
  if (rest.length === 0) {
    if (n instanceof JsonObject) return jsonbDeleteKey(n, step);
    const i = arrayIndexOf(step);
    return i === null ? n : jsonbDeleteIndex(n, i);
  }
  if (!(child instanceof JsonObject || child instanceof JsonArray)) return n;
  return replaceChild(n, step, jsonbDeletePath(child, rest));
}

function replaceChild(n: JsonObject | JsonArray, step: string, value: JsonNode): JsonNode {
  if (n instanceof JsonObject) return JsonObject.fromPairs([...n.keys.map((k, i) => [k, n.values[i]!] as const), [step, value]]);
  const i = arrayIndexOf(step)!;
  const at = i < 0 ? n.items.length + i : i;
  return new JsonArray(n.items.map((x, j) => (j === at ? value : x)));
}

/** jsonb_insert(target, path, value, insert_after): into an array at the index, or a new object key. */
export function jsonbInsert(n: JsonNode, path: readonly (string | null)[], value: JsonNode, after: boolean, depth = 0): JsonNode {
  if (!(n instanceof JsonObject || n instanceof JsonArray)) {
    if (depth === 0) throw sqlError('22023', 'cannot set path in scalar');
    return n;
  }
  const [step, ...rest] = path;
  if (step === undefined) return n;
  if (step === null) throw sqlError('22004', `path element at position ${depth + 1} is null`);
  if (n instanceof JsonArray) {
    const i = arrayIndexOf(step);
    if (i === null) throw sqlError('22P02', `path element at position ${depth + 1} is not an integer: "${step}"`);
    let at = i < 0 ? n.items.length + i : i;
    if (rest.length > 0) return at >= 0 && at < n.items.length ? new JsonArray(n.items.map((x, j) => (j === at ? jsonbInsert(x, rest, value, after, depth + 1) : x))) : n;
    if (after) at++;
    at = Math.max(0, Math.min(at, n.items.length));
    return new JsonArray([...n.items.slice(0, at), value, ...n.items.slice(at)]);
  }
  const child = n.get(step);
  if (rest.length > 0) return child === undefined ? n : replaceChild(n, step, jsonbInsert(child, rest, value, after, depth + 1));
  if (child !== undefined) throw sqlError('22023', 'cannot replace existing key', { hint: 'Try using the function jsonb_set to replace key value.' });
  return replaceChild(n, step, value);
}

/** jsonb_pretty: one member per line, indented by four spaces per level. */
export function jsonbPretty(n: JsonNode, indent = ''): string {
  const inner = indent + '    ';
  if (n instanceof JsonArray) return n.items.length === 0 ? '[]' : `[\n${n.items.map((x) => inner + jsonbPretty(x, inner)).join(',\n')}\n${indent}]`;
  if (n instanceof JsonObject) return n.keys.length === 0 ? '{}' : `{\n${n.keys.map((k, i) => `${inner}${quoteJson(k)}: ${jsonbPretty(n.values[i]!, inner)}`).join(',\n')}\n${indent}}`;
  return formatJson(n);
}

/** jsonb_set(target, path, value, create_missing) */
export function jsonbSet(n: JsonNode, path: readonly (string | null)[], value: JsonNode, createMissing: boolean, depth = 0): JsonNode {
  if (!(n instanceof JsonObject || n instanceof JsonArray)) {
    if (depth === 0) throw sqlError('22023', 'cannot set path in scalar');
    return n;
  }
  const [step, ...rest] = path;
  if (step === undefined) return n;
  if (step === null) throw sqlError('22004', `path element at position ${depth + 1} is null`);
  if (n instanceof JsonArray) {
    const i = arrayIndexOf(step);
    if (i === null) throw sqlError('22P02', `path element at position ${depth + 1} is not an integer: "${step}"`);
    const at = i < 0 ? n.items.length + i : i;
    if (at >= 0 && at < n.items.length) {
      const next = rest.length === 0 ? value : jsonbSet(n.items[at]!, rest, value, createMissing, depth + 1);
      return new JsonArray(n.items.map((x, j) => (j === at ? next : x)));
    }
    if (rest.length > 0 || !createMissing) return n;
    return new JsonArray(at < 0 ? [value, ...n.items] : [...n.items, value]);
  }
  const child = n.get(step);
  if (child === undefined) {
    if (rest.length > 0 || !createMissing) return n;
    return replaceChild(n, step, value);
  }
  return replaceChild(n, step, rest.length === 0 ? value : jsonbSet(child, rest, value, createMissing, depth + 1));
}

/** jsonb_strip_nulls: object members whose value is null are removed, recursively. */
export function jsonbStripNulls(n: JsonNode): JsonNode {
  if (n instanceof JsonArray) return new JsonArray(n.items.map(jsonbStripNulls));
  if (n instanceof JsonObject) {
    const keep = n.keys.flatMap((k, i) => (n.values[i] === null ? [] : [i]));
    return new JsonObject(keep.map((i) => n.keys[i]!), keep.map((i) => jsonbStripNulls(n.values[i]!)));
  }
  return n;
}

/** How a SQL value is written into JSON text (to_json, json_build_*): `format` is the value's text output. */
export function sqlToJsonText(type: SqlType, v: Value, format: (t: SqlType, v: Value) => string | null): string {
  if (v === null) return 'null';
  switch (type.kind) {
    case 'json': return v as string;
    case 'jsonb': return (v as Jsonb).toString();
    case 'bool': return v === true ? 'true' : 'false';
    case 'int2': case 'int4': case 'int8': case 'numeric': return format(type, v) ?? 'null';
    case 'float4': case 'float8': {
      const text = format(type, v) ?? 'null';
      return Number.isFinite(v as number) ? text : quoteJson(text);
    }
    case 'timestamp': case 'timestamptz': case 'date': return quoteJson(isoJsonDate(format(type, v) ?? ''));
    case 'array': {
      const element = type.element;
      return `[${(v as SqlArray).items.map((x) => sqlToJsonText(element, x, format)).join(',')}]`;
    }
    default: return quoteJson(format(type, v) ?? '');
  }
}

/** JSON's datetime form: 'T' between date and time, offsets written as +hh:mm. */
function isoJsonDate(text: string): string {
  const m = /^(\S+) (\S+?)([+-]\d\d(?::\d\d)*)?( BC)?$/.exec(text);
  if (m === null) return text;
  const offset = m[3] === undefined ? '' : m[3].length === 3 ? `${m[3]}:00` : m[3];
  return `${m[1]}T${m[2]}${offset}${m[4] ?? ''}`;
}

/** A SQL value as a jsonb tree (to_jsonb, jsonb_build_*, jsonb_agg). */
export function sqlToJsonb(type: SqlType, v: Value, format: (t: SqlType, v: Value) => string | null): JsonNode {
  if (v === null) return null;
  switch (type.kind) {
    case 'jsonb': return (v as Jsonb).root;
    case 'json': return parseJson(v as string, 'jsonb');
    case 'bool': return v as boolean;
    case 'int2': case 'int4': case 'int8': return Numeric.fromBigInt(v as bigint);
    case 'numeric': return v as Numeric;
    case 'float4': case 'float8': {
      const text = format(type, v) ?? '';
      return Number.isFinite(v as number) ? (Numeric.fromString(text) ?? text) : text;
    }
    case 'array': {
      const element = type.element;
      return new JsonArray((v as SqlArray).items.map((x) => sqlToJsonb(element, x, format)));
    }
    case 'timestamp': case 'timestamptz': case 'date': return isoJsonDate(format(type, v) ?? '');
    default: return v instanceof Interval ? v.toString() : (format(type, v) ?? '');
  }
}

/** Reads a jsonb tree back as json text (jsonb's canonical spacing). */
export function jsonbToText(n: JsonNode): string {
  return formatJson(n);
}
