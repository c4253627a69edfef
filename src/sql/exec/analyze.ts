/**
 * ANALYZE: counts each table's live rows (a pass over its primary index, page by page) and
 * stores the count under the table's statistics key (not in its descriptor: statistics are
 * not schema, and automatic ANALYZE must never conflict with a schema change or write a
 * stale descriptor). The catalog attaches the count to the table descriptor it serves
 * (`stats`), where the planner's row estimates and pg_class.reltuples read it; the new
 * descriptor object makes cached plans be made again. Without table names, every table of
 * the database is counted.
 */
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { indexSpan } from '../storage/keys.ts';
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
    ctx.catalog.writeStats(ctx.txn, t.id, { rows, analyzedAt: new Date(Number(ctx.eval.txnMicros / 1000n)).toISOString() });
  }
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
