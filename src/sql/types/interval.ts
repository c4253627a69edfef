/**
 * PostgreSQL's interval: months, days and microseconds kept apart (a month is not a fixed
 * number of days, nor a day a fixed number of hours across a DST change). Comparison and
 * hashing use interval_cmp_value (30-day months, 24-hour days), so '1 month' = '30 days'.
 *
 * Text input accepts PostgreSQL's forms: '1 year 2 mons 3 days 04:05:06.5', '1.5 hours',
 * '@ 1 day ago', '1-2' (years-months), 'P1Y2M3DT4H5M6S' and 'P0001-02-03T04:05:06'. Output
 * is IntervalStyle postgres. Errors: 22007 bad syntax, 22008 out of range.
 */
import { sqlError } from '../sql-error.ts';

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_MINUTE = 60_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY_INTERVAL = 86_400_000_000n;
const DAYS_PER_MONTH = 30;
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

export class Interval {
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: bigint,
  ) {
    if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN) throw outOfRange();
  }

  static readonly ZERO = new Interval(0, 0, 0n);

  /** interval_cmp_value: the interval as microseconds with 30-day months and 24-hour days. */
  cmpValue(): bigint {
    return (BigInt(this.months) * BigInt(DAYS_PER_MONTH) + BigInt(this.days)) * MICROS_PER_DAY_INTERVAL + this.micros;
  }

  compare(o: Interval): number {
    const a = this.cmpValue();
    const b = o.cmpValue();
    return a < b ? -1 : a > b ? 1 : 0;
  }

  add(o: Interval): Interval {
    return new Interval(this.months + o.months, this.days + o.days, this.micros + o.micros);
  }

  sub(o: Interval): Interval {
    return new Interval(this.months - o.months, this.days - o.days, this.micros - o.micros);
  }

  neg(): Interval {
    return new Interval(-this.months || 0, -this.days || 0, -this.micros);
  }

  toString(): string {
    return formatInterval(this);
  }
}

function outOfRange(): Error {
  return sqlError('22008', 'interval out of range');
}

const tsRound = (x: number): number => Math.round(x * 1e6) / 1e6;

/** interval * float8, as interval_mul: fractional months and days cascade down. */
export function multiplyInterval(span: Interval, factor: number): Interval {
  if (Number.isNaN(factor)) throw sqlError('22008', 'interval out of range');
  const monthsExact = span.months * factor;
  const daysExact = span.days * factor;
  if (!Number.isFinite(monthsExact) || !Number.isFinite(daysExact) || Math.abs(monthsExact) > INT32_MAX || Math.abs(daysExact) > INT32_MAX) throw outOfRange();
  return cascade(monthsExact, daysExact, Number(span.micros) * factor);
}

/** interval / float8, as interval_div; 22012 for a zero divisor. */
export function divideInterval(span: Interval, divisor: number): Interval {
  if (divisor === 0) throw sqlError('22012', 'division by zero');
  if (Number.isNaN(divisor)) throw outOfRange();
  return cascade(span.months / divisor, span.days / divisor, Number(span.micros) / divisor);
}

function cascade(monthsExact: number, daysExact: number, microsExact: number): Interval {
  const months = Math.trunc(monthsExact);
  let days = Math.trunc(daysExact);
  const monthRemainderDays = tsRound((monthsExact - months) * DAYS_PER_MONTH);
  let secRemainder = tsRound((daysExact - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400);
  if (Math.abs(secRemainder) >= 86400) {
    const whole = Math.trunc(secRemainder / 86400);
    days += whole;
    secRemainder -= whole * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const micros = Math.round(microsExact + secRemainder * 1e6);
  if (!Number.isFinite(micros)) throw outOfRange();
  return new Interval(months || 0, days || 0, BigInt(micros));
}

/** justify_hours: whole 24-hour periods of the time part become days. */
export function justifyHours(span: Interval): Interval {
  let days = span.days + Number(span.micros / MICROS_PER_DAY_INTERVAL);
  let micros = span.micros % MICROS_PER_DAY_INTERVAL;
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY_INTERVAL;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY_INTERVAL;
    days++;
  }
  return new Interval(span.months, days, micros);
}

/** justify_days: whole 30-day periods become months. */
export function justifyDays(span: Interval): Interval {
  let months = span.months + Math.trunc(span.days / DAYS_PER_MONTH);
  let days = span.days % DAYS_PER_MONTH;
  if (months > 0 && days < 0) {
    days += DAYS_PER_MONTH;
    months--;
  } else if (months < 0 && days > 0) {
    days -= DAYS_PER_MONTH;
    months++;
  }
  return new Interval(months, days || 0, span.micros);
}

/** justify_interval: both, with the signs of all parts made to agree. */
export function justifyInterval(span: Interval): Interval {
  let { months, days, micros } = span;
  if ((days > 0 && micros > 0n) || (days < 0 && micros < 0n)) {
    const whole = Math.trunc(days / DAYS_PER_MONTH);
    days -= whole * DAYS_PER_MONTH;
    months += whole;
  }
  const wholeDays = micros / MICROS_PER_DAY_INTERVAL;
  micros -= wholeDays * MICROS_PER_DAY_INTERVAL;
  days += Number(wholeDays);
  const wholeMonths = Math.trunc(days / DAYS_PER_MONTH);
  days -= wholeMonths * DAYS_PER_MONTH;
  months += wholeMonths;
  if (months > 0 && (days < 0 || (days === 0 && micros < 0n))) {
    days += DAYS_PER_MONTH;
    months--;
  } else if (months < 0 && (days > 0 || (days === 0 && micros > 0n))) {
    days -= DAYS_PER_MONTH;
    months++;
  }
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY_INTERVAL;
    days--;
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY_INTERVAL;
    days++;
  }
  return new Interval(months || 0, days || 0, micros);
}

/** The fields of an interval as interval2itm splits them (truncating, signs kept). */
export interface IntervalFields {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: bigint;
  readonly minutes: number;
  readonly seconds: number;
  readonly micros: number;
}

export function intervalFields(span: Interval): IntervalFields {
  const t = span.micros;
  return {
    years: Math.trunc(span.months / 12),
    months: span.months % 12,
    days: span.days,
    hours: t / MICROS_PER_HOUR,
    minutes: Number((t / MICROS_PER_MINUTE) % 60n),
    seconds: Number((t / MICROS_PER_SECOND) % 60n),
    micros: Number(t % MICROS_PER_SECOND),
  };
}

/** IntervalStyle postgres: '1 year 2 mons -3 days +04:05:06.5', '00:00:00' for zero. */
export function formatInterval(span: Interval): string {
  const f = intervalFields(span);
  let out = '';
  let isZero = true;
  let isBefore = false;
  const part = (value: number, unit: string): void => {
    if (value === 0) return;
    out += `${isZero ? '' : ' '}${isBefore && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`;
    isBefore = value < 0;
    isZero = false;
  };
  part(f.years, 'year');
  part(f.months, 'mon');
  part(f.days, 'day');
  if (isZero || span.micros !== 0n) {
    const minus = span.micros < 0n;
    const abs = (n: number): number => Math.abs(n);
    const hours = f.hours < 0n ? -f.hours : f.hours;
    out += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${String(hours).padStart(2, '0')}:${String(abs(f.minutes)).padStart(2, '0')}:${formatSeconds(abs(f.seconds), abs(f.micros))}`;
  }
  return out;
}

function formatSeconds(seconds: number, micros: number): string {
  const whole = String(seconds).padStart(2, '0');
  return micros === 0 ? whole : `${whole}.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
}

/** Unit names PostgreSQL's interval input knows, to a canonical unit. */
const units: Readonly<Record<string, Unit>> = {};
type Unit = 'microsecond' | 'millisecond' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year' | 'decade' | 'century' | 'millennium';
const unitSpellings: Readonly<Record<Unit, readonly string[]>> = {
  microsecond: ['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds', 'microsecon'],
  millisecond: ['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds', 'millisecon'],
  second: ['second', 'seconds', 's', 'sec', 'secs'],
  minute: ['minute', 'minutes', 'm', 'min', 'mins'],
  hour: ['hour', 'hours', 'h', 'hr', 'hrs'],
  day: ['day', 'days', 'd'],
  week: ['week', 'weeks', 'w'],
  month: ['month', 'months', 'mon', 'mons'],
  year: ['year', 'years', 'y', 'yr', 'yrs'],
  decade: ['decade', 'decades', 'dec', 'decs'],
  century: ['century', 'centuries', 'c', 'cent'],
  millennium: ['millennium', 'millennia', 'mil', 'mils'],
};
for (const [unit, names] of Object.entries(unitSpellings)) for (const n of names) (units as Record<string, Unit>)[n] = unit as Unit;

/** Resolves a unit name ('hours', 'mon', 'ms'...) or returns null. */
export function intervalUnit(name: string): Unit | null {
  return units[name.toLowerCase()] ?? null;
}

/** Accumulates fields while reading interval text; fractions cascade as PostgreSQL's do. */
class IntervalBuilder {
  months = 0;
  days = 0;
  micros = 0;
  /** Fields already given: PostgreSQL refuses one field twice ('1 day 2 days'). */
  private readonly seen = new Set<string>();

  /** Records a field; false when it was given before. */
  claim(field: string): boolean {
    if (this.seen.has(field)) return false;
    this.seen.add(field);
    return true;
  }

  add(unit: Unit, value: number): void {
    const whole = Math.trunc(value);
    const frac = value - whole;
    switch (unit) {
      case 'microsecond': this.micros += value; return;
      case 'millisecond': this.micros += value * 1000; return;
      case 'second': this.micros += value * 1e6; return;
      case 'minute': this.micros += value * 6e7; return;
      case 'hour': this.micros += value * 3.6e9; return;
      case 'day': this.days += whole; this.micros += frac * 86400e6; return;
      case 'week': this.fractionalDays(value * 7); return;
      case 'month': this.months += whole; this.fractionalDays(frac * DAYS_PER_MONTH); return;
      case 'year': this.months += whole * 12 + Math.round(frac * 12); return;
      case 'decade': this.months += whole * 120 + Math.round(frac * 120); return;
      case 'century': this.months += whole * 1200 + Math.round(frac * 1200); return;
      case 'millennium': this.months += whole * 12000 + Math.round(frac * 12000); return;
    }
  }

  private fractionalDays(days: number): void {
    const whole = Math.trunc(days);
    this.days += whole;
    this.micros += (days - whole) * 86400e6;
  }

  build(negate: boolean, text: string): Interval {
    const sign = negate ? -1 : 1;
    const inInt32 = (n: number): boolean => n >= -(2 ** 31) && n <= 2 ** 31 - 1;
    if (!inInt32(this.months) || !inInt32(this.days)) throw sqlError('22015', `interval field value out of range: "${text}"`);
    return new Interval(sign * this.months || 0, sign * this.days || 0, BigInt(Math.round(sign * this.micros)));
  }
}

/** Parses interval text (see the module comment). */
export function parseInterval(text: string): Interval {
  const bad = (): never => {
    throw sqlError('22007', `invalid input syntax for type interval: "${text}"`);
  };
  const t = text.trim().toLowerCase();
  if (t === '') return bad();
  if (t.startsWith('p')) return parseIso8601(t) ?? bad();
  // Tokens: year-month ('1-2', not a date), clock times, plain numbers (no exponent), words.
  const tokens = t.replace(/^@\s*/, '').match(/[+-]?\d+-\d+(?![\d-])|[+-]?\d+:\d+(?::\d+(?:\.\d*)?)?|[+-]?(?:\d+\.?\d*|\.\d+)|[a-z]+|\S/g) ?? [];
  const b = new IntervalBuilder();
  let ago = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === 'ago') {
      if (i !== tokens.length - 1) bad();
      ago = true;
    } else if (/^[+-]?\d+-\d+$/.test(tok)) {
      const [, sign, y, m] = /^([+-]?)(\d+)-(\d+)$/.exec(tok)!;
      const months = Number(y) * 12 + Number(m);
      b.months += sign === '-' ? -months : months;
    } else if (tok.includes(':')) {
      if (!['hour', 'minute', 'second'].every((f) => b.claim(f))) bad();
      b.micros += parseClock(tok) ?? bad();
    } else if (/^[+-]?[\d.]/.test(tok)) {
      const value = Number(tok);
      const next = tokens[i + 1];
      const unit = next === undefined ? null : intervalUnit(next);
      if (!Number.isFinite(value)) bad();
      if (unit !== null) {
        if (!b.claim(unit)) bad();
        b.add(unit, value);
        i++;
      } else if (next !== undefined && next.includes(':')) {
        b.add('day', value); // '1 02:03' is a day count and a time
      } else if (next === undefined) {
        // A bare number at the end counts seconds.
        if (!b.claim('second')) bad();
        b.add('second', value);
      } else {
        bad();
      }
    } else {
      bad();
    }
  }
  return b.build(ago, text);
}

/** 'hh:mm[:ss[.frac]]' with an optional sign, in microseconds. */
function parseClock(tok: string): number | null {
  const m = /^([+-]?)(\d+):(\d+)(?::(\d+)(?:\.(\d*))?)?$/.exec(tok);
  if (m === null) return null;
  const minutes = Number(m[3]);
  const seconds = Number(m[4] ?? 0);
  if (minutes > 59 || seconds > 60) throw sqlError('22008', `interval field value out of range: "${tok}"`);
  const frac = Math.round(Number(`0.${m[5] ?? '0'}`) * 1e6);
  const micros = (Number(m[2]) * 3600 + minutes * 60 + seconds) * 1e6 + frac;
  return m[1] === '-' ? -micros : micros;
}

const isoUnits: Readonly<Record<string, Unit>> = { y: 'year', m: 'month', w: 'week', d: 'day' };
const isoTimeUnits: Readonly<Record<string, Unit>> = { h: 'hour', m: 'minute', s: 'second' };

/** ISO 8601 durations: 'P1Y2M3DT4H5M6S' (designators) or 'P0001-02-03T04:05:06' (alternative). */
function parseIso8601(t: string): Interval | null {
  const alt = /^p(\d+)-(\d+)-(\d+)(?:t(\d+):(\d+):(\d+(?:\.\d+)?))?$/.exec(t);
  const b = new IntervalBuilder();
  if (alt !== null) {
    b.add('year', Number(alt[1]));
    b.add('month', Number(alt[2]));
    b.add('day', Number(alt[3]));
    b.add('hour', Number(alt[4] ?? 0));
    b.add('minute', Number(alt[5] ?? 0));
    b.add('second', Number(alt[6] ?? 0));
    return b.build(false, t);
  }
  const m = /^p((?:[+-]?\d+(?:\.\d+)?[ymwd])*)(?:t((?:[+-]?\d+(?:\.\d+)?[hms])+))?$/.exec(t);
  if (m === null || (m[1] === '' && m[2] === undefined)) return null;
  for (const [, n, u] of (m[1] ?? '').matchAll(/([+-]?\d+(?:\.\d+)?)([ymwd])/g)) b.add(isoUnits[u!]!, Number(n));
  for (const [, n, u] of (m[2] ?? '').matchAll(/([+-]?\d+(?:\.\d+)?)([hms])/g)) b.add(isoTimeUnits[u!]!, Number(n));
  return b.build(false, t);
}
