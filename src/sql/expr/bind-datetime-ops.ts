/**
 * Operators over intervals, timestamps and timestamptz (date arithmetic with integers
 * stays in bind-expr.ts): timestamp ± interval, timestamp - timestamp, interval ± interval,
 * interval * / number and -interval, with PostgreSQL's result types. An untyped literal
 * next to a timestamp is an interval for `+` and the timestamp's own type for `-` (so
 * `ts - '1 day'` fails to read '1 day' as a timestamp, as in PostgreSQL).
 */
import { sqlError } from '../sql-error.ts';
import { offsetAt } from '../types/datetime.ts';
import { age, timestampDifference, timestampPlusInterval, timestampTzPlusInterval } from '../types/datetime-math.ts';
import { divideInterval, Interval as IntervalValue, multiplyInterval, type Interval } from '../types/interval.ts';
import { isNumericType, T, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-helpers.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

const isTime = (t: SqlType): boolean => t.kind === 'timestamp' || t.kind === 'timestamptz' || t.kind === 'date';
const involvesInterval = (l: SqlType, r: SqlType): boolean => l.kind === 'interval' || r.kind === 'interval';

/** Whether `l op r` is one of this file's operators (checked before numeric arithmetic). */
export function isDateTimeOperation(op: string, l: SqlType, r: SqlType): boolean {
  if (op !== '+' && op !== '-' && op !== '*' && op !== '/') return false;
  if (involvesInterval(l, r)) return true;
  if ((l.kind === 'time' || r.kind === 'time') && (op === '+' || op === '-')) return true;
  const stamp = (t: SqlType): boolean => t.kind === 'timestamp' || t.kind === 'timestamptz';
  return (stamp(l) || stamp(r)) && (isTime(l) || l.kind === 'unknown') && (isTime(r) || r.kind === 'unknown');
}

/** A ctx-aware strict binary call (timestamptz arithmetic needs the session's zone). */
function zoned(label: string, type: SqlType, l: BoundExpr, r: BoundExpr, fn: (a: Value, b: Value, ctx: EvalContext) => Value): BoundExpr {
  return call(label, type, [l, r], (row, ctx) => {
    const a = l.eval(row, ctx);
    const b = r.eval(row, ctx);
    return a === null || b === null ? null : fn(a, b, ctx);
  });
}

export function bindDateTimeOperation(op: '+' | '-' | '*' | '/', left: BoundExpr, right: BoundExpr, pos: number, binder: Binder, fail: () => Error): BoundExpr {
  let l = left;
  let r = right;
  if (op === '*' || op === '/') {
    if (r.type.kind === 'interval' && op === '*') [l, r] = [r, l];
    if (l.type.kind !== 'interval' || !(isNumericType(r.type) || r.type.kind === 'unknown')) throw fail();
    const f = binder.coerce(r, T.float8, pos);
    return strictCall(op, T.interval, [l, f], (a, b) => (op === '*' ? multiplyInterval(a as Interval, b as number) : divideInterval(a as Interval, b as number)));
  }
  // Untyped literals: next to an interval they are intervals; next to a timestamp, an
  // interval for '+' and the same type for '-'.
  if (l.type.kind === 'unknown') l = binder.coerce(l, r.type.kind === 'interval' || op === '-' ? r.type : T.interval, pos);
  if (r.type.kind === 'unknown') r = binder.coerce(r, l.type.kind === 'interval' || op === '-' ? l.type : T.interval, pos);
  if (op === '+' && l.type.kind === 'interval' && (isTime(r.type) || r.type.kind === 'time')) [l, r] = [r, l];
  if (op === '+' && l.type.kind === 'time' && r.type.kind === 'date') [l, r] = [r, l];
  const lt = l.type.kind;
  const rt = r.type.kind;
  if (lt === 'time' || rt === 'time') return timeOperation(op, l, r, fail);
  if (lt === 'interval' && rt === 'interval') {
    return strictCall(op, T.interval, [l, r], (a, b) => (op === '+' ? (a as Interval).add(b as Interval) : (a as Interval).sub(b as Interval)));
  }
  if (isTime(l.type) && rt === 'interval') {
    const sign = op === '+' ? 1 : -1;
    if (lt === 'timestamptz') {
      return zoned(op, T.timestamptz, l, r, (a, b, ctx) => timestampTzPlusInterval(a as bigint, signed(b as Interval, sign), ctx.timeZone));
    }
    const stamp = lt === 'date' ? binder.cast(l, T.timestamp, false, pos) : l;
    return strictCall(op, T.timestamp, [stamp, r], (a, b) => timestampPlusInterval(a as bigint, signed(b as Interval, sign)));
  }
  if (op === '-' && isTime(l.type) && isTime(r.type)) {
    const target = lt === 'timestamptz' || rt === 'timestamptz' ? T.timestamptz : T.timestamp;
    const a = binder.coerce(l, target, pos);
    const b = binder.coerce(r, target, pos);
    return strictCall('-', T.interval, [a, b], (x, y) => timestampDifference(x as bigint, y as bigint));
  }
  throw fail();
}

const MICROS_PER_DAY = 86_400_000_000n;
const timeOfDay = (micros: bigint): bigint => ((micros % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;

/** time ± interval (wraps around midnight; the interval's days and months do not count), time - time, date + time. */
function timeOperation(op: '+' | '-', l: BoundExpr, r: BoundExpr, fail: () => Error): BoundExpr {
  const lt = l.type.kind;
  const rt = r.type.kind;
  if (lt === 'time' && rt === 'interval') {
    return strictCall(op, T.time, [l, r], (a, b) => timeOfDay((a as bigint) + (op === '+' ? 1n : -1n) * (b as Interval).micros));
  }
  if (lt === 'time' && rt === 'time' && op === '-') return strictCall(op, T.interval, [l, r], (a, b) => new IntervalValue(0, 0, (a as bigint) - (b as bigint)));
  if (lt === 'date' && rt === 'time' && op === '+') return strictCall(op, T.timestamp, [l, r], (a, b) => BigInt(a as number) * MICROS_PER_DAY + (b as bigint));
  throw fail();
}

function signed(span: Interval, sign: number): Interval {
  return sign === 1 ? span : span.neg();
}

/** -interval */
export function bindIntervalNegate(arg: BoundExpr): BoundExpr {
  return strictCall('-', T.interval, [arg], (v) => (v as Interval).neg());
}

/** age(a, b) and age(a) (against midnight of the current date), on local calendar fields. */
export function bindAge(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  const tz = args.some((a) => a.type.kind === 'timestamptz');
  const target = tz ? T.timestamptz : T.timestamp;
  const typed = args.map((a) => binder.coerce(a, target, pos));
  const local = (v: bigint, ctx: EvalContext): bigint => (tz ? v + BigInt(offsetSeconds(ctx, v)) * 1_000_000n : v);
  if (typed.length === 2) {
    return zoned('age', T.interval, typed[0]!, typed[1]!, (a, b, ctx) => age(local(a as bigint, ctx), local(b as bigint, ctx)));
  }
  if (typed.length !== 1) throw sqlError('42883', 'function age() does not exist', pos >= 0 ? { position: pos + 1 } : {});
  const arg = typed[0]!;
  return call('age', T.interval, [arg], (row, ctx) => {
    const v = arg.eval(row, ctx);
    if (v === null) return null;
    const today = ctx.txnMicros + BigInt(offsetSeconds(ctx, ctx.txnMicros)) * 1_000_000n;
    const midnight = today - (((today % 86_400_000_000n) + 86_400_000_000n) % 86_400_000_000n);
    return age(midnight, local(v as bigint, ctx));
  });
}

function offsetSeconds(ctx: EvalContext, utc: bigint): number {
  return offsetAt(ctx.timeZone, utc);
}
