/**
 * Every key the sql layer writes. Catalog keys live in /system; table data in
 * /table/<tableId>/<indexId>/<index columns...>[/<pk columns...>] (see table-writer.ts).
 */
import { systemKey, tableKey } from '../../kv/index.ts';
import { encodeKey, int, prefixEnd, str, type Direction, type KeyPart } from '../../util/encoding/index.ts';
import type { Span } from '../../txn/index.ts';

export function descriptorKey(id: number): Uint8Array {
  return systemKey(encodeKey([str('desc'), int(id)]));
}

export function descriptorSpan(): Span {
  const startKey = systemKey(encodeKey([str('desc')]));
  return { startKey, endKey: prefixEnd(startKey) };
}

export function namespaceKey(databaseId: number, schemaId: number, name: string): Uint8Array {
  return systemKey(encodeKey([str('ns'), int(databaseId), int(schemaId), str(name)]));
}

export function descriptorCounterKey(): Uint8Array {
  return systemKey(encodeKey([str('counter'), str('desc')]));
}

/** A sequence's current state (catalog/sequences.ts), outside its descriptor. */
export function sequenceValueKey(sequenceId: number): Uint8Array {
  return systemKey(encodeKey([str('seq'), int(sequenceId)]));
}

export function roleKey(name: string): Uint8Array {
  return systemKey(encodeKey([str('role'), str(name)]));
}

export function roleSpan(): Span {
  const startKey = systemKey(encodeKey([str('role')]));
  return { startKey, endKey: prefixEnd(startKey) };
}

/** Owner and ACL of one object (database, schema, table, sequence) by its descriptor id. */
export function privilegeKey(objectId: number): Uint8Array {
  return systemKey(encodeKey([str('priv'), int(objectId)]));
}

export function privilegeSpan(): Span {
  const startKey = systemKey(encodeKey([str('priv')]));
  return { startKey, endKey: prefixEnd(startKey) };
}

/** A table's statistics (ANALYZE), apart from its descriptor: counting never conflicts with a schema change. */
export function statsKey(tableId: number): Uint8Array {
  return systemKey(encodeKey([str('stats'), int(tableId)]));
}

export function statsSpan(): Span {
  const startKey = systemKey(encodeKey([str('stats')]));
  return { startKey, endKey: prefixEnd(startKey) };
}

/** A cluster setting by name (ALTER SYSTEM). */
export function settingKey(name: string): Uint8Array {
  return systemKey(encodeKey([str('setting'), str(name)]));
}

export function bootstrapKey(): Uint8Array {
  return systemKey(encodeKey([str('bootstrap')]));
}

/** The key prefix of one index: /table/<tableId>/<indexId>. */
export function indexPrefix(tableId: number, indexId: number): Uint8Array {
  return tableKey(encodeKey([int(tableId), int(indexId)]));
}

/** All of a table's data, every index. */
export function tableSpan(tableId: number): Span {
  const startKey = tableKey(encodeKey([int(tableId)]));
  return { startKey, endKey: prefixEnd(startKey) };
}

export function indexSpan(tableId: number, indexId: number): Span {
  const startKey = indexPrefix(tableId, indexId);
  return { startKey, endKey: prefixEnd(startKey) };
}

/** /table/<tableId>/<indexId>/<parts...>, each part in its column's direction. */
export function indexKey(tableId: number, indexId: number, parts: readonly KeyPart[], directions: readonly Direction[]): Uint8Array {
  return tableKey(encodeKey([int(tableId), int(indexId), ...parts], ['asc', 'asc', ...directions]));
}

/** /system/advisory/<databaseId>/<key space>/<key>: the holders of one advisory lock (advisory/advisory-locks.ts). */
export function advisoryLockKey(databaseId: number, space: number, key: bigint): Uint8Array {
  return systemKey(encodeKey([str('advisory'), int(databaseId), int(space), int(key)]));
}
