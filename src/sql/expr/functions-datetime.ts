/**
 * Date/time functions over intervals and timestamps: extract / date_part, date_trunc,
 * justify_days / _hours / _interval, age, make_interval, isfinite. extract returns
 * numeric (seconds with 6 decimals, as PostgreSQL 14+), date_part double precision.
 * Errors: 22023 for a unit a function does not know, 0A000 for a unit a type lacks.
 */
import { sqlError } from '../sql-error.ts';
import { civilFromDays, daysFromCivil, localToUtc, MICROS_PER_DAY, offsetAt, parseTimeZone } from '../types/datetime.ts';
import { isoWeek, splitTimestamp, toLocal, truncateInterval, truncateTimestamp, truncField, type TruncField } from '../types/datetime-math.ts';
import { Interval, intervalFields, justifyDays, justifyHours, justifyInterval } from '../types/interval.ts';
import { Dec, Numeric } from '../types/numeric.ts';
import { toChar } from '../types/to-char.ts';
import { toCharNumber } from '../types/to-char-number.ts';
import { isNumericType, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import { bindAge } from './bind-datetime-ops.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-helpers.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

function noFunction(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/** A numeric from a count of units with `scale` implied decimals (123456, 6 -> 0.123456). */
function scaled(units: bigint, scale: number): Numeric {
  return new Numeric(new Dec(units.toString()).dividedBy(new Dec(10).pow(scale)), scale);
}

const int = (n: number | bigint): Numeric => scaled(BigInt(n), 0);

function unitError(unit: string, type: SqlType, recognized: boolean): Error {
  return recognized
    ? sqlError('0A000', `unit "${unit}" not supported for type ${typeDisplayName(type)}`)
    : sqlError('22023', `unit "${unit}" not recognized for type ${typeDisplayName(type)}`);
}

type Field = TruncField | 'epoch' | 'dow' | 'isodow' | 'doy' | 'isoyear' | 'timezone' | 'timezone_hour' | 'timezone_minute' | 'julian';

function extractField(name: string): Field | null {
  const n = name.toLowerCase();
  if (['epoch', 'dow', 'isodow', 'doy', 'isoyear', 'timezone', 'timezone_hour', 'timezone_minute', 'julian'].includes(n)) return n as Field;
  return truncField(n);
}

/** extract(field from timestamp) on local calendar fields; `utc` is for epoch of timestamptz. */
function extractTimestamp(field: Field, local: bigint, utc: bigint, offsetSeconds: number | null, type: SqlType, unit: string): Numeric {
  const tm = splitTimestamp(local);
  const days = daysFromCivil(tm.year, tm.month, tm.day);
  const secMicros = BigInt(tm.second) * 1_000_000n + BigInt(tm.micros);
  const y = tm.year;
  switch (field) {
    case 'microseconds': return int(secMicros);
    case 'milliseconds': return scaled(secMicros, 3);
    case 'second': return scaled(secMicros, 6);
    case 'minute': return int(tm.minute);
    case 'hour': return int(tm.hour);
    case 'day': return int(tm.day);
    case 'month': return int(tm.month);
    case 'quarter': return int(Math.floor((tm.month - 1) / 3) + 1);
    case 'year': return int(y > 0 ? y : y - 1);
    case 'decade': return int(y >= 0 ? Math.floor(y / 10) : -Math.floor((8 - (y - 1)) / 10));
    case 'century': return int(y > 0 ? Math.floor((y + 99) / 100) : -Math.floor((99 - (y - 1)) / 100));
    case 'millennium': return int(y > 0 ? Math.floor((y + 999) / 1000) : -Math.floor((999 - (y - 1)) / 1000));
    case 'week': return int(isoWeek(days).week);
    case 'isoyear': { const iy = isoWeek(days).year; return int(iy > 0 ? iy : iy - 1); }
    case 'dow': return int(((days + 4) % 7 + 7) % 7);
    case 'isodow': return int(((days + 3) % 7 + 7) % 7 + 1);
    case 'doy': return int(days - daysFromCivil(y, 1, 1) + 1);
    case 'epoch': return scaled(utc, 6);
    case 'julian': throw unitError(unit, type, true);
    case 'timezone': case 'timezone_hour': case 'timezone_minute': {
      if (offsetSeconds === null) throw unitError(unit, type, true);
      if (field === 'timezone') return int(offsetSeconds);
      return int(field === 'timezone_hour' ? Math.trunc(offsetSeconds / 3600) : Math.trunc(offsetSeconds / 60) % 60);
    }
  }
}

function extractDate(field: Field, days: number, unit: string): Numeric {
  const timeFields: readonly Field[] = ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'timezone', 'timezone_hour', 'timezone_minute'];
  if (timeFields.includes(field)) throw unitError(unit, T.date, true);
  if (field === 'epoch') return int(BigInt(days) * 86400n);
  if (field === 'julian') return int(days + 2440588);
  const micros = BigInt(days) * MICROS_PER_DAY;
  return extractTimestamp(field, micros, micros, null, T.date, unit);
}

function extractInterval(field: Field, span: Interval, unit: string): Numeric {
  const f = intervalFields(span);
  const secMicros = BigInt(f.seconds) * 1_000_000n + BigInt(f.micros);
  switch (field) {
    case 'microseconds': return int(secMicros);
    case 'milliseconds': return scaled(secMicros, 3);
    case 'second': return scaled(secMicros, 6);
    case 'minute': return int(f.minutes);
    case 'hour': return int(f.hours);
    case 'day': return int(f.days);
    case 'month': return int(f.months);
    case 'quarter': return int(Math.trunc(f.months / 3) + 1);
    case 'year': return int(f.years);
    case 'decade': return int(Math.trunc(f.years / 10));
    case 'century': return int(Math.trunc(f.years / 100));
    case 'millennium': return int(Math.trunc(f.years / 1000));
    case 'epoch': {
      // Years count 365.25 days, months 30: as PostgreSQL's interval epoch.
      const yearSeconds = BigInt(Math.trunc(365.25 * 86400 * Math.trunc(span.months / 12)));
      const daySeconds = (BigInt(30 * (span.months % 12)) + BigInt(span.days)) * 86400n;
      return scaled((yearSeconds + daySeconds) * 1_000_000n + span.micros, 6);
    }
    default: throw unitError(unit, T.interval, true);
  }
}

/** extract(field from time): the clock fields and epoch (seconds since midnight). */
function extractTime(field: Field, micros: bigint, unit: string): Numeric {
  const secMicros = micros % 60_000_000n;
  switch (field) {
    case 'microseconds': return int(secMicros);
    case 'milliseconds': return scaled(secMicros, 3);
    case 'second': return scaled(secMicros, 6);
    case 'minute': return int((micros / 60_000_000n) % 60n);
    case 'hour': return int(micros / 3_600_000_000n);
    case 'epoch': return scaled(micros, 6);
    default: throw unitError(unit, T.time, extractField(unit) !== null);
  }
}

/** The source of extract/date_part/date_trunc: an untyped literal reads as timestamptz. */
function timeSource(arg: BoundExpr, binder: Binder, pos: number): BoundExpr {
  return arg.type.kind === 'unknown' ? binder.coerce(arg, T.timestamptz, pos) : arg;
}

function bindExtract(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length !== 2) throw noFunction(name, args, pos);
  const unit = binder.coerce(args[0]!, T.text, pos);
  const src = timeSource(args[1]!, binder, pos);
  const type = src.type;
  if (!['timestamp', 'timestamptz', 'date', 'interval', 'time'].includes(type.kind)) throw noFunction(name, args, pos);
  const asFloat = name === 'date_part';
  // date_part has no date version: a date is read as a timestamp there.
  const eff = asFloat && type.kind === 'date' ? T.timestamp : type;
  return call(name, asFloat ? T.float8 : T.numeric, [unit, src], (row, ctx) => {
    const u = unit.eval(row, ctx);
    const v = src.eval(row, ctx);
    if (u === null || v === null) return null;
    const field = extractField(u as string);
    if (field === null) throw unitError(u as string, eff, false);
    const n = extractValue(field, eff, eff !== type ? BigInt(v as number) * MICROS_PER_DAY : v, u as string, ctx);
    return asFloat ? n.toNumber() : n;
  });
}

function extractValue(field: Field, type: SqlType, v: Value, unit: string, ctx: EvalContext): Numeric {
  switch (type.kind) {
    case 'date': return extractDate(field, v as number, unit);
    case 'interval': return extractInterval(field, v as Interval, unit);
    case 'time': return extractTime(field, v as bigint, unit);
    case 'timestamptz': {
      const offset = offsetAt(ctx.timeZone, v as bigint);
      return extractTimestamp(field, (v as bigint) + BigInt(offset) * 1_000_000n, v as bigint, offset, type, unit);
    }
    default: return extractTimestamp(field, v as bigint, v as bigint, null, type, unit);
  }
}

function bindDateTrunc(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length !== 2 && args.length !== 3) throw noFunction(name, args, pos);
  const unit = binder.coerce(args[0]!, T.text, pos);
  let src = timeSource(args[1]!, binder, pos);
  if (src.type.kind === 'date') src = binder.coerce(src, T.timestamptz, pos);
  const type = src.type;
  if (!['timestamp', 'timestamptz', 'interval'].includes(type.kind) || (args.length === 3 && type.kind !== 'timestamptz')) throw noFunction(name, args, pos);
  const zone = args[2] === undefined ? null : binder.coerce(args[2], T.text, pos);
  return call(name, type, [unit, src], (row, ctx) => {
    const u = unit.eval(row, ctx);
    const v = src.eval(row, ctx);
    if (u === null || v === null) return null;
    const field = truncField(u as string);
    if (field === null) throw unitError(u as string, type, false);
    if (type.kind === 'interval') return truncateInterval(field, v as Interval);
    if (type.kind === 'timestamp') return truncateTimestamp(field, v as bigint);
    const z = zone === null ? ctx.timeZone : zoneFrom(zone.eval(row, ctx), ctx);
    return localToUtc(truncateTimestamp(field, toLocal(v as bigint, z)), z);
  });
}

function zoneFrom(v: Value, ctx: EvalContext): EvalContext['timeZone'] {
  if (v === null) return ctx.timeZone;
  const z = parseTimeZone(v as string);
  if (z === null) throw sqlError('22023', `time zone "${v as string}" not recognized`);
  return z;
}

/** make_interval(years, months, weeks, days, hours, mins, secs): missing ones are zero. */
function bindMakeInterval(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length > 7) throw noFunction('make_interval', args, pos);
  const typed = args.map((a, i) => binder.coerce(a, i === 6 ? T.float8 : T.int4, pos));
  return strictCall('make_interval', T.interval, typed, (...vs) => {
    const n = (i: number): number => (vs[i] === undefined ? 0 : Number(vs[i] as bigint));
    const secs = vs[6] === undefined ? 0 : (vs[6] as number);
    const micros = BigInt(n(4)) * 3_600_000_000n + BigInt(n(5)) * 60_000_000n + BigInt(Math.round(secs * 1e6));
    return new Interval(n(0) * 12 + n(1), n(2) * 7 + n(3), micros);
  });
}

/** to_char(timestamp | timestamptz | date, text); other argument types are not supported. */
function bindToChar(args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr {
  if (args.length !== 2) throw noFunction('to_char', args, pos);
  if (isNumericType(args[0]!.type)) {
    // Numbers: integers and numeric exactly, floats as their double value.
    const n = args[0]!;
    return strictCall('to_char', T.text, [n, binder.coerce(args[1]!, T.text, pos)], (v, f) =>
      toCharNumber(typeof v === 'bigint' ? new Dec(v.toString()) : v instanceof Numeric ? v.value : (v as number), f as string));
  }
  let src = timeSource(args[0]!, binder, pos);
  if (src.type.kind === 'date') src = binder.coerce(src, T.timestamptz, pos);
  if (src.type.kind !== 'timestamp' && src.type.kind !== 'timestamptz') throw noFunction('to_char', args, pos);
  const tz = src.type.kind === 'timestamptz';
  const format = binder.coerce(args[1]!, T.text, pos);
  return call('to_char', T.text, [src, format], (row, ctx) => {
    const v = src.eval(row, ctx);
    const f = format.eval(row, ctx);
    if (v === null || f === null) return null;
    const local = tz ? toLocal(v as bigint, ctx.timeZone) : (v as bigint);
    const tm = splitTimestamp(local);
    return toChar(tm, daysFromCivil(tm.year, tm.month, tm.day), f as string);
  });
}

/** Binds a date/time function, or returns null for a name this file does not know. */
export function bindDateTimeFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const interval = (i: number): BoundExpr => binder.coerce(args[i]!, T.interval, pos);
  switch (name) {
    case 'extract': case 'date_part':
      return bindExtract(name, args, binder, pos);
    case 'date_trunc':
      return bindDateTrunc(name, args, binder, pos);
    case 'justify_days': case 'justify_hours': case 'justify_interval': {
      if (args.length !== 1) throw noFunction(name, args, pos);
      const fn = name === 'justify_days' ? justifyDays : name === 'justify_hours' ? justifyHours : justifyInterval;
      return strictCall(name, T.interval, [interval(0)], (v) => fn(v as Interval));
    }
    case 'age':
      if (args.length < 1 || args.length > 2) throw noFunction(name, args, pos);
      return bindAge(args, binder, pos);
    case 'make_interval':
      return bindMakeInterval(args, binder, pos);
    case 'to_char':
      return bindToChar(args, binder, pos);
    case 'make_date': {
      if (args.length !== 3) throw noFunction(name, args, pos);
      const typed = args.map((a) => binder.coerce(a, T.int4, pos));
      return strictCall(name, T.date, typed, (y, m, d) => {
        const yy = Number(y as bigint);
        const days = daysFromCivil(yy < 0 ? yy + 1 : yy, Number(m as bigint), Number(d as bigint));
        const [cy, cm, cd] = civilFromDays(days);
        if (yy === 0 || cm !== Number(m as bigint) || cd !== Number(d as bigint) || cy !== (yy < 0 ? yy + 1 : yy)) {
          throw sqlError('22008', `date field value out of range: ${yy}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
        }
        return days;
      });
    }
    default:
      return null;
  }
}
