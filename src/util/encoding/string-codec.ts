/**
 * Strings (as UTF-8) and byte strings: the bytes with every 0x00 escaped as 0x00 0xff,
 * then the terminator 0x00 0x01. Inside the body a 0x00 is always followed by 0xff, so
 * the terminator cannot occur early and the encoding is prefix-free: that is what lets a
 * descending part (the bitwise inverse) still sort correctly. (A bare 0x00 terminator, as
 * in FoundationDB's tuple layer, would make "a" a byte prefix of "a\0" and break that.)
 * The terminator 0x01 sorts below the escape 0xff and below every nonzero byte, so a
 * string sorts before its extensions.
 */
import { assert } from '../assert.ts';
import type { ByteWriter } from './writer.ts';
import { malformed, type KeyReader } from './errors.ts';

const ESCAPE = 0xff;
const TERMINATOR = 0x01;

/**
 * Writes `s` as UTF-8 with escaping, in one pass over its code units. Asserts on lone
 * surrogates: they have no UTF-8 form, and replacing them silently would merge keys.
 */
export function writeEscapedString(w: ByteWriter, s: string): void {
  // Each UTF-16 unit becomes at most 3 bytes (a surrogate pair: 4 bytes for 2 units; an
  // escaped NUL: 2 bytes for 1), plus the terminator.
  w.ensure(s.length * 3 + 2);
  const buf = w.buf;
  let p = w.pos;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) {
        buf[p++] = 0;
        buf[p++] = ESCAPE;
      } else {
        buf[p++] = c;
      }
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      assert(c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff, () => `string has a lone surrogate at ${i}`);
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
      buf[p++] = 0xf0 | (c >> 18);
      buf[p++] = 0x80 | ((c >> 12) & 0x3f);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  buf[p++] = 0;
  buf[p++] = TERMINATOR;
  w.pos = p;
}

/** Writes `bytes` with escaping. */
export function writeEscapedBytes(w: ByteWriter, bytes: Uint8Array): void {
  w.ensure(bytes.length * 2 + 2);
  const buf = w.buf;
  let p = w.pos;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    buf[p++] = b;
    if (b === 0) buf[p++] = ESCAPE;
  }
  buf[p++] = 0;
  buf[p++] = TERMINATOR;
  w.pos = p;
}

/** Reads an escaped body and its terminator; returns the unescaped bytes (a fresh copy). */
export function readEscapedBytes(r: KeyReader): Uint8Array {
  const key = r.key;
  const mask = r.mask;
  const zero = mask; // a 0x00 byte as stored under the mask
  const start = r.pos;
  // First pass: find the terminator and count escapes, so the copy is sized exactly.
  let i = start;
  let escapes = 0;
  for (;;) {
    i = key.indexOf(zero, i);
    if (i < 0 || i + 1 >= key.length) malformed('unterminated string');
    const next = key[i + 1]! ^ mask;
    if (next === TERMINATOR) break;
    if (next !== ESCAPE) malformed(`bad escape 0x00 0x${next.toString(16)}`);
    escapes++;
    i += 2;
  }
  const end = i;
  r.pos = end + 2;
  if (escapes === 0 && mask === 0) return key.slice(start, end);
  const out = new Uint8Array(end - start - escapes);
  let o = 0;
  for (let j = start; j < end; j++) {
    const b = key[j]! ^ mask;
    out[o++] = b;
    if (b === 0) j++; // skip the escape byte
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads a string; invalid UTF-8 is malformed input. */
export function readEscapedString(r: KeyReader): string {
  const bytes = readEscapedBytes(r);
  // Short ASCII strings are the common key; building them directly beats TextDecoder.
  if (bytes.length <= 32) {
    let s = '';
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) {
        ascii = false;
        break;
      }
      s += String.fromCharCode(b);
    }
    if (ascii) return s;
  }
  try {
    return utf8.decode(bytes);
  } catch (e) {
    return malformed(`string is not valid UTF-8: ${String(e)}`);
  }
}
