/**
 * Text input and output of values, per type, exactly as PostgreSQL's *in/*out functions
 * print and accept them (booleans 't'/'f', bytea as \x hex, ISO dates...). Input errors
 * carry PostgreSQL's SQLSTATEs: 22P02 bad syntax, 22003 out of range, 22001 too long.
 */
import { assertNever } from '../../util/index.ts';
import { sqlError } from '../sql-error.ts';
import { formatDate, formatTime, formatTimestamp, formatTimestampTz, parseDate, parseTime, parseTimestamp, parseTimestampTz, type TimeZone } from './datetime.ts';
import { formatFloat } from './float-format.ts';
import { parseInterval, type Interval } from './interval.ts';
import { Jsonb, parseJson } from './jsonb.ts';
import { Numeric } from './numeric.ts';
import { quoteArrayElement, splitArrayText, SqlArray } from './sql-array.ts';
import { resolveTypeName, typeDisplayName, typeOid, type OidAlias, type SqlType, type Value } from './types.ts';

/** Session settings that change how values read and print. */
export interface FormatContext {
  readonly timeZone: TimeZone;
  readonly extraFloatDigits: number;
  /** Names of objects for the reg* types (regclass...); without it they print as numbers. */
  readonly objectNames?: ObjectNames;
}

/** Object names <-> OIDs, for reg* input and output (implemented by src/sql/pgcatalog). */
export interface ObjectNames {
  /** The name an OID prints as, or null when no such object exists (it prints as a number). */
  nameOf(reg: OidAlias, oid: bigint): string | null;
  /** The OID of a named object; throws PostgreSQL's error (42P01, 42704...) when there is none. */
  oidOf(reg: OidAlias, name: string): bigint;
}

const HEX = '0123456789abcdef';

export function formatValue(type: SqlType, value: Value, ctx: FormatContext): string | null {
  if (value === null) return null;
  switch (type.kind) {
    case 'int2': case 'int4': case 'int8': case 'text': case 'varchar': case 'bpchar': case 'uuid': case 'unknown':
      return String(value);
    case 'bool':
      return value === true ? 't' : 'f';
    case 'float4': case 'float8':
      return formatFloat(value as number, type.kind === 'float4', ctx.extraFloatDigits);
    case 'numeric':
      return (value as Numeric).toString();
    case 'bytea': {
      const bytes = value as Uint8Array;
      let out = '\\x';
      for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
      return out;
    }
    case 'date':
      return formatDate(value as number);
    case 'timestamp':
      return formatTimestamp(value as bigint);
    case 'time':
      return formatTime(value as bigint);
    case 'timestamptz':
      return formatTimestampTz(value as bigint, ctx.timeZone);
    case 'oid':
      if (type.reg === 'oid') return String(value);
      if (value === 0n) return '-';
      return ctx.objectNames?.nameOf(type.reg, value as bigint) ?? String(value);
    case 'interval': case 'jsonb':
      return (value as Interval | Jsonb).toString();
    case 'json':
      return value as string;
    case 'enum':
      return type.labels[value as number] ?? '';
    case 'array': {
      const element = type.element;
      if (type.vector !== undefined) return (value as SqlArray).items.map((v) => formatValue(element, v, ctx) ?? '').join(' ');
      const parts = (value as SqlArray).items.map((v) => (v === null ? 'NULL' : quoteArrayElement(formatValue(element, v, ctx) ?? '')));
      return `{${parts.join(',')}}`;
    }
    default:
      return assertNever(type, 'type');
  }
}

export const INT_RANGES: Readonly<Record<'int2' | 'int4' | 'int8', readonly [bigint, bigint]>> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** Throws 22003 unless `v` fits the integer type. */
export function checkIntRange(kind: 'int2' | 'int4' | 'int8', v: bigint): bigint {
  const [lo, hi] = INT_RANGES[kind];
  if (v < lo || v > hi) throw sqlError('22003', `${kind === 'int2' ? 'smallint' : kind === 'int4' ? 'integer' : 'bigint'} out of range`);
  return v;
}

function invalid(type: SqlType, text: string): never {
  throw sqlError('22P02', `invalid input syntax for type ${typeDisplayName(type)}: "${text}"`);
}

export function parseValue(type: SqlType, text: string, ctx: FormatContext): Value {
  switch (type.kind) {
    case 'int2': case 'int4': case 'int8': {
      // Decimal, or 0x / 0o / 0b with a sign; single underscores between digits (PostgreSQL 16).
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[oO][0-7]+(?:_[0-7]+)*|0[bB][01]+(?:_[01]+)*|\d+(?:_\d+)*)$/.exec(text.trim());
      if (m === null) return invalid(type, text);
      const magnitude = BigInt(m[2]!.replaceAll('_', '').replace(/^0[XOB]/, (p) => p.toLowerCase()));
      const v = m[1] === '-' ? -magnitude : magnitude;
      const [lo, hi] = INT_RANGES[type.kind];
      if (v < lo || v > hi) throw sqlError('22003', `value "${text}" is out of range for type ${typeDisplayName(type)}`);
      return v;
    }
    case 'float4': case 'float8':
      return parseFloatText(type, text);
    case 'numeric': {
      const n = Numeric.fromString(text);
      if (n === null) return invalid(type, text);
      return coerceNumeric(n, type);
    }
    case 'text': case 'unknown':
      return text;
    case 'varchar': case 'bpchar':
      return checkLength(type, text, false);
    case 'bool':
      return parseBool(text);
    case 'bytea':
      return parseBytea(text);
    case 'date':
      return parseDate(text);
    case 'timestamp':
      return parseTimestamp(text);
    case 'time':
      return parseTime(text);
    case 'timestamptz':
      return parseTimestampTz(text, ctx.timeZone);
    case 'uuid':
      return parseUuid(text);
    case 'oid':
      return parseOid(type.reg, text, ctx);
    case 'interval':
      return parseInterval(text);
    case 'json':
      parseJson(text, 'json');
      return text;
    case 'jsonb':
      return new Jsonb(parseJson(text, 'jsonb'));
    case 'enum': {
      const i = type.labels.indexOf(text);
      if (i < 0) throw sqlError('22P02', `invalid input value for enum ${type.name}: "${text}"`);
      return i;
    }
    case 'array': {
      const element = type.element;
      if (type.vector !== undefined) return parseVector(type.vector, element, text, ctx);
      return new SqlArray(splitArrayText(text, typeDisplayName(type)).map((t) => (t === null ? null : parseValue(element, t, ctx))));
    }
    default:
      return assertNever(type, 'type');
  }
}

/** int2vector/oidvector input: numbers separated by white space (PostgreSQL's int2vectorin). */
function parseVector(name: string, element: SqlType, text: string, ctx: FormatContext): SqlArray {
  const parts = text.trim() === '' ? [] : text.trim().split(/\s+/);
  return new SqlArray(parts.map((p) => {
    if (!/^[+-]?\d+$/.test(p)) throw sqlError('22P02', `invalid input syntax for type ${name}: "${text}"`);
    return parseValue(element, p, ctx);
  }));
}

function parseFloatText(type: SqlType, text: string): number {
  const t = text.trim().toLowerCase();
  const special: Record<string, number> = { nan: NaN, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity, inf: Infinity, '-inf': -Infinity };
  const s = special[t];
  if (s !== undefined) return s;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return invalid(type, text);
  const v = type.kind === 'float4' ? Math.fround(Number(t)) : Number(t);
  if (!Number.isFinite(v)) throw sqlError('22003', `"${text}" is out of range for type ${typeDisplayName(type)}`);
  return v;
}

/** Applies numeric(p, s): rounds to s digits, 22003 when the integer part does not fit. */
export function coerceNumeric(n: Numeric, type: Extract<SqlType, { kind: 'numeric' }>): Numeric {
  if (type.precision === null || n.isNaN()) return n;
  const scale = type.scale ?? 0;
  const rounded = n.round(scale);
  const intDigits = rounded.value.abs().truncated().toFixed().replace(/^0$/, '').length;
  if (intDigits > type.precision - scale) {
    throw sqlError('22003', 'numeric field overflow', {
      detail: `A field with precision ${type.precision}, scale ${scale} must round to an absolute value less than ${scale === type.precision ? '1' : `10^${type.precision - scale}`}.`,
    });
  }
  return rounded;
}

/**
 * varchar(n)/char(n): 22001 when too long, except that an explicit cast truncates and
 * trailing spaces may always be cut (SQL's rule). char(n) pads with spaces.
 */
export function checkLength(type: Extract<SqlType, { kind: 'varchar' | 'bpchar' }>, text: string, explicitCast: boolean): string {
  const n = type.length;
  if (n === null) return type.kind === 'bpchar' ? text.replace(/ +$/, '') : text;
  const chars = [...text];
  if (chars.length > n) {
    const rest = chars.slice(n).join('');
    if (!explicitCast && rest.trim() !== '') {
      throw sqlError('22001', `value too long for type ${type.kind === 'varchar' ? 'character varying' : 'character'}(${n})`);
    }
    return chars.slice(0, n).join('');
  }
  return type.kind === 'bpchar' ? text + ' '.repeat(n - chars.length) : text;
}

export function parseBool(text: string): boolean {
  const t = text.trim().toLowerCase();
  const isPrefix = (word: string, min: number): boolean => t.length >= min && word.startsWith(t);
  if (t === '1' || isPrefix('true', 1) || isPrefix('yes', 1) || isPrefix('on', 2)) return true;
  if (t === '0' || isPrefix('false', 1) || isPrefix('no', 1) || isPrefix('off', 2)) return false;
  throw sqlError('22P02', `invalid input syntax for type boolean: "${text}"`);
}

function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2).replace(/\s/g, '');
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
      throw sqlError('22P02', `invalid hexadecimal data: odd number of digits or bad digit`);
    }
    return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  }
  // Escape format: backslash escapes for octal bytes and backslashes; the rest as UTF-8.
  const out: number[] = [];
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x5c) out.push(b);
    else if (bytes[i + 1] === 0x5c) { out.push(0x5c); i++; }
    else {
      const oct = new TextDecoder().decode(bytes.slice(i + 1, i + 4));
      if (!/^[0-3][0-7]{2}$/.test(oct)) throw sqlError('22P02', 'invalid input syntax for type bytea');
      out.push(parseInt(oct, 8));
      i += 3;
    }
  }
  return Uint8Array.from(out);
}

function parseUuid(text: string): string {
  const hex = text.trim().replace(/^\{|\}$/g, '').replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw sqlError('22P02', `invalid input syntax for type uuid: "${text}"`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** oid input: a number (0 to 2^32-1; negatives wrap as in PostgreSQL); reg* also take names. */
function parseOid(reg: OidAlias, text: string, ctx: FormatContext): bigint {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) {
    const v = BigInt(t);
    if (v < -2147483648n || v > 4294967295n) throw sqlError('22003', `value "${text}" is out of range for type oid`);
    return v < 0n ? v + 4294967296n : v;
  }
  if (reg === 'oid') throw sqlError('22P02', `invalid input syntax for type oid: "${text}"`);
  if (t === '-') return 0n;
  if (ctx.objectNames === undefined) {
    // Built-in type names need no catalog ('{int,int8}'::regtype[] folded while binding).
    if (reg === 'regtype') {
      const builtin = (() => {
        try {
          return typeOid(resolveTypeName({ name: t.toLowerCase().replace(/^pg_catalog\./, ''), mods: [], isArray: false, pos: -1 }));
        } catch {
          return null;
        }
      })();
      if (builtin !== null) return BigInt(builtin);
    }
    throw sqlError('0A000', `${reg} input needs the catalog`);
  }
  return ctx.objectNames.oidOf(reg, t);
}
