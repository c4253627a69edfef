/**
 * Casts between Tessera's types and PostgreSQL's rules for which of them happen
 * implicitly. Errors: 42846 for a cast that does not exist, and the input functions'
 * 22P02/22003/22001 when a value does not convert.
 */
import { sqlError } from '../sql-error.ts';
import { localToUtc, MICROS_PER_DAY, offsetAt } from '../types/datetime.ts';
import { formatJson, Jsonb, jsonTypeof, parseJson, type JsonNode } from '../types/jsonb.ts';
import { Interval } from '../types/interval.ts';
import { Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import { checkIntRange, checkLength, coerceNumeric, formatValue, parseValue, type FormatContext } from '../types/text-io.ts';
import { isIntegerType, isNumericType, isStringType, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';

/** Implicit-cast precedence of numeric types: a lower one converts to a higher one. */
const numericRank: Readonly<Partial<Record<SqlType['kind'], number>>> = { int2: 1, int4: 2, int8: 3, numeric: 4, float4: 5, float8: 6 };

/** Whether PostgreSQL would convert `from` to `to` without an explicit cast. */
export function canCoerceImplicitly(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'array' && to.kind === 'array') return canCoerceImplicitly(from.element, to.element);
  if (from.kind === 'enum' || to.kind === 'enum') return from.kind === 'unknown' || (from.kind === 'enum' && to.kind === 'enum' && from.oid === to.oid);
  if (from.kind === to.kind || from.kind === 'unknown') return true;
  const a = numericRank[from.kind];
  const b = numericRank[to.kind];
  if (a !== undefined && b !== undefined) return a <= b;
  if (isStringType(from) && isStringType(to)) return true;
  // oid and its reg* aliases convert among themselves; integers become oids; oid widens to int8.
  if (to.kind === 'oid') return from.kind === 'oid' || isIntegerType(from);
  if (from.kind === 'oid') return to.kind === 'int8';
  if (from.kind === 'date') return to.kind === 'timestamp' || to.kind === 'timestamptz';
  if (from.kind === 'timestamp') return to.kind === 'timestamptz';
  if (from.kind === 'time') return to.kind === 'interval';
  return false;
}

/** Assignment casts (INSERT/UPDATE into a column) also allow numeric narrowing and anything to text. */
export function canAssign(from: SqlType, to: SqlType): boolean {
  if (canCoerceImplicitly(from, to)) return true;
  if (isNumericType(from) && isNumericType(to)) return true;
  if (isStringType(to)) return true;
  if (from.kind === 'array' && to.kind === 'array') return canAssign(from.element, to.element);
  if ((from.kind === 'json' && to.kind === 'jsonb') || (from.kind === 'jsonb' && to.kind === 'json')) return true;
  return from.kind === 'timestamptz' && (to.kind === 'timestamp' || to.kind === 'date');
}

/** The common type two operands are converted to, or null when there is none. */
export function commonType(a: SqlType, b: SqlType): SqlType | null {
  if (a.kind === 'unknown') return b;
  if (b.kind === 'unknown') return a;
  // oid and a reg* alias (or two aliases) meet at plain oid, as UNION of classid columns does in PostgreSQL.
  if (a.kind === 'oid' && b.kind === 'oid' && a.reg !== b.reg) return { kind: 'oid', reg: 'oid' };
  // Mixed numerics resolve to plain numeric: int + numeric(8,2) must not take scale 2.
  if ((a.kind === 'numeric' || b.kind === 'numeric') && JSON.stringify(a) !== JSON.stringify(b) && isNumericType(a) && isNumericType(b)) {
    const other = a.kind === 'numeric' ? b : a;
    if (other.kind !== 'float4' && other.kind !== 'float8') return { kind: 'numeric', precision: null, scale: null };
  }
  if (canCoerceImplicitly(a, b)) return isStringType(b) && b.kind !== a.kind ? { kind: 'text' } : b;
  if (canCoerceImplicitly(b, a)) return isStringType(a) && b.kind !== a.kind ? { kind: 'text' } : a;
  return null;
}

function cannotCast(from: SqlType, to: SqlType): never {
  throw sqlError('42846', `cannot cast type ${typeDisplayName(from)} to ${typeDisplayName(to)}`);
}

/** Whether a cast exists at all (checked at bind time). */
export function castExists(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'array' && to.kind === 'array') return castExists(from.element, to.element);
  if (from.kind === 'enum' && to.kind === 'enum') return from.oid === to.oid;
  if (from.kind === to.kind || from.kind === 'unknown' || isStringType(from) || isStringType(to)) return true;
  if (from.kind === 'json' || from.kind === 'jsonb') return to.kind === 'json' || to.kind === 'jsonb' || (from.kind === 'jsonb' && (isNumericType(to) || to.kind === 'bool'));
  if (isNumericType(from) && isNumericType(to)) return true;
  if ((from.kind === 'oid' || isIntegerType(from)) && (to.kind === 'oid' || isIntegerType(to))) return true;
  if ((from.kind === 'bool' && to.kind === 'int4') || (from.kind === 'int4' && to.kind === 'bool')) return true;
  const times = ['date', 'timestamp', 'timestamptz'];
  if (to.kind === 'time') return from.kind === 'timestamp' || from.kind === 'timestamptz' || from.kind === 'interval';
  if (from.kind === 'time') return to.kind === 'interval';
  return times.includes(from.kind) && times.includes(to.kind);
}

/** Converts a non-NULL value; `explicit` lets varchar(n) truncate as CAST does. */
export function castValue(v: Value, from: SqlType, to: SqlType, explicit: boolean, ctx: FormatContext): Value {
  if (v === null) return null;
  if (from.kind === 'array' && to.kind === 'array') {
    const element = to.element;
    return new SqlArray((v as SqlArray).items.map((x) => castValue(x, from.element, element, explicit, ctx)));
  }
  if (from.kind === 'jsonb' && !isStringType(to)) return castFromJsonb((v as Jsonb).root, to, explicit, ctx);
  if (from.kind === 'json' && to.kind === 'jsonb') return new Jsonb(parseJson(v as string, 'jsonb'));
  if (from.kind === to.kind && to.kind !== 'varchar' && to.kind !== 'bpchar' && to.kind !== 'numeric') return v;
  if (isStringType(from) || from.kind === 'unknown') {
    // character(n) loses its padding when it becomes text or varchar, as in PostgreSQL.
    const s = from.kind === 'bpchar' && to.kind !== 'bpchar' ? (v as string).replace(/ +$/, '') : (v as string);
    if (isStringType(to)) return to.kind === 'text' ? s : checkLength(to as Extract<SqlType, { kind: 'varchar' | 'bpchar' }>, s, explicit);
    return parseValue(to, from.kind === 'bpchar' ? (v as string).replace(/ +$/, '') : (v as string), ctx);
  }
  if (isStringType(to)) {
    // A boolean cast to text is spelled out, unlike its output form ('t'/'f').
    const text = from.kind === 'bool' ? String(v) : (formatValue(from, v, ctx) ?? '');
    return to.kind === 'text' ? text : checkLength(to as Extract<SqlType, { kind: 'varchar' | 'bpchar' }>, text, explicit);
  }
  if (to.kind === 'oid') return toOid(v, from, to);
  if (isIntegerType(to)) return toInteger(v, from, to);
  switch (to.kind) {
    case 'float4': case 'float8': {
      const n = typeof v === 'bigint' ? Number(v) : v instanceof Numeric ? v.toNumber() : (v as number);
      if (from.kind === 'bool' || typeof n !== 'number') return cannotCast(from, to);
      return to.kind === 'float4' ? Math.fround(n) : n;
    }
    case 'numeric': {
      if (typeof v === 'bigint') return coerceNumeric(Numeric.fromBigInt(v), to);
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return Number.isNaN(v) ? Numeric.fromString('NaN') : cannotConvertInfinity();
        const n = Numeric.fromString(from.kind === 'float4' ? String(v) : Number(v.toPrecision(15)).toString());
        return coerceNumeric(n ?? Numeric.fromBigInt(0n), to);
      }
      if (v instanceof Numeric) return coerceNumeric(v, to);
      return cannotCast(from, to);
    }
    case 'bool':
      if (typeof v === 'bigint') return v !== 0n;
      return from.kind === 'bool' ? v : cannotCast(from, to);
    default:
      return castTime(v, from, to, ctx);
  }
}

/** jsonb -> json (its text), or a scalar to bool / a number type (22023 for another kind). */
function castFromJsonb(n: JsonNode, to: SqlType, explicit: boolean, ctx: FormatContext): Value {
  if (to.kind === 'json') return formatJson(n);
  if (to.kind === 'jsonb') return new Jsonb(n);
  if (to.kind === 'bool') {
    if (typeof n !== 'boolean') throw sqlError('22023', `cannot cast jsonb ${jsonTypeof(n)} to type boolean`);
    return n;
  }
  if (!(n instanceof Numeric)) throw sqlError('22023', `cannot cast jsonb ${jsonTypeof(n)} to type ${typeDisplayName(to)}`);
  return castValue(n, T.numeric, to, explicit, ctx);
}

function cannotConvertInfinity(): never {
  throw sqlError('22003', 'cannot convert infinity to numeric');
}

function toOid(v: Value, from: SqlType, to: SqlType): bigint {
  if (typeof v !== 'bigint') return cannotCast(from, to);
  if (from.kind === 'oid') return v;
  if (v < -2147483648n || v > 4294967295n) throw sqlError('22003', 'OID out of range');
  return v < 0n ? v + 4294967296n : v;
}

function toInteger(v: Value, from: SqlType, to: SqlType): bigint {
  const kind = to.kind as 'int2' | 'int4' | 'int8';
  if (typeof v === 'bigint') return checkIntRange(kind, v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return checkIntRange(kind, 2n ** 64n);
    // float -> int rounds half to even (rint), like PostgreSQL.
    const r = Math.round(v);
    const even = Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    return checkIntRange(kind, BigInt(even));
  }
  if (v instanceof Numeric) {
    if (v.isNaN()) throw sqlError('22003', `cannot convert NaN to ${typeDisplayName(to)}`);
    return checkIntRange(kind, BigInt(v.round(0).toString()));
  }
  return cannotCast(from, to);
}

function castTime(v: Value, from: SqlType, to: SqlType, ctx: FormatContext): Value {
  const micros = (): bigint => {
    if (from.kind === 'date') return BigInt(v as number) * MICROS_PER_DAY;
    return v as bigint;
  };
  const floorDays = (m: bigint): number => Number((m - ((m % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY) / MICROS_PER_DAY);
  switch (to.kind) {
    case 'date':
      if (from.kind === 'timestamptz') return floorDays((v as bigint) + BigInt(offsetAt(ctx.timeZone, v as bigint)) * 1_000_000n);
      if (from.kind === 'timestamp' || from.kind === 'date') return from.kind === 'date' ? v : floorDays(v as bigint);
      return cannotCast(from, to);
    case 'timestamp':
      if (from.kind === 'timestamptz') return (v as bigint) + BigInt(offsetAt(ctx.timeZone, v as bigint)) * 1_000_000n;
      if (from.kind === 'timestamp' || from.kind === 'date') return micros();
      return cannotCast(from, to);
    case 'timestamptz':
      if (from.kind === 'timestamptz') return v;
      if (from.kind === 'timestamp' || from.kind === 'date') return localToUtc(micros(), ctx.timeZone);
      return cannotCast(from, to);
    case 'time': {
      // The time of day: of the local wall clock for timestamptz, of the time part for an interval.
      const local = from.kind === 'timestamptz' ? (v as bigint) + BigInt(offsetAt(ctx.timeZone, v as bigint)) * 1_000_000n : from.kind === 'interval' ? (v as Interval).micros : (v as bigint);
      if (from.kind !== 'timestamp' && from.kind !== 'timestamptz' && from.kind !== 'interval') return cannotCast(from, to);
      return ((local % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;
    }
    case 'interval':
      return from.kind === 'time' ? new Interval(0, 0, v as bigint) : cannotCast(from, to);
    default:
      return cannotCast(from, to);
  }
}
