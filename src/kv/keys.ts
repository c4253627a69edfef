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
