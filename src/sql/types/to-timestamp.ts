/**
 * to_date / to_timestamp(text, template): reads calendar fields by a to_char-style
 * template. The fields used in practice are read: YYYY YYY YY Y, MM, DD, DDD, HH24 HH12
 * HH, MI, SS, MS, US, FF1-FF6, Mon/Month/MON/MONTH (names), AM/PM, Dy/Day (skipped), and
 * literal text, which matches any one non-digit. Missing fields default to January 1,
 * 00:00:00; out-of-range values are 22008.
 */
import { sqlError } from '../sql-error.ts';
import { civilFromDays, daysFromCivil } from './datetime.ts';
import type { Tm } from './datetime-math.ts';

const months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

type Setter = (tm: Tm, text: string) => void;
interface Field {
  readonly pattern: string;
  /** Digits to read at most, or 'name' for month/day names, 'ampm' for the meridiem. */
  readonly read: number | 'month' | 'day' | 'ampm';
  readonly set: Setter;
}

const num = (s: string): number => Number(s);

// Longest patterns first, so that HH24 wins over HH and MONTH over MON.
const fields: readonly Field[] = [
  { pattern: 'YYYY', read: 4, set: (tm, s) => (tm.year = num(s)) },
  { pattern: 'HH24', read: 2, set: (tm, s) => (tm.hour = num(s)) },
  { pattern: 'HH12', read: 2, set: (tm, s) => (tm.hour = num(s)) },
  { pattern: 'MONTH', read: 'month', set: (tm, s) => (tm.month = Number(s)) },
  { pattern: 'YYY', read: 3, set: (tm, s) => (tm.year = 2000 + num(s)) },
  { pattern: 'MON', read: 'month', set: (tm, s) => (tm.month = Number(s)) },
  { pattern: 'DAY', read: 'day', set: () => undefined },
  { pattern: 'DDD', read: 3, set: (tm, s) => ((tm.month = 0), (tm.day = num(s))) },
  { pattern: 'FF1', read: 1, set: (tm, s) => (tm.micros = num(s) * 100000) },
  { pattern: 'FF2', read: 2, set: (tm, s) => (tm.micros = num(s.padEnd(2, '0')) * 10000) },
  { pattern: 'FF3', read: 3, set: (tm, s) => (tm.micros = num(s.padEnd(3, '0')) * 1000) },
  { pattern: 'FF4', read: 4, set: (tm, s) => (tm.micros = num(s.padEnd(4, '0')) * 100) },
  { pattern: 'FF5', read: 5, set: (tm, s) => (tm.micros = num(s.padEnd(5, '0')) * 10) },
  { pattern: 'FF6', read: 6, set: (tm, s) => (tm.micros = num(s.padEnd(6, '0'))) },
  { pattern: 'YY', read: 2, set: (tm, s) => (tm.year = num(s) < 70 ? 2000 + num(s) : 1900 + num(s)) },
  { pattern: 'MM', read: 2, set: (tm, s) => (tm.month = num(s)) },
  { pattern: 'DD', read: 2, set: (tm, s) => (tm.day = num(s)) },
  { pattern: 'DY', read: 'day', set: () => undefined },
  { pattern: 'HH', read: 2, set: (tm, s) => (tm.hour = num(s)) },
  { pattern: 'MI', read: 2, set: (tm, s) => (tm.minute = num(s)) },
  { pattern: 'SS', read: 2, set: (tm, s) => (tm.second = num(s)) },
  { pattern: 'MS', read: 3, set: (tm, s) => (tm.micros = num(s.padEnd(3, '0')) * 1000) },
  { pattern: 'US', read: 6, set: (tm, s) => (tm.micros = num(s.padEnd(6, '0'))) },
  { pattern: 'AM', read: 'ampm', set: () => undefined },
  { pattern: 'PM', read: 'ampm', set: () => undefined },
  { pattern: 'A.M.', read: 'ampm', set: () => undefined },
  { pattern: 'P.M.', read: 'ampm', set: () => undefined },
  { pattern: 'Y', read: 1, set: (tm, s) => (tm.year = 2020 + num(s)) },
];

function bad(text: string, why: string): Error {
  return sqlError('22007', `invalid value "${text}" for "${why}"`);
}

/** Reads one field's text at `at`: the value text (a month number for names, am/pm) and the new position. */
function readField(f: Field, input: string, at: number): [string, number] {
  if (typeof f.read === 'number') {
    const m = new RegExp(`^[+-]?\\d{1,${f.read}}`).exec(input.slice(at));
    if (m === null) throw bad(input.slice(at, at + f.read), f.pattern);
    return [m[0], at + m[0].length];
  }
  const word = /^[a-z.]+/i.exec(input.slice(at))?.[0] ?? '';
  if (f.read === 'ampm') {
    const w = word.toLowerCase().replaceAll('.', '');
    if (w !== 'am' && w !== 'pm') throw bad(word, f.pattern);
    return [w, at + word.length];
  }
  const names = f.read === 'month' ? months : days;
  const lower = word.toLowerCase();
  const i = names.findIndex((n) => lower === n || (lower.length === 3 && n.startsWith(lower)));
  if (i < 0) throw bad(word, f.pattern);
  return [String(i + 1), at + word.length];
}

/** Calendar fields from `input` read by `format` (local time, no zone). */
export function parseByTemplate(input: string, format: string): Tm {
  const tm: Tm = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, micros: 0 };
  let pm: boolean | null = null;
  let i = 0;
  let at = 0;
  while (i < format.length) {
    if (format.startsWith('FM', i) || format.startsWith('fm', i)) { i += 2; continue; }
    const upper = format.slice(i).toUpperCase();
    const f = fields.find((x) => upper.startsWith(x.pattern));
    if (f !== undefined) {
      while (at < input.length && input[at] === ' ') at++;
      const [value, next] = readField(f, input, at);
      if (f.read === 'ampm') pm = value === 'pm';
      else f.set(tm, value);
      at = next;
      i += f.pattern.length;
      continue;
    }
    // Literal template text: skips one character of input (a separator or a space).
    if (format[i] === ' ') { while (at < input.length && input[at] === ' ') at++; } else if (at < input.length && !/\d/.test(input[at]!)) at++;
    i++;
  }
  if (pm !== null) {
    if (tm.hour < 1 || tm.hour > 12) throw sqlError('22008', `hour "${tm.hour}" is invalid for the 12-hour clock`, { hint: 'Use the 24-hour clock, or give an hour between 1 and 12.' });
    tm.hour = (tm.hour % 12) + (pm ? 12 : 0);
  }
  if (tm.month === 0) {
    // DDD (day of the year): month 0 marks it until the year is known.
    const [y, m, dd] = civilFromDays(daysFromCivil(tm.year, 1, 1) + tm.day - 1);
    if (tm.day < 1 || y !== tm.year) throw sqlError('22008', `date/time field value out of range: "${input}"`);
    tm.month = m;
    tm.day = dd;
  }
  const d = daysFromCivil(tm.year, tm.month, tm.day);
  const [y, m, dd] = civilFromDays(d);
  if (y !== tm.year || m !== tm.month || dd !== tm.day || tm.hour > 24 || tm.minute > 59 || tm.second > 60) {
    throw sqlError('22008', `date/time field value out of range: "${input}"`);
  }
  return tm;
}
