import { assert } from '../util/index.ts';
import { escapeKey, META_PREFIX, unescapeKey } from './keys.ts';
import { LOGICAL_MAX, WALL_MAX, type Timestamp } from './timestamp.ts';

/**
 * MVCC version keys: escape(userKey) + (WALL_MAX - wall) as u64 + (LOGICAL_MAX - logical)
 * as u32, so that a key's versions are adjacent and sort newest first (see keys.ts).
 * Version values carry a one-byte tag: 0 is a tombstone (a committed delete), 1 a value.
 */
const TS_SUFFIX_BYTES = 12;

/** User keys written through MVCC are at or above /meta (never /local). */
export function assertUserKey(key: Uint8Array): void {
  assert(key.length > 0 && (key[0] as number) >= META_PREFIX, 'MVCC keys must not be local or empty');
}

export function versionKey(userKey: Uint8Array, ts: Timestamp): Uint8Array {
  const escaped = escapeKey(userKey);
  const out = new Uint8Array(escaped.length + TS_SUFFIX_BYTES);
  out.set(escaped, 0);
  const view = new DataView(out.buffer);
  view.setBigUint64(escaped.length, WALL_MAX - ts.wall);
  view.setUint32(escaped.length + 8, LOGICAL_MAX - ts.logical);
  return out;
}

export function decodeVersionKey(key: Uint8Array): { userKey: Uint8Array; ts: Timestamp } {
  const decoded = unescapeKey(key, 0);
  assert(decoded !== null && decoded.end + TS_SUFFIX_BYTES === key.length, 'malformed MVCC version key');
  const view = new DataView(key.buffer, key.byteOffset + decoded.end, TS_SUFFIX_BYTES);
  return {
    userKey: decoded.key,
    ts: { wall: WALL_MAX - view.getBigUint64(0), logical: LOGICAL_MAX - view.getUint32(8) },
  };
}

/**
 * The 12-byte timestamp suffix that `versionKey` appends for `ts`. Suffixes compare
 * bytewise in reverse timestamp order: ts1 <= ts2 exactly when suffix(ts1) >= suffix(ts2).
 */
export function versionTsSuffix(ts: Timestamp): Uint8Array {
  const out = new Uint8Array(TS_SUFFIX_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, WALL_MAX - ts.wall);
  view.setUint32(8, LOGICAL_MAX - ts.logical);
  return out;
}

/** True when the version in `key` (a version key) is at or below the timestamp whose suffix is `suffix`. */
export function versionAtOrBelow(key: Uint8Array, suffix: Uint8Array): boolean {
  const at = key.length - TS_SUFFIX_BYTES;
  for (let i = 0; i < TS_SUFFIX_BYTES; i++) {
    const d = (key[at + i] as number) - (suffix[i] as number);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The timestamp of a version key (its last 12 bytes). */
export function versionKeyTs(key: Uint8Array): Timestamp {
  const view = new DataView(key.buffer, key.byteOffset + key.length - TS_SUFFIX_BYTES, TS_SUFFIX_BYTES);
  return { wall: WALL_MAX - view.getBigUint64(0), logical: LOGICAL_MAX - view.getUint32(8) };
}

/** The user key of a version key. */
export function versionKeyUserKey(key: Uint8Array): Uint8Array {
  // Fast path: no zero byte before the terminator (0x00 0x01) that precedes the suffix,
  // so the escaped key is the user key itself.
  const end = key.length - TS_SUFFIX_BYTES - 2;
  if (end >= 0 && key[end] === 0 && key[end + 1] === 0x01) {
    let i = 0;
    while (i < end && key[i] !== 0) i++;
    if (i === end) return key.subarray(0, end);
  }
  const decoded = unescapeKey(key, 0);
  assert(decoded !== null && decoded.end + TS_SUFFIX_BYTES === key.length, 'malformed MVCC version key');
  return decoded.key;
}

/** The physical start of user key `key`'s versions (newest first). */
export function versionsStart(userKey: Uint8Array): Uint8Array {
  return escapeKey(userKey);
}

/** Just past the last version of `userKey` (the terminator's last byte plus one). */
export function versionsEnd(userKey: Uint8Array): Uint8Array {
  const escaped = escapeKey(userKey);
  escaped[escaped.length - 1] = 0x02;
  return escaped;
}

/** Physical bounds [gte, lt) of all versions of user keys in [startKey, endKey). */
export function versionSpan(startKey: Uint8Array, endKey: Uint8Array): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: escapeKey(startKey), lt: escapeKey(endKey) };
}

export const TOMBSTONE: Uint8Array = Uint8Array.of(0);

export function encodeVersionValue(value: Uint8Array | null): Uint8Array {
  if (value === null) return TOMBSTONE;
  const out = new Uint8Array(value.length + 1);
  out[0] = 1;
  out.set(value, 1);
  return out;
}

/** The user value of a stored version, or null for a tombstone. */
export function decodeVersionValue(stored: Uint8Array): Uint8Array | null {
  assert(stored.length >= 1 && (stored[0] === 0 || stored[0] === 1), 'malformed MVCC value');
  return stored[0] === 0 ? null : stored.subarray(1);
}
