/**
 * Set-returning functions over arrays and JSON: unnest, json[b]_array_elements[_text],
 * json[b]_each[_text] and json[b]_object_keys. Binding checks the argument and fixes the
 * result columns; `rows` turns the evaluated argument into result rows (PostgreSQL's
 * order: array order, and for objects jsonb's key order or json's text order).
 *
 * This is the value-level half: a FROM-clause function scan (or a set-returning select
 * list) calls it. Errors: 42883 for other argument types, 22023 for the wrong JSON kind.
 */
import { sqlError } from '../sql-error.ts';
import { JsonArray, jsonAsText, Jsonb, JsonObject, jsonRawChildren, type JsonNode } from '../types/jsonb.ts';
import { jsonRawAsText } from '../types/json-ops.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayLowerBound, arrayOf, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import { splitByRegex } from './functions-string.ts';
import { compileRegex, parseRegexFlags } from './regex.ts';
import type { Binder } from './bind-expr.ts';
import type { BoundExpr } from './bound.ts';

export interface SetReturningCall {
  /** Result columns: names as PostgreSQL names them, and types. */
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  /** The arguments, coerced to what the function takes. */
  readonly args: readonly BoundExpr[];
  /** The result rows for the evaluated arguments (a NULL argument gives no rows). */
  rows(args: readonly Value[]): Value[][];
}

const names = new Set([
  'unnest', 'jsonb_array_elements', 'jsonb_array_elements_text', 'jsonb_each', 'jsonb_each_text', 'jsonb_object_keys',
  'json_array_elements', 'json_array_elements_text', 'json_each', 'json_each_text', 'json_object_keys',
  'regexp_matches', 'regexp_split_to_table', 'generate_subscripts',
]);

export function isSetReturningFunction(name: string): boolean {
  return names.has(name);
}

function noFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/** Binds a set-returning call; null for a name that is not one of these functions. */
export function bindSetReturning(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): SetReturningCall | null {
  if (!names.has(name)) return null;
  if (name.startsWith('regexp_')) return bindRegexSet(name, args, binder, pos);
  if (name === 'unnest' && args.length > 1) return bindUnnestMany(args, pos);
  if (name === 'generate_subscripts') return bindGenerateSubscripts(args, binder, pos);
  const a = args[0];
  if (args.length !== 1 || a === undefined) throw noFunction(name, args, pos);
  if (name === 'unnest') {
    if (a.type.kind !== 'array') throw noFunction(name, args, pos);
    const element = a.type.element;
    return { columns: [{ name: 'unnest', type: element }], args: [a], rows: ([v]) => (v === null || v === undefined ? [] : (v as SqlArray).items.map((x) => [x])) };
  }
  const jsonb = name.startsWith('jsonb');
  const arg = binder.coerce(a, a.type.kind === 'unknown' ? (jsonb ? T.jsonb : T.json) : a.type, pos);
  if (arg.type.kind !== (jsonb ? 'jsonb' : 'json')) throw noFunction(name, args, pos);
  const valueType = name.endsWith('_text') ? T.text : arg.type;
  const fn = name.replace(/^jsonb?_/, '');
  const columns =
    fn === 'object_keys' ? [{ name, type: T.text }] : fn.startsWith('each') ? [{ name: 'key', type: T.text }, { name: 'value', type: valueType }] : [{ name: 'value', type: valueType }];
  return {
    columns,
    args: [arg],
    rows: ([v]) => (v === null || v === undefined ? [] : jsonb ? jsonbRows(name, fn, (v as Jsonb).root, valueType) : jsonRows(name, fn, v as string, valueType)),
  };
}

/** unnest(a, b, ...): the arrays side by side, the shorter ones padded with NULLs. */
function bindUnnestMany(args: readonly BoundExpr[], pos: number): SetReturningCall {
  if (args.some((a) => a.type.kind !== 'array')) throw noFunction('unnest', args, pos);
  return {
    columns: args.map((a) => ({ name: 'unnest', type: (a.type as Extract<SqlType, { kind: 'array' }>).element })),
    args,
    rows: (values) => {
      const lists = values.map((v) => (v === null ? [] : (v as SqlArray).items));
      const n = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length: n }, (_v, i) => lists.map((l) => l[i] ?? null));
    },
  };
}

/**
 * ROWS FROM (f(...), g(...), ...), and several set-returning calls in one select list: the
 * calls' results side by side, row i of each, the shorter results padded with NULLs.
 */
export function zipSetReturning(calls: readonly SetReturningCall[]): SetReturningCall {
  const widths = calls.map((c) => c.args.length);
  return {
    columns: calls.flatMap((c) => c.columns),
    args: calls.flatMap((c) => c.args),
    rows: (values) => {
      let at = 0;
      const results = calls.map((c, i) => {
        const rows = c.rows(values.slice(at, at + widths[i]!));
        at += widths[i]!;
        return rows;
      });
      const n = Math.max(0, ...results.map((r) => r.length));
      return Array.from({ length: n }, (_v, i) => results.flatMap((r, k) => r[i] ?? calls[k]!.columns.map(() => null)));
    },
  };
}

/** A scalar call in ROWS FROM: one row of its value. */
export function scalarAsSetReturning(name: string, value: BoundExpr): SetReturningCall {
  return { columns: [{ name, type: value.type }], args: [value], rows: ([v]) => [[v ?? null]] };
}

/**
 * generate_subscripts(array, dim [, reverse]): the valid subscripts of the dimension, from
 * the array's lower bound (0 for int2vector/oidvector, as drizzle-kit's index query relies on).
 */
function bindGenerateSubscripts(args: readonly BoundExpr[], binder: Binder, pos: number): SetReturningCall {
  const arr = args[0];
  if (args.length < 2 || args.length > 3 || arr === undefined || arr.type.kind !== 'array') throw noFunction('generate_subscripts', args, pos);
  const base = arrayLowerBound(arr.type);
  const typed = [arr, binder.coerce(args[1]!, T.int4, pos), ...(args[2] === undefined ? [] : [binder.coerce(args[2], T.bool, pos)])];
  return {
    columns: [{ name: 'generate_subscripts', type: T.int4 }],
    args: typed,
    rows: ([a, dim, reverse]) => {
      if (a === null || a === undefined || dim !== 1n) return [];
      const subscripts = (a as SqlArray).items.map((_x, i): Value[] => [BigInt(i + base)]);
      return reverse === true ? subscripts.reverse() : subscripts;
    },
  };
}

/** regexp_matches(s, re [, flags]) (text[] per match; 'g' for all) and regexp_split_to_table(s, re [, flags]). */
function bindRegexSet(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): SetReturningCall {
  if (args.length < 2 || args.length > 3) throw noFunction(name, args, pos);
  const typed = args.map((a) => binder.coerce(a, T.text, pos));
  const strictRows = (f: (s: string, re: string, flags: string) => Value[][]) => (v: readonly Value[]): Value[][] =>
    v.some((x) => x === null) ? [] : f(v[0] as string, v[1] as string, (v[2] as string | undefined) ?? '');
  if (name === 'regexp_split_to_table') {
    return {
      columns: [{ name, type: T.text }], args: typed,
      rows: strictRows((s, re, f) => {
        const flags = parseRegexFlags(f);
        if (flags.global) throw sqlError('22023', 'regexp_split_to_table() does not support the "global" option');
        return splitByRegex(s, compileRegex(re, flags.js + 'g')).map((x) => [x]);
      }),
    };
  }
  return {
    columns: [{ name, type: arrayOf(T.text) }], args: typed,
    rows: strictRows((s, re, f) => {
      const flags = parseRegexFlags(f);
      const all = [...s.matchAll(compileRegex(re, flags.js + 'g'))];
      return (flags.global ? all : all.slice(0, 1)).map((m) => [new SqlArray(m.length > 1 ? m.slice(1).map((x) => x ?? null) : [m[0]])]);
    }),
  };
}

function kindOf(n: JsonNode): string {
  return n instanceof JsonArray ? 'an array' : n instanceof JsonObject ? 'an object' : 'a scalar';
}

function jsonbRows(name: string, fn: string, n: JsonNode, valueType: SqlType): Value[][] {
  const value = (x: JsonNode): Value => (valueType.kind === 'text' ? jsonAsText(x) : new Jsonb(x));
  if (fn.startsWith('array_elements')) {
    if (!(n instanceof JsonArray)) throw sqlError('22023', `cannot extract elements from ${kindOf(n)}`);
    return n.items.map((x) => [value(x)]);
  }
  if (!(n instanceof JsonObject)) {
    throw sqlError('22023', fn === 'object_keys' ? `cannot call ${name} on ${kindOf(n)}` : `cannot call ${name} on a non-object`);
  }
  if (fn === 'object_keys') return n.keys.map((k) => [k]);
  return n.keys.map((k, i) => [k, value(n.values[i]!)]);
}

/** json keeps its text: elements and values are the member texts, keys in text order. */
function jsonRows(name: string, fn: string, text: string, valueType: SqlType): Value[][] {
  const c = jsonRawChildren(text);
  const value = (raw: string): Value => (valueType.kind === 'text' ? jsonRawAsText(raw) : raw);
  if (fn.startsWith('array_elements')) {
    if (c.container !== 'array') throw sqlError('22023', c.container === 'object' ? 'cannot extract elements from an object' : 'cannot extract elements from a scalar');
    return c.raws.map((r) => [value(r)]);
  }
  if (c.container !== 'object') {
    throw sqlError('22023', fn === 'object_keys' ? `cannot call ${name} on ${c.container === 'array' ? 'an array' : 'a scalar'}` : `cannot call ${name} on a non-object`);
  }
  if (fn === 'object_keys') return c.keys.map((k) => [k]);
  return c.keys.map((k, i) => [k, value(c.raws[i]!)]);
}
