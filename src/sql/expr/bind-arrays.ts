/**
 * Arrays in expressions: ARRAY[...] constructors, subscripts and slices, `x op ANY/ALL
 * (array)`, the operators @> <@ && || and the common array functions, with PostgreSQL's
 * NULL rules (a NULL element never matches; ANY over no elements is false, ALL true).
 */
import type { BinaryOp } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { Jsonb } from '../types/jsonb.ts';
import { jsonbChild } from '../types/json-ops.ts';
import { SqlArray } from '../types/sql-array.ts';
import { formatValue } from '../types/text-io.ts';
import { arrayLowerBound, arrayOf, isIntegerType, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, columnRef, constant, operatorError, strictCall } from './bind-helpers.ts';
import { compareValues, type BoundExpr, type CompareOp, type EvalContext, type SubqueryPlan } from './bound.ts';
import { commonType } from './casts.ts';

const items = (v: Value): readonly Value[] => (v as SqlArray).items;

export function bindArrayConstructor(elements: readonly BoundExpr[], pos: number, binder: Binder): BoundExpr {
  let t: SqlType = T.unknown;
  for (const e of elements) {
    if (e.type.kind === 'array') throw sqlError('0A000', 'multidimensional arrays are not supported', positionOf(pos));
    const next = commonType(t, e.type);
    if (next === null) throw sqlError('42804', `ARRAY types ${typeDisplayName(t)} and ${typeDisplayName(e.type)} cannot be matched`, positionOf(pos));
    t = next;
  }
  if (t.kind === 'unknown' && elements.length > 0) t = T.text;
  const typed = elements.map((e) => binder.coerce(e, t, pos));
  const type = arrayOf(t);
  if (typed.every((e) => e.kind === 'const')) return constant(type, new SqlArray(typed.map((e) => (e as { value: Value }).value)));
  return call('ARRAY', type, typed, (row, ctx) => new SqlArray(typed.map((e) => e.eval(row, ctx))));
}

/** a[i], a[lo:hi]; jsonb['key'] and jsonb[i] as jsonb subscripting. */
export function bindSubscript(arg: BoundExpr, lower: BoundExpr | null, upper: BoundExpr | null, slice: boolean, pos: number, binder: Binder): BoundExpr {
  if (arg.type.kind === 'jsonb') {
    if (slice || upper === null) throw sqlError('42804', 'jsonb subscript does not support slices', positionOf(pos));
    const key = binder.coerce(upper, isIntegerType(upper.type) ? T.int4 : T.text, pos);
    return strictCall('[]', T.jsonb, [arg, key], (a, k) => {
      const child = jsonbChild((a as Jsonb).root, typeof k === 'bigint' ? Number(k) : (k as string));
      return child === undefined ? null : new Jsonb(child);
    });
  }
  // PostgreSQL's name (which Tessera reads as text) is a fixed char array: name[0] is its first character.
  if (arg.type.kind === 'text' && !slice && upper !== null) {
    return strictCall('[]', T.text, [arg, binder.coerce(upper, T.int4, pos)], (s, i) => [...(s as string)][Number(i as bigint)] ?? '');
  }
  if (arg.type.kind !== 'array') throw sqlError('42804', `cannot subscript type ${typeDisplayName(arg.type)} because it does not support subscripting`, positionOf(pos));
  const type = arg.type;
  const hi = upper === null ? null : binder.coerce(upper, T.int4, pos);
  const base = arrayLowerBound(type);
  if (!slice) {
    return strictCall('[]', type.element, [arg, hi!], (a, i) => items(a)[Number(i as bigint) - base] ?? null);
  }
  // A slice is an ordinary array (lower bound 1), also a vector's slice.
  const lo = lower === null ? null : binder.coerce(lower, T.int4, pos);
  return call('[:]', arrayOf(type.element), [arg, ...(lo === null ? [] : [lo]), ...(hi === null ? [] : [hi])], (row, ctx) => {
    const a = arg.eval(row, ctx);
    const l = lo === null ? BigInt(base) : lo.eval(row, ctx);
    const h = hi === null ? BigInt(a === null ? 0 : items(a).length - 1 + base) : hi.eval(row, ctx);
    if (a === null || l === null || h === null) return null;
    const from = Math.max(Number(l as bigint) - base, 0);
    return new SqlArray(items(a).slice(from, Math.max(Number(h as bigint) - base + 1, from)));
  });
}

/** `left op ANY (array)` / ALL, with the three-valued result PostgreSQL gives. */
export function bindArrayComparison(mode: 'any' | 'all', op: BinaryOp, left: BoundExpr, right: BoundExpr, pos: number, binder: Binder): BoundExpr {
  let arr = right;
  if (arr.type.kind === 'unknown') arr = binder.coerce(arr, arrayOf(left.type.kind === 'unknown' ? T.text : left.type), pos);
  if (arr.type.kind !== 'array') throw sqlError('42809', `op ANY/ALL (array) requires array on right side`, positionOf(pos));
  if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw operatorError(op, left.type, arr.type.element, pos);
  const test = binder.compare(op as CompareOp, columnRef(0, left.type, 'x'), columnRef(1, arr.type.element, 'y'), pos);
  const all = mode === 'all';
  return call(`${op} ${mode.toUpperCase()}`, T.bool, [left, arr], (row, ctx) => {
    const list = arr.eval(row, ctx);
    if (list === null) return null;
    const x = left.eval(row, ctx);
    let sawNull = false;
    for (const y of items(list)) {
      const r = test.eval([x, y], ctx);
      if (r === null) sawNull = true;
      else if (r === !all) return !all;
    }
    return sawNull ? null : all;
  });
}

/** ARRAY(SELECT ...): the subquery's first column, in its order, as an array. */
export function arraySubquery(plan: SubqueryPlan, element: SqlType, valuesOf: (ctx: EvalContext) => readonly Value[]): BoundExpr {
  if (element.kind === 'array') throw sqlError('0A000', 'ARRAY(subquery) of arrays (multidimensional) is not supported');
  const t = element.kind === 'unknown' ? T.text : element;
  return { kind: 'subquery', type: arrayOf(t), plan, arg: null, eval: (_row, ctx) => new SqlArray([...valuesOf(ctx)]) };
}

export function isArrayOperation(op: string, l: SqlType, r: SqlType): boolean {
  if (op !== '@>' && op !== '<@' && op !== '&&' && op !== '||') return false;
  return l.kind === 'array' || r.kind === 'array';
}

function contains(a: readonly Value[], b: readonly Value[]): boolean {
  return b.every((y) => y !== null && a.some((x) => x !== null && compareValues(x, y) === 0));
}

export function bindArrayOperation(op: string, left: BoundExpr, right: BoundExpr, pos: number, binder: Binder): BoundExpr {
  const fail = (): Error => operatorError(op, left.type, right.type, pos);
  if (op === '||') return bindArrayConcat(left, right, pos, binder, fail);
  const t = commonType(left.type, right.type);
  if (t === null || t.kind !== 'array') throw fail();
  const l = binder.coerce(left, t, pos);
  const r = binder.coerce(right, t, pos);
  return strictCall(op, T.bool, [l, r], (a, b) => {
    if (op === '@>') return contains(items(a), items(b));
    if (op === '<@') return contains(items(b), items(a));
    return items(a).some((x) => x !== null && items(b).some((y) => y !== null && compareValues(x, y) === 0));
  });
}

/** array || array, array || element, element || array (NULL arrays count as empty). */
function bindArrayConcat(left: BoundExpr, right: BoundExpr, pos: number, binder: Binder, fail: () => Error): BoundExpr {
  const lt = left.type;
  const rt = right.type;
  if (lt.kind === 'array' && (rt.kind === 'array' || rt.kind === 'unknown')) {
    const t = rt.kind === 'unknown' ? lt : commonType(lt, rt);
    if (t === null) throw fail();
    const l = binder.coerce(left, t, pos);
    const r = binder.coerce(right, t, pos);
    return call('||', t, [l, r], (row, ctx) => {
      const a = l.eval(row, ctx);
      const b = r.eval(row, ctx);
      if (a === null) return b;
      if (b === null) return a;
      return new SqlArray([...items(a), ...items(b)]);
    });
  }
  const arrayFirst = lt.kind === 'array';
  const arr = arrayFirst ? left : right;
  const element = binder.coerce(arrayFirst ? right : left, (arr.type as Extract<SqlType, { kind: 'array' }>).element, pos);
  return call('||', arr.type, [arr, element], (row, ctx) => {
    const a = arr.eval(row, ctx);
    const e = element.eval(row, ctx);
    const base = a === null ? [] : items(a);
    return new SqlArray(arrayFirst ? [...base, e] : [e, ...base]);
  });
}

function noFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/** Binds an array function, or returns null for a name this file does not know. */
export function bindArrayFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const arrayArg = (i: number): BoundExpr => {
    const a = args[i];
    if (a === undefined || a.type.kind !== 'array') throw noFunction(name, args, pos);
    return a;
  };
  const int4 = (i: number): BoundExpr => binder.coerce(args[i]!, T.int4, pos);
  const need = (n: number): void => {
    if (args.length !== n) throw noFunction(name, args, pos);
  };
  switch (name) {
    case 'array_length': case 'array_lower': case 'array_upper': {
      need(2);
      const arr = arrayArg(0);
      const base = arrayLowerBound(arr.type);
      return strictCall(name, T.int4, [arr, int4(1)], (a, d) => {
        const n = items(a).length;
        if (d !== 1n || n === 0) return null;
        return BigInt(name === 'array_lower' ? base : name === 'array_upper' ? n - 1 + base : n);
      });
    }
    case 'cardinality':
      need(1);
      return strictCall(name, T.int4, [arrayArg(0)], (a) => BigInt(items(a).length));
    case 'array_ndims':
      need(1);
      return strictCall(name, T.int4, [arrayArg(0)], (a) => (items(a).length === 0 ? null : 1n));
    case 'array_to_string': {
      if (args.length !== 2 && args.length !== 3) throw noFunction(name, args, pos);
      const arr = arrayArg(0);
      const element = (arr.type as Extract<SqlType, { kind: 'array' }>).element;
      const delim = binder.coerce(args[1]!, T.text, pos);
      const nullText = args[2] === undefined ? null : binder.coerce(args[2], T.text, pos);
      return call(name, T.text, [arr, delim, ...(nullText === null ? [] : [nullText])], (row, ctx) => {
        const a = arr.eval(row, ctx);
        const d = delim.eval(row, ctx);
        if (a === null || d === null) return null;
        const n = nullText?.eval(row, ctx) ?? null;
        return items(a).flatMap((x) => (x === null ? (n === null ? [] : [n as string]) : [formatValue(element, x, ctx) ?? ''])).join(d as string);
      });
    }
    case 'string_to_array': {
      if (args.length !== 2 && args.length !== 3) throw noFunction(name, args, pos);
      const s = binder.coerce(args[0]!, T.text, pos);
      const d = binder.coerce(args[1]!, T.text, pos);
      const nullText = args[2] === undefined ? null : binder.coerce(args[2], T.text, pos);
      return call(name, arrayOf(T.text), [s, d], (row, ctx) => {
        const text = s.eval(row, ctx);
        if (text === null) return null;
        const delim = d.eval(row, ctx);
        const n = nullText?.eval(row, ctx) ?? null;
        if (text === '') return new SqlArray([]);
        const parts = delim === null ? [...(text as string)] : delim === '' ? [text as string] : (text as string).split(delim as string);
        return new SqlArray(parts.map((p) => (n !== null && p === n ? null : p)));
      });
    }
    case 'array_append': case 'array_prepend': case 'array_cat': {
      need(2);
      // The element argument of append/prepend is an element even when it is an untyped literal.
      const arrIndex = name === 'array_prepend' ? 1 : 0;
      const arr = args[arrIndex]!;
      const other = args[1 - arrIndex]!;
      const typed = name !== 'array_cat' && arr.type.kind === 'array' && other.type.kind === 'unknown' ? binder.coerce(other, arr.type.element, pos) : other;
      return bindArrayOperation('||', name === 'array_prepend' ? typed : arr, name === 'array_prepend' ? arr : typed, pos, binder);
    }
    case 'array_replace': {
      need(3);
      const arr = arrayArg(0);
      const element = (arr.type as Extract<SqlType, { kind: 'array' }>).element;
      const [from, to] = [binder.coerce(args[1]!, element, pos), binder.coerce(args[2]!, element, pos)];
      return call(name, arr.type, [arr, from, to], (row, ctx) => {
        const a = arr.eval(row, ctx);
        if (a === null) return null;
        const f = from.eval(row, ctx);
        const t = to.eval(row, ctx);
        return new SqlArray(items(a).map((x) => ((x === null ? f === null : f !== null && compareValues(x, f) === 0) ? t : x)));
      });
    }
    case 'array_positions': {
      need(2);
      const arr = arrayArg(0);
      const element = binder.coerce(args[1]!, (arr.type as Extract<SqlType, { kind: 'array' }>).element, pos);
      return call(name, arrayOf(T.int4), [arr, element], (row, ctx) => {
        const a = arr.eval(row, ctx);
        if (a === null) return null;
        const e = element.eval(row, ctx);
        return new SqlArray(items(a).flatMap((x, i) => ((x === null ? e === null : e !== null && compareValues(x, e) === 0) ? [BigInt(i + 1)] : [])));
      });
    }
    case 'array_dims': {
      need(1);
      const arr = arrayArg(0);
      const base = arrayLowerBound(arr.type);
      return strictCall(name, T.text, [arr], (a) => (items(a).length === 0 ? null : `[${base}:${items(a).length - 1 + base}]`));
    }
    case 'array_fill': {
      if (args.length !== 2) throw noFunction(name, args, pos);
      const value = args[0]!.type.kind === 'unknown' ? binder.coerce(args[0]!, T.text, pos) : args[0]!;
      const dims = binder.coerce(args[1]!, arrayOf(T.int4), pos);
      return call(name, arrayOf(value.type), [value, dims], (row, ctx) => {
        const d = dims.eval(row, ctx);
        if (d === null) throw sqlError('22004', 'dimension array or low bound array cannot be null');
        const lengths = items(d);
        if (lengths.length !== 1) throw sqlError('0A000', 'array_fill of more than one dimension is not supported');
        const n = Number((lengths[0] ?? 0n) as bigint);
        if (n > 1_000_000) throw sqlError('54000', 'array size exceeds the maximum allowed (1000000)');
        return new SqlArray(new Array<Value>(Math.max(0, n)).fill(value.eval(row, ctx)));
      });
    }
    case 'enum_first': case 'enum_last': case 'enum_range': {
      // The argument only names the enum type (usually NULL::type); enum_range(a, b) is the
      // labels from a to b (either NULL: that end of the type).
      const t = args[0]?.type.kind === 'unknown' ? args[1]?.type : args[0]?.type;
      if (t === undefined || t.kind !== 'enum' || args.length > (name === 'enum_range' ? 2 : 1)) throw noFunction(name, args, pos);
      const all = t.labels.map((_l, i) => i);
      if (name === 'enum_first') return call(name, t, [], () => all[0] ?? null);
      if (name === 'enum_last') return call(name, t, [], () => all[all.length - 1] ?? null);
      if (args.length === 1) return call(name, arrayOf(t), [], () => new SqlArray(all));
      const [lo, hi] = [binder.coerce(args[0]!, t, pos), binder.coerce(args[1]!, t, pos)];
      return call(name, arrayOf(t), [lo, hi], (row, ctx) => {
        const a = lo.eval(row, ctx);
        const b = hi.eval(row, ctx);
        return new SqlArray(all.filter((i) => (a === null || i >= (a as number)) && (b === null || i <= (b as number))));
      });
    }
    case 'array_position': case 'array_remove': {
      need(2);
      const arr = arrayArg(0);
      const element = binder.coerce(args[1]!, (arr.type as Extract<SqlType, { kind: 'array' }>).element, pos);
      const same = (x: Value, y: Value): boolean => (x === null || y === null ? x === y : compareValues(x, y) === 0);
      if (name === 'array_position') {
        return call(name, T.int4, [arr, element], (row, ctx) => {
          const a = arr.eval(row, ctx);
          if (a === null) return null;
          const i = items(a).findIndex((x) => same(x, element.eval(row, ctx)));
          return i < 0 ? null : BigInt(i + 1);
        });
      }
      return call(name, arr.type, [arr, element], (row, ctx) => {
        const a = arr.eval(row, ctx);
        if (a === null) return null;
        const e = element.eval(row, ctx);
        return new SqlArray(items(a).filter((x) => !same(x, e)));
      });
    }
    default:
      return null;
  }
}
