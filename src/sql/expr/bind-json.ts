/**
 * json/jsonb operators (-> ->> #> #>> @> <@ ? ?| ?& || - #-) and functions (to_json,
 * json_build_object, jsonb_set, jsonb_typeof, json_array_length...), with PostgreSQL's
 * argument types: a key is text, an index int4, a path text[].
 */
import { sqlError } from '../sql-error.ts';
import { formatValue } from '../types/text-io.ts';
import { JsonArray, jsonAsText, jsonContains, Jsonb, JsonObject, jsonTree, jsonTypeof, quoteJson, type JsonNode } from '../types/jsonb.ts';
import {
  jsonbChild, jsonbConcat, jsonbDeleteIndex, jsonbDeleteKey, jsonbDeletePath, jsonbHasKey, jsonbPath, jsonbSet, jsonbInsert, jsonbPretty, jsonbStripNulls,
  jsonRawAsText, jsonRawChild, jsonRawPath, sqlToJsonb, sqlToJsonText,
} from '../types/json-ops.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayOf, isIntegerType, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, constant, operatorError, strictCall } from './bind-helpers.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

const isJson = (t: SqlType): boolean => t.kind === 'json' || t.kind === 'jsonb';
const textArray = arrayOf(T.text);
const jsonOnlyOps: ReadonlySet<string> = new Set(['->', '->>', '#>', '#>>', '?', '?|', '?&', '#-']);

/** Whether `l op r` is a json operator (or a comparison PostgreSQL has none of for json). */
export function isJsonOperation(op: string, l: SqlType, r: SqlType): boolean {
  if (jsonOnlyOps.has(op)) return true;
  if (op === '@>' || op === '<@' || op === '||') return l.kind === 'jsonb' || r.kind === 'jsonb';
  if (op === '-') return l.kind === 'jsonb';
  return (l.kind === 'json' || r.kind === 'json') && ['=', '<>', '<', '<=', '>', '>='].includes(op);
}

const pathOf = (v: Value): (string | null)[] => (v as SqlArray).items as (string | null)[];
const tree = (v: Value): JsonNode => jsonTree(v as string | Jsonb);

export function bindJsonOperation(op: string, left: BoundExpr, right: BoundExpr, pos: number, binder: Binder): BoundExpr {
  const fail = (): Error => operatorError(op, left.type, right.type, pos);
  let l = left.type.kind === 'unknown' ? binder.coerce(left, T.jsonb, pos) : left;
  if (!isJson(l.type)) throw fail();
  const jsonb = l.type.kind === 'jsonb';
  switch (op) {
    case '->': case '->>': {
      const byIndex = isIntegerType(right.type);
      const r = binder.coerce(right, byIndex ? T.int4 : T.text, pos);
      if (!byIndex && r.type.kind !== 'text') throw fail();
      const step = (v: Value): string | number => (byIndex ? Number(v as bigint) : (v as string));
      if (!jsonb) {
        return strictCall(op, op === '->' ? T.json : T.text, [l, r], (a, b) => {
          const raw = jsonRawChild(a as string, step(b));
          return raw === undefined ? null : op === '->' ? raw : jsonRawAsText(raw);
        });
      }
      return strictCall(op, op === '->' ? T.jsonb : T.text, [l, r], (a, b) => {
        const child = jsonbChild((a as Jsonb).root, step(b));
        return child === undefined ? null : op === '->' ? new Jsonb(child) : jsonAsText(child);
      });
    }
    case '#>': case '#>>': {
      const r = binder.coerce(right, textArray, pos);
      if (!jsonb) {
        return strictCall(op, op === '#>' ? T.json : T.text, [l, r], (a, b) => {
          const raw = jsonRawPath(a as string, pathOf(b));
          return raw === undefined ? null : op === '#>' ? raw : jsonRawAsText(raw);
        });
      }
      return strictCall(op, op === '#>' ? T.jsonb : T.text, [l, r], (a, b) => {
        const found = jsonbPath((a as Jsonb).root, pathOf(b));
        return found === undefined ? null : op === '#>' ? new Jsonb(found) : jsonAsText(found);
      });
    }
    case '?': {
      if (!jsonb) throw fail();
      return strictCall(op, T.bool, [l, binder.coerce(right, T.text, pos)], (a, b) => jsonbHasKey((a as Jsonb).root, b as string));
    }
    case '?|': case '?&': {
      if (!jsonb) throw fail();
      return strictCall(op, T.bool, [l, binder.coerce(right, textArray, pos)], (a, b) => {
        const keys = pathOf(b).filter((k): k is string => k !== null);
        const has = (k: string): boolean => jsonbHasKey((a as Jsonb).root, k);
        return op === '?|' ? keys.some(has) : keys.every(has);
      });
    }
    case '@>': case '<@': case '||': {
      l = binder.coerce(l, T.jsonb, pos);
      const r = binder.coerce(right, T.jsonb, pos);
      if (op === '||') return strictCall(op, T.jsonb, [l, r], (a, b) => new Jsonb(jsonbConcat((a as Jsonb).root, (b as Jsonb).root)));
      return strictCall(op, T.bool, [l, r], (a, b) => (op === '@>' ? jsonContains((a as Jsonb).root, (b as Jsonb).root) : jsonContains((b as Jsonb).root, (a as Jsonb).root)));
    }
    case '-': {
      if (isIntegerType(right.type)) return strictCall(op, T.jsonb, [l, binder.coerce(right, T.int4, pos)], (a, b) => new Jsonb(jsonbDeleteIndex((a as Jsonb).root, Number(b as bigint))));
      if (right.type.kind === 'array') {
        return strictCall(op, T.jsonb, [l, binder.coerce(right, textArray, pos)], (a, b) => {
          let n = (a as Jsonb).root;
          for (const k of pathOf(b)) if (k !== null) n = jsonbDeleteKey(n, k);
          return new Jsonb(n);
        });
      }
      return strictCall(op, T.jsonb, [l, binder.coerce(right, T.text, pos)], (a, b) => new Jsonb(jsonbDeleteKey((a as Jsonb).root, b as string)));
    }
    case '#-':
      if (!jsonb) throw fail();
      return strictCall(op, T.jsonb, [l, binder.coerce(right, textArray, pos)], (a, b) => new Jsonb(jsonbDeletePath((a as Jsonb).root, pathOf(b))));
    default:
      throw fail();
  }
}

function noFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/** An argument of type "any": an untyped literal is text. */
function anyArg(a: BoundExpr, binder: Binder, pos: number): BoundExpr {
  return a.type.kind === 'unknown' ? binder.coerce(a, T.text, pos) : a;
}

type Formatter = (t: SqlType, v: Value) => string | null;
const formatterOf = (ctx: EvalContext): Formatter => (t, v) => formatValue(t, v, ctx);

/** Binds a json function, or returns null for a name this file does not know. */
export function bindJsonFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const jsonArg = (i: number, type: SqlType = T.jsonb): BoundExpr => {
    const a = args[i];
    if (a === undefined) throw noFunction(name, args, pos);
    const typed = binder.coerce(a, a.type.kind === 'unknown' ? type : a.type, pos);
    if (!isJson(typed.type)) throw noFunction(name, args, pos);
    return typed;
  };
  const need = (n: number): void => {
    if (args.length !== n) throw noFunction(name, args, pos);
  };
  switch (name) {
    case 'to_json': case 'to_jsonb': {
      need(1);
      const a = anyArg(args[0]!, binder, pos);
      const t = a.type;
      if (name === 'to_json') return call(name, T.json, [a], (row, ctx) => nullOr(a.eval(row, ctx), (v) => sqlToJsonText(t, v, formatterOf(ctx))));
      return call(name, T.jsonb, [a], (row, ctx) => nullOr(a.eval(row, ctx), (v) => new Jsonb(sqlToJsonb(t, v, formatterOf(ctx)))));
    }
    case 'json_build_object': case 'jsonb_build_object':
      return buildObject(name, args.map((a) => anyArg(a, binder, pos)));
    case 'json_build_array': case 'jsonb_build_array': {
      const typed = args.map((a) => anyArg(a, binder, pos));
      const jsonb = name === 'jsonb_build_array';
      return call(name, jsonb ? T.jsonb : T.json, typed, (row, ctx) => {
        const f = formatterOf(ctx);
        const values = typed.map((a) => a.eval(row, ctx));
        if (jsonb) return new Jsonb(new JsonArray(values.map((v, i) => sqlToJsonb(typed[i]!.type, v, f))));
        return `[${values.map((v, i) => sqlToJsonText(typed[i]!.type, v, f)).join(', ')}]`;
      });
    }
    case 'json_typeof': case 'jsonb_typeof': {
      need(1);
      return strictCall(name, T.text, [jsonArg(0, name === 'json_typeof' ? T.json : T.jsonb)], (v) => jsonTypeof(tree(v)));
    }
    case 'json_array_length': case 'jsonb_array_length': {
      need(1);
      return strictCall(name, T.int4, [jsonArg(0, name === 'json_array_length' ? T.json : T.jsonb)], (v) => {
        const n = tree(v);
        if (n instanceof JsonArray) return BigInt(n.items.length);
        throw sqlError('22023', n instanceof JsonObject ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
      });
    }
    case 'jsonb_set': {
      if (args.length !== 3 && args.length !== 4) throw noFunction(name, args, pos);
      const target = binder.coerce(args[0]!, T.jsonb, pos);
      const path = binder.coerce(args[1]!, textArray, pos);
      const value = binder.coerce(args[2]!, T.jsonb, pos);
      const create = args[3] === undefined ? constant(T.bool, true) : binder.coerce(args[3], T.bool, pos);
      return strictCall(name, T.jsonb, [target, path, value, create], (t, p, v, c) => new Jsonb(jsonbSet((t as Jsonb).root, pathOf(p), (v as Jsonb).root, c as boolean)));
    }
    case 'jsonb_insert': {
      if (args.length !== 3 && args.length !== 4) throw noFunction(name, args, pos);
      const target = binder.coerce(args[0]!, T.jsonb, pos);
      const path = binder.coerce(args[1]!, textArray, pos);
      const value = binder.coerce(args[2]!, T.jsonb, pos);
      const after = args[3] === undefined ? constant(T.bool, false) : binder.coerce(args[3], T.bool, pos);
      return strictCall(name, T.jsonb, [target, path, value, after], (t, p, v, a) => new Jsonb(jsonbInsert((t as Jsonb).root, pathOf(p), (v as Jsonb).root, a as boolean)));
    }
    case 'jsonb_pretty':
      need(1);
      return strictCall(name, T.text, [jsonArg(0)], (v) => jsonbPretty((v as Jsonb).root));
    case 'array_to_json':
      need(1);
      if (args[0]!.type.kind !== 'array') throw noFunction(name, args, pos);
      return bindJsonFunction('to_json', args, binder, pos);
    case 'jsonb_strip_nulls':
      need(1);
      return strictCall(name, T.jsonb, [jsonArg(0)], (v) => new Jsonb(jsonbStripNulls((v as Jsonb).root)));
    case 'jsonb_extract_path': case 'jsonb_extract_path_text': case 'json_extract_path': case 'json_extract_path_text': {
      if (args.length < 1) throw noFunction(name, args, pos);
      const target = jsonArg(0, name.startsWith('jsonb') ? T.jsonb : T.json);
      const steps = args.slice(1).map((a) => binder.coerce(a, T.text, pos));
      const asText = name.endsWith('_text');
      return call(name, asText ? T.text : target.type, [target, ...steps], (row, ctx) => {
        const t = target.eval(row, ctx);
        if (t === null) return null;
        const path = steps.map((s) => s.eval(row, ctx) as string | null);
        if (typeof t === 'string') {
          const raw = jsonRawPath(t, path);
          return raw === undefined ? null : asText ? jsonRawAsText(raw) : raw;
        }
        const found = jsonbPath((t as Jsonb).root, path);
        return found === undefined ? null : asText ? jsonAsText(found) : new Jsonb(found);
      });
    }
    default:
      return null;
  }
}

function nullOr(v: Value, fn: (v: Exclude<Value, null>) => Value): Value {
  return v === null ? null : fn(v);
}

function buildObject(name: string, args: readonly BoundExpr[]): BoundExpr {
  if (args.length % 2 !== 0) throw sqlError('22023', 'argument list must have even number of elements', { hint: `The arguments of ${name}() must consist of alternating keys and values.` });
  const jsonb = name === 'jsonb_build_object';
  return call(name, jsonb ? T.jsonb : T.json, args, (row, ctx) => {
    const f = formatterOf(ctx);
    const pairs: [string, BoundExpr, Value][] = [];
    for (let i = 0; i < args.length; i += 2) {
      const k = args[i]!.eval(row, ctx);
      if (k === null) throw sqlError('22023', `argument ${i + 1}: key must not be null`);
      pairs.push([keyText(args[i]!.type, k, f), args[i + 1]!, args[i + 1]!.eval(row, ctx)]);
    }
    if (jsonb) return new Jsonb(JsonObject.fromPairs(pairs.map(([k, e, v]) => [k, sqlToJsonb(e.type, v, f)] as const)));
    return `{${pairs.map(([k, e, v]) => `${quoteJson(k)} : ${sqlToJsonText(e.type, v, f)}`).join(', ')}}`;
  });
}

/** An object key from any scalar: its text output. */
export function keyText(type: SqlType, v: Value, f: Formatter): string {
  if (type.kind === 'array' || isJson(type)) throw sqlError('22023', 'key value must be scalar, not array, composite, or json');
  return f(type, v) ?? '';
}
