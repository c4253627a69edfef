/**
 * Mathematical functions with PostgreSQL's overload resolution: an integer or unknown
 * argument goes to the double precision version (float8 is the preferred numeric type),
 * numeric stays numeric and gets PostgreSQL's result scale (at least 16 significant digits,
 * never fewer decimals than the input). Also the integer bit operators, pg_typeof and
 * random(). Returns null for a name it does not know.
 */
import { Decimal } from 'decimal.js';
import { sqlError } from '../sql-error.ts';
import { Dec, Numeric, weightAndFirstDigit } from '../types/numeric.ts';
import { isIntegerType, positionOf, T, typeDisplayName, typeOid, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, constant, strictCall } from './bind-expr.ts';
import type { BoundExpr } from './bound.ts';

type D = InstanceType<typeof Dec>;
const MIN_SIG_DIGITS = 16;
const MAX_DISPLAY_SCALE = 1000;
/** pg_postmaster_start_time(): when this node process started. */
const PROCESS_START_MICROS = BigInt(Math.round((Date.now() - process.uptime() * 1000) * 1000));

function noSuchFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

const clampScale = (...scales: number[]): number => Math.min(Math.max(0, ...scales), MAX_DISPLAY_SCALE);
const result = (v: D, scale: number): Numeric => new Numeric(v.toDecimalPlaces(scale, Decimal.ROUND_HALF_UP), scale);
/** decimal.js's ln/exp/pow refuse numeric's full 1,100 digits; these carry the digits a result needs. */
const Transcendental = Dec.clone({ precision: 120 });
const wide = (v: D): D => new Transcendental(v);

/** PostgreSQL's estimate of the decimal weight of ln(x), which sets ln's and log's scale. */
function lnWeight(x: D): number {
  if (x.lte(0)) return 0;
  if (x.gte(0.9) && x.lte(1.1)) {
    const d = x.minus(1);
    if (d.isZero()) return 0;
    const [w, first] = weightAndFirstDigit(d);
    return w * 4 + Math.trunc(Math.log10(first));
  }
  return Math.trunc(Math.log10(Math.abs(Math.log(x.toNumber()))));
}

function numericLn(x: Numeric, fn: string): Numeric {
  if (x.isNaN()) return x;
  if (x.value.isZero()) throw sqlError('2201E', `cannot take logarithm of zero`);
  if (x.value.isNegative()) throw sqlError('2201E', `cannot take logarithm of a negative number`);
  const scale = clampScale(MIN_SIG_DIGITS - lnWeight(x.value), x.scale);
  return result(fn === 'ln' ? wide(x.value).ln() : wide(x.value).log(10), scale);
}

function numericLog(base: Numeric, x: Numeric): Numeric {
  for (const v of [base, x]) {
    if (v.value.isZero()) throw sqlError('2201E', 'cannot take logarithm of zero');
    if (v.value.isNegative()) throw sqlError('2201E', 'cannot take logarithm of a negative number');
  }
  if (base.value.eq(1)) throw sqlError('22012', 'division by zero');
  const scale = clampScale(MIN_SIG_DIGITS - (lnWeight(x.value) - lnWeight(base.value)), base.scale, x.scale);
  return result(wide(x.value).ln().dividedBy(wide(base.value).ln()), scale);
}

function numericSqrt(x: Numeric): Numeric {
  if (x.isNaN()) return x;
  if (x.value.isNegative()) throw sqlError('2201F', 'cannot take square root of a negative number');
  const [w] = weightAndFirstDigit(x.value);
  const sweight = Math.trunc(((w + 1) * 4) / 2) - 1;
  return result(x.value.sqrt(), clampScale(MIN_SIG_DIGITS - sweight, x.scale));
}

function numericExp(x: Numeric): Numeric {
  if (x.isNaN()) return x;
  const weight = Math.trunc(Math.max(Math.min(x.toNumber() * 0.434294481903252, 2000), -2000));
  return result(wide(x.value).exp(), clampScale(MIN_SIG_DIGITS - weight, x.scale));
}

function numericPower(base: Numeric, exp: Numeric): Numeric {
  if (base.isNaN() || exp.isNaN()) return base.isNaN() ? base : exp;
  const b = base.value;
  const e = exp.value;
  if (b.isZero() && e.isNegative()) throw sqlError('2201F', 'zero raised to a negative power is undefined');
  if (b.isNegative() && !e.isInteger()) throw sqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  let weight: number;
  if (e.isInteger() && e.abs().lte(2147483647)) {
    weight = b.isZero() ? 0 : Math.trunc(e.toNumber() * wide(b.abs()).log(10).toNumber());
  } else weight = Math.trunc(Math.log(b.toNumber()) * e.toNumber() * 0.434294481903252);
  const scale = clampScale(MIN_SIG_DIGITS - weight, base.scale, exp.scale);
  return result(e.isInteger() ? b.pow(e) : wide(b).pow(e), scale);
}

function float(name: string, fn: (...x: number[]) => number): (...v: Value[]) => Value {
  return (...v) => {
    const r = fn(...(v as number[]));
    if (Number.isNaN(r) && !v.some((x) => Number.isNaN(x))) throw sqlError('22003', `input is out of range`);
    if (!Number.isFinite(r) && v.every((x) => Number.isFinite(x))) throw sqlError('22003', 'value out of range: overflow');
    return r;
  };
}

const degree = (f: (r: number) => number) => (d: number): number => {
  const r = f((d * Math.PI) / 180);
  // Exact at the angles where PostgreSQL's sind/cosd/tand are exact.
  return Math.abs(r - Math.round(r)) < 1e-12 ? Math.round(r) : Math.abs(r * 2 - Math.round(r * 2)) < 1e-12 ? Math.round(r * 2) / 2 : r;
};

const floatFunctions: Readonly<Record<string, (...x: number[]) => number>> = {
  cbrt: Math.cbrt, sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  atan2: Math.atan2, cot: (x) => 1 / Math.tan(x), sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, asinh: Math.asinh,
  acosh: Math.acosh, atanh: Math.atanh, degrees: (x) => (x * 180) / Math.PI, radians: (x) => (x * Math.PI) / 180,
  sind: degree(Math.sin), cosd: degree(Math.cos), tand: degree(Math.tan),
  asind: (x) => (Math.asin(x) * 180) / Math.PI, acosd: (x) => (Math.acos(x) * 180) / Math.PI, atand: (x) => (Math.atan(x) * 180) / Math.PI,
};

/** sqrt, cbrt, exp, ln, log, power: numeric when an argument is numeric, else float8. */
function analyticFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const isNumeric = args.some((a) => a.type.kind === 'numeric');
  switch (name) {
    case 'sqrt': case 'exp': case 'ln': case 'log10':
    case 'log': case 'power': case 'pow': case 'dlog10': case 'dsqrt': case 'dexp': case 'dlog1': {
      const two = name === 'log' || name === 'power' || name === 'pow';
      if (args.length !== 1 && !(two && args.length === 2)) throw noSuchFunction(name, args, pos);
      if (name === 'power' || name === 'pow' || (name === 'log' && args.length === 2)) {
        // log(b, x) exists only for numeric.
        if (isNumeric || name === 'log') {
          const [a, b] = args.map((x) => binder.coerce(x, T.numeric, pos)) as [BoundExpr, BoundExpr];
          return strictCall(name, T.numeric, [a, b], (x, y) => (name === 'log' ? numericLog(x as Numeric, y as Numeric) : numericPower(x as Numeric, y as Numeric)));
        }
        const [a, b] = args.map((x) => binder.coerce(x, T.float8, pos)) as [BoundExpr, BoundExpr];
        return strictCall(name, T.float8, [a, b], (x, y) => floatPower(x as number, y as number));
      }
      if (isNumeric) {
        const a = binder.coerce(args[0]!, T.numeric, pos);
        return strictCall(name, T.numeric, [a], (x) => {
          const n = x as Numeric;
          if (name === 'sqrt') return numericSqrt(n);
          if (name === 'exp') return numericExp(n);
          return name === 'ln' ? numericLn(n, 'ln') : numericLog(new Numeric(new Dec(10), 0), n);
        });
      }
      const a = binder.coerce(args[0]!, T.float8, pos);
      return strictCall(name, T.float8, [a], (x) => floatUnary(name, x as number));
    }
    default:
      return null;
  }
}

function floatUnary(name: string, x: number): number {
  if (name === 'sqrt' || name === 'dsqrt') {
    if (x < 0) throw sqlError('2201F', 'cannot take square root of a negative number');
    return Math.sqrt(x);
  }
  if (name === 'exp' || name === 'dexp') {
    const r = Math.exp(x);
    if (!Number.isFinite(r) && Number.isFinite(x)) throw sqlError('22003', 'value out of range: overflow');
    return r;
  }
  if (x === 0) throw sqlError('2201E', 'cannot take logarithm of zero');
  if (x < 0) throw sqlError('2201E', 'cannot take logarithm of a negative number');
  return name === 'ln' || name === 'dlog1' ? Math.log(x) : Math.log10(x);
}

function floatPower(x: number, y: number): number {
  if (x === 0 && y < 0) throw sqlError('2201F', 'zero raised to a negative power is undefined');
  if (x < 0 && !Number.isInteger(y)) throw sqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  const r = x ** y;
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) throw sqlError('22003', 'value out of range: overflow');
  return r;
}

/** The integer type two integer arguments share (the wider one). */
function widerInt(a: SqlType, b: SqlType): SqlType {
  const rank = (t: SqlType): number => (t.kind === 'int8' ? 3 : t.kind === 'int4' || t.kind === 'unknown' ? 2 : 1);
  const r = Math.max(rank(a), rank(b));
  return r === 3 ? T.int8 : r === 2 ? T.int4 : T.int2;
}

function wrap(t: SqlType, v: bigint): bigint {
  return t.kind === 'int8' ? BigInt.asIntN(64, v) : t.kind === 'int4' ? BigInt.asIntN(32, v) : BigInt.asIntN(16, v);
}

function integerFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  switch (name) {
    case 'gcd': case 'lcm': {
      if (args.length !== 2) throw noSuchFunction(name, args, pos);
      if (args.some((a) => a.type.kind === 'numeric')) return null;
      const t = widerInt(args[0]!.type, args[1]!.type);
      const [a, b] = args.map((x) => binder.coerce(x, t, pos)) as [BoundExpr, BoundExpr];
      return strictCall(name, t, [a, b], (x, y) => {
        const g = gcd(x as bigint, y as bigint);
        if (wrap(t, g) !== g) throw sqlError('22003', `${t.kind === 'int8' ? 'bigint' : 'integer'} out of range`);
        if (name === 'gcd') return g;
        if (g === 0n) return 0n;
        const l = (x as bigint) / g * (y as bigint);
        const abs = l < 0n ? -l : l;
        if (wrap(t, abs) !== abs) throw sqlError('22003', `${t.kind === 'int8' ? 'bigint' : 'integer'} out of range`);
        return abs;
      });
    }
    case 'factorial': {
      if (args.length !== 1) throw noSuchFunction(name, args, pos);
      return strictCall(name, T.numeric, [binder.coerce(args[0]!, T.int8, pos)], (n) => {
        if ((n as bigint) < 0n) throw sqlError('2201F', 'factorial of a negative number is undefined');
        let r = 1n;
        for (let i = 2n; i <= (n as bigint); i++) r *= i;
        return Numeric.fromBigInt(r);
      });
    }
    case 'div': {
      if (args.length !== 2) throw noSuchFunction(name, args, pos);
      const [a, b] = args.map((x) => binder.coerce(x, T.numeric, pos)) as [BoundExpr, BoundExpr];
      return strictCall(name, T.numeric, [a, b], (x, y) => {
        if ((y as Numeric).isZero()) throw sqlError('22012', 'division by zero');
        return new Numeric((x as Numeric).value.dividedBy((y as Numeric).value).trunc(), 0);
      });
    }
    default:
      return null;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The operators & | # << >> and prefix ~ of the integer types (the parser names them so). */
export function bindBitOperator(op: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  const fail = (): Error => sqlError('42883', `operator does not exist: ${args.length === 1 ? `${op} ${typeDisplayName(args[0]!.type)}` : `${typeDisplayName(args[0]!.type)} ${op} ${typeDisplayName(args[1]!.type)}`}`, {
    ...positionOf(pos),
    hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
  });
  if (!args.every((a) => isIntegerType(a.type) || a.type.kind === 'unknown')) throw fail();
  if (args.length === 1) {
    const a = binder.coerce(args[0]!, args[0]!.type.kind === 'unknown' ? T.int4 : args[0]!.type, pos);
    return strictCall(op, a.type, [a], (x) => ~(x as bigint));
  }
  const shift = op === '<<' || op === '>>';
  const t = shift ? (args[0]!.type.kind === 'unknown' ? T.int4 : args[0]!.type) : widerInt(args[0]!.type, args[1]!.type);
  const a = binder.coerce(args[0]!, t, pos);
  const b = binder.coerce(args[1]!, shift ? T.int4 : t, pos);
  const bits = BigInt(t.kind === 'int8' ? 64 : t.kind === 'int4' ? 32 : 16);
  return strictCall(op, t, [a, b], (x, y) => {
    const l = x as bigint;
    const r = y as bigint;
    switch (op) {
      case '&': return l & r;
      case '|': return l | r;
      case '#': return l ^ r;
      // Shifts count modulo the width, as C's shifts on PostgreSQL's platforms do.
      case '<<': return wrap(t, l << (((r % bits) + bits) % bits));
      default: return l >> (((r % bits) + bits) % bits);
    }
  });
}

export function bindMathFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const analytic = analyticFunction(name, args, binder, pos);
  if (analytic !== null) return analytic;
  const integer = integerFunction(name, args, binder, pos);
  if (integer !== null) return integer;
  const f = floatFunctions[name];
  if (f !== undefined) {
    if (args.length !== f.length) throw noSuchFunction(name, args, pos);
    const typed = args.map((a) => binder.coerce(a, T.float8, pos));
    return strictCall(name, T.float8, typed, float(name, f));
  }
  switch (name) {
    case 'pi':
      if (args.length !== 0) throw noSuchFunction(name, args, pos);
      return constant(T.float8, Math.PI);
    case 'pg_postmaster_start_time':
      if (args.length !== 0) throw noSuchFunction(name, args, pos);
      return constant(T.timestamptz, PROCESS_START_MICROS);
    case 'random':
      if (args.length !== 0) throw noSuchFunction(name, args, pos);
      return call(name, T.float8, [], () => Math.random());
    case 'pg_typeof': {
      if (args.length !== 1) throw noSuchFunction(name, args, pos);
      return constant({ kind: 'oid', reg: 'regtype' }, BigInt(args[0]!.type.kind === 'unknown' ? 705 : typeOid(args[0]!.type)));
    }
    case 'scale': case 'min_scale': case 'trim_scale': {
      if (args.length !== 1) throw noSuchFunction(name, args, pos);
      const a = binder.coerce(args[0]!, T.numeric, pos);
      const minScale = (n: Numeric): number => Math.max(0, n.value.decimalPlaces());
      if (name === 'trim_scale') return strictCall(name, T.numeric, [a], (x) => ((x as Numeric).isNaN() ? x : new Numeric((x as Numeric).value, minScale(x as Numeric))));
      return strictCall(name, T.int4, [a], (x) => ((x as Numeric).isNaN() ? null : BigInt(name === 'scale' ? (x as Numeric).scale : minScale(x as Numeric))));
    }
    case 'width_bucket': {
      if (args.length !== 4) throw noSuchFunction(name, args, pos);
      const numeric = args.slice(0, 3).some((a) => a.type.kind === 'numeric');
      const typed = [...args.slice(0, 3).map((a) => binder.coerce(a, numeric ? T.numeric : T.float8, pos)), binder.coerce(args[3]!, T.int4, pos)];
      return strictCall(name, T.int4, typed, (x, lo, hi, n) => widthBucket(toNum(x), toNum(lo), toNum(hi), Number(n as bigint)));
    }
    default:
      return null;
  }
}

const toNum = (v: Value): number => (v instanceof Numeric ? v.toNumber() : (v as number));

function widthBucket(x: number, lo: number, hi: number, n: number): bigint {
  if (n <= 0) throw sqlError('2201G', 'count must be greater than zero');
  if (lo === hi) throw sqlError('2201G', 'lower bound cannot equal upper bound');
  if (lo < hi) {
    if (x < lo) return 0n;
    if (x >= hi) return BigInt(n + 1);
    return BigInt(Math.floor(((x - lo) / (hi - lo)) * n) + 1);
  }
  if (x > lo) return 0n;
  if (x <= hi) return BigInt(n + 1);
  return BigInt(Math.floor(((lo - x) / (lo - hi)) * n) + 1);
}
