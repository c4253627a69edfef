/**
 * Binary format (format code 1) of values, as PostgreSQL's *send/*recv functions write and
 * read them: big-endian integers and IEEE floats, numeric as base-10000 digit groups,
 * date as int32 days and timestamps as int64 microseconds since 2000-01-01, uuid as 16
 * bytes, text and json as UTF-8 bytes, jsonb as version 1 + text, interval as int64
 * microseconds + int32 days + int32 months, arrays as array_send's header (dimensions,
 * null flag, element OID, size and lower bound) and length-prefixed elements. Pure: no
 * session state except the value's type.
 *
 * Errors: a parameter whose bytes do not fit its type is 22P03, as in PostgreSQL
 * ("incorrect binary data format"); a type without a binary form here is 0A000.
 */
import { assertNever } from '../../util/index.ts';
import { sqlError } from '../sql-error.ts';
import { checkLength, coerceNumeric } from '../types/text-io.ts';
import { Interval } from '../types/interval.ts';
import { Jsonb, parseJson } from '../types/jsonb.ts';
import { Dec, Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayLowerBound, typeDisplayName, typeOid, type SqlType, type Value } from '../types/types.ts';

/** PostgreSQL's epoch (2000-01-01) relative to the Unix epoch, in days and microseconds. */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MICROS = 946_684_800_000_000n;

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;

/** The binary form of a non-null value of `type`. The returned bytes are the caller's. */
export function encodeBinary(type: SqlType, v: Exclude<Value, null>): Uint8Array {
  switch (type.kind) {
    case 'int2': { const b = Buffer.allocUnsafe(2); b.writeInt16BE(Number(v)); return b; }
    case 'int4': { const b = Buffer.allocUnsafe(4); b.writeInt32BE(Number(v)); return b; }
    case 'int8': { const b = Buffer.allocUnsafe(8); b.writeBigInt64BE(BigInt(v as bigint)); return b; }
    case 'float4': { const b = Buffer.allocUnsafe(4); b.writeFloatBE(v as number); return b; }
    case 'float8': { const b = Buffer.allocUnsafe(8); b.writeDoubleBE(v as number); return b; }
    case 'bool': return Uint8Array.of(v === true ? 1 : 0);
    case 'bytea': return v as Uint8Array;
    case 'text': case 'varchar': case 'bpchar': case 'unknown': return Buffer.from(String(v), 'utf8');
    case 'numeric': return encodeNumeric(v as Numeric);
    case 'date': { const b = Buffer.allocUnsafe(4); b.writeInt32BE((v as number) - PG_EPOCH_DAYS); return b; }
    case 'timestamp': case 'timestamptz': {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE((v as bigint) - PG_EPOCH_MICROS);
      return b;
    }
    case 'time': { const b = Buffer.allocUnsafe(8); b.writeBigInt64BE(v as bigint); return b; }
    case 'uuid': return Buffer.from((v as string).replace(/-/g, ''), 'hex');
    case 'oid': { const b = Buffer.allocUnsafe(4); b.writeUInt32BE(Number(v)); return b; }
    case 'json': return Buffer.from(v as string, 'utf8');
    case 'enum': return Buffer.from(type.labels[v as number] ?? '', 'utf8');
    case 'jsonb': return Buffer.concat([Uint8Array.of(1), Buffer.from((v as Jsonb).toString(), 'utf8')]);
    case 'interval': {
      const i = v as Interval;
      const b = Buffer.allocUnsafe(16);
      b.writeBigInt64BE(i.micros, 0);
      b.writeInt32BE(i.days, 8);
      b.writeInt32BE(i.months, 12);
      return b;
    }
    case 'array': return encodeArray(type.element, v as SqlArray, arrayLowerBound(type));
    default: return assertNever(type, 'type');
  }
}

/** Reads a binary parameter of `type`; `index` (0-based) is for the error message. */
export function decodeBinary(type: SqlType, buf: Buffer, index: number): Value {
  const expect = (n: number): void => {
    if (buf.length !== n) throw badFormat(index);
  };
  switch (type.kind) {
    case 'int2': expect(2); return BigInt(buf.readInt16BE());
    case 'int4': expect(4); return BigInt(buf.readInt32BE());
    case 'int8': expect(8); return buf.readBigInt64BE();
    case 'oid': expect(4); return BigInt(buf.readUInt32BE());
    case 'float4': expect(4); return buf.readFloatBE();
    case 'float8': expect(8); return buf.readDoubleBE();
    case 'bool': expect(1); return buf[0] !== 0;
    case 'bytea': return Uint8Array.from(buf);
    case 'text': case 'unknown': return decodeUtf8(buf, index);
    case 'varchar': case 'bpchar': return checkLength(type, decodeUtf8(buf, index), false);
    case 'numeric': return coerceNumeric(decodeNumeric(buf, index), type);
    case 'date': expect(4); return buf.readInt32BE() + PG_EPOCH_DAYS;
    case 'timestamp': case 'timestamptz': expect(8); return buf.readBigInt64BE() + PG_EPOCH_MICROS;
    case 'time': expect(8); return buf.readBigInt64BE();
    case 'uuid': {
      expect(16);
      const h = buf.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'json': {
      const text = decodeUtf8(buf, index);
      parseJson(text, 'json');
      return text;
    }
    case 'enum': {
      const label = decodeUtf8(buf, index);
      const i = type.labels.indexOf(label);
      if (i < 0) throw sqlError('22P02', `invalid input value for enum ${type.name}: "${label}"`);
      return i;
    }
    case 'jsonb':
      if (buf[0] !== 1) throw sqlError('22P03', `unsupported jsonb version number ${buf[0] ?? 0}`);
      return new Jsonb(parseJson(decodeUtf8(buf.subarray(1), index), 'jsonb'));
    case 'interval':
      expect(16);
      return new Interval(buf.readInt32BE(12), buf.readInt32BE(8), buf.readBigInt64BE(0));
    case 'array': return decodeArray(type.element, buf, index, arrayLowerBound(type));
    default: return assertNever(type, 'type');
  }
}

function badFormat(index: number): Error {
  return sqlError('22P03', `incorrect binary data format in bind parameter ${index + 1}`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(buf: Buffer, index: number): string {
  try {
    return utf8.decode(buf);
  } catch {
    throw sqlError('22021', `invalid byte sequence for encoding "UTF8" in bind parameter ${index + 1}`);
  }
}

/**
 * numeric_send: ndigits, weight (of the first group, in base-10000 places), sign, dscale,
 * then the groups. Leading and trailing zero groups are not sent.
 */
export function encodeNumeric(n: Numeric): Uint8Array {
  if (n.isNaN()) return numericHeader(0, 0, NUMERIC_NAN, 0);
  const text = n.value.abs().toFixed(n.scale);
  const [intText = '0', fracText = ''] = text.split('.');
  const intPadded = intText.padStart(Math.ceil(intText.length / 4) * 4, '0');
  const fracPadded = fracText.padEnd(Math.ceil(fracText.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let start = 0;
  while (start < groups.length && groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  const digits = groups.slice(start, end);
  if (digits.length === 0) weight = 0;
  const sign = digits.length > 0 && n.value.isNegative() ? NUMERIC_NEG : NUMERIC_POS;
  const out = numericHeader(digits.length, weight, sign, n.scale);
  digits.forEach((d, i) => out.writeUInt16BE(d, 8 + 2 * i));
  return out;
}

function numericHeader(ndigits: number, weight: number, sign: number, dscale: number): Buffer {
  const out = Buffer.alloc(8 + 2 * ndigits);
  out.writeInt16BE(ndigits, 0);
  out.writeInt16BE(weight, 2);
  out.writeUInt16BE(sign, 4);
  out.writeInt16BE(dscale, 6);
  return out;
}

export function decodeNumeric(buf: Buffer, index: number): Numeric {
  if (buf.length < 8) throw badFormat(index);
  const ndigits = buf.readInt16BE(0);
  const weight = buf.readInt16BE(2);
  const sign = buf.readUInt16BE(4);
  const dscale = buf.readInt16BE(6);
  if (ndigits < 0 || buf.length !== 8 + 2 * ndigits || dscale < 0) throw badFormat(index);
  if (sign === NUMERIC_NAN) return new Numeric(new Dec(NaN), 0);
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) throw badFormat(index);
  // Builds the decimal text group by group: group i stands for digit * 10000^(weight - i).
  let intPart = '';
  let fracPart = weight < -1 ? '0000'.repeat(-weight - 1) : '';
  for (let i = 0; i < ndigits; i++) {
    const d = buf.readUInt16BE(8 + 2 * i);
    if (d > 9999) throw badFormat(index);
    const group = String(d).padStart(4, '0');
    if (weight - i >= 0) intPart += group;
    else fracPart += group;
  }
  if (weight >= ndigits) intPart += '0000'.repeat(weight - ndigits + 1);
  const text = `${sign === NUMERIC_NEG ? '-' : ''}${intPart === '' ? '0' : intPart}.${fracPart === '' ? '0' : fracPart}`;
  return new Numeric(new Dec(text).toDecimalPlaces(dscale), dscale);
}

/** array_send for one dimension (lower bound 1); an empty array has no dimensions. */
function encodeArray(element: SqlType, a: SqlArray, lowerBound: number): Uint8Array {
  const hasNull = a.items.includes(null);
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(a.items.length === 0 ? 12 : 20);
  header.writeInt32BE(a.items.length === 0 ? 0 : 1, 0);
  header.writeInt32BE(hasNull ? 1 : 0, 4);
  header.writeUInt32BE(typeOid(element), 8);
  if (a.items.length > 0) {
    header.writeInt32BE(a.items.length, 12);
    header.writeInt32BE(lowerBound, 16);
  }
  parts.push(header);
  for (const item of a.items) {
    const len = Buffer.alloc(4);
    if (item === null) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const bytes = encodeBinary(element, item);
    len.writeInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

/** array_recv: 22P03 for malformed bytes, 42804 for another element type, 0A000 beyond one dimension. */
function decodeArray(element: SqlType, buf: Buffer, index: number, lowerBound: number): SqlArray {
  if (buf.length < 12) throw badFormat(index);
  const ndim = buf.readInt32BE(0);
  const oid = buf.readUInt32BE(8);
  if (oid !== typeOid(element)) {
    throw sqlError('42804', `binary data has array element type ${oid} instead of expected ${typeOid(element)} (${typeDisplayName(element)})`);
  }
  if (ndim === 0) return new SqlArray([]);
  if (ndim !== 1) throw ndim < 0 ? badFormat(index) : sqlError('0A000', 'multidimensional arrays are not supported');
  if (buf.length < 20) throw badFormat(index);
  const count = buf.readInt32BE(12);
  if (buf.readInt32BE(16) !== lowerBound) throw sqlError('0A000', `arrays with a lower bound other than ${lowerBound} are not supported`);
  const items: Value[] = [];
  let pos = 20;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > buf.length) throw badFormat(index);
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len === -1) {
      items.push(null);
      continue;
    }
    if (len < 0 || pos + len > buf.length) throw badFormat(index);
    items.push(decodeBinary(element, buf.subarray(pos, pos + len), index));
    pos += len;
  }
  if (pos !== buf.length) throw badFormat(index);
  return new SqlArray(items);
}
