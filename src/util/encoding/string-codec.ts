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
import { malformed, type KeyReader } from './reader.ts';

const ESCAPE = 0xff;
const TERMINATOR = 0x01;

/**
 * Writes `s` as UTF-8 with escaping, in one pass over its code units. Asserts on lone
 * surrogates: they have no UTF-8 form, and replacing them silently would merge keys.
 */
export function writeEscapedString(w: ByteWriter, s: string): void {
  if (s.length > NATIVE_ENCODE_UNITS_MIN) {
    writeEscapedStringNative(w, s);
    return;
  }
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

/** From this length on, the native encoder plus a scan for NULs beats the JS loop. */
const NATIVE_ENCODE_UNITS_MIN = 64;
const encoder = new TextEncoder();

/** `String.prototype.isWellFormed` (Node 20, ES2024; our lib setting is ES2023). */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** writeEscapedString for long strings: TextEncoder, then escape NULs in place. */
function writeEscapedStringNative(w: ByteWriter, s: string): void {
  // encodeInto would silently replace a lone surrogate with U+FFFD, merging keys.
  assert(isWellFormed(s), 'string has a lone surrogate');
  // Same bound as the loop: at most 3 bytes per unit, including escaped NULs.
  w.ensure(s.length * 3 + 2);
  const buf = w.buf;
  const start = w.pos;
  const { written } = encoder.encodeInto(s, buf.subarray(start));
  let end = start + written;
  const body = buf.subarray(start, end);
  let zeros = 0;
  for (let i = body.indexOf(0); i >= 0; i = body.indexOf(0, i + 1)) zeros++;
  if (zeros > 0) {
    // Spread the bytes right, back to front, inserting an escape after each NUL.
    let to = end + zeros;
    for (let from = end - 1; from >= start; from--) {
      const b = buf[from]!;
      if (b === 0) buf[--to] = ESCAPE;
      buf[--to] = b;
    }
    end += zeros;
  }
  buf[end++] = 0;
  buf[end++] = TERMINATOR;
  w.pos = end;
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

// Where the body scanned by scanBody ends (the terminator's first byte). Module state so
// that decoding allocates nothing for it.
let bodyEnd = 0;

/** Finds the terminator from the reader's position; returns how many escapes precede it. */
function scanBody(r: KeyReader): number {
  const key = r.key;
  const mask = r.mask;
  const zero = mask; // a 0x00 byte as stored under the mask
  let i = r.pos;
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
  bodyEnd = i;
  return escapes;
}

/** Unmasks and unescapes key[start, end) into a fresh array of `size` bytes. */
function unescape(key: Uint8Array, start: number, end: number, mask: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (let j = start; j < end; j++) {
    const b = key[j]! ^ mask;
    out[o++] = b;
    if (b === 0) j++; // skip the escape byte
  }
  return out;
}

/** Reads an escaped body and its terminator; returns the unescaped bytes (a fresh copy). */
export function readEscapedBytes(r: KeyReader): Uint8Array {
  const start = r.pos;
  const escapes = scanBody(r);
  const end = bodyEnd;
  r.pos = end + 2;
  if (escapes === 0 && r.mask === 0) return r.key.slice(start, end);
  return unescape(r.key, start, end, r.mask, end - start - escapes);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Below this many bytes, building an ASCII string by hand beats TextDecoder's call cost. */
const ASCII_FAST_PATH_BYTES_MAX = 32;

/** Decodes UTF-8 from bytes[start, end); invalid UTF-8 is malformed input. */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= ASCII_FAST_PATH_BYTES_MAX) {
    let s = '';
    let j = start;
    for (; j < end; j++) {
      const b = bytes[j]!;
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (j === end) return s;
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch (e) {
    return malformed(`string is not valid UTF-8: ${String(e)}`);
  }
}

/** Reads a string. An ascending string without NULs decodes straight from the key. */
export function readEscapedString(r: KeyReader): string {
  const start = r.pos;
  const escapes = scanBody(r);
  const end = bodyEnd;
  r.pos = end + 2;
  if (escapes === 0 && r.mask === 0) return decodeUtf8(r.key, start, end);
  const body = unescape(r.key, start, end, r.mask, end - start - escapes);
  return decodeUtf8(body, 0, body.length);
}
