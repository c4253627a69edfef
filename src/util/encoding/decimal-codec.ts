/**
 * Decimals by numeric value. A finite nonzero decimal is normalised to
 * sign x 0.d1d2...dk x 10^E with d1 != 0 and dk != 0, so 1.0, 1.00 and 1 are one value
 * with one encoding. After the tag (which carries the sign class) come:
 *   - E as a compact integer (int-codec, its own layout), so the order of magnitude
 *     decides first;
 *   - the digits in base-100 pairs (an odd count is padded with a 0), each pair p written
 *     as 2p+1, except the last which is written as 2p. The low bit marks the end, so the
 *     digits need no terminator, and a shorter digit string sorts before any longer one
 *     that extends it (2p < 2p+1), which is exactly numeric order at equal E.
 * A negative decimal writes the bitwise inverse of that body: the body is prefix-free,
 * so inverting it reverses its order, and larger magnitudes sort first.
 */
import { assert } from '../assert.ts';
import type { ByteWriter } from './writer.ts';
import { malformed, readByte, type KeyReader } from './reader.ts';
import { readSmallInt, writeSmallInt, type IntLayout } from './int-codec.ts';

/** Largest |E| accepted. PostgreSQL's numeric stays far below (131072 integer digits). */
export const DECIMAL_EXPONENT_LIMIT = 1 << 20;
/** Digit count accepted, as a guard against absurd inputs. */
export const DECIMAL_DIGITS_MAX = 1 << 20;

const EXPONENT_LAYOUT: IntLayout = { zeroTag: 0x40, inlineCount: 0x40 };

/** Order of the classes; also the offset of each class's tag from the first decimal tag. */
export const DecimalClass = {
  NegInfinity: 0,
  Negative: 1,
  Zero: 2,
  Positive: 3,
  PosInfinity: 4,
  NaN: 5,
} as const;
export type DecimalClass = (typeof DecimalClass)[keyof typeof DecimalClass];

/** A decimal in normal form. `digits` has no leading or trailing zeros ('' unless finite nonzero). */
export interface NormalDecimal {
  readonly cls: DecimalClass;
  readonly exponent: number;
  readonly digits: string;
}

const ZERO: NormalDecimal = { cls: DecimalClass.Zero, exponent: 0, digits: '' };
const NAN: NormalDecimal = { cls: DecimalClass.NaN, exponent: 0, digits: '' };
const POS_INF: NormalDecimal = { cls: DecimalClass.PosInfinity, exponent: 0, digits: '' };
const NEG_INF: NormalDecimal = { cls: DecimalClass.NegInfinity, exponent: 0, digits: '' };

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text: [sign] digits [. digits] [e exponent], or NaN / Infinity / -Infinity
 * (case-insensitive, as PostgreSQL accepts them). Asserts on anything else: callers hand
 * us values the SQL layer has already validated.
 */
export function parseDecimal(text: string): NormalDecimal {
  const m = DECIMAL_PATTERN.exec(text);
  if (m === null) {
    const lower = text.toLowerCase();
    if (lower === 'nan') return NAN;
    if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return POS_INF;
    if (lower === '-infinity' || lower === '-inf') return NEG_INF;
    assert(false, () => `not a decimal: ${JSON.stringify(text)}`);
  }
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  assert(intPart.length + fracPart.length > 0, () => `not a decimal: ${JSON.stringify(text)}`);
  const all = intPart + fracPart;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 0x30) start++;
  if (start === all.length) return ZERO;
  let end = all.length;
  while (all.charCodeAt(end - 1) === 0x30) end--;
  const exponent = intPart.length - start + (m[4] === undefined ? 0 : Number(m[4]));
  assert(Math.abs(exponent) <= DECIMAL_EXPONENT_LIMIT, () => `decimal exponent out of range: ${text}`);
  assert(end - start <= DECIMAL_DIGITS_MAX, () => `decimal has too many digits: ${text.length}`);
  const cls = m[1] === '-' ? DecimalClass.Negative : DecimalClass.Positive;
  return { cls, exponent, digits: all.slice(start, end) };
}

/** The canonical text of a normal decimal: plain notation, no superfluous zeros. */
export function formatDecimal(d: NormalDecimal): string {
  switch (d.cls) {
    case DecimalClass.NaN:
      return 'NaN';
    case DecimalClass.PosInfinity:
      return 'Infinity';
    case DecimalClass.NegInfinity:
      return '-Infinity';
    case DecimalClass.Zero:
      return '0';
    case DecimalClass.Positive:
    case DecimalClass.Negative:
      break;
  }
  const { digits, exponent } = d;
  let body: string;
  if (exponent <= 0) body = '0.' + '0'.repeat(-exponent) + digits;
  else if (exponent >= digits.length) body = digits + '0'.repeat(exponent - digits.length);
  else body = digits.slice(0, exponent) + '.' + digits.slice(exponent);
  return d.cls === DecimalClass.Negative ? '-' + body : body;
}

/** Canonical text of any accepted decimal text: canonicalDecimal('1.50') === '1.5'. */
export function canonicalDecimal(text: string): string {
  return formatDecimal(parseDecimal(text));
}

/** Numeric comparison of two normal decimals, NaN greatest: <0, 0, >0. */
export function compareNormalDecimals(a: NormalDecimal, b: NormalDecimal): number {
  if (a.cls !== b.cls) return a.cls - b.cls;
  if (a.cls !== DecimalClass.Positive && a.cls !== DecimalClass.Negative) return 0;
  let c = a.exponent - b.exponent;
  if (c === 0) c = a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0;
  return a.cls === DecimalClass.Negative && c !== 0 ? -c : c;
}

/** Writes the tag (firstTag + class) and, if finite nonzero, the body. */
export function writeDecimal(w: ByteWriter, firstTag: number, text: string): void {
  const d = parseDecimal(text);
  w.ensure(1);
  w.buf[w.pos++] = firstTag + d.cls;
  if (d.cls !== DecimalClass.Positive && d.cls !== DecimalClass.Negative) return;
  const bodyStart = w.pos;
  writeSmallInt(w, EXPONENT_LAYOUT, d.exponent);
  const digits = d.digits;
  const pairs = (digits.length + 1) >> 1;
  w.ensure(pairs);
  const buf = w.buf;
  let p = w.pos;
  for (let i = 0; i < digits.length; i += 2) {
    const high = digits.charCodeAt(i) - 0x30;
    const low = i + 1 < digits.length ? digits.charCodeAt(i + 1) - 0x30 : 0;
    const last = i + 2 >= digits.length;
    buf[p++] = (high * 10 + low) * 2 + (last ? 0 : 1);
  }
  w.pos = p;
  if (d.cls === DecimalClass.Negative) w.invertFrom(bodyStart);
}

/** Reads a decimal whose tag class `cls` was consumed; returns its canonical text. */
export function readDecimal(r: KeyReader, cls: DecimalClass): string {
  if (cls === DecimalClass.NaN) return 'NaN';
  if (cls === DecimalClass.PosInfinity) return 'Infinity';
  if (cls === DecimalClass.NegInfinity) return '-Infinity';
  if (cls === DecimalClass.Zero) return '0';
  const outerMask = r.mask;
  // A negative body is stored inverted; fold that into the reader's mask while reading it.
  if (cls === DecimalClass.Negative) r.mask ^= 0xff;
  try {
    const exponent = readSmallInt(r, EXPONENT_LAYOUT, readByte(r));
    if (Math.abs(exponent) > DECIMAL_EXPONENT_LIMIT) malformed('decimal exponent out of range');
    let digits = '';
    for (;;) {
      const b = readByte(r);
      if (b > 199) malformed(`decimal digit byte ${b}`);
      const pair = b >> 1;
      digits += pair < 10 ? '0' + String(pair) : String(pair);
      if ((b & 1) === 0) break;
      if (digits.length > DECIMAL_DIGITS_MAX) malformed('decimal has too many digits');
    }
    if (digits.charCodeAt(0) === 0x30) malformed('decimal digits start with 0');
    if (digits.endsWith('00')) malformed('decimal digits end with 00');
    if (digits.endsWith('0')) digits = digits.slice(0, -1);
    return formatDecimal({ cls, exponent, digits });
  } finally {
    r.mask = outerMask;
  }
}
