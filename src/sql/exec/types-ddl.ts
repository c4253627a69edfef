/**
 * CREATE TYPE ... AS ENUM, DROP TYPE, CREATE SEQUENCE, DROP SEQUENCE, and the sequences
 * behind serial and identity columns. Transactional like the rest of the catalog: the
 * descriptors are written in the session's transaction. Errors as PostgreSQL's: 42710 a
 * type that exists, 42P07 a relation that exists, 42704 / 42P01 missing ones, 2BP01 when
 * a table still uses the type or a column default the sequence, 22023 bad options.
 */
import type { SequenceOptions, Statement, TableRef } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { sequenceValueKey } from '../storage/keys.ts';
import type { SequenceDesc, TypeDesc } from '../catalog/descriptors.ts';
import { typeDescOid } from '../catalog/descriptors.ts';
import type { SqlType } from '../types/types.ts';
import type { DdlContext } from './ddl.ts';

/** The SqlType of an enum descriptor. */
export function enumType(desc: TypeDesc): SqlType {
  return { kind: 'enum', oid: typeDescOid(desc), name: desc.name, labels: desc.labels };
}

function usesType(t: SqlType, oid: number): boolean {
  return (t.kind === 'enum' && t.oid === oid) || (t.kind === 'array' && usesType(t.element, oid));
}

export async function createEnum(stmt: Extract<Statement, { kind: 'create-enum' }>, ctx: DdlContext): Promise<void> {
  const schemaId = ctx.schemaId(stmt.name.schema, stmt.name.pos);
  for (const l of stmt.labels) {
    if (l.length > 63) throw sqlError('22023', `invalid enum label "${l}"`, { detail: 'Labels must be 63 bytes or less.' });
  }
  const dup = stmt.labels.find((l, i) => stmt.labels.indexOf(l) !== i);
  if (dup !== undefined) throw sqlError('23505', `duplicate key value violates unique constraint "pg_enum_typid_label_index"`);
  if (!(await ctx.catalog.claimName(ctx.txn, ctx.databaseId, schemaId, stmt.name.name))) {
    throw sqlError('42710', `type "${stmt.name.name}" already exists`);
  }
  const id = await ctx.catalog.allocateId(ctx.txn);
  ctx.catalog.writeObject(ctx.txn, { kind: 'type', id, version: 1, name: stmt.name.name, databaseId: ctx.databaseId, schemaId, labels: stmt.labels });
}

export function dropTypes(stmt: Extract<Statement, { kind: 'drop-type' }>, ctx: DdlContext, lookup: (ref: TableRef) => TypeDesc | null): void {
  if (stmt.cascade) throw sqlError('0A000', 'DROP TYPE ... CASCADE is not supported');
  for (const ref of stmt.names) {
    const desc = lookup(ref);
    if (desc === null) {
      if (stmt.ifExists) continue;
      throw sqlError('42704', `type "${ref.name}" does not exist`);
    }
    const oid = typeDescOid(desc);
    const user = ctx.catalog.tables(ctx.databaseId).find((t) => t.columns.some((c) => usesType(c.type, oid)));
    if (user !== undefined) {
      const col = user.columns.find((c) => usesType(c.type, oid))!;
      throw sqlError('2BP01', `cannot drop type ${desc.name} because other objects depend on it`, {
        detail: `column ${col.name} of table ${user.name} depends on type ${desc.name}`,
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      });
    }
    ctx.catalog.dropObject(ctx.txn, desc);
  }
}

const integerBounds: Readonly<Record<string, readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n], int2: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n], int4: [-2147483648n, 2147483647n], int: [-2147483648n, 2147483647n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n], int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** A sequence's settings from its options, with PostgreSQL's defaults and checks. */
export function sequenceSettings(o: SequenceOptions, asType: string): Pick<SequenceDesc, 'start' | 'increment' | 'minValue' | 'maxValue' | 'cycle'> {
  const bounds = integerBounds[o.asType ?? asType];
  if (bounds === undefined) throw sqlError('22023', 'sequence type must be smallint, integer, or bigint');
  const increment = o.increment ?? 1n;
  if (increment === 0n) throw sqlError('22023', 'INCREMENT must not be zero');
  const minValue = o.minValue ?? (increment > 0n ? 1n : bounds[0]);
  const maxValue = o.maxValue ?? (increment > 0n ? bounds[1] : -1n);
  if (minValue < bounds[0] || maxValue > bounds[1]) throw sqlError('22023', `MINVALUE or MAXVALUE is out of range for sequence data type`);
  if (minValue >= maxValue) throw sqlError('22023', `MINVALUE (${minValue}) must be less than MAXVALUE (${maxValue})`);
  const start = o.start ?? (increment > 0n ? minValue : maxValue);
  if (start < minValue) throw sqlError('22023', `START value (${start}) cannot be less than MINVALUE (${minValue})`);
  if (start > maxValue) throw sqlError('22023', `START value (${start}) cannot be greater than MAXVALUE (${maxValue})`);
  return { start: String(start), increment: String(increment), minValue: String(minValue), maxValue: String(maxValue), cycle: o.cycle ?? false };
}

export async function createSequence(stmt: Extract<Statement, { kind: 'create-sequence' }>, ctx: DdlContext): Promise<void> {
  const schemaId = ctx.schemaId(stmt.name.schema, stmt.name.pos);
  const settings = sequenceSettings(stmt.options, 'bigint');
  if (!(await ctx.catalog.claimName(ctx.txn, ctx.databaseId, schemaId, stmt.name.name))) {
    if (stmt.ifNotExists) return;
    throw sqlError('42P07', `relation "${stmt.name.name}" already exists`);
  }
  await writeSequence(ctx, schemaId, stmt.name.name, settings, null);
}

/** Creates the sequence of a serial or identity column (owned by it). */
export async function createOwnedSequence(
  ctx: DdlContext,
  schemaId: number,
  name: string,
  settings: Pick<SequenceDesc, 'start' | 'increment' | 'minValue' | 'maxValue' | 'cycle'>,
  owner: { tableId: number; columnId: number },
): Promise<void> {
  if (!(await ctx.catalog.claimName(ctx.txn, ctx.databaseId, schemaId, name))) throw sqlError('42P07', `relation "${name}" already exists`);
  await writeSequence(ctx, schemaId, name, settings, owner);
}

async function writeSequence(
  ctx: DdlContext,
  schemaId: number,
  name: string,
  settings: Pick<SequenceDesc, 'start' | 'increment' | 'minValue' | 'maxValue' | 'cycle'>,
  ownedBy: SequenceDesc['ownedBy'],
): Promise<void> {
  const id = await ctx.catalog.allocateId(ctx.txn);
  ctx.catalog.writeObject(ctx.txn, { kind: 'sequence', id, version: 1, name, databaseId: ctx.databaseId, schemaId, ...settings, ownedBy });
}

export function dropSequences(stmt: Extract<Statement, { kind: 'drop-sequence' }>, ctx: DdlContext, lookup: (ref: TableRef) => SequenceDesc | null): void {
  for (const ref of stmt.names) {
    const desc = lookup(ref);
    if (desc === null) {
      if (stmt.ifExists) continue;
      throw sqlError('42P01', `sequence "${ref.name}" does not exist`);
    }
    const owner = desc.ownedBy === null ? null : ctx.catalog.table(desc.ownedBy.tableId);
    if (owner !== null) {
      const col = owner.columns.find((c) => c.id === desc.ownedBy!.columnId);
      throw sqlError('2BP01', `cannot drop sequence ${desc.name} because other objects depend on it`, {
        detail: `default value for column ${col?.name ?? '?'} of table ${owner.name} depends on sequence ${desc.name}`,
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
      });
    }
    dropSequence(ctx, desc);
  }
}

/** ALTER SEQUENCE ... OWNED BY table.column (dropped with the column's table) or NONE. */
export function alterSequenceOwner(stmt: Extract<Statement, { kind: 'alter-sequence' }>, ctx: DdlContext, lookup: (ref: TableRef) => SequenceDesc | null): void {
  const desc = lookup(stmt.name);
  if (desc === null) throw sqlError('42P01', `relation "${stmt.name.name}" does not exist`);
  let ownedBy: SequenceDesc['ownedBy'] = null;
  if (stmt.ownedBy !== null) {
    const table = ctx.resolveTable(stmt.ownedBy.table);
    if (table === null) throw sqlError('42P01', `relation "${stmt.ownedBy.table.name}" does not exist`);
    if (table.schemaId !== desc.schemaId) throw sqlError('55000', 'sequence must be in same schema as table it is linked to');
    const column = table.columns.find((c) => c.name === stmt.ownedBy!.column && !c.hidden);
    if (column === undefined) throw sqlError('42703', `column "${stmt.ownedBy.column}" of relation "${table.name}" does not exist`);
    ownedBy = { tableId: table.id, columnId: column.id };
  }
  ctx.catalog.writeObject(ctx.txn, { ...desc, version: desc.version + 1, ownedBy });
}

export function dropSequence(ctx: DdlContext, desc: SequenceDesc): void {
  ctx.catalog.dropObject(ctx.txn, desc);
  ctx.txn.del(sequenceValueKey(desc.id));
}
