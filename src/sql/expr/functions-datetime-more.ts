/**
 * More date/time functions: make_time, make_timestamp[tz], to_timestamp(epoch),
 * to_date / to_timestamp by template, timezone() (AT TIME ZONE), the clock functions
 * statement_timestamp / clock_timestamp / localtime, isfinite, date_bin and OVERLAPS.
 * Returns null for a name it does not know.
 */
import { sqlError } from '../sql-error.ts';
import {
  DATE_INFINITY, DATE_MINUS_INFINITY, localToUtc, MICROS_PER_DAY, offsetAt, parseTimeZone, TIMESTAMP_INFINITY, TIMESTAMP_MINUS_INFINITY, type TimeZone,
} from '../types/datetime.ts';
import { joinTimestamp, timestampPlusInterval } from '../types/datetime-math.ts';
import { Interval as IntervalValue, type Interval } from '../types/interval.ts';
import { Numeric } from '../types/numeric.ts';
import { parseByTemplate } from '../types/to-timestamp.ts';
import { positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-expr.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

function noFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

const seconds = (v: Value): number => (v instanceof Numeric ? v.toNumber() : (v as number));
const int = (v: Value): number => Number(v as bigint);

/** Microseconds of h:m:s (s fractional), 22008 when a field is out of range. */
function clock(h: number, m: number, s: number): bigint {
  if (h < 0 || h > 24 || m < 0 || m > 59 || s < 0 || s > 60 || (h === 24 && (m > 0 || s > 0))) {
    throw sqlError('22008', `time field value out of range: ${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`);
  }
  return BigInt(h * 3600 + m * 60) * 1_000_000n + BigInt(Math.round(s * 1e6));
}

function zoneOf(name: string): TimeZone {
  const zone = parseTimeZone(name);
  if (zone === null) throw sqlError('22023', `time zone "${name}" not recognized`);
  return zone;
}

const isInfinite = (v: bigint): boolean => v === TIMESTAMP_INFINITY || v === TIMESTAMP_MINUS_INFINITY;

/** timezone(zone, ts): timestamptz -> local timestamp there; timestamp -> the instant it is there. */
function bindTimezone(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length !== 2) throw noFunction('timezone', args, pos);
  const zone = binder.coerce(args[0]!, T.text, pos);
  const src = args[1]!.type.kind === 'unknown' ? binder.coerce(args[1]!, T.timestamptz, pos) : args[1]!;
  if (src.type.kind === 'timestamptz') {
    return strictCall('timezone', T.timestamp, [zone, src], (z, v) => (isInfinite(v as bigint) ? v : (v as bigint) + BigInt(offsetAt(zoneOf(z as string), v as bigint)) * 1_000_000n));
  }
  const local = src.type.kind === 'date' ? binder.cast(src, T.timestamp, false, pos) : src;
  if (local.type.kind !== 'timestamp') throw noFunction('timezone', args, pos);
  return strictCall('timezone', T.timestamptz, [zone, local], (z, v) => (isInfinite(v as bigint) ? v : localToUtc(v as bigint, zoneOf(z as string))));
}

function bindToTimestamp(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length === 1 && name === 'to_timestamp') {
    return strictCall(name, T.timestamptz, [binder.coerce(args[0]!, T.float8, pos)], (v) => {
      const s = v as number;
      if (s === Infinity || s === -Infinity) return s > 0 ? TIMESTAMP_INFINITY : TIMESTAMP_MINUS_INFINITY;
      if (Number.isNaN(s)) throw sqlError('22008', 'timestamp cannot be NaN');
      return BigInt(Math.round(s * 1e6));
    });
  }
  if (args.length !== 2) throw noFunction(name, args, pos);
  const [text, fmt] = args.map((a) => binder.coerce(a, T.text, pos)) as [BoundExpr, BoundExpr];
  if (name === 'to_date') {
    return strictCall(name, T.date, [text, fmt], (t, f) => {
      const tm = parseByTemplate(t as string, f as string);
      return Number(joinTimestamp(tm) / MICROS_PER_DAY);
    });
  }
  return call(name, T.timestamptz, [text, fmt], (row, ctx) => {
    const t = text.eval(row, ctx);
    const f = fmt.eval(row, ctx);
    if (t === null || f === null) return null;
    return localToUtc(joinTimestamp(parseByTemplate(t as string, f as string)), ctx.timeZone);
  });
}

/** date_bin(stride, source, origin): the start of the stride-wide bin holding source. */
function bindDateBin(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length !== 3) throw noFunction('date_bin', args, pos);
  const tz = args.slice(1).some((a) => a.type.kind === 'timestamptz');
  const t: SqlType = tz ? T.timestamptz : T.timestamp;
  const typed = [binder.coerce(args[0]!, T.interval, pos), binder.coerce(args[1]!, t, pos), binder.coerce(args[2]!, t, pos)];
  return strictCall('date_bin', t, typed, (s, v, o) => {
    const stride = s as Interval;
    if (stride.months !== 0) throw sqlError('0A000', 'timestamps cannot be binned into intervals containing months or years');
    const width = BigInt(stride.days) * MICROS_PER_DAY + stride.micros;
    if (width <= 0n) throw sqlError('22023', 'stride must be greater than zero');
    const delta = (v as bigint) - (o as bigint);
    let bins = delta / width;
    if (delta < 0n && delta % width !== 0n) bins -= 1n;
    return (o as bigint) + bins * width;
  });
}

/** (s1, e1) OVERLAPS (s2, e2): PostgreSQL's rule, with NULL where the answer is unknown. */
function bindOverlaps(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length !== 4) throw noFunction('overlaps', args, pos);
  const tz = args.some((a) => a.type.kind === 'timestamptz');
  const t: SqlType = tz ? T.timestamptz : T.timestamp;
  const typed = args.map((a) => (a.type.kind === 'interval' ? a : binder.coerce(a, t, pos)));
  return call('overlaps', T.bool, typed, (row, ctx) => {
    const v = typed.map((a) => a.eval(row, ctx));
    // (start, interval) is the period from start to start + interval.
    const end = (start: Value, e: Value): bigint | null => (e instanceof IntervalValue ? (start === null ? null : timestampPlusInterval(start as bigint, e)) : (e as bigint | null));
    const [s1, e1, s2, e2] = [v[0] as bigint | null, end(v[0]!, v[1]!), v[2] as bigint | null, end(v[2]!, v[3]!)];
    const order = (a: bigint | null, b: bigint | null): [bigint | null, bigint | null] => (a !== null && b !== null && b < a ? [b, a] : a === null ? [b, a] : [a, b]);
    const [a1, b1] = order(s1 ?? null, e1 ?? null);
    const [a2, b2] = order(s2 ?? null, e2 ?? null);
    if (a1 === null || a2 === null) return null;
    if (a1 > a2) {
      if (b2 === null) return null;
      if (a1 < b2) return true;
      return b1 === null ? null : false;
    }
    if (a1 < a2) {
      if (b1 === null) return null;
      if (a2 < b1) return true;
      return b2 === null ? null : false;
    }
    return true;
  });
}

/**
 * statement_timestamp(): the clock when the statement first asks, remembered for the rest
 * of the statement (each statement gets its own context); never before the transaction's start.
 */
const statementClock = new WeakMap<EvalContext, bigint>();
function statementMicros(ctx: EvalContext): bigint {
  let t = statementClock.get(ctx);
  if (t === undefined) {
    const now = BigInt(Date.now()) * 1000n;
    t = now > ctx.txnMicros ? now : ctx.txnMicros;
    statementClock.set(ctx, t);
  }
  return t;
}

function nowLocal(ctx: EvalContext, micros: bigint): bigint {
  return micros + BigInt(offsetAt(ctx.timeZone, micros)) * 1_000_000n;
}

export function bindDateTimeMore(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  switch (name) {
    case 'make_time': {
      if (args.length !== 3) throw noFunction(name, args, pos);
      const typed = [binder.coerce(args[0]!, T.int4, pos), binder.coerce(args[1]!, T.int4, pos), binder.coerce(args[2]!, T.float8, pos)];
      return strictCall(name, T.time, typed, (h, m, s) => clock(int(h), int(m), seconds(s)));
    }
    case 'make_timestamp': case 'make_timestamptz': {
      if (args.length !== 6 && !(name === 'make_timestamptz' && args.length === 7)) throw noFunction(name, args, pos);
      const typed = [...args.slice(0, 5).map((a) => binder.coerce(a, T.int4, pos)), binder.coerce(args[5]!, T.float8, pos), ...(args[6] === undefined ? [] : [binder.coerce(args[6], T.text, pos)])];
      return call(name, name === 'make_timestamp' ? T.timestamp : T.timestamptz, typed, (row, ctx) => {
        const v = typed.map((a) => a.eval(row, ctx));
        if (v.some((x) => x === null)) return null;
        const [y, mo, d, h, mi, s] = v;
        const local = joinTimestamp({ year: int(y!), month: int(mo!), day: int(d!), hour: 0, minute: 0, second: 0, micros: 0 }) + clock(int(h!), int(mi!), seconds(s!));
        if (name === 'make_timestamp') return local;
        return localToUtc(local, v[6] === undefined ? ctx.timeZone : zoneOf(v[6] as string));
      });
    }
    case 'to_timestamp': case 'to_date':
      return bindToTimestamp(name, args, binder, pos);
    case 'timezone':
      return bindTimezone(args, binder, pos);
    case 'statement_timestamp': case 'clock_timestamp':
      if (args.length !== 0) throw noFunction(name, args, pos);
      return call(name, T.timestamptz, [], (_row, ctx) => (name === 'clock_timestamp' ? BigInt(Date.now()) * 1000n : statementMicros(ctx)));
    case 'localtime':
      return call(name, T.time, [], (_row, ctx) => ((nowLocal(ctx, ctx.txnMicros) % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY);
    case 'isfinite': {
      if (args.length !== 1) throw noFunction(name, args, pos);
      const a = args[0]!.type.kind === 'unknown' ? binder.coerce(args[0]!, T.timestamptz, pos) : args[0]!;
      return strictCall(name, T.bool, [a], (v) => (typeof v === 'bigint' ? !isInfinite(v) : typeof v === 'number' ? v !== DATE_INFINITY && v !== DATE_MINUS_INFINITY : true));
    }
    case 'date_bin':
      return bindDateBin(args, binder, pos);
    case 'overlaps':
      return bindOverlaps(args, binder, pos);
    default:
      return null;
  }
}
