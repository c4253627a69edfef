/**
 * Scalar functions Tessera knows. Aggregates are bound by the aggregate scope in
 * bind-expr.ts; here only their names are listed. Unknown functions are 42883.
 */
import { sqlError } from '../sql-error.ts';
import { MICROS_PER_DAY, offsetAt } from '../types/datetime.ts';
import { Dec, Numeric } from '../types/numeric.ts';
import { compareValues } from './bound.ts';
import { commonType } from './casts.ts';
import { bindMoreFunctions } from './functions-more.ts';
import { bindStringFunction, bindTypedStringFunction } from './functions-string.ts';
import { bindBitOperator, bindMathFunction } from './functions-math.ts';
import { bindCatalogFunction, bindRegexFunction } from './functions-catalog.ts';
import { bindAdvisoryFunction } from './functions-advisory.ts';
import { collectingAggregates } from './aggregates-collect.ts';
import { statsAggregates } from './aggregates-stats.ts';
import { orderedSetAggregates } from './aggregates-ordered.ts';
import { isNumericType, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-expr.ts';
import type { BoundExpr } from './bound.ts';

/** The server version string `SELECT version()` returns. */
export const VERSION_STRING = 'PostgreSQL 15.4 (Tessera 0.1.0) on x86_64-pc-linux-gnu, compiled by TypeScript, 64-bit';

const aggregateNames: ReadonlySet<string> = new Set(['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', ...collectingAggregates, ...statsAggregates, ...orderedSetAggregates]);

export function isAggregateName(name: string): boolean {
  return aggregateNames.has(name);
}

function arity(name: string, args: readonly BoundExpr[], n: number, pos: number): void {
  if (args.length !== n) {
    const sig = args.map((a) => typeDisplayName(a.type)).join(', ');
    throw sqlError('42883', `function ${name}(${sig}) does not exist`, {
      ...positionOf(pos),
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    });
  }
}

export function bindFunction(name: string, args: BoundExpr[], star: boolean, pos: number, binder: Binder): BoundExpr {
  if (star) throw sqlError('42809', `${name}(*) specified, but ${name} is not an aggregate function`, positionOf(pos));
  const text = (i: number): BoundExpr => binder.coerce(args[i]!, T.text, pos);
  const typed = bindTypedStringFunction(name, args, binder, pos);
  if (typed !== null) return typed;
  switch (name) {
    case 'version':
      arity(name, args, 0, pos);
      return call(name, T.text, [], () => VERSION_STRING);
    case 'current_database':
    case 'current_catalog':
      arity(name, args, 0, pos);
      return call(name, { kind: 'text' }, [], (_r, ctx) => ctx.database);
    case 'current_user':
    case 'session_user':
    case 'user':
      arity(name, args, 0, pos);
      return call(name, T.text, [], (_r, ctx) => ctx.user);
    case 'now':
    case 'transaction_timestamp':
    case 'current_timestamp':
      arity(name, args, 0, pos);
      return call(name, T.timestamptz, [], (_r, ctx) => ctx.txnMicros);
    case 'localtimestamp':
      return call(name, T.timestamp, [], (_r, ctx) => ctx.txnMicros + BigInt(offsetAt(ctx.timeZone, ctx.txnMicros)) * 1_000_000n);
    case 'current_date':
      return call(name, T.date, [], (_r, ctx) => {
        const local = ctx.txnMicros + BigInt(offsetAt(ctx.timeZone, ctx.txnMicros)) * 1_000_000n;
        return Number(local / MICROS_PER_DAY);
      });
    case 'current_setting': {
      if (args.length < 1 || args.length > 2) arity(name, args, 1, pos);
      const setting = text(0);
      const missingOk = args[1] === undefined ? null : binder.coerce(args[1], T.bool, pos);
      return call(name, T.text, [setting], (row, ctx) => {
        const n = setting.eval(row, ctx);
        if (n === null) return null;
        const v = ctx.setting((n as string).toLowerCase());
        if (v === null && missingOk?.eval(row, ctx) !== true) {
          throw sqlError('42704', `unrecognized configuration parameter "${n as string}"`);
        }
        return v;
      });
    }
    case 'lower':
    case 'upper':
      arity(name, args, 1, pos);
      return strictCall(name, T.text, [text(0)], (s) => (name === 'lower' ? (s as string).toLowerCase() : (s as string).toUpperCase()));
    case 'length':
    case 'char_length':
    case 'character_length':
      arity(name, args, 1, pos);
      return strictCall(name, T.int4, [text(0)], (s) => BigInt([...(s as string)].length));
    case 'abs':
      arity(name, args, 1, pos);
      return absFunction(args[0]!, binder, pos);
    case 'greatest':
    case 'least':
      return greatestLeast(name, args, binder, pos);
    case 'substr':
    case 'substring':
      if (args.length !== 3) arity(name, args, 2, pos);
      return substrFunction(name, [text(0), ...args.slice(1).map((a) => binder.coerce(a, T.int4, pos))]);
    case 'round':
      if (args.length !== 1) arity(name, args, 2, pos);
      return roundFunction(args, binder, pos);
    case 'uuid_generate_v4': // uuid-ossp's name for it
    case 'gen_random_uuid':
      arity(name, args, 0, pos);
      return call(name, T.uuid, [], () => crypto.randomUUID());
    case 'unique_rowid':
      // The hidden rowid of tables without a primary key: random, positive, 63 bits.
      return call(name, T.int8, [], () => {
        const words = crypto.getRandomValues(new Uint32Array(2));
        return ((BigInt(words[0]!) << 32n) | BigInt(words[1]!)) & 0x7fff_ffff_ffff_ffffn;
      });
    case 'pg_backend_pid':
      return call(name, T.int4, [], () => BigInt(process.pid));
    default: {
      if (name.startsWith('operator(')) return bindBitOperator(name.slice(9, -1), args, binder, pos);
      const more = bindMoreFunctions(name, args, binder, pos) ?? bindStringFunction(name, args, binder, pos) ?? bindMathFunction(name, args, binder, pos) ?? bindCatalogFunction(name, args, binder, pos) ?? bindRegexFunction(name, args, binder, pos) ?? bindAdvisoryFunction(name, args, binder, pos);
      if (more !== null) return more;
      if (name === 'mod' && args.length === 2) return binder.binaryOperator('%', args[0]!, args[1]!, pos);
      throw sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
        ...positionOf(pos),
        hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
      });
    }
  }
}

function absFunction(arg: BoundExpr, binder: Binder, pos: number): BoundExpr {
  const a = binder.coerce(arg, arg.type.kind === 'unknown' ? T.float8 : arg.type, pos);
  const t: SqlType = a.type;
  if (!isNumericType(t)) throw sqlError('42883', `function abs(${typeDisplayName(t)}) does not exist`, positionOf(pos));
  return strictCall('abs', t, [a], (v: Value) => {
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (v instanceof Numeric) return v.value.isNegative() ? v.neg() : v;
    return Math.abs(v as number);
  });
}

/** GREATEST / LEAST: the arguments' common type; NULLs are skipped, NULL only if all are. */
function greatestLeast(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  let t: SqlType = T.unknown;
  for (const a of args) {
    const next = commonType(t, a.type);
    if (next === null) throw sqlError('42804', `${name.toUpperCase()} types ${typeDisplayName(t)} and ${typeDisplayName(a.type)} cannot be matched`, positionOf(pos));
    t = next;
  }
  if (t.kind === 'unknown') t = T.text;
  const typed = args.map((a) => binder.coerce(a, t, pos));
  const sign = name === 'greatest' ? 1 : -1;
  return call(name.toUpperCase(), t, typed, (row, ctx) => {
    let best: Value = null;
    for (const a of typed) {
      const v = a.eval(row, ctx);
      if (v !== null && (best === null || sign * compareValues(v, best) > 0)) best = v;
    }
    return best;
  });
}

/** substr(s, start [, count]) in characters; positions before 1 eat into the count. */
function substrFunction(name: string, args: readonly BoundExpr[]): BoundExpr {
  return strictCall(name, T.text, args, (s, start, count) => {
    const chars = [...(s as string)];
    const from = Number(start as bigint);
    if (count === undefined) return chars.slice(Math.max(from, 1) - 1).join('');
    const n = Number(count as bigint);
    if (n < 0) throw sqlError('22011', 'negative substring length not allowed');
    const end = from + n;
    return end <= 1 ? '' : chars.slice(Math.max(from, 1) - 1, end - 1).join('');
  });
}

/** round(numeric [, digits]) half away from zero; round(float8) half to even, like rint(). */
function roundFunction(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  const arg = args[0]!;
  if (args.length === 1 && arg.type.kind !== 'numeric') {
    const f = binder.coerce(arg, T.float8, pos);
    return strictCall('round', T.float8, [f], (v) => {
      const x = v as number;
      const r = Math.round(x);
      return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    });
  }
  const n = binder.coerce(arg, T.numeric, pos);
  const digits = args[1] === undefined ? null : binder.coerce(args[1], T.int4, pos);
  const rounded = (v: Value, d: number): Value => {
    const x = v as Numeric;
    if (x.isNaN()) return x;
    if (d >= 0) return x.round(d);
    const factor = new Numeric(new Dec(10).pow(-d), 0);
    return x.div(factor).round(0).mul(factor).round(0);
  };
  if (digits === null) return strictCall('round', T.numeric, [n], (v) => rounded(v, 0));
  return strictCall('round', T.numeric, [n, digits], (v, d) => rounded(v, Number(d as bigint)));
}
