/**
 * The tuple encoding: each part is one tag byte naming its kind (and, for ints and
 * decimals, sign and length), then a self-delimiting payload. Tags, ascending:
 *
 *   0x08 false   0x09 true
 *   0x10..0x67   int        (int-codec, zero tag 0x18, 0..71 inline in the tag)
 *   0x70..0x80   timestamp  (int-codec, zero tag 0x78)
 *   0x90         float      8 bytes: IEEE 754 big-endian, sign bit flipped if positive,
 *                           all bits flipped if negative; -0 as 0, one canonical NaN
 *   0xa0..0xa5   decimal    -Infinity, negative, zero, positive, Infinity, NaN (decimal-codec)
 *   0xb0 string  0xb1 bytes escaped body + 0x00 0x01 (string-codec)
 *   0xc0         uuid       16 bytes
 *   0xf0         null       after every value: NULLS LAST ascending
 *
 * A descending part is the bitwise inverse of its ascending bytes. Every part's encoding
 * is prefix-free (no encoding is a proper prefix of another), so at the first differing
 * byte the inversion flips the comparison, and null (0x0f) comes first.
 */
import { assert, assertNever } from '../assert.ts';
import type { Direction, KeyPart } from './key-part.ts';
import { ByteWriter } from './writer.ts';
import { malformed, need, readByte, type KeyReader } from './reader.ts';
import { layoutTagRange, readInt, writeInt, type IntLayout } from './int-codec.ts';
import { readDecimal, writeDecimal, type DecimalClass } from './decimal-codec.ts';
import { readEscapedBytes, readEscapedString, writeEscapedBytes, writeEscapedString } from './string-codec.ts';

export const TAG_FALSE = 0x08;
export const TAG_TRUE = 0x09;
export const INT_LAYOUT: IntLayout = { zeroTag: 0x18, inlineCount: 72 };
export const TIMESTAMP_LAYOUT: IntLayout = { zeroTag: 0x78, inlineCount: 1 };
export const TAG_FLOAT = 0x90;
export const TAG_DECIMAL_FIRST = 0xa0;
export const TAG_STRING = 0xb0;
export const TAG_BYTES = 0xb1;
export const TAG_UUID = 0xc0;
export const TAG_NULL = 0xf0;

export const UUID_BYTES = 16;

/** What each tag byte introduces; 'bad' for unused tags. */
type TagKind = KeyPart['kind'] | 'bad';
const tagKinds: TagKind[] = new Array<TagKind>(256).fill('bad');
function assignTags(first: number, last: number, kind: TagKind): void {
  for (let t = first; t <= last; t++) {
    assert(tagKinds[t] === 'bad', `tag 0x${t.toString(16)} assigned twice`);
    tagKinds[t] = kind;
  }
}
assignTags(TAG_FALSE, TAG_TRUE, 'bool');
assignTags(...layoutTagRange(INT_LAYOUT), 'int');
assignTags(...layoutTagRange(TIMESTAMP_LAYOUT), 'timestamp');
assignTags(TAG_FLOAT, TAG_FLOAT, 'float');
assignTags(TAG_DECIMAL_FIRST, TAG_DECIMAL_FIRST + 5, 'decimal');
assignTags(TAG_STRING, TAG_STRING, 'string');
assignTags(TAG_BYTES, TAG_BYTES, 'bytes');
assignTags(TAG_UUID, TAG_UUID, 'uuid');
assignTags(TAG_NULL, TAG_NULL, 'null');

/** The sign-flipped bytes of the one NaN we store (0x7ff8000000000000 before the flip). */
const CANONICAL_NAN = [0xff, 0xf8, 0, 0, 0, 0, 0, 0] as const;

function writeFloat(w: ByteWriter, value: number): void {
  w.ensure(9);
  const buf = w.buf;
  buf[w.pos++] = TAG_FLOAT;
  const p = w.pos;
  w.pos += 8;
  if (Number.isNaN(value)) {
    // NaN payloads vary; writing fixed bytes makes every NaN one key.
    for (let i = 0; i < 8; i++) buf[p + i] = CANONICAL_NAN[i]!;
    return;
  }
  w.view.setFloat64(p, value === 0 ? 0 : value, false);
  if (buf[p]! & 0x80) {
    for (let i = p; i < p + 8; i++) buf[i] = ~buf[i]! & 0xff;
  } else {
    buf[p] = buf[p]! | 0x80;
  }
}

const floatScratch = new DataView(new ArrayBuffer(8));

function readFloat(r: KeyReader): number {
  need(r, 8);
  const positive = ((r.key[r.pos]! ^ r.mask) & 0x80) !== 0;
  const flip = positive ? 0 : 0xff;
  for (let i = 0; i < 8; i++) floatScratch.setUint8(i, r.key[r.pos + i]! ^ r.mask ^ flip);
  if (positive) floatScratch.setUint8(0, floatScratch.getUint8(0) & 0x7f);
  const value = floatScratch.getFloat64(0, false);
  if (Number.isNaN(value)) {
    for (let i = 0; i < 8; i++) {
      if ((r.key[r.pos + i]! ^ r.mask) !== CANONICAL_NAN[i]) malformed('non-canonical NaN');
    }
  } else if (value === 0 && !positive) {
    malformed('negative zero');
  }
  r.pos += 8;
  return value;
}

function writeUuid(w: ByteWriter, value: Uint8Array): void {
  assert(value.length === UUID_BYTES, () => `uuid must be ${UUID_BYTES} bytes, got ${value.length}`);
  w.ensure(1 + UUID_BYTES);
  w.buf[w.pos++] = TAG_UUID;
  w.buf.set(value, w.pos);
  w.pos += UUID_BYTES;
}

function readUuid(r: KeyReader): Uint8Array {
  need(r, UUID_BYTES);
  const out = r.key.slice(r.pos, r.pos + UUID_BYTES);
  if (r.mask !== 0) for (let i = 0; i < UUID_BYTES; i++) out[i] = out[i]! ^ r.mask;
  r.pos += UUID_BYTES;
  return out;
}

/** Appends one part in direction `direction`. */
export function writePart(w: ByteWriter, part: KeyPart, direction: Direction): void {
  const start = w.pos;
  switch (part.kind) {
    case 'null':
      w.ensure(1);
      w.buf[w.pos++] = TAG_NULL;
      break;
    case 'bool':
      w.ensure(1);
      w.buf[w.pos++] = part.value ? TAG_TRUE : TAG_FALSE;
      break;
    case 'int':
      writeInt(w, INT_LAYOUT, part.value);
      break;
    case 'timestamp':
      writeInt(w, TIMESTAMP_LAYOUT, part.value);
      break;
    case 'float':
      writeFloat(w, part.value);
      break;
    case 'decimal':
      writeDecimal(w, TAG_DECIMAL_FIRST, part.value);
      break;
    case 'string':
      w.ensure(1);
      w.buf[w.pos++] = TAG_STRING;
      writeEscapedString(w, part.value);
      break;
    case 'bytes':
      w.ensure(1);
      w.buf[w.pos++] = TAG_BYTES;
      writeEscapedBytes(w, part.value);
      break;
    case 'uuid':
      writeUuid(w, part.value);
      break;
    default:
      assertNever(part, 'key part');
  }
  // The message is built only on failure: this runs for every part of every key.
  if (direction === 'desc') w.invertFrom(start);
  else if (direction !== 'asc') assert(false, `bad direction ${String(direction)}`);
}

const NULL_PART: KeyPart = Object.freeze({ kind: 'null' });
const TRUE_PART: KeyPart = Object.freeze({ kind: 'bool', value: true });
const FALSE_PART: KeyPart = Object.freeze({ kind: 'bool', value: false });

/** Reads one part; the reader's mask must already be set for its direction. */
export function readPart(r: KeyReader): KeyPart {
  const tag = readByte(r);
  const kind = tagKinds[tag]!;
  switch (kind) {
    case 'null':
      return NULL_PART;
    case 'bool':
      return tag === TAG_TRUE ? TRUE_PART : FALSE_PART;
    case 'int':
      return { kind, value: readInt(r, INT_LAYOUT, tag) };
    case 'timestamp':
      return { kind, value: readInt(r, TIMESTAMP_LAYOUT, tag) };
    case 'float':
      return { kind, value: readFloat(r) };
    case 'decimal':
      return { kind, value: readDecimal(r, (tag - TAG_DECIMAL_FIRST) as DecimalClass) };
    case 'string':
      return { kind, value: readEscapedString(r) };
    case 'bytes':
      return { kind, value: readEscapedBytes(r) };
    case 'uuid':
      return { kind, value: readUuid(r) };
    case 'bad':
      return malformed(`unknown tag 0x${tag.toString(16)} at byte ${r.pos - 1}`);
    default:
      return assertNever(kind, 'tag kind');
  }
}
