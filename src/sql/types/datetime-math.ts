/**
 * Date and timestamp arithmetic with intervals, age(), date_trunc() and the fields
 * extract() reads, as PostgreSQL computes them. Timestamps are microseconds since
 * 1970-01-01 (local wall time for timestamp, UTC for timestamptz, whose calendar parts
 * are taken in the session's time zone).
 */
import { sqlError } from '../sql-error.ts';
import { civilFromDays, daysFromCivil, localToUtc, MICROS_PER_DAY, offsetAt, type TimeZone } from './datetime.ts';
import { Interval, justifyHours } from './interval.ts';

/** A timestamp split into calendar fields (tm in PostgreSQL). */
export interface Tm {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

export function splitTimestamp(local: bigint): Tm {
  let days = local / MICROS_PER_DAY;
  let rem = local % MICROS_PER_DAY;
  if (rem < 0n) {
    rem += MICROS_PER_DAY;
    days -= 1n;
  }
  const [year, month, day] = civilFromDays(Number(days));
  const secs = Number(rem / 1_000_000n);
  return { year, month, day, hour: Math.floor(secs / 3600), minute: Math.floor(secs / 60) % 60, second: secs % 60, micros: Number(rem % 1_000_000n) };
}

export function joinTimestamp(tm: Tm): bigint {
  const days = daysFromCivil(tm.year, tm.month, tm.day);
  return BigInt(days) * MICROS_PER_DAY + BigInt(tm.hour * 3600 + tm.minute * 60 + tm.second) * 1_000_000n + BigInt(tm.micros);
}

export function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** The local wall time of an instant in `zone`. */
export function toLocal(utc: bigint, zone: TimeZone): bigint {
  return utc + BigInt(offsetAt(zone, utc)) * 1_000_000n;
}

/** Adds months then days to a local timestamp (clamping the day to the month's end). */
function addMonthsDays(local: bigint, months: number, days: number): bigint {
  let out = local;
  if (months !== 0) {
    const tm = splitTimestamp(out);
    const total = tm.year * 12 + (tm.month - 1) + months;
    tm.year = Math.floor(total / 12);
    tm.month = total - tm.year * 12 + 1;
    tm.day = Math.min(tm.day, daysInMonth(tm.year, tm.month));
    out = joinTimestamp(tm);
  }
  return out + BigInt(days) * MICROS_PER_DAY;
}

/** timestamp + interval: months and days in calendar terms, then the time part. */
export function timestampPlusInterval(local: bigint, span: Interval): bigint {
  return addMonthsDays(local, span.months, span.days) + span.micros;
}

/** timestamptz + interval: months and days move the wall clock of `zone` (DST-aware). */
export function timestampTzPlusInterval(utc: bigint, span: Interval, zone: TimeZone): bigint {
  let out = utc;
  if (span.months !== 0 || span.days !== 0) out = localToUtc(addMonthsDays(toLocal(utc, zone), span.months, span.days), zone);
  return out + span.micros;
}

/** timestamp - timestamp: the difference as days and time (justify_hours). */
export function timestampDifference(a: bigint, b: bigint): Interval {
  return justifyHours(new Interval(0, 0, a - b));
}

/** age(a, b): the symbolic difference in years, months, days and time, as PostgreSQL's. */
export function age(a: bigint, b: bigint): Interval {
  const t1 = splitTimestamp(a);
  const t2 = splitTimestamp(b);
  const flip = a < b ? -1 : 1;
  const d = {
    micros: flip * (t1.micros - t2.micros), second: flip * (t1.second - t2.second), minute: flip * (t1.minute - t2.minute),
    hour: flip * (t1.hour - t2.hour), day: flip * (t1.day - t2.day), month: flip * (t1.month - t2.month), year: flip * (t1.year - t2.year),
  };
  while (d.micros < 0) { d.micros += 1_000_000; d.second--; }
  while (d.second < 0) { d.second += 60; d.minute--; }
  while (d.minute < 0) { d.minute += 60; d.hour--; }
  while (d.hour < 0) { d.hour += 24; d.day--; }
  while (d.day < 0) {
    const ref = a < b ? t1 : t2;
    d.day += daysInMonth(ref.year, ref.month);
    d.month--;
  }
  while (d.month < 0) { d.month += 12; d.year--; }
  const time = ((BigInt(d.hour) * 60n + BigInt(d.minute)) * 60n + BigInt(d.second)) * 1_000_000n + BigInt(d.micros);
  return new Interval(flip * (d.year * 12 + d.month) || 0, flip * d.day || 0, BigInt(flip) * time);
}

export type TruncField = 'microseconds' | 'milliseconds' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year' | 'decade' | 'century' | 'millennium';

const truncAliases: Readonly<Record<string, TruncField>> = {
  microsecond: 'microseconds', microseconds: 'microseconds', us: 'microseconds', usec: 'microseconds', usecs: 'microseconds',
  millisecond: 'milliseconds', milliseconds: 'milliseconds', ms: 'milliseconds', msec: 'milliseconds', msecs: 'milliseconds',
  second: 'second', seconds: 'second', sec: 'second', secs: 'second', s: 'second',
  minute: 'minute', minutes: 'minute', min: 'minute', mins: 'minute', m: 'minute',
  hour: 'hour', hours: 'hour', h: 'hour', hr: 'hour', hrs: 'hour',
  day: 'day', days: 'day', d: 'day', week: 'week', weeks: 'week', w: 'week',
  month: 'month', months: 'month', mon: 'month', mons: 'month', quarter: 'quarter', qtr: 'quarter',
  year: 'year', years: 'year', y: 'year', yr: 'year', yrs: 'year', decade: 'decade', decades: 'decade',
  century: 'century', centuries: 'century', millennium: 'millennium', millennia: 'millennium', mil: 'millennium',
};

/** A unit name as date_trunc and extract accept it, or null. */
export function truncField(name: string): TruncField | null {
  return truncAliases[name.toLowerCase()] ?? null;
}

/** date_trunc(field, timestamp) on a local timestamp. */
export function truncateTimestamp(field: TruncField, local: bigint): bigint {
  const tm = splitTimestamp(local);
  const zeroBelow = (keep: 'micros' | 'second' | 'minute' | 'hour' | 'day'): void => {
    const order = ['day', 'hour', 'minute', 'second', 'micros'] as const;
    for (const f of order.slice(order.indexOf(keep) + 1)) tm[f] = 0;
  };
  switch (field) {
    case 'microseconds': return local;
    case 'milliseconds': tm.micros -= tm.micros % 1000; break;
    case 'second': zeroBelow('second'); break;
    case 'minute': zeroBelow('minute'); break;
    case 'hour': zeroBelow('hour'); break;
    case 'day': zeroBelow('day'); break;
    case 'week': {
      zeroBelow('day');
      const days = daysFromCivil(tm.year, tm.month, tm.day);
      const isoDow = ((days + 3) % 7 + 7) % 7; // 0 = Monday; 1970-01-01 was a Thursday
      return BigInt(days - isoDow) * MICROS_PER_DAY;
    }
    case 'month': zeroBelow('day'); tm.day = 1; break;
    case 'quarter': zeroBelow('day'); tm.day = 1; tm.month = Math.floor((tm.month - 1) / 3) * 3 + 1; break;
    case 'year': zeroBelow('day'); tm.day = 1; tm.month = 1; break;
    case 'decade': zeroBelow('day'); tm.day = 1; tm.month = 1; tm.year = tm.year > 0 ? tm.year - (tm.year % 10) : -Math.floor((8 - (tm.year - 1)) / 10) * 10; break;
    case 'century': zeroBelow('day'); tm.day = 1; tm.month = 1; tm.year = tm.year > 0 ? Math.floor((tm.year - 1) / 100) * 100 + 1 : -Math.floor((99 - (tm.year - 1)) / 100) * 100 + 1; break;
    case 'millennium': zeroBelow('day'); tm.day = 1; tm.month = 1; tm.year = tm.year > 0 ? Math.floor((tm.year - 1) / 1000) * 1000 + 1 : -Math.floor((999 - (tm.year - 1)) / 1000) * 1000 + 1; break;
  }
  return joinTimestamp(tm);
}

/** date_trunc(field, interval). */
export function truncateInterval(field: TruncField, span: Interval): Interval {
  const t = span.micros;
  const cut = (unit: bigint): bigint => t - (t % unit);
  switch (field) {
    case 'microseconds': return span;
    case 'milliseconds': return new Interval(span.months, span.days, cut(1000n));
    case 'second': return new Interval(span.months, span.days, cut(1_000_000n));
    case 'minute': return new Interval(span.months, span.days, cut(60_000_000n));
    case 'hour': return new Interval(span.months, span.days, cut(3_600_000_000n));
    case 'day': return new Interval(span.months, span.days, 0n);
    case 'month': return new Interval(span.months, 0, 0n);
    case 'quarter': return new Interval(span.months - (span.months % 3), 0, 0n);
    case 'year': return new Interval(span.months - (span.months % 12), 0, 0n);
    case 'decade': return new Interval(span.months - (span.months % 120), 0, 0n);
    case 'century': return new Interval(span.months - (span.months % 1200), 0, 0n);
    case 'millennium': return new Interval(span.months - (span.months % 12000), 0, 0n);
    case 'week':
      throw sqlError('0A000', 'unit "week" not supported for type interval', { detail: 'Months usually have fractional weeks.' });
  }
}

/** ISO 8601 week number and week-numbering year of a day. */
export function isoWeek(days: number): { week: number; year: number } {
  const isoDow = ((days + 3) % 7 + 7) % 7; // 0 = Monday
  const thursday = days - isoDow + 3;
  const [year] = civilFromDays(thursday);
  const jan1 = daysFromCivil(year, 1, 1);
  return { week: Math.floor((thursday - jan1) / 7) + 1, year };
}
