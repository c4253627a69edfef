/**
 * Building constraint descriptors for CREATE TABLE and ALTER TABLE: CHECK expressions
 * (validated by binding them over the table) and FOREIGN KEYs (resolved against the
 * referenced table's primary key or a unique index), named as PostgreSQL names them.
 */
import type { Expr, ForeignKeyRef, TableRef } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { CheckDesc, ForeignKeyDesc, TableDesc } from '../catalog/descriptors.ts';
import type { Binder } from '../expr/bind-expr.ts';
import { tableScope } from '../plan/plan-select.ts';
import { sameKeyFamily, T, typeDisplayName } from '../types/types.ts';

/** Every constraint name a table uses (pkey, unique indexes, checks, foreign keys). */
export function usedConstraintNames(table: TableDesc): Set<string> {
  return new Set([`${table.name}_pkey`, ...table.indexes.map((i) => i.name), ...(table.checks ?? []).map((c) => c.name), ...(table.foreignKeys ?? []).map((f) => f.name)]);
}

/** PostgreSQL's choice: `<table>_<column>_<suffix>`, then with 1, 2... appended when taken. */
export function chooseName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 1; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}

function firstColumn(e: unknown): string | null {
  if (Array.isArray(e)) {
    for (const x of e) {
      const f = firstColumn(x);
      if (f !== null) return f;
    }
    return null;
  }
  if (typeof e !== 'object' || e === null) return null;
  const o = e as { kind?: unknown; name?: unknown };
  if (o.kind === 'column' && typeof o.name === 'string') return o.name;
  for (const v of Object.values(e)) {
    const f = firstColumn(v);
    if (f !== null) return f;
  }
  return null;
}

function containsKind(e: unknown, kinds: readonly string[]): boolean {
  if (Array.isArray(e)) return e.some((x) => containsKind(x, kinds));
  if (typeof e !== 'object' || e === null) return false;
  if (kinds.includes((e as { kind?: unknown }).kind as string)) return true;
  return Object.values(e).some((x) => containsKind(x, kinds));
}

export function buildCheck(table: TableDesc, expr: Expr, name: string | null, used: Set<string>, binder: Binder): CheckDesc {
  if (containsKind(expr, ['subquery'])) throw sqlError('0A000', 'cannot use subquery in check constraint');
  const bound = binder.bind(expr, tableScope(table, null));
  if (bound.type.kind !== 'bool' && bound.type.kind !== 'unknown') {
    throw sqlError('42804', `argument of CHECK must be type boolean, not type ${typeDisplayName(bound.type)}`);
  }
  binder.coerce(bound, T.bool, -1);
  const col = firstColumn(expr);
  const chosen = name ?? chooseName(`${table.name}_${col ?? ''}${col === null ? '' : '_'}check`.replace('__', '_'), used);
  if (name !== null) {
    if (used.has(name)) throw sqlError('42710', `constraint "${name}" for relation "${table.name}" already exists`);
    used.add(name);
  }
  return { name: chosen, expr };
}

export function buildForeignKey(
  table: TableDesc,
  columns: readonly string[],
  ref: ForeignKeyRef,
  name: string | null,
  used: Set<string>,
  resolve: (ref: TableRef) => TableDesc | null,
): ForeignKeyDesc {
  const parent = ref.table.schema === null && ref.table.name === table.name ? table : resolve(ref.table);
  if (parent === null) throw sqlError('42P01', `relation "${ref.table.name}" does not exist`);
  const colId = (t: TableDesc, n: string): number => {
    const c = t.columns.find((x) => x.name === n);
    if (c === undefined) throw sqlError('42703', `column "${n}" referenced in foreign key constraint does not exist`);
    return c.id;
  };
  const childIds = columns.map((n) => colId(table, n));
  const refIds = ref.columns.length === 0 ? [...parent.primaryIndex.columnIds] : ref.columns.map((n) => colId(parent, n));
  if (childIds.length !== refIds.length) throw sqlError('42830', 'number of referencing and referenced columns for foreign key disagree');
  const keys = [parent.primaryIndex, ...parent.indexes.filter((i) => i.unique && i.predicate === undefined)];
  const key = keys.find((k) => k.columnIds.length === refIds.length && k.columnIds.every((id) => refIds.includes(id)));
  if (key === undefined) throw sqlError('42830', `there is no unique constraint matching given keys for referenced table "${parent.name}"`);
  childIds.forEach((id, i) => {
    const a = table.columns.find((c) => c.id === id)!;
    const b = parent.columns.find((c) => c.id === refIds[i])!;
    if (!sameKeyFamily(a.type, b.type)) {
      throw sqlError('42804', `foreign key constraint cannot be implemented`, { detail: `Key columns "${a.name}" of the referencing table and "${b.name}" of the referenced table are of incompatible types: ${typeDisplayName(a.type)} and ${typeDisplayName(b.type)}.` });
    }
  });
  const chosen = name ?? chooseName(`${table.name}_${columns.join('_')}_fkey`, used);
  if (name !== null) used.add(name);
  return { name: chosen, columnIds: childIds, refTableId: parent.id, refColumnIds: refIds, onDelete: ref.onDelete, onUpdate: ref.onUpdate };
}
