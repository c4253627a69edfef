/**
 * Every virtual table of pg_catalog and information_schema, and their TableDescs: made
 * once (immutable, shared by every session), so plans over them are never stale.
 */
import type { TableDesc } from '../catalog/descriptors.ts';
import { PRIMARY_INDEX_ID } from '../catalog/descriptors.ts';
import type { EvalContext } from '../expr/bound.ts';
import { T, type Value } from '../types/types.ts';
import { toRow, type VirtualTableDef } from './columns.ts';
import { INFO_TABLES } from './info-schema.ts';
import { CORE_TABLES } from './pg-tables.ts';
import { MORE_TABLES } from './pg-tables-more.ts';

export type VirtualRelation = VirtualTableDef;

export const VIRTUAL_RELATIONS: readonly VirtualRelation[] = [...CORE_TABLES, ...MORE_TABLES, ...INFO_TABLES];

function rowsOf(def: VirtualTableDef, ctx: EvalContext): readonly (readonly Value[])[] {
  if (ctx.catalog === undefined) throw new Error(`internal: ${def.schema}.${def.name} read without a catalog in the context`);
  const tableoid = BigInt(def.oid);
  const rows = def.rows(ctx.catalog.snapshot(), ctx).map((r) => [...toRow(def.columns, r, def.defaults), tableoid]);
  return def.fixedRows === undefined ? rows : [...rows, ...fixedRowsOf(def)];
}

const fixedCache = new Map<string, readonly (readonly Value[])[]>();

/** A table's unchanging rows, converted on first use and shared (rows are never mutated). */
function fixedRowsOf(def: VirtualTableDef): readonly (readonly Value[])[] {
  const key = `${def.schema}.${def.name}`;
  let rows = fixedCache.get(key);
  if (rows === undefined) {
    const tableoid = BigInt(def.oid);
    rows = (def.fixedRows?.() ?? []).map((r) => [...toRow(def.columns, r, def.defaults), tableoid]);
    fixedCache.set(key, rows);
  }
  return rows;
}

/** A virtual table's descriptor: negative ids (never in KV), no key columns, no indexes. */
function descOf(def: VirtualTableDef, i: number): TableDesc {
  return {
    kind: 'table', id: -(i + 1), version: 1, name: def.name, databaseId: 0, schemaId: 0,
    // tableoid: PostgreSQL's system column naming the catalog a row comes from (pg_dump reads it).
    columns: [
      ...def.columns.map((c, j) => ({ id: j + 1, name: c.name, type: c.type, nullable: true, defaultExpr: null, hidden: false })),
      { id: def.columns.length + 1, name: 'tableoid', type: T.oid, nullable: false, defaultExpr: null, hidden: true },
    ],
    primaryIndex: { id: PRIMARY_INDEX_ID, name: `${def.name}_pkey`, unique: true, columnIds: [], directions: [] },
    indexes: [], nextColumnId: def.columns.length + 2, nextIndexId: PRIMARY_INDEX_ID + 1,
    virtual: { oid: def.oid, rows: (ctx) => rowsOf(def, ctx) },
  };
}

const descs: ReadonlyMap<string, TableDesc> = new Map(VIRTUAL_RELATIONS.map((d, i) => [`${d.schema}.${d.name}`, descOf(d, i)]));

/**
 * The virtual table `schema.name`; an unqualified name finds pg_catalog's tables (which
 * PostgreSQL searches before the search path) and nothing else. Null when there is none.
 */
export function virtualTable(schema: string | null, name: string): TableDesc | null {
  if (schema === null) return descs.get(`pg_catalog.${name}`) ?? null;
  return descs.get(`${schema}.${name}`) ?? null;
}

/** Whether `schema` is one of the built-in schemas whose tables are virtual. */
export function isVirtualSchema(schema: string | null): boolean {
  return schema === 'pg_catalog' || schema === 'information_schema';
}
