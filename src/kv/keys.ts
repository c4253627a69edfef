/**
 * The top of the keyspace. Every key starts with one prefix byte that says which part of
 * the keyspace it belongs to; the rest is built with the tuple encoding (src/util/encoding).
 *
 *   0x01 /local   range-local keys (raft state, lock table, txn records)
 *   0x02 /meta    range descriptors, addressed by the range's end key
 *   0x03 /system  node liveness, descriptors, namespace, users, settings, ...
 *   0x04 /table   /table/<tableId>/<indexId>/<key columns...>
 *   0xff          KEY_MAX: greater than every key
 */
export const LOCAL_PREFIX = 0x01;
export const META_PREFIX = 0x02;
export const SYSTEM_PREFIX = 0x03;
export const TABLE_PREFIX = 0x04;

/** The smallest key (empty). */
export const KEY_MIN: Uint8Array = new Uint8Array(0);
/** A key greater than every key Tessera stores. */
export const KEY_MAX: Uint8Array = Uint8Array.of(0xff, 0xff);

function prefixed(prefix: number, suffix: Uint8Array): Uint8Array {
  const key = new Uint8Array(suffix.length + 1);
  key[0] = prefix;
  key.set(suffix, 1);
  return key;
}

/** A key in /system: the prefix byte followed by `suffix` (usually a tuple encoding). */
export function systemKey(suffix: Uint8Array): Uint8Array {
  return prefixed(SYSTEM_PREFIX, suffix);
}

/** A key in /table: the prefix byte followed by `suffix` (tableId, indexId, columns...). */
export function tableKey(suffix: Uint8Array): Uint8Array {
  return prefixed(TABLE_PREFIX, suffix);
}

/** A key in /meta: the prefix byte followed by a range's end key. */
export function metaKey(rangeEndKey: Uint8Array): Uint8Array {
  return prefixed(META_PREFIX, rangeEndKey);
}

// ---------------------------------------------------------------------------------------
// Physical layouts kv builds on top of the prefixes (see docs/kv.md, "Keyspace").
//
// User keys (those sql and txn write: /meta, /system, /table) are never stored as is:
// MVCC stores each version at `escape(userKey) + timestamp`, and the lock table and txn
// records live under /local, addressed by a user key so they move with it on a split.
//
//   0x01 0x00 <name>                       store-local: store version marker, store ident
//   0x01 0x01 <rangeId u64> <suffix>       range-id local: range descriptor copy, (raft)
//   0x01 0x02 escape(userKey)              lock table: the write intent on userKey
//   0x01 0x03 escape(anchorKey) <txnId16>  txn record, on the range of its anchor key
//   escape(userKey) <~wall u64> <~logical u32>   an MVCC version (newest first)
//
// escape() doubles every 0x00 byte as 0x00 0xff and ends the key with 0x00 0x01. The
// terminator sorts below any continuation of the key, so escaped keys keep the order of
// user keys and a key's suffix (timestamp) never interleaves with a longer key's versions.
// ---------------------------------------------------------------------------------------

export const LOCAL_STORE_MARKER = 0x00;
export const LOCAL_RANGE_ID_MARKER = 0x01;
export const LOCAL_LOCK_MARKER = 0x02;
export const LOCAL_TXN_MARKER = 0x03;

/** True for keys in /local (never written through MVCC). */
export function isLocalKey(key: Uint8Array): boolean {
  return key.length > 0 && key[0] === LOCAL_PREFIX;
}

/** escape(key): see the layout above. The result is a fresh array. */
export function escapeKey(key: Uint8Array, prefix?: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const b of key) if (b === 0) zeros++;
  const head = prefix?.length ?? 0;
  const out = new Uint8Array(head + key.length + zeros + 2);
  if (prefix !== undefined) out.set(prefix, 0);
  let at = head;
  if (zeros === 0) {
    out.set(key, at);
    at += key.length;
  } else {
    for (const b of key) {
      out[at++] = b;
      if (b === 0) out[at++] = 0xff;
    }
  }
  out[at++] = 0x00;
  out[at] = 0x01;
  return out;
}

/**
 * Decodes an escaped key starting at `offset`; returns the user key and the offset just
 * past the terminator. Returns null when the bytes are not a well-formed escaped key.
 */
export function unescapeKey(bytes: Uint8Array, offset = 0): { key: Uint8Array; end: number } | null {
  // Fast path: the first zero byte is the terminator.
  const firstZero = bytes.indexOf(0, offset);
  if (firstZero < 0 || firstZero + 1 >= bytes.length) return null;
  // A view, not a copy: stored keys are never written to in place.
  if (bytes[firstZero + 1] === 0x01) return { key: bytes.subarray(offset, firstZero), end: firstZero + 2 };
  const out: number[] = [];
  for (let i = offset; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0) {
      out.push(b);
      continue;
    }
    const next = bytes[i + 1];
    if (next === 0xff) {
      out.push(0);
      i++;
    } else if (next === 0x01) {
      return { key: Uint8Array.from(out), end: i + 2 };
    } else {
      return null;
    }
  }
  return null;
}

const LOCK_TABLE_PREFIX = Uint8Array.of(LOCAL_PREFIX, LOCAL_LOCK_MARKER);
const TXN_RECORD_PREFIX = Uint8Array.of(LOCAL_PREFIX, LOCAL_TXN_MARKER);

/** The lock-table key holding the write intent on `userKey`. */
export function lockTableKey(userKey: Uint8Array): Uint8Array {
  return escapeKey(userKey, LOCK_TABLE_PREFIX);
}

/** The user key of a lock-table key, or null if `key` is not one. */
export function decodeLockTableKey(key: Uint8Array): Uint8Array | null {
  if (key.length < 2 || key[0] !== LOCAL_PREFIX || key[1] !== LOCAL_LOCK_MARKER) return null;
  const decoded = unescapeKey(key, 2);
  return decoded !== null && decoded.end === key.length ? decoded.key : null;
}

/** The txn record key: addressed by the txn's anchor key, then the 16-byte txn id. */
export function txnRecordKey(anchorKey: Uint8Array, txnId: Uint8Array): Uint8Array {
  const escaped = escapeKey(anchorKey, TXN_RECORD_PREFIX);
  const out = new Uint8Array(escaped.length + txnId.length);
  out.set(escaped, 0);
  out.set(txnId, escaped.length);
  return out;
}

/** A store-local key (not addressed by any user key; never leaves the store). */
export function storeLocalKey(name: string): Uint8Array {
  const suffix = new TextEncoder().encode(name);
  const out = new Uint8Array(suffix.length + 2);
  out[0] = LOCAL_PREFIX;
  out[1] = LOCAL_STORE_MARKER;
  out.set(suffix, 2);
  return out;
}

/** A range-id-local key: per replica, keyed by range id. */
export function rangeIdLocalKey(rangeId: bigint, suffix: string): Uint8Array {
  const name = new TextEncoder().encode(suffix);
  const out = new Uint8Array(10 + name.length);
  out[0] = LOCAL_PREFIX;
  out[1] = LOCAL_RANGE_ID_MARKER;
  new DataView(out.buffer).setBigUint64(2, rangeId);
  out.set(name, 10);
  return out;
}

/** [start, end) of all range-id-local keys of every range. */
export const RANGE_ID_LOCAL_SPAN = {
  startKey: Uint8Array.of(LOCAL_PREFIX, LOCAL_RANGE_ID_MARKER),
  endKey: Uint8Array.of(LOCAL_PREFIX, LOCAL_RANGE_ID_MARKER + 1),
} as const;

/** [start, end) of the whole lock table (every write intent of the store). */
export const LOCK_TABLE_SPAN = {
  startKey: Uint8Array.of(LOCAL_PREFIX, LOCAL_LOCK_MARKER),
  endKey: Uint8Array.of(LOCAL_PREFIX, LOCAL_LOCK_MARKER + 1),
} as const;
