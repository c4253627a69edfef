/**
 * Object identifiers as clients see them in pg_catalog. They are derived from descriptor
 * ids, never stored, so they are stable across restarts and equal on every node:
 *
 *   100000 + descriptor id                    databases, schemas, tables (RowDescription too)
 *   1e9 + tableId * 1000 + indexId            index relations (pg_class, pg_index)
 *   2e9 + tableId * 1000 + indexId            PRIMARY KEY / UNIQUE constraints (pg_constraint)
 *   3e9 + tableId * 1000 + columnId           column defaults (pg_attrdef)
 *   10                                        the bootstrap superuser (root)
 *   16384 + hash(name) mod 1e6                other roles
 *   < 16384                                   built-in objects, with PostgreSQL's own OIDs
 *
 * Limits: the per-table slots hold index and column ids below 1000, and table ids below
 * 1,000,000 (beyond that the ranges would overlap; asserted where the OIDs are made).
 */
import { assert } from '../../util/index.ts';

export const DESCRIPTOR_OID_BASE = 100_000;
const INDEX_OID_BASE = 1_000_000_000;
const CONSTRAINT_OID_BASE = 2_000_000_000;
const ATTRDEF_OID_BASE = 3_000_000_000;
const SLOTS_PER_TABLE = 1000;
const TABLE_ID_MAX = 999_999;

export const PG_CATALOG_NAMESPACE_OID = 11;
export const INFORMATION_SCHEMA_NAMESPACE_OID = 13_000;
export const SUPERUSER_OID = 10;
/** PostgreSQL's btree and heap access methods. */
export const BTREE_AM_OID = 403;
export const HEAP_AM_OID = 2;
export const DEFAULT_COLLATION_OID = 100;

export function descriptorOid(id: number): number {
  return DESCRIPTOR_OID_BASE + id;
}

function slot(base: number, tableId: number, n: number): number {
  assert(tableId <= TABLE_ID_MAX && n >= 0 && n < SLOTS_PER_TABLE, `object ${n} of table ${tableId} has no OID slot`);
  return base + tableId * SLOTS_PER_TABLE + n;
}

export function indexOid(tableId: number, indexId: number): number {
  return slot(INDEX_OID_BASE, tableId, indexId);
}

export function constraintOid(tableId: number, n: number): number {
  return slot(CONSTRAINT_OID_BASE, tableId, n);
}

/** A view's _RETURN rule (pg_rewrite): the last constraint slot of its descriptor id (views have no constraints). */
export function viewRuleOid(viewId: number): number {
  return slot(CONSTRAINT_OID_BASE, viewId, SLOTS_PER_TABLE - 1);
}

/** Constraint slots of a table: indexes (PRIMARY KEY, UNIQUE) by index id, then CHECKs, then FOREIGN KEYs. */
export const CHECK_CONSTRAINT_SLOT = 500;
export const FOREIGN_KEY_CONSTRAINT_SLOT = 750;

export function attrdefOid(tableId: number, columnId: number): number {
  return slot(ATTRDEF_OID_BASE, tableId, columnId);
}

/** Which kind of object an OID names, and its parts. */
export type DecodedOid =
  | { readonly kind: 'descriptor'; readonly id: number }
  | { readonly kind: 'index'; readonly tableId: number; readonly indexId: number }
  | { readonly kind: 'constraint'; readonly tableId: number; readonly n: number }
  | { readonly kind: 'attrdef'; readonly tableId: number; readonly columnId: number }
  | { readonly kind: 'builtin'; readonly oid: number };

export function decodeOid(oid: number): DecodedOid {
  const split = (base: number): [number, number] => [Math.floor((oid - base) / SLOTS_PER_TABLE), (oid - base) % SLOTS_PER_TABLE];
  if (oid >= ATTRDEF_OID_BASE) {
    const [tableId, columnId] = split(ATTRDEF_OID_BASE);
    return { kind: 'attrdef', tableId, columnId };
  }
  if (oid >= CONSTRAINT_OID_BASE) {
    const [tableId, n] = split(CONSTRAINT_OID_BASE);
    return { kind: 'constraint', tableId, n };
  }
  if (oid >= INDEX_OID_BASE) {
    const [tableId, indexId] = split(INDEX_OID_BASE);
    return { kind: 'index', tableId, indexId };
  }
  if (oid >= DESCRIPTOR_OID_BASE) return { kind: 'descriptor', id: oid - DESCRIPTOR_OID_BASE };
  return { kind: 'builtin', oid };
}

/** A role's OID: root is PostgreSQL's bootstrap superuser; others hash their name (FNV-1a). */
export function roleOid(name: string, superuserBootstrap: boolean): number {
  if (superuserBootstrap) return SUPERUSER_OID;
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 16_384 + (h % 1_000_000);
}
