/**
 * CREATE/DROP TABLE and CREATE/DROP INDEX, transactional like PostgreSQL's: descriptors are
 * written in the session's transaction and reach the shared catalog cache on commit.
 * CREATE INDEX backfills existing rows in the same transaction.
 */
import type { Txn } from '../../txn/index.ts';
import type { Direction } from '../../util/encoding/index.ts';
import type { Expr, Statement, TableRef } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { CatalogView } from '../catalog/catalog.ts';
import { PRIMARY_INDEX_ID, type ColumnDesc, type IndexDesc, type NamespaceEntry, type TableDesc } from '../catalog/descriptors.ts';
import type { Binder } from '../expr/bind-expr.ts';
import { indexSpan, tableSpan } from '../storage/keys.ts';
import { layoutOf } from '../storage/table-data.ts';
import { resolveTypeName, T, type TypeLookup } from '../types/types.ts';
import { createOwnedSequence, dropSequence, sequenceSettings } from './types-ddl.ts';
import type { FormatContext } from '../types/text-io.ts';
import { UniqueWrites, writeIndexEntry } from './write.ts';
import type { EvalContext } from '../expr/bound.ts';
import type { ExecContext } from './operators.ts';
import { buildCheck, buildForeignKey, chooseName } from './constraints.ts';
import { dropDependentViews } from './view-deps.ts';
import { quoteIdent } from '../pgcatalog/index.ts';

export interface DdlContext {
  readonly txn: Txn;
  readonly catalog: CatalogView;
  readonly databaseId: number;
  readonly binder: Binder;
  readonly format: FormatContext;
  /** Enum types by name, as the transaction sees them. */
  readonly lookupType: TypeLookup;
  schemaId(schema: string | null, pos: number): number;
  resolveTable(ref: TableRef): TableDesc | null;
  /** A table, view or other named object, by search_path when unqualified. */
  lookupName(ref: TableRef): NamespaceEntry | null;
  readonly eval: EvalContext;
  execContext(): ExecContext;
}

export async function createTable(stmt: Extract<Statement, { kind: 'create-table' }>, ctx: DdlContext): Promise<void> {
  const schemaId = ctx.schemaId(stmt.table.schema, stmt.table.pos);
  const name = stmt.table.name;
  if (!(await ctx.catalog.claimName(ctx.txn, ctx.databaseId, schemaId, name))) {
    if (stmt.ifNotExists) return;
    throw sqlError('42P07', `relation "${name}" already exists`);
  }
  const columns: ColumnDesc[] = [];
  // serial and identity columns: their sequences are created once the table has an id.
  const owned: { columnId: number; sequence: string; settings: ReturnType<typeof sequenceSettings> }[] = [];
  for (const def of stmt.columns) {
    if (columns.some((c) => c.name === def.name)) throw sqlError('42701', `column "${def.name}" specified more than once`);
    const type = resolveTypeName(def.type, ctx.lookupType);
    const serial = /^(small|big)?serial[248]?$/.test(def.type.name) && !def.type.isArray;
    if (def.defaultExpr !== null) ctx.binder.assign(ctx.binder.bind(def.defaultExpr, []), type, def.name, def.defaultExpr.pos);
    let col: ColumnDesc = { id: columns.length + 1, name: def.name, type, nullable: !def.notNull && !def.primaryKey, defaultExpr: def.defaultExpr, hidden: false };
    if (serial || def.identity !== undefined) {
      if (def.defaultExpr !== null) throw sqlError('42601', `multiple default values specified for column "${def.name}" of table "${name}"`);
      const sequence = `${name}_${def.name}_seq`;
      const asType = type.kind === 'int2' ? 'smallint' : type.kind === 'int4' ? 'integer' : type.kind === 'int8' ? 'bigint' : null;
      if (asType === null) throw sqlError('22023', `identity column type must be smallint, integer, or bigint`);
      owned.push({ columnId: col.id, sequence, settings: sequenceSettings(def.identity?.options ?? { start: null, increment: null, minValue: null, maxValue: null, cycle: null, asType: null }, asType) });
      // Qualified outside public, so the default finds its sequence whatever the search_path.
      const schemaName = (ctx.catalog.descriptor(schemaId) as { name?: string } | null)?.name ?? 'public';
      const seqText = schemaName === 'public' ? quoteIdent(sequence) : `${quoteIdent(schemaName)}.${quoteIdent(sequence)}`;
      const nextval: Expr = { kind: 'func', name: 'nextval', args: [{ kind: 'literal', value: { kind: 'string', text: seqText }, pos: -1 }], star: false, distinct: false, pos: -1 };
      col = { ...col, nullable: false, defaultExpr: nextval, ...(def.identity === undefined ? {} : { identity: def.identity.always ? 'always' : 'by-default' }) };
    }
    columns.push(col);
  }
  const pkNames = [...stmt.columns.filter((c) => c.primaryKey).map((c) => c.name), ...stmt.constraints.filter((c) => c.kind === 'primary-key').flatMap((c) => c.columns)];
  const pkCount = stmt.columns.filter((c) => c.primaryKey).length + stmt.constraints.filter((c) => c.kind === 'primary-key').length;
  if (pkCount > 1) throw sqlError('42P16', `multiple primary keys for table "${name}" are not allowed`);
  const colId = (n: string): number => {
    const c = columns.find((x) => x.name === n);
    if (c === undefined) throw sqlError('42703', `column "${n}" named in key does not exist`);
    return c.id;
  };
  let pkIds: number[];
  if (pkNames.length === 0) {
    // No primary key: a hidden unique rowid, filled by unique_rowid()-like defaults.
    columns.push({ id: columns.length + 1, name: 'rowid', type: T.int8, nullable: false, defaultExpr: { kind: 'func', name: 'unique_rowid', args: [], star: false, distinct: false, pos: -1 }, hidden: true });
    pkIds = [columns.length];
  } else {
    pkIds = pkNames.map(colId);
    for (const id of pkIds) {
      const i = columns.findIndex((c) => c.id === id);
      columns[i] = { ...columns[i]!, nullable: false };
    }
  }
  const id = await ctx.catalog.allocateId(ctx.txn);
  // CONSTRAINT name PRIMARY KEY (...) names the key (and its index); otherwise table_pkey.
  const pkConstraintName = stmt.constraints.flatMap((c) => (c.kind === 'primary-key' && c.name !== null ? [c.name] : []))[0];
  const primaryIndex: IndexDesc = { id: PRIMARY_INDEX_ID, name: pkConstraintName ?? `${name}_pkey`, unique: true, columnIds: pkIds, directions: pkIds.map(() => 'asc') };
  const uniques = [
    ...stmt.columns.filter((c) => c.unique).map((c) => [c.name]),
    ...stmt.constraints.filter((c) => c.kind === 'unique').map((c) => c.columns),
  ];
  const uniqueNames = [...stmt.columns.filter((c) => c.unique).map(() => null), ...stmt.constraints.flatMap((c) => (c.kind === 'unique' ? [c.name] : []))];
  const used = new Set<string>([primaryIndex.name]);
  const indexes: IndexDesc[] = uniques.map((cols, i) => ({
    id: PRIMARY_INDEX_ID + 1 + i,
    name: uniqueNames[i] ?? chooseName(`${name}_${cols.join('_')}_key`, used),
    unique: true,
    columnIds: cols.map(colId),
    directions: cols.map((): Direction => 'asc'),
    constraint: true,
  }));
  for (const i of indexes) used.add(i.name);
  const base: TableDesc = { kind: 'table', id, version: 1, name, databaseId: ctx.databaseId, schemaId, columns, primaryIndex, indexes, nextColumnId: columns.length + 1, nextIndexId: PRIMARY_INDEX_ID + 1 + indexes.length };
  const checks = [
    ...stmt.columns.flatMap((c) => (c.checks ?? []).map((expr) => buildCheck(base, expr, null, used, ctx.binder))),
    ...stmt.constraints.flatMap((c) => (c.kind === 'check' ? [buildCheck(base, c.expr, c.name, used, ctx.binder)] : [])),
  ];
  const foreignKeys = [
    ...stmt.columns.flatMap((c) => (c.references === undefined ? [] : [buildForeignKey(base, [c.name], c.references, null, used, ctx.resolveTable)])),
    ...stmt.constraints.flatMap((c) => (c.kind === 'foreign-key' ? [buildForeignKey(base, c.columns, c.ref, c.name, used, ctx.resolveTable)] : [])),
  ];
  const desc: TableDesc = { ...base, ...(checks.length > 0 ? { checks } : {}), ...(foreignKeys.length > 0 ? { foreignKeys } : {}) };
  for (const o of owned) await createOwnedSequence(ctx, schemaId, o.sequence, o.settings, { tableId: id, columnId: o.columnId });
  ctx.catalog.writeTable(ctx.txn, desc, null);
  bumpReferenced(ctx, desc);
}

/**
 * A new foreign key changes what writes to the referenced table must do: its version goes
 * up so that plans cached against it are made again.
 */
export function bumpReferenced(ctx: DdlContext, table: TableDesc): void {
  const ids = new Set((table.foreignKeys ?? []).map((f) => f.refTableId).filter((id) => id !== table.id));
  for (const id of ids) {
    const parent = ctx.catalog.table(id);
    if (parent !== null) ctx.catalog.writeTable(ctx.txn, { ...parent, version: parent.version + 1 }, parent);
  }
}

export function dropTables(stmt: Extract<Statement, { kind: 'drop-table' }>, ctx: DdlContext): void {
  for (const ref of stmt.tables) {
    const table = ctx.resolveTable(ref);
    if (table === null) {
      if (stmt.ifExists) continue;
      throw sqlError('42P01', `table "${ref.name}" does not exist`);
    }
    const dependents = ctx.catalog.referencing(table).filter((t) => t.id !== table.id && !stmt.tables.some((r) => r.name === t.name));
    if (dependents.length > 0 && stmt.cascade !== true) {
      throw sqlError('2BP01', `cannot drop table ${table.name} because other objects depend on it`, { hint: 'Use DROP ... CASCADE to drop the dependent objects too.' });
    }
    // CASCADE drops the foreign keys that reference the table, not the tables.
    for (const t of dependents) {
      const current = ctx.catalog.table(t.id)!;
      const foreignKeys = (current.foreignKeys ?? []).filter((f) => f.refTableId !== table.id);
      ctx.catalog.writeTable(ctx.txn, { ...current, version: current.version + 1, foreignKeys }, current);
    }
    dropDependentViews(ctx, table.id, `table ${table.name}`, stmt.cascade === true);
    ctx.txn.delRange(tableSpan(table.id));
    ctx.catalog.dropTable(ctx.txn, table);
    for (const seq of ctx.catalog.ownedSequences(table.id)) dropSequence(ctx, seq);
  }
}

/** TRUNCATE: every row and index entry of each table goes, in the transaction. */
export function truncateTables(stmt: Extract<Statement, { kind: 'truncate' }>, ctx: DdlContext): void {
  const tables = stmt.tables.map((ref) => {
    const table = ctx.resolveTable(ref);
    if (table === null) throw sqlError('42P01', `relation "${ref.name}" does not exist`);
    return table;
  });
  for (const table of tables) {
    const outside = ctx.catalog.referencing(table).filter((t) => !tables.some((x) => x.id === t.id));
    if (outside.length > 0) {
      throw sqlError('0A000', 'cannot truncate a table referenced in a foreign key constraint', {
        detail: `Table "${outside[0]!.name}" references "${table.name}".`,
        hint: `Truncate table "${outside[0]!.name}" at the same time, or use TRUNCATE ... CASCADE.`,
      });
    }
  }
  for (const table of tables) ctx.txn.delRange(tableSpan(table.id));
}

export async function createIndex(stmt: Extract<Statement, { kind: 'create-index' }>, ctx: DdlContext): Promise<void> {
  const table = ctx.resolveTable(stmt.table);
  if (table === null) throw sqlError('42P01', `relation "${stmt.table.name}" does not exist`);
  const name = stmt.name ?? `${table.name}_${stmt.columns.map((c) => c.name).join('_')}_idx`;
  if (!(await ctx.catalog.claimName(ctx.txn, table.databaseId, table.schemaId, name))) {
    if (stmt.ifNotExists) return;
    throw sqlError('42P07', `relation "${name}" already exists`);
  }
  const columnIds = stmt.columns.map((c) => {
    const col = table.columns.find((x) => x.name === c.name);
    if (col === undefined) throw sqlError('42703', `column "${c.name}" does not exist`);
    return col.id;
  });
  if (stmt.where !== undefined) {
    // Validated here (42703 for an unknown column, boolean); bound again where rows are written.
    ctx.binder.coerce(ctx.binder.bind(stmt.where, table.columns.map((c) => ({ table: table.name, name: c.name, type: c.type, hidden: c.hidden }))), T.bool, stmt.where.pos);
  }
  const index: IndexDesc = {
    id: table.nextIndexId,
    name,
    unique: stmt.unique,
    columnIds,
    directions: stmt.columns.map((c): Direction => (c.descending ? 'desc' : 'asc')),
    ...(stmt.where === undefined ? {} : { predicate: stmt.where }),
  };
  const next: TableDesc = { ...table, version: table.version + 1, indexes: [...table.indexes, index], nextIndexId: table.nextIndexId + 1 };
  await backfill(ctx, next, index);
  ctx.catalog.writeTable(ctx.txn, next, table);
}

async function backfill(ctx: DdlContext, table: TableDesc, index: IndexDesc): Promise<void> {
  const layout = layoutOf(table);
  const uniques = new UniqueWrites();
  let span: { startKey: Uint8Array; endKey: Uint8Array } | null = indexSpan(table.id, table.primaryIndex.id);
  while (span !== null) {
    const page = await ctx.txn.scan(span, { limit: 1000 });
    for (const kv of page.rows) writeIndexEntry(ctx.txn, table, index, layout.decodeRow(kv.value), uniques, ctx.format);
    span = page.resumeSpan;
  }
  try {
    await ctx.txn.flush();
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'duplicate-key') {
      const e = uniques.explain((err as { key?: Uint8Array }).key);
      throw sqlError('23505', `could not create unique index "${index.name}"`, e.detail === undefined ? {} : { detail: e.detail.replace('already exists.', 'is duplicated.') });
    }
    throw err;
  }
}

export function dropIndexes(stmt: Extract<Statement, { kind: 'drop-index' }>, ctx: DdlContext, lookup: (ref: TableRef) => { table: TableDesc; indexId: number } | null): void {
  for (const ref of stmt.names) {
    const found = lookup(ref);
    if (found === null) {
      if (stmt.ifExists) continue;
      throw sqlError('42704', `index "${ref.name}" does not exist`);
    }
    const { table, indexId } = found;
    if (indexId === table.primaryIndex.id) throw sqlError('2BP01', `cannot drop index ${ref.name} because constraint ${ref.name} on table ${table.name} requires it`);
    ctx.txn.delRange(indexSpan(table.id, indexId));
    const next: TableDesc = { ...table, version: table.version + 1, indexes: table.indexes.filter((i) => i.id !== indexId) };
    ctx.catalog.writeTable(ctx.txn, next, table);
  }
}
