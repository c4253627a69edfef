/**
 * Compact order-preserving integers, FoundationDB-tuple style with a small-value shortcut.
 * One tag byte carries the sign and the byte length; the magnitude follows big-endian in
 * as few bytes as it needs. Relative to a "zero tag" Z and an inline count K:
 *
 *   Z - n           negative, n magnitude bytes (n = 1..8), stored as the one's complement
 *                   of |v|, so a larger |v| (more bytes, then smaller bytes) sorts first
 *   Z + v           0 <= v < K: the value lives in the tag itself, no payload
 *   Z + K - 1 + n   positive v >= K, n magnitude bytes (n = 1..8)
 *
 * Every value has exactly one encoding (minimal length), which decoding checks, so byte
 * equality is value equality. The same scheme serves ints, timestamps and the exponent of
 * decimals with different Z and K.
 */
import { assert } from '../assert.ts';
import type { ByteWriter } from './writer.ts';
import { malformed, need, type KeyReader } from './reader.ts';

const TWO_32 = 4294967296;
/** Magnitudes below 2^53 round-trip through a double exactly; above, we use bigint. */
const HI_SAFE_LIMIT = 0x200000;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** The layout parameters of one use of the scheme. */
export interface IntLayout {
  readonly zeroTag: number;
  readonly inlineCount: number;
}

/** Tags this layout uses: [first, last], for building the decoder's tag table. */
export function layoutTagRange(layout: IntLayout): [number, number] {
  return [layout.zeroTag - 8, layout.zeroTag + layout.inlineCount - 1 + 8];
}

function byteLength32(x: number): number {
  return x < 0x100 ? 1 : x < 0x10000 ? 2 : x < 0x1000000 ? 3 : 4;
}

/** Writes the magnitude hi * 2^32 + lo (uint32 halves) with its sign under `layout`. */
function writeMagnitude(w: ByteWriter, layout: IntLayout, negative: boolean, hi: number, lo: number): void {
  w.ensure(9);
  const buf = w.buf;
  if (!negative && hi === 0 && lo < layout.inlineCount) {
    buf[w.pos++] = layout.zeroTag + lo;
    return;
  }
  const n = hi === 0 ? byteLength32(lo) : 4 + byteLength32(hi);
  const mask = negative ? 0xff : 0;
  buf[w.pos++] = negative ? layout.zeroTag - n : layout.zeroTag + layout.inlineCount - 1 + n;
  let p = w.pos;
  for (let i = n - 1; i >= 4; i--) buf[p++] = ((hi >>> ((i - 4) * 8)) & 0xff) ^ mask;
  for (let i = Math.min(n, 4) - 1; i >= 0; i--) buf[p++] = ((lo >>> (i * 8)) & 0xff) ^ mask;
  w.pos = p;
}

/** Writes a signed 64-bit integer; asserts the range. */
export function writeInt(w: ByteWriter, layout: IntLayout, v: bigint): void {
  const num = Number(v);
  if (Number.isSafeInteger(num)) {
    // The common case stays in doubles: no bigint arithmetic.
    const m = num < 0 ? -num : num;
    writeMagnitude(w, layout, num < 0, Math.floor(m / TWO_32), m >>> 0);
    return;
  }
  assert(v >= INT64_MIN && v <= INT64_MAX, () => `integer ${v} is outside the 64-bit range`);
  const m = v < 0n ? -v : v;
  writeMagnitude(w, layout, v < 0n, Number(m >> 32n), Number(m & 0xffffffffn));
}

/** Writes a small signed integer (|v| < 2^32), e.g. a decimal exponent. */
export function writeSmallInt(w: ByteWriter, layout: IntLayout, v: number): void {
  assert(Number.isInteger(v) && Math.abs(v) < TWO_32, () => `small integer ${v} out of range`);
  writeMagnitude(w, layout, v < 0, 0, Math.abs(v) >>> 0);
}

// The magnitude read by readMagnitude, in two uint32 halves. Module state rather than a
// returned object so that decoding a key allocates nothing per integer.
let readHi = 0;
let readLo = 0;

/** Reads the payload announced by `tag`; returns the sign. Checks minimal length. */
function readMagnitude(r: KeyReader, layout: IntLayout, tag: number): boolean {
  const negative = tag < layout.zeroTag;
  const inlineEnd = layout.zeroTag + layout.inlineCount;
  if (!negative && tag < inlineEnd) {
    readHi = 0;
    readLo = tag - layout.zeroTag;
    return false;
  }
  const n = negative ? layout.zeroTag - tag : tag - inlineEnd + 1;
  if (n < 1 || n > 8) malformed(`integer tag 0x${tag.toString(16)}`);
  need(r, n);
  const mask = r.mask ^ (negative ? 0xff : 0);
  const key = r.key;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const b = key[r.pos + i]! ^ mask;
    hi = ((hi << 8) | (lo >>> 24)) >>> 0;
    lo = ((lo << 8) | b) >>> 0;
  }
  if ((key[r.pos]! ^ mask) === 0) malformed('integer not in its shortest form');
  r.pos += n;
  if (!negative && hi === 0 && lo < layout.inlineCount) malformed('integer should be inline');
  readHi = hi;
  readLo = lo;
  return negative;
}

/** Reads a signed 64-bit integer whose tag (unmasked) was already consumed. */
export function readInt(r: KeyReader, layout: IntLayout, tag: number): bigint {
  const negative = readMagnitude(r, layout, tag);
  if (readHi < HI_SAFE_LIMIT) {
    const num = readHi * TWO_32 + readLo;
    return BigInt(negative ? -num : num);
  }
  const magnitude = (BigInt(readHi) << 32n) | BigInt(readLo);
  const m = negative ? -magnitude : magnitude;
  if (m < INT64_MIN || m > INT64_MAX) malformed(`integer ${m} outside the 64-bit range`);
  return m;
}

/** Reads a small signed integer (|v| < 2^32) whose tag was already consumed. */
export function readSmallInt(r: KeyReader, layout: IntLayout, tag: number): number {
  const negative = readMagnitude(r, layout, tag);
  if (readHi !== 0) malformed('small integer too large');
  return negative ? -readLo : readLo;
}
