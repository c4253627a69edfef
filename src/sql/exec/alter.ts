/**
 * ALTER TABLE. Actions apply in order to a working copy of the descriptor; then, in the
 * same transaction, the table's rows are validated (SET NOT NULL, ADD CHECK, ADD FOREIGN
 * KEY) or rewritten (ADD COLUMN with a default, DROP COLUMN, ALTER TYPE, ADD UNIQUE:
 * every row re-encoded and every index rebuilt), and the new descriptor is written with
 * its version bumped. A rewrite holds the table's rows, bounded by `rowsMax` (53200).
 */
import type { AlterAction, Expr, Statement, TableConstraint } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { PRIMARY_INDEX_ID, type ColumnDesc, type IndexDesc, type TableDesc } from '../catalog/descriptors.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { castValue } from '../expr/casts.ts';
import { tableScope } from '../plan/plan-select.ts';
import { indexSpan, tableSpan } from '../storage/keys.ts';
import { layoutOf } from '../storage/table-data.ts';
import { resolveTypeName, type Value } from '../types/types.ts';
import { bindChecks, checkRow } from './checks.ts';
import { buildCheck, buildForeignKey, chooseName, usedConstraintNames } from './constraints.ts';
import { bumpReferenced, type DdlContext } from './ddl.ts';
import { FkRun, planForeignKeys } from './foreign-keys.ts';
import { checkNotNull, insertRow, UniqueWrites } from './write.ts';
import { createOwnedSequence, sequenceSettings } from './types-ddl.ts';
import { quoteIdent } from '../pgcatalog/index.ts';

/** How each column of the new descriptor gets its value from an old row. */
type Fill = { readonly kind: 'copy' } | { readonly kind: 'expr'; readonly expr: BoundExpr; readonly overOld: boolean };

interface Work {
  desc: TableDesc;
  readonly fills: Map<number, Fill>;
  rewrite: boolean;
  validate: boolean;
  fkAdded: boolean;
}

export async function alterTable(stmt: Extract<Statement, { kind: 'alter-table' }>, ctx: DdlContext, rowsMax: number): Promise<{ notices: string[] }> {
  const table = ctx.resolveTable(stmt.table);
  if (table === null) {
    if (stmt.ifExists) return { notices: [`relation "${stmt.table.name}" does not exist, skipping`] };
    throw sqlError('42P01', `relation "${stmt.table.name}" does not exist`);
  }
  const work: Work = { desc: table, fills: new Map(), rewrite: false, validate: false, fkAdded: false };
  const notices: string[] = [];
  for (const action of stmt.actions) {
    const notice = await applyAction(work, action, table, ctx);
    if (notice !== null) notices.push(notice);
  }
  const next: TableDesc = { ...work.desc, version: table.version + 1 };
  if (work.rewrite) await rewriteRows(ctx, table, next, work.fills, rowsMax);
  else if (work.validate) await validateRows(ctx, next, rowsMax);
  if (work.rewrite || work.validate || work.fkAdded) await validateForeignKeys(ctx, next, rowsMax);
  ctx.catalog.writeTable(ctx.txn, next, table);
  if (work.fkAdded) bumpReferenced(ctx, next);
  return { notices };
}

/** ADD GENERATED ... AS IDENTITY: the column (an integer without a default) gets an owned sequence. */
async function addIdentity(work: Work, action: Extract<AlterAction, { kind: 'add-identity' }>, ctx: DdlContext): Promise<void> {
  const desc = work.desc;
  const col = column(desc, action.column);
  const asType = col.type.kind === 'int2' ? 'smallint' : col.type.kind === 'int4' ? 'integer' : col.type.kind === 'int8' ? 'bigint' : null;
  if (asType === null) throw sqlError('22023', `identity column type must be smallint, integer, or bigint`);
  if (col.identity !== undefined) throw sqlError('55000', `column "${col.name}" of relation "${desc.name}" is already an identity column`);
  if (col.defaultExpr !== null) throw sqlError('55000', `column "${col.name}" of relation "${desc.name}" already has a default value`);
  if (col.nullable) throw sqlError('55000', `column "${col.name}" of relation "${desc.name}" must be declared NOT NULL before identity can be added`);
  const name = action.sequenceName?.[action.sequenceName.length - 1] ?? `${desc.name}_${col.name}_seq`;
  const schemaName = (ctx.catalog.descriptor(desc.schemaId) as { name?: string } | null)?.name ?? 'public';
  await createOwnedSequence(ctx, desc.schemaId, name, sequenceSettings(action.options, asType), { tableId: desc.id, columnId: col.id });
  const seqText = schemaName === 'public' ? quoteIdent(name) : `${quoteIdent(schemaName)}.${quoteIdent(name)}`;
  const nextval: Expr = { kind: 'func', name: 'nextval', args: [{ kind: 'literal', value: { kind: 'string', text: seqText }, pos: -1 }], star: false, distinct: false, pos: -1 };
  work.desc = replaceColumn(desc, { ...col, defaultExpr: nextval, identity: action.always ? 'always' : 'by-default' });
}

function column(desc: TableDesc, name: string): ColumnDesc {
  const c = desc.columns.find((x) => x.name === name && !x.hidden);
  if (c === undefined) throw sqlError('42703', `column "${name}" of relation "${desc.name}" does not exist`);
  return c;
}

function replaceColumn(desc: TableDesc, c: ColumnDesc): TableDesc {
  return { ...desc, columns: desc.columns.map((x) => (x.id === c.id ? c : x)) };
}

async function applyAction(work: Work, action: AlterAction, original: TableDesc, ctx: DdlContext): Promise<string | null> {
  const desc = work.desc;
  switch (action.kind) {
    case 'add-column': {
      const def = action.column;
      if (desc.columns.some((c) => c.name === def.name)) {
        if (action.ifNotExists) return `column "${def.name}" of relation "${desc.name}" already exists, skipping`;
        throw sqlError('42701', `column "${def.name}" of relation "${desc.name}" already exists`);
      }
      if (def.primaryKey) throw sqlError('0A000', 'adding a PRIMARY KEY column is not supported');
      const type = resolveTypeName(def.type);
      const col: ColumnDesc = { id: desc.nextColumnId, name: def.name, type, nullable: !def.notNull, defaultExpr: def.defaultExpr, hidden: false };
      work.desc = { ...desc, columns: [...desc.columns, col], nextColumnId: desc.nextColumnId + 1 };
      if (def.defaultExpr !== null) {
        const expr = ctx.binder.assign(ctx.binder.bind(def.defaultExpr, []), type, def.name, def.defaultExpr.pos);
        work.fills.set(col.id, { kind: 'expr', expr, overOld: true });
        work.rewrite = true;
      }
      if (def.notNull) work.validate = true;
      for (const expr of def.checks ?? []) await applyAction(work, { kind: 'add-constraint', constraint: { kind: 'check', name: null, expr, pos: -1 } }, original, ctx);
      if (def.unique) await applyAction(work, { kind: 'add-constraint', constraint: { kind: 'unique', name: null, columns: [def.name], pos: -1 } }, original, ctx);
      if (def.references !== undefined) await applyAction(work, { kind: 'add-constraint', constraint: { kind: 'foreign-key', name: null, columns: [def.name], ref: def.references, pos: -1 } }, original, ctx);
      return null;
    }
    case 'drop-column': {
      const c = desc.columns.find((x) => x.name === action.name && !x.hidden);
      if (c === undefined) {
        if (action.ifExists) return `column "${action.name}" of relation "${desc.name}" does not exist, skipping`;
        throw sqlError('42703', `column "${action.name}" of relation "${desc.name}" does not exist`);
      }
      if (desc.primaryIndex.columnIds.includes(c.id)) throw sqlError('0A000', 'dropping a primary key column is not supported');
      if (ctx.catalog.referencing(desc).some((t) => (t.foreignKeys ?? []).some((f) => f.refTableId === desc.id && f.refColumnIds.includes(c.id)))) {
        throw sqlError('2BP01', `cannot drop column ${c.name} of table ${desc.name} because other objects depend on it`);
      }
      // Indexes, checks and foreign keys on the column go with it, as in PostgreSQL.
      const refers = (e: unknown): boolean => JSON.stringify(e).includes(`"kind":"column","table":null,"name":${JSON.stringify(c.name)}`) || JSON.stringify(e).includes(`"name":${JSON.stringify(c.name)}`);
      work.desc = {
        ...desc,
        columns: desc.columns.filter((x) => x.id !== c.id),
        indexes: desc.indexes.filter((i) => !i.columnIds.includes(c.id)),
        checks: (desc.checks ?? []).filter((k) => !refers(k.expr)),
        foreignKeys: (desc.foreignKeys ?? []).filter((f) => !f.columnIds.includes(c.id)),
      };
      work.rewrite = true;
      return null;
    }
    case 'rename-column': {
      const c = column(desc, action.from);
      if (desc.columns.some((x) => x.name === action.to)) throw sqlError('42701', `column "${action.to}" of relation "${desc.name}" already exists`);
      const rename = (e: unknown): unknown => renameColumnRefs(e, action.from, action.to);
      work.desc = { ...replaceColumn(desc, { ...c, name: action.to }), checks: (desc.checks ?? []).map((k) => ({ ...k, expr: rename(k.expr) as typeof k.expr })) };
      return null;
    }
    case 'rename-table': {
      if (!(await ctx.catalog.claimName(ctx.txn, desc.databaseId, desc.schemaId, action.to))) throw sqlError('42P07', `relation "${action.to}" already exists`);
      const pk = desc.primaryIndex.name === `${desc.name}_pkey` ? { ...desc.primaryIndex, name: `${action.to}_pkey` } : desc.primaryIndex;
      work.desc = { ...desc, name: action.to, primaryIndex: pk };
      return null;
    }
    case 'rename-constraint':
      work.desc = renameConstraint(desc, action.from, action.to);
      return null;
    case 'set-default': {
      const c = column(desc, action.column);
      if (action.expr !== null) ctx.binder.assign(ctx.binder.bind(action.expr, []), c.type, c.name, action.expr.pos);
      work.desc = replaceColumn(desc, { ...c, defaultExpr: action.expr });
      return null;
    }
    case 'set-not-null': {
      const c = column(desc, action.column);
      if (!action.notNull && desc.primaryIndex.columnIds.includes(c.id)) throw sqlError('42P16', `column "${c.name}" is in a primary key`);
      work.desc = replaceColumn(desc, { ...c, nullable: !action.notNull });
      if (action.notNull) work.validate = true;
      return null;
    }
    case 'alter-type': {
      const c = column(desc, action.column);
      const type = resolveTypeName(action.type);
      const scope = tableScope(original, null);
      const source = action.using === null ? ctx.binder.bind({ kind: 'column', table: null, name: c.name, pos: -1 }, scope) : ctx.binder.bind(action.using, scope);
      const expr = action.using === null ? castOrFail(source, type, c.name, ctx) : ctx.binder.assign(source, type, c.name, -1);
      work.desc = replaceColumn(desc, { ...c, type });
      work.fills.set(c.id, { kind: 'expr', expr, overOld: true });
      work.rewrite = true;
      return null;
    }
    case 'add-constraint':
      addConstraint(work, action.constraint, ctx);
      return null;
    case 'drop-constraint':
      return dropConstraint(work, action.name, action.ifExists);
    case 'add-identity':
      await addIdentity(work, action, ctx);
      return null;
  }
}

function castOrFail(source: BoundExpr, type: TableDesc['columns'][number]['type'], name: string, ctx: DdlContext): BoundExpr {
  try {
    return ctx.binder.assign(source, type, name, -1);
  } catch {
    throw sqlError('42804', `column "${name}" cannot be cast automatically to type ${type.kind}`, { hint: `You might need to specify "USING ${name}::${type.kind}".` });
  }
}

function renameColumnRefs(e: unknown, from: string, to: string): unknown {
  if (Array.isArray(e)) return e.map((x) => renameColumnRefs(x, from, to));
  if (typeof e !== 'object' || e === null) return e;
  const o = e as { kind?: unknown; name?: unknown };
  if (o.kind === 'column' && o.name === from) return { ...o, name: to };
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, renameColumnRefs(v, from, to)]));
}

function renameConstraint(desc: TableDesc, from: string, to: string): TableDesc {
  if (usedConstraintNames(desc).has(to)) throw sqlError('42710', `constraint "${to}" for relation "${desc.name}" already exists`);
  if ((desc.checks ?? []).some((c) => c.name === from)) return { ...desc, checks: desc.checks!.map((c) => (c.name === from ? { ...c, name: to } : c)) };
  if ((desc.foreignKeys ?? []).some((f) => f.name === from)) return { ...desc, foreignKeys: desc.foreignKeys!.map((f) => (f.name === from ? { ...f, name: to } : f)) };
  if (desc.indexes.some((i) => i.name === from && i.unique)) return { ...desc, indexes: desc.indexes.map((i) => (i.name === from ? { ...i, name: to } : i)) };
  throw sqlError('42704', `constraint "${from}" for table "${desc.name}" does not exist`);
}

function addConstraint(work: Work, c: TableConstraint, ctx: DdlContext): void {
  const desc = work.desc;
  const used = usedConstraintNames(desc);
  switch (c.kind) {
    case 'check':
      work.desc = { ...desc, checks: [...(desc.checks ?? []), buildCheck(desc, c.expr, c.name, used, ctx.binder)] };
      work.validate = true;
      return;
    case 'foreign-key':
      work.desc = { ...desc, foreignKeys: [...(desc.foreignKeys ?? []), buildForeignKey(desc, c.columns, c.ref, c.name, used, ctx.resolveTable)] };
      work.fkAdded = true;
      return;
    case 'unique': {
      if (c.name !== null && used.has(c.name)) throw sqlError('42P07', `relation "${c.name}" already exists`);
      const columnIds = c.columns.map((n) => column(desc, n).id);
      const index: IndexDesc = { id: desc.nextIndexId, name: c.name ?? chooseName(`${desc.name}_${c.columns.join('_')}_key`, used), unique: true, columnIds, directions: columnIds.map(() => 'asc') };
      work.desc = { ...desc, indexes: [...desc.indexes, index], nextIndexId: desc.nextIndexId + 1 };
      work.rewrite = true;
      return;
    }
    case 'primary-key': {
      // Only a table keyed by its hidden rowid (created without a PRIMARY KEY, as pg_dump
      // creates tables) can take one: its rows are rewritten under the new key.
      const rowid = desc.primaryIndex.columnIds.length === 1 && desc.columns.find((col) => col.id === desc.primaryIndex.columnIds[0])?.hidden === true;
      if (!rowid) throw sqlError('42P16', `multiple primary keys for table "${desc.name}" are not allowed`);
      // The rowid index's own name is free: the new key replaces it.
      used.delete(desc.primaryIndex.name);
      used.delete(`${desc.name}_pkey`);
      const name = c.name ?? chooseName(`${desc.name}_pkey`, used);
      if (c.name !== null && used.has(c.name)) throw sqlError('42P07', `relation "${c.name}" already exists`);
      const columnIds = c.columns.map((n) => column(desc, n).id);
      const columns = desc.columns.map((col) => (columnIds.includes(col.id) ? { ...col, nullable: false } : col));
      work.desc = { ...desc, columns, primaryIndex: { ...desc.primaryIndex, name, unique: true, columnIds, directions: columnIds.map(() => 'asc') } };
      work.rewrite = true;
      work.validate = true;
      return;
    }
  }
}

function dropConstraint(work: Work, name: string, ifExists: boolean): string | null {
  const desc = work.desc;
  if (name === desc.primaryIndex.name) throw sqlError('0A000', 'dropping a primary key is not supported');
  if ((desc.checks ?? []).some((c) => c.name === name)) {
    work.desc = { ...desc, checks: desc.checks!.filter((c) => c.name !== name) };
    return null;
  }
  if ((desc.foreignKeys ?? []).some((f) => f.name === name)) {
    work.desc = { ...desc, foreignKeys: desc.foreignKeys!.filter((f) => f.name !== name) };
    return null;
  }
  const index = desc.indexes.find((i) => i.name === name && i.unique);
  if (index !== undefined) {
    work.desc = { ...desc, indexes: desc.indexes.filter((i) => i.id !== index.id) };
    work.rewrite = true;
    return null;
  }
  if (ifExists) return `constraint "${name}" of relation "${desc.name}" does not exist, skipping`;
  throw sqlError('42704', `constraint "${name}" of relation "${desc.name}" does not exist`);
}

async function readRows(ctx: DdlContext, table: TableDesc, rowsMax: number): Promise<Value[][]> {
  const layout = layoutOf(table);
  const rows: Value[][] = [];
  let span: { startKey: Uint8Array; endKey: Uint8Array } | null = indexSpan(table.id, PRIMARY_INDEX_ID);
  while (span !== null) {
    const page = await ctx.txn.scan(span, { limit: 1000 });
    for (const kv of page.rows) rows.push(layout.decodeRow(kv.value));
    if (rows.length > rowsMax) throw sqlError('53200', `out of memory: more than ${rowsMax} rows held for one statement`);
    span = page.resumeSpan;
  }
  return rows;
}

function checkAll(ctx: DdlContext, desc: TableDesc, row: readonly Value[]): void {
  checkNotNull(desc, row);
  const checks = bindChecks(desc, ctx.binder);
  try {
    checkRow(desc, checks, row, ctx.eval);
  } catch (err) {
    const name = (err as { constraint?: string }).constraint ?? '';
    throw sqlError('23514', `check constraint "${name}" of relation "${desc.name}" is violated by some row`, { table: desc.name, constraint: name });
  }
}

async function validateRows(ctx: DdlContext, desc: TableDesc, rowsMax: number): Promise<void> {
  for (const row of await readRows(ctx, desc, rowsMax)) checkAll(ctx, desc, row);
}

/** Re-encodes every row under `next` and rebuilds its indexes, in the transaction. */
async function rewriteRows(ctx: DdlContext, old: TableDesc, next: TableDesc, fills: ReadonlyMap<number, Fill>, rowsMax: number): Promise<void> {
  const rows = await readRows(ctx, old, rowsMax);
  const oldPos = new Map(old.columns.map((c, i) => [c.id, i]));
  const converted = rows.map((r) => next.columns.map((c) => {
    const fill = fills.get(c.id);
    if (fill !== undefined && fill.kind === 'expr') return fill.expr.eval(r, ctx.eval);
    const i = oldPos.get(c.id);
    const v = i === undefined ? null : (r[i] ?? null);
    const before = i === undefined ? c.type : old.columns[i]!.type;
    return v === null || before.kind === c.type.kind ? v : castValue(v, before, c.type, false, ctx.format);
  }));
  ctx.txn.delRange(tableSpan(old.id));
  await ctx.txn.flush();
  const uniques = new UniqueWrites();
  for (const row of converted) {
    checkAll(ctx, next, row);
    insertRow(ctx.txn, next, row, uniques, ctx.format);
  }
  try {
    await ctx.txn.flush();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'duplicate-key') {
      const e = uniques.explain((err as { key?: Uint8Array }).key);
      throw sqlError('23505', `could not create unique index "${e.constraint ?? ''}"`, e.detail === undefined ? {} : { detail: e.detail.replace('already exists.', 'is duplicated.') });
    }
    throw err;
  }
}

async function validateForeignKeys(ctx: DdlContext, desc: TableDesc, rowsMax: number): Promise<void> {
  if ((desc.foreignKeys ?? []).length === 0) return;
  const planned = planForeignKeys(desc, { tableById: (id) => (id === desc.id ? desc : ctx.catalog.table(id)), referencing: () => [] }, ctx.binder);
  if (planned === null) return;
  const run = new FkRun(planned.graph, ctx.execContext(), new UniqueWrites());
  for (const row of await readRows(ctx, desc, rowsMax)) await run.checkParents(desc, null, row);
}
