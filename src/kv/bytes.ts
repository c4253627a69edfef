/**
 * Small byte helpers for kv's own key layouts. Keys compare as unsigned bytes,
 * lexicographically (LevelDB's bytewise order).
 */

/** Up to this length a JavaScript loop beats Buffer.compare's argument checks and native call. */
const SHORT_COMPARE_BYTES = 48;

/** Negative, zero or positive as `a` sorts before, equal to or after `b`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  if (n > SHORT_COMPARE_BYTES) return Buffer.compare(a, b);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Byte equality, compared from the end: neighbouring keys share prefixes, not suffixes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (n > SHORT_COMPARE_BYTES) return Buffer.compare(a, b) === 0;
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The smallest key greater than `key`: `key` followed by one zero byte. */
export function keyNext(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key, 0);
  return out;
}

/** Lowercase hex, for map keys and log lines. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Node's Buffer#latin1Slice, the primitive behind `buffer.toString('latin1')`. Called on a
 * plain Uint8Array it spares creating a Buffer view per call (3x faster for short keys,
 * measured: 150-190 ns vs 480-500 ns for a 24-byte key). Absent on some future Node, we fall
 * back to the public path.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/**
 * A string that identifies `bytes` (one char per byte), for map keys on hot paths: cheaper
 * than hex and half as long. Not for display.
 */
export function keyString(bytes: Uint8Array): string {
  if (latin1Slice !== undefined) return latin1Slice.call(bytes, 0, bytes.length);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A printable rendering of a key for messages: printable ASCII as is, the rest as \xNN. */
export function prettyKey(key: Uint8Array): string {
  let out = '';
  for (const b of key) {
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Returns the smaller of two keys. */
export function minKey(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) <= 0 ? a : b;
}

/** Returns the larger of two keys. */
export function maxKey(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) >= 0 ? a : b;
}
