/**
 * Encoding and decoding whole tuples. Encoding writes into one reused scratch buffer and
 * copies the result out once, so a key costs a single exact-size allocation however many
 * parts it has. The scratch is private and encoding is synchronous, so nothing can
 * observe or interleave with its use.
 */
import { assert } from '../assert.ts';
import type { Direction, KeyPart } from './key-part.ts';
import { ByteWriter } from './writer.ts';
import type { KeyReader } from './reader.ts';
import { readPart, writePart } from './key-codec.ts';

const SCRATCH_INITIAL_BYTES = 256;
/** A scratch buffer grown past this by one huge key is dropped rather than kept forever. */
const SCRATCH_RETAINED_BYTES_MAX = 64 * 1024;

let scratch = new ByteWriter(SCRATCH_INITIAL_BYTES);

function encodeInto(prefix: Uint8Array | null, parts: readonly KeyPart[], directions: readonly Direction[] | undefined): Uint8Array {
  assert(directions === undefined || directions.length <= parts.length, 'more directions than parts');
  const w = scratch;
  w.pos = 0;
  if (prefix !== null) w.writeBytes(prefix);
  for (let i = 0; i < parts.length; i++) writePart(w, parts[i]!, directions?.[i] ?? 'asc');
  const out = w.copyOut();
  if (w.buf.length > SCRATCH_RETAINED_BYTES_MAX) scratch = new ByteWriter(SCRATCH_INITIAL_BYTES);
  return out;
}

/**
 * Encodes the tuple `parts`; `directions[i]` (default 'asc') orders part i. The unsigned
 * lexicographic order of the results (compareBytes) is the tuple order of the inputs
 * (compareKeys), and encoding a prefix of a tuple gives a byte prefix of its encoding.
 * Returns a fresh array the caller owns. Asserts on values outside their kind's domain
 * (ints beyond 64 bits, strings with lone surrogates, uuids not 16 bytes, bad decimals).
 */
export function encodeKey(parts: readonly KeyPart[], directions?: readonly Direction[]): Uint8Array {
  return encodeInto(null, parts, directions);
}

/** `prefix` followed by encodeKey(parts, directions), built with one allocation. */
export function appendKey(prefix: Uint8Array, parts: readonly KeyPart[], directions?: readonly Direction[]): Uint8Array {
  return encodeInto(prefix, parts, directions);
}

/**
 * Decodes `count` parts of `key` starting at byte `offset`, part i in `directions[i]`
 * (default 'asc'). Returns the parts and the offset just after the last one; bytes after
 * it are left alone, so a key may carry a suffix. Decimals come back in canonical text
 * ('1.50' as '1.5'), floats with -0 as 0. Returned byte arrays are fresh copies, never
 * views into `key`. Throws TesseraError('bad-key-encoding') if the bytes are not a valid
 * canonical encoding of `count` parts.
 */
export function decodeKey(
  key: Uint8Array,
  offset: number,
  count: number,
  directions?: readonly Direction[],
): { parts: KeyPart[]; end: number } {
  assert(Number.isInteger(offset) && offset >= 0 && offset <= key.length, () => `bad offset ${offset}`);
  assert(Number.isInteger(count) && count >= 0, () => `bad count ${count}`);
  const r: KeyReader = { key, pos: offset, mask: 0 };
  const parts: KeyPart[] = new Array<KeyPart>(count);
  for (let i = 0; i < count; i++) {
    r.mask = directions?.[i] === 'desc' ? 0xff : 0;
    parts[i] = readPart(r);
  }
  return { parts, end: r.pos };
}
