/**
 * Dates and timestamps: text input and output in PostgreSQL's ISO style, and time zones.
 * Dates are days since 1970-01-01; timestamps are microseconds since 1970-01-01 00:00:00
 * (UTC for timestamptz). A time zone is UTC, a fixed offset, or an IANA name (via Intl).
 */
import { sqlError } from '../sql-error.ts';

const MICROS_PER_DAY = 86_400_000_000n;
const MICROS_PER_SECOND = 1_000_000n;

export type TimeZone =
  | { readonly kind: 'fixed'; readonly offsetSeconds: number; readonly name: string }
  | { readonly kind: 'named'; readonly name: string; readonly format: Intl.DateTimeFormat };

export const UTC: TimeZone = { kind: 'fixed', offsetSeconds: 0, name: 'UTC' };

/**
 * Parses a TimeZone setting. Like PostgreSQL, a POSIX-style string ('UTC+3', '+03') means
 * hours *west* of Greenwich, while a bare number (SET TIME ZONE -8) means hours east.
 * Returns null for a zone Tessera does not know.
 */
export function parseTimeZone(text: string, isNumber = false): TimeZone | null {
  const t = text.trim();
  if (isNumber) {
    const hours = Number(t);
    return Number.isFinite(hours) ? { kind: 'fixed', offsetSeconds: Math.round(hours * 3600), name: t } : null;
  }
  if (/^(utc|gmt|z|zulu|etc\/utc|etc\/gmt|universal)$/i.test(t)) return { kind: 'fixed', offsetSeconds: 0, name: t };
  const posix = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (posix !== null) {
    const seconds = Number(posix[2]) * 3600 + Number(posix[3] ?? 0) * 60;
    return { kind: 'fixed', offsetSeconds: posix[1] === '+' ? -seconds : seconds, name: t };
  }
  try {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: t, timeZoneName: 'longOffset' });
    return { kind: 'named', name: format.resolvedOptions().timeZone, format };
  } catch {
    return null;
  }
}

/** The zone's offset east of UTC, in seconds, at the instant `micros` (UTC). */
export function offsetAt(zone: TimeZone, micros: bigint): number {
  if (zone.kind === 'fixed') return zone.offsetSeconds;
  const ms = Number(micros / 1000n);
  const part = zone.format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?/.exec(part);
  if (m === null) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

// Civil-from-days and days-from-civil (Howard Hinnant's algorithms), proleptic Gregorian.
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatYear(y: number): string {
  return y > 0 ? pad(y, 4) : pad(1 - y, 4);
}

export function formatDate(days: number): string {
  if (days === DATE_INFINITY || days === DATE_MINUS_INFINITY) return days > 0 ? 'infinity' : '-infinity';
  const [y, m, d] = civilFromDays(days);
  return `${formatYear(y)}-${pad(m)}-${pad(d)}${y > 0 ? '' : ' BC'}`;
}

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' with trailing fraction zeros dropped, as PostgreSQL prints. */
export function formatTimestamp(micros: bigint, offsetSeconds: number | null = null): string {
  if (micros === TIMESTAMP_INFINITY || micros === TIMESTAMP_MINUS_INFINITY) return micros > 0n ? 'infinity' : '-infinity';
  const local = micros + BigInt(offsetSeconds ?? 0) * MICROS_PER_SECOND;
  let days = local / MICROS_PER_DAY;
  let rem = local % MICROS_PER_DAY;
  if (rem < 0n) {
    rem += MICROS_PER_DAY;
    days -= 1n;
  }
  const [y, mo, d] = civilFromDays(Number(days));
  const secs = Number(rem / MICROS_PER_SECOND);
  const frac = Number(rem % MICROS_PER_SECOND);
  let text = `${formatYear(y)}-${pad(mo)}-${pad(d)} ${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  if (frac !== 0) text += '.' + pad(frac, 6).replace(/0+$/, '');
  if (offsetSeconds !== null) text += formatOffset(offsetSeconds);
  return y > 0 ? text : text + ' BC';
}

function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  let text = `${sign}${pad(Math.floor(abs / 3600))}`;
  if (abs % 3600 !== 0) text += `:${pad(Math.floor(abs / 60) % 60)}`;
  if (abs % 60 !== 0) text += `:${pad(abs % 60)}`;
  return text;
}

const dateTimePattern =
  /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(z|[+-]\d{1,2}(?::?\d{2})?)?(\s+bc)?$/i;

interface ParsedDateTime {
  readonly days: number;
  readonly micros: bigint;
  /** Offset east of UTC written in the text, if any. */
  readonly offsetSeconds: number | null;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function monthNumber(name: string): number | null {
  const i = monthNames.indexOf(name.slice(0, 3).toLowerCase());
  return i < 0 ? null : i + 1;
}

/**
 * Rewrites the other date spellings PostgreSQL reads (with DateStyle MDY) into ISO order:
 * 20240229, 02/29/2024, Feb 29 2024, 29 Feb 2024, February 29, 2024 — each optionally
 * followed by a time. Anything else is returned as it was.
 */
function isoDateText(text: string): string {
  const compact = /^(\d{4})(\d{2})(\d{2})(?=$|[ T])/.exec(text);
  if (compact !== null) return `${compact[1]}-${compact[2]}-${compact[3]}${text.slice(8)}`;
  const slashed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?=$|\s)/.exec(text);
  if (slashed !== null) return `${slashed[3]}-${slashed[1]}-${slashed[2]}${text.slice(slashed[0].length)}`;
  const named = /^(?:([a-z]+)\.?\s+(\d{1,2}),?|(\d{1,2})[\s-]+([a-z]+)\.?,?)[\s-]+(\d{4})(?=$|\s)/i.exec(text);
  if (named !== null) {
    const month = monthNumber(named[1] ?? named[4] ?? '');
    if (month !== null) return `${named[5]}-${month}-${named[2] ?? named[3]}${text.slice(named[0].length)}`;
  }
  return text;
}

/** The values PostgreSQL's infinite timestamps and dates are stored as. */
export const TIMESTAMP_INFINITY = 2n ** 63n - 1n;
export const TIMESTAMP_MINUS_INFINITY = -(2n ** 63n);
export const DATE_INFINITY = 2 ** 31 - 1;
export const DATE_MINUS_INFINITY = -(2 ** 31);

function specialDateTime(text: string): ParsedDateTime | null {
  switch (text.toLowerCase()) {
    case 'epoch': return { days: 0, micros: 0n, offsetSeconds: 0 };
    case 'infinity': case '+infinity': return { days: DATE_INFINITY, micros: TIMESTAMP_INFINITY, offsetSeconds: 0 };
    case '-infinity': return { days: DATE_MINUS_INFINITY, micros: TIMESTAMP_MINUS_INFINITY, offsetSeconds: 0 };
    default: return null;
  }
}

function parseDateTime(text: string, typeName: string): ParsedDateTime {
  const special = specialDateTime(text.trim());
  if (special !== null) return special;
  const m = dateTimePattern.exec(isoDateText(text.trim()));
  const bad = (): never => {
    throw sqlError('22007', `invalid input syntax for type ${typeName}: "${text}"`);
  };
  // A lone number that is not a YYYYMMDD date reads as a day field PostgreSQL finds out of range.
  if (m === null && /^\d{1,2}$/.test(text.trim())) throw sqlError('22008', `date/time field value out of range: "${text}"`);
  if (m === null) return bad();
  let year = Number(m[1]);
  if (m[9] !== undefined) year = 1 - year;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const days = daysFromCivil(year, month, day);
  const [cy, cm, cd] = civilFromDays(days);
  if (cy !== year || cm !== month || cd !== day || hour > 24 || minute > 59 || second > 60) {
    throw sqlError('22008', `date/time field value out of range: "${text}"`);
  }
  const fracText = (m[7] ?? '').padEnd(7, '0');
  // Round to microseconds, as PostgreSQL does.
  const frac = Math.round(Number(fracText.slice(0, 7)) / 10);
  const micros = BigInt(days) * MICROS_PER_DAY + BigInt(hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND + BigInt(frac);
  return { days, micros, offsetSeconds: m[8] === undefined ? null : parseOffset(m[8]) };
}

function parseOffset(text: string): number {
  if (/^z$/i.test(text)) return 0;
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(text);
  if (m === null) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60;
  return m[1] === '-' ? -seconds : seconds;
}

export function parseDate(text: string): number {
  return parseDateTime(text, 'date').days;
}

export function parseTimestamp(text: string): bigint {
  return parseDateTime(text, 'timestamp').micros;
}

/** A timestamptz from text: an explicit offset wins, else the session's zone applies. */
export function parseTimestampTz(text: string, zone: TimeZone): bigint {
  const p = parseDateTime(text, 'timestamp with time zone');
  if (p.micros === TIMESTAMP_INFINITY || p.micros === TIMESTAMP_MINUS_INFINITY) return p.micros;
  if (p.offsetSeconds !== null) return p.micros - BigInt(p.offsetSeconds) * MICROS_PER_SECOND;
  return localToUtc(p.micros, zone);
}

/** Interprets a local wall-clock time in `zone` as an instant. */
export function localToUtc(localMicros: bigint, zone: TimeZone): bigint {
  const guess = localMicros - BigInt(offsetAt(zone, localMicros)) * MICROS_PER_SECOND;
  return localMicros - BigInt(offsetAt(zone, guess)) * MICROS_PER_SECOND;
}

export function formatTimestampTz(micros: bigint, zone: TimeZone): string {
  if (micros === TIMESTAMP_INFINITY || micros === TIMESTAMP_MINUS_INFINITY) return formatTimestamp(micros);
  return formatTimestamp(micros, offsetAt(zone, micros));
}

/** time: 'HH:MM[:SS[.frac]]' with an optional AM/PM, up to 24:00:00; 'allballs' is midnight. */
export function parseTime(text: string): bigint {
  const t = text.trim();
  if (/^allballs$/i.test(t)) return 0n;
  const m = /^(?:\d{4}-\d{1,2}-\d{1,2}[ T])?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(am|pm)?$/i.exec(t);
  if (m === null) throw sqlError('22007', `invalid input syntax for type time: "${text}"`);
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = Number(m[3] ?? 0);
  if (m[5] !== undefined) {
    if (hour < 1 || hour > 12) throw sqlError('22008', `date/time field value out of range: "${text}"`);
    hour = (hour % 12) + (m[5].toLowerCase() === 'pm' ? 12 : 0);
  }
  const frac = Math.round(Number((m[4] ?? '').padEnd(7, '0').slice(0, 7)) / 10);
  const micros = BigInt(hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND + BigInt(frac);
  if (minute > 59 || second > 60 || micros > MICROS_PER_DAY) throw sqlError('22008', `date/time field value out of range: "${text}"`);
  return micros;
}

export function formatTime(micros: bigint): string {
  const secs = Number(micros / MICROS_PER_SECOND);
  const frac = Number(micros % MICROS_PER_SECOND);
  const text = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  return frac === 0 ? text : `${text}.${pad(frac, 6).replace(/0+$/, '')}`;
}

export { MICROS_PER_DAY };
