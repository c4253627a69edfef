/**
 * Common string and math functions with PostgreSQL's argument resolution: integers passed
 * to ceil/floor/trunc resolve to the double precision versions (float8 is the preferred
 * numeric type), numeric stays numeric. Returns null for a name it does not know.
 */
import { sqlError } from '../sql-error.ts';
import { Dec, Numeric } from '../types/numeric.ts';
import { positionOf, T, typeDisplayName, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-expr.ts';
import type { BoundExpr } from './bound.ts';
import { bindArrayFunction } from './bind-arrays.ts';
import { bindJsonFunction } from './bind-json.ts';
import { bindDateTimeFunction } from './functions-datetime.ts';
import { bindDateTimeMore } from './functions-datetime-more.ts';
import { anyAsText } from './functions-string.ts';
import { bindSequenceFunction } from './sequence-functions.ts';

function noSuchFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

const chars = (v: Value): string[] => [...(v as string)];
const int = (v: Value): number => Number(v as bigint);

/** Characters trimmed by trim/btrim/ltrim/rtrim: each character of `set` (default a space). */
function trimmer(side: 'both' | 'left' | 'right'): (s: Value, set?: Value) => Value {
  return (s, set = ' ') => {
    const cs = new Set(chars(set));
    const xs = chars(s);
    let a = 0;
    let b = xs.length;
    if (side !== 'right') while (a < b && cs.has(xs[a]!)) a++;
    if (side !== 'left') while (b > a && cs.has(xs[b - 1]!)) b--;
    return xs.slice(a, b).join('');
  };
}

function pad(left: boolean): (s: Value, len: Value, fill?: Value) => Value {
  return (s, len, fill = ' ') => {
    const xs = chars(s);
    const n = Math.max(0, int(len));
    if (xs.length >= n) return xs.slice(0, n).join('');
    const f = chars(fill);
    if (f.length === 0) return xs.join('');
    const padding: string[] = [];
    while (padding.length < n - xs.length) padding.push(f[padding.length % f.length]!);
    return left ? padding.join('') + xs.join('') : xs.join('') + padding.join('');
  };
}

function textFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const text = (i: number): BoundExpr => binder.coerce(args[i]!, T.text, pos);
  const int4 = (i: number): BoundExpr => binder.coerce(args[i]!, T.int4, pos);
  const need = (lo: number, hi = lo): void => {
    if (args.length < lo || args.length > hi) throw noSuchFunction(name, args, pos);
  };
  switch (name) {
    case 'concat': {
      // Not strict: NULL arguments are skipped; any type is written as text.
      const parts = args.map((a) => anyAsText(a, binder, pos));
      return call(name, T.text, parts, (row, ctx) => parts.map((p) => p.eval(row, ctx) ?? '').join(''));
    }
    case 'replace':
      need(3);
      return strictCall(name, T.text, [text(0), text(1), text(2)], (s, from, to) => ((from as string) === '' ? s : (s as string).split(from as string).join(to as string)));
    case 'strpos':
    case 'position':
      need(2);
      return strictCall(name, T.int4, [text(0), text(1)], (s, sub) => {
        const i = (s as string).indexOf(sub as string);
        return i < 0 ? 0n : BigInt(chars((s as string).slice(0, i)).length + 1);
      });
    case 'btrim': case 'trim': case 'ltrim': case 'rtrim': {
      need(1, 2);
      const fn = trimmer(name === 'ltrim' ? 'left' : name === 'rtrim' ? 'right' : 'both');
      return args.length === 1 ? strictCall(name, T.text, [text(0)], (s) => fn(s)) : strictCall(name, T.text, [text(0), text(1)], (s, set) => fn(s, set));
    }
    case 'left': case 'right':
      need(2);
      return strictCall(name, T.text, [text(0), int4(1)], (s, n) => {
        const xs = chars(s);
        const k = int(n);
        const count = k >= 0 ? Math.min(k, xs.length) : Math.max(0, xs.length + k);
        return (name === 'left' ? xs.slice(0, count) : xs.slice(xs.length - count)).join('');
      });
    case 'repeat':
      need(2);
      return strictCall(name, T.text, [text(0), int4(1)], (s, n) => (s as string).repeat(Math.max(0, int(n))));
    case 'reverse':
      need(1);
      return strictCall(name, T.text, [text(0)], (s) => chars(s).reverse().join(''));
    case 'lpad': case 'rpad': {
      need(2, 3);
      const fn = pad(name === 'lpad');
      return args.length === 2 ? strictCall(name, T.text, [text(0), int4(1)], (s, n) => fn(s, n)) : strictCall(name, T.text, [text(0), int4(1), text(2)], (s, n, f) => fn(s, n, f));
    }
    case 'split_part':
      need(3);
      return strictCall(name, T.text, [text(0), text(1), int4(2)], (s, d, n) => {
        const k = int(n);
        if (k === 0) throw sqlError('22023', 'field position must not be zero');
        const parts = (d as string) === '' ? [s as string] : (s as string).split(d as string);
        return parts[k > 0 ? k - 1 : parts.length + k] ?? '';
      });
    case 'starts_with':
      need(2);
      return strictCall(name, T.bool, [text(0), text(1)], (s, p) => (s as string).startsWith(p as string));
    default:
      return null;
  }
}

function mathFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  if (!['ceil', 'ceiling', 'floor', 'trunc', 'sign', 'mod'].includes(name)) return null;
  if (name === 'mod') {
    if (args.length !== 2) throw noSuchFunction(name, args, pos);
    return null; // the caller binds mod(a, b) as a % b
  }
  const arg = args[0];
  if (arg === undefined || args.length > (name === 'trunc' ? 2 : 1)) throw noSuchFunction(name, args, pos);
  if (arg.type.kind === 'numeric' || args.length === 2) {
    const n = binder.coerce(arg, T.numeric, pos);
    const digits = args[1] === undefined ? null : binder.coerce(args[1], T.int4, pos);
    const op = (v: Value, d: number): Value => {
      const x = (v as Numeric).value;
      if (x.isNaN()) return v;
      // ROUND_DOWN (1) truncates toward zero.
      const unit = new Dec(10).pow(-d);
      const r = name === 'trunc' ? (d >= 0 ? x.toDecimalPlaces(d, 1) : x.dividedBy(unit).trunc().times(unit)) : name === 'sign' ? new Dec(x.isZero() ? 0 : x.isNegative() ? -1 : 1) : name === 'floor' ? x.floor() : x.ceil();
      return new Numeric(r, name === 'trunc' ? Math.max(d, 0) : 0);
    };
    return digits === null ? strictCall(name, T.numeric, [n], (v) => op(v, 0)) : strictCall(name, T.numeric, [n, digits], (v, d) => op(v, int(d)));
  }
  const f = binder.coerce(arg, T.float8, pos);
  const fn = name === 'trunc' ? Math.trunc : name === 'sign' ? Math.sign : name === 'floor' ? Math.floor : Math.ceil;
  // -0 prints as "-0" in PostgreSQL for ceil(-0.5); Math.ceil gives -0 too.
  // sign(-0) is 0, where ceil/floor/trunc keep the sign of a negative zero.
  return strictCall(name, T.float8, [f], (v) => (name === 'sign' ? fn(v as number) || 0 : fn(v as number)));
}

export function bindMoreFunctions(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  return (
    textFunction(name, args, binder, pos) ??
    mathFunction(name, args, binder, pos) ??
    bindDateTimeFunction(name, args, binder, pos) ??
    bindDateTimeMore(name, args, binder, pos) ??
    bindJsonFunction(name, args, binder, pos) ??
    bindArrayFunction(name, args, binder, pos) ??
    bindSequenceFunction(name, args, binder, pos)
  );
}
