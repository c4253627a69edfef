/**
 * to_char(timestamp, format): the common template patterns of PostgreSQL's formatting
 * functions. Supported: YYYY YYY YY Y IYYY MM DD DDD D ID HH HH12 HH24 MI SS MS US AM PM
 * am pm A.M. P.M. Mon MON mon Month MONTH month Day DAY day Dy DY dy Q WW IW CC J, the FM
 * prefix (no padding), "quoted text" and \" for a quote; anything else is copied.
 */
import { daysFromCivil } from './datetime.ts';
import { isoWeek, type Tm } from './datetime-math.ts';

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Field = (tm: Tm, days: number, fm: boolean) => string;

const pad = (n: number, width: number, fm: boolean): string => {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (fm ? s : s.padStart(width, '0'));
};
const cased = (word: string, style: 'upper' | 'cap' | 'lower'): string => (style === 'upper' ? word.toUpperCase() : style === 'lower' ? word.toLowerCase() : word);
const name = (word: string, style: 'upper' | 'cap' | 'lower', width: number, fm: boolean): string => {
  const w = cased(word, style);
  return fm ? w : w.padEnd(width, ' ');
};
const hour12 = (h: number): number => (h % 12 === 0 ? 12 : h % 12);
const dow = (days: number): number => ((days + 4) % 7 + 7) % 7;

/** Patterns, longest first so that 'HH24' wins over 'HH' and 'Month' over 'Mon'. */
const patterns: readonly (readonly [string, Field])[] = [
  ['YYYY', (tm, _d, fm) => pad(tm.year > 0 ? tm.year : 1 - tm.year, 4, fm)],
  ['IYYY', (_tm, d, fm) => pad(isoWeek(d).year, 4, fm)],
  ['YYY', (tm, _d, fm) => pad(Math.abs(tm.year) % 1000, 3, fm)],
  ['YY', (tm, _d, fm) => pad(Math.abs(tm.year) % 100, 2, fm)],
  ['Y', (tm) => String(Math.abs(tm.year) % 10)],
  ['HH24', (tm, _d, fm) => pad(tm.hour, 2, fm)],
  ['HH12', (tm, _d, fm) => pad(hour12(tm.hour), 2, fm)],
  ['HH', (tm, _d, fm) => pad(hour12(tm.hour), 2, fm)],
  ['MI', (tm, _d, fm) => pad(tm.minute, 2, fm)],
  ['SS', (tm, _d, fm) => pad(tm.second, 2, fm)],
  ['MS', (tm, _d, fm) => pad(Math.floor(tm.micros / 1000), 3, fm)],
  ['US', (tm, _d, fm) => pad(tm.micros, 6, fm)],
  ['A.M.', (tm) => (tm.hour < 12 ? 'A.M.' : 'P.M.')],
  ['P.M.', (tm) => (tm.hour < 12 ? 'A.M.' : 'P.M.')],
  ['a.m.', (tm) => (tm.hour < 12 ? 'a.m.' : 'p.m.')],
  ['p.m.', (tm) => (tm.hour < 12 ? 'a.m.' : 'p.m.')],
  ['AM', (tm) => (tm.hour < 12 ? 'AM' : 'PM')],
  ['PM', (tm) => (tm.hour < 12 ? 'AM' : 'PM')],
  ['am', (tm) => (tm.hour < 12 ? 'am' : 'pm')],
  ['pm', (tm) => (tm.hour < 12 ? 'am' : 'pm')],
  ['MONTH', (tm, _d, fm) => name(monthNames[tm.month - 1]!, 'upper', 9, fm)],
  ['Month', (tm, _d, fm) => name(monthNames[tm.month - 1]!, 'cap', 9, fm)],
  ['month', (tm, _d, fm) => name(monthNames[tm.month - 1]!, 'lower', 9, fm)],
  ['MON', (tm) => cased(monthNames[tm.month - 1]!.slice(0, 3), 'upper')],
  ['Mon', (tm) => monthNames[tm.month - 1]!.slice(0, 3)],
  ['mon', (tm) => cased(monthNames[tm.month - 1]!.slice(0, 3), 'lower')],
  ['MM', (tm, _d, fm) => pad(tm.month, 2, fm)],
  ['DAY', (_tm, d, fm) => name(dayNames[dow(d)]!, 'upper', 9, fm)],
  ['Day', (_tm, d, fm) => name(dayNames[dow(d)]!, 'cap', 9, fm)],
  ['day', (_tm, d, fm) => name(dayNames[dow(d)]!, 'lower', 9, fm)],
  ['DY', (_tm, d) => cased(dayNames[dow(d)]!.slice(0, 3), 'upper')],
  ['Dy', (_tm, d) => dayNames[dow(d)]!.slice(0, 3)],
  ['dy', (_tm, d) => cased(dayNames[dow(d)]!.slice(0, 3), 'lower')],
  ['DDD', (tm, d, fm) => pad(d - daysFromCivil(tm.year, 1, 1) + 1, 3, fm)],
  ['DD', (tm, _d, fm) => pad(tm.day, 2, fm)],
  ['D', (_tm, d) => String(dow(d) + 1)],
  ['ID', (_tm, d) => String(((dow(d) + 6) % 7) + 1)],
  ['Q', (tm) => String(Math.floor((tm.month - 1) / 3) + 1)],
  ['WW', (tm, d, fm) => pad(Math.floor((d - daysFromCivil(tm.year, 1, 1)) / 7) + 1, 2, fm)],
  ['IW', (_tm, d, fm) => pad(isoWeek(d).week, 2, fm)],
  ['CC', (tm, _d, fm) => pad(tm.year > 0 ? Math.floor((tm.year + 99) / 100) : -Math.floor((99 - (tm.year - 1)) / 100), 2, fm)],
  ['J', (_tm, d) => String(d + 2440588)],
];

/** Numeric patterns match in any case ('yyyy', 'hh24'); names keep their case meaning. */
const caseless: ReadonlySet<string> = new Set(['YYYY', 'IYYY', 'YYY', 'YY', 'Y', 'HH24', 'HH12', 'HH', 'MI', 'SS', 'MS', 'US', 'MM', 'DDD', 'DD', 'D', 'ID', 'Q', 'WW', 'IW', 'CC', 'J']);

function matchAt(format: string, at: number): (typeof patterns)[number] | undefined {
  return patterns.find(([p]) => format.startsWith(p, at) || (caseless.has(p) && format.slice(at, at + p.length).toUpperCase() === p));
}

/** Formats calendar fields `tm` (of day number `days`) by a to_char template. */
export function toChar(tm: Tm, days: number, format: string): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c === '"') {
      const end = format.indexOf('"', i + 1);
      out += format.slice(i + 1, end < 0 ? format.length : end);
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    if (c === '\\' && format[i + 1] === '"') {
      out += '"';
      i += 2;
      continue;
    }
    let fm = false;
    let j = i;
    if (format.startsWith('FM', j) || format.startsWith('fm', j)) {
      fm = true;
      j += 2;
    }
    const match = matchAt(format, j);
    if (match === undefined) {
      out += format.slice(i, j === i ? i + 1 : j);
      i = j === i ? i + 1 : j;
      continue;
    }
    out += match[1](tm, days, fm);
    i = j + match[0].length;
  }
  return out;
}
