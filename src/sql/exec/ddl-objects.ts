/**
 * CREATE/DROP VIEW, SCHEMA and DATABASE. A view stores its query (our AST); FROM plans it
 * where it is named, like a derived table. Dropping a schema or database with CASCADE
 * drops the tables and views in it (their data too).
 */
import type { Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { SchemaDesc, TableDesc, ViewDesc } from '../catalog/descriptors.ts';
import { tableSpan } from '../storage/keys.ts';
import type { DdlContext } from './ddl.ts';
import { dropDependentViews, qualifyViewQuery, viewDependencies } from './view-deps.ts';
import { viewDefinition } from '../parser/view-definition.ts';

export interface ObjectsContext extends DdlContext {
  /** Plans a view's query: its output columns' names and types (errors as a SELECT's). */
  describeQuery(select: Extract<Statement, { kind: 'select' }>): { readonly name: string; readonly typeOid: number; readonly typeMod: number }[];
  databaseByName(name: string): { readonly id: number } | null;
  schemasOf(databaseId: number): SchemaDesc[];
  viewsOf(schema: SchemaDesc): ViewDesc[];
  readonly inTransactionBlock: boolean;
  readonly currentDatabase: string;
}

export async function createView(stmt: Extract<Statement, { kind: 'create-view' }>, ctx: ObjectsContext): Promise<void> {
  const schemaId = ctx.schemaId(stmt.view.schema, stmt.view.pos);
  const name = stmt.view.name;
  const existing = ctx.catalog.name(ctx.databaseId, schemaId, name);
  let previous: ViewDesc | null = null;
  if (existing !== null) {
    if (!stmt.orReplace || existing.kind !== 'view') throw sqlError('42P07', `relation "${name}" already exists`);
    previous = ctx.catalog.view(existing.viewId);
  } else if (!(await ctx.catalog.claimName(ctx.txn, ctx.databaseId, schemaId, name))) {
    throw sqlError('42P07', `relation "${name}" already exists`);
  }
  const planned = ctx.describeQuery(stmt.select);
  if (stmt.columnAliases.length > planned.length) throw sqlError('42601', 'CREATE VIEW specifies more column names than columns');
  const columnNames = planned.map((c, i) => stmt.columnAliases[i] ?? c.name);
  const dup = columnNames.find((n, i) => columnNames.indexOf(n) !== i);
  if (dup !== undefined) throw sqlError('42701', `column "${dup}" specified more than once`);
  const id = previous?.id ?? (await ctx.catalog.allocateId(ctx.txn));
  const dependsOn = viewDependencies(stmt.select, (ref) => ctx.lookupName(ref));
  const columnTypes = planned.map((c) => ({ oid: c.typeOid, typmod: c.typeMod }));
  const definition = stmt.queryTree === undefined ? {} : { definition: viewDefinition(stmt.queryTree, columnNames, stmt.columnAliases.length > 0, (n) => relationSchema(ctx, n)) };
  const query = qualifyViewQuery(stmt.select, (n) => relationSchema(ctx, n));
  const desc: ViewDesc = { kind: 'view', id, version: (previous?.version ?? 0) + 1, name, databaseId: ctx.databaseId, schemaId, columnNames, query, dependsOn, columnTypes, ...definition };
  ctx.catalog.writeObject(ctx.txn, desc, previous);
}

/** The schema an unqualified table, view or sequence name resolves to on the search path. */
function relationSchema(ctx: ObjectsContext, name: string): string | null {
  const entry = ctx.lookupName({ schema: null, name, alias: null, pos: -1 });
  const id = entry === null ? null : entry.kind === 'table' ? entry.tableId : entry.kind === 'view' ? entry.viewId : entry.kind === 'sequence' ? entry.sequenceId : null;
  const d = id === null ? null : ctx.catalog.descriptor(id);
  const schema = d !== null && 'schemaId' in d ? ctx.catalog.descriptor(d.schemaId) : null;
  return schema?.kind === 'schema' ? schema.name : null;
}

export function dropViews(stmt: Extract<Statement, { kind: 'drop-view' }>, ctx: ObjectsContext): string[] {
  const notices: string[] = [];
  for (const ref of stmt.views) {
    const entry = ctx.catalog.name(ctx.databaseId, ctx.schemaId(ref.schema, -1), ref.name);
    if (entry === null || entry.kind !== 'view') {
      if (entry !== null) throw sqlError('42809', `"${ref.name}" is not a view`);
      if (stmt.ifExists) {
        notices.push(`view "${ref.name}" does not exist, skipping`);
        continue;
      }
      throw sqlError('42P01', `view "${ref.name}" does not exist`);
    }
    const view = ctx.catalog.view(entry.viewId);
    if (view === null) continue;
    notices.push(...dropDependentViews(ctx, view.id, `view ${view.name}`, stmt.cascade === true));
    ctx.catalog.dropObject(ctx.txn, view);
  }
  return notices;
}

export async function createSchema(stmt: Extract<Statement, { kind: 'create-schema' }>, ctx: ObjectsContext): Promise<string | null> {
  if (ctx.schemasOf(ctx.databaseId).some((s) => s.name === stmt.name)) {
    if (stmt.ifNotExists) return `schema "${stmt.name}" already exists, skipping`;
    throw sqlError('42P06', `schema "${stmt.name}" already exists`);
  }
  const id = await ctx.catalog.allocateId(ctx.txn);
  ctx.catalog.writeObject(ctx.txn, { kind: 'schema', id, version: 1, name: stmt.name, databaseId: ctx.databaseId }, null);
  return null;
}

export function dropSchemas(stmt: Extract<Statement, { kind: 'drop-schema' }>, ctx: ObjectsContext): string[] {
  const notices: string[] = [];
  for (const name of stmt.names) {
    const schema = ctx.schemasOf(ctx.databaseId).find((s) => s.name === name);
    if (schema === undefined) {
      if (stmt.ifExists) {
        notices.push(`schema "${name}" does not exist, skipping`);
        continue;
      }
      throw sqlError('3F000', `schema "${name}" does not exist`);
    }
    dropSchemaContents(ctx, schema, stmt.cascade);
    ctx.catalog.dropObject(ctx.txn, schema);
  }
  return notices;
}

function dropSchemaContents(ctx: ObjectsContext, schema: SchemaDesc, cascade: boolean): void {
  const tables: TableDesc[] = ctx.catalog.tables(schema.databaseId).filter((t) => t.schemaId === schema.id);
  const views = viewsIn(ctx, schema);
  if ((tables.length > 0 || views.length > 0) && !cascade) {
    throw sqlError('2BP01', `cannot drop schema ${schema.name} because other objects depend on it`, { hint: 'Use DROP ... CASCADE to drop the dependent objects too.' });
  }
  for (const t of tables) {
    ctx.txn.delRange(tableSpan(t.id));
    ctx.catalog.dropTable(ctx.txn, t);
  }
  for (const v of views) ctx.catalog.dropObject(ctx.txn, v);
}

function viewsIn(ctx: ObjectsContext, schema: SchemaDesc): ViewDesc[] {
  return ctx.viewsOf(schema);
}

export async function createDatabase(stmt: Extract<Statement, { kind: 'create-database' }>, ctx: ObjectsContext): Promise<void> {
  if (ctx.inTransactionBlock) throw sqlError('25001', 'CREATE DATABASE cannot run inside a transaction block');
  if (ctx.databaseByName(stmt.name) !== null) throw sqlError('42P04', `database "${stmt.name}" already exists`);
  const id = await ctx.catalog.allocateId(ctx.txn);
  ctx.catalog.writeObject(ctx.txn, { kind: 'database', id, version: 1, name: stmt.name }, null);
  const schemaId = await ctx.catalog.allocateId(ctx.txn);
  ctx.catalog.writeObject(ctx.txn, { kind: 'schema', id: schemaId, version: 1, name: 'public', databaseId: id }, null);
}

export function dropDatabase(stmt: Extract<Statement, { kind: 'drop-database' }>, ctx: ObjectsContext): string | null {
  if (ctx.inTransactionBlock) throw sqlError('25001', 'DROP DATABASE cannot run inside a transaction block');
  const db = ctx.databaseByName(stmt.name);
  if (db === null) {
    if (stmt.ifExists) return `database "${stmt.name}" does not exist, skipping`;
    throw sqlError('3D000', `database "${stmt.name}" does not exist`);
  }
  if (stmt.name === ctx.currentDatabase) throw sqlError('55006', 'cannot drop the currently open database');
  for (const schema of ctx.schemasOf(db.id)) {
    dropSchemaContents(ctx, schema, true);
    ctx.catalog.dropObject(ctx.txn, schema);
  }
  const desc = ctx.catalog.descriptor(db.id);
  if (desc !== null && desc.kind === 'database') ctx.catalog.dropObject(ctx.txn, desc);
  return null;
}
