/**
 * ANALYZE: counts each table's live rows (a keys-only pass over its primary index, page by
 * page) and keeps the count on the table descriptor (`stats`), where the planner's row
 * estimates and pg_class.reltuples read it. Written in the statement's transaction like any
 * descriptor change (its version stays: statistics are not schema), so plans cached against
 * the old descriptor object are made again; the descriptor is
 * re-read from KV in the transaction first, so a concurrent schema change is never lost to
 * a stale copy (automatic ANALYZE runs beside user DDL). Without table names, every table
 * of the database is counted.
 */
import { decodeJson } from '../catalog/catalog.ts';
import type { Descriptor, TableDesc } from '../catalog/descriptors.ts';
import type { Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { descriptorKey, indexSpan } from '../storage/keys.ts';
import type { DdlContext } from './ddl.ts';

type AnalyzeStmt = Extract<Statement, { kind: 'analyze' }>;

/** Rows counted per KV page. */
const COUNT_PAGE_ROWS = 10_000;

export async function analyzeTables(stmt: AnalyzeStmt, ctx: DdlContext): Promise<void> {
  const tables = stmt.tables.length === 0
    ? ctx.catalog.tables(ctx.databaseId)
    : stmt.tables.map((ref) => {
        const t = ctx.resolveTable(ref);
        if (t === null) throw sqlError('42P01', `relation "${ref.schema === null ? ref.name : `${ref.schema}.${ref.name}`}" does not exist`);
        return t;
      });
  const seen = new Set<number>();
  for (const t of tables) {
    if (seen.has(t.id) || t.virtual !== undefined) continue;
    seen.add(t.id);
    const rows = await countRows(t, ctx);
    // The descriptor as stored now, read in this transaction: a schema change committed
    // meanwhile is kept (never overwritten by the cached copy the count started from), and
    // one committed after this read makes this transaction retry instead.
    const stored = ctx.catalog.changedInTxn(t.id) ? t : await storedTable(t.id, ctx);
    if (stored === null) continue; // dropped meanwhile
    // Statistics are not schema: the version stays (cached plans see the new object anyway).
    ctx.catalog.writeTable(ctx.txn, { ...stored, stats: { rows, analyzedAt: new Date(Number(ctx.eval.txnMicros / 1000n)).toISOString() } }, stored);
  }
}

async function storedTable(id: number, ctx: DdlContext): Promise<TableDesc | null> {
  const raw = await ctx.txn.get(descriptorKey(id));
  if (raw === null) return null;
  const d = decodeJson(raw) as Descriptor;
  return d.kind === 'table' ? d : null;
}

async function countRows(table: TableDesc, ctx: DdlContext): Promise<number> {
  let span: { startKey: Uint8Array; endKey: Uint8Array } | null = indexSpan(table.id, table.primaryIndex.id);
  let rows = 0;
  while (span !== null) {
    const page = await ctx.txn.scan(span, { limit: COUNT_PAGE_ROWS });
    rows += page.rows.length;
    span = page.resumeSpan;
  }
  return rows;
}
