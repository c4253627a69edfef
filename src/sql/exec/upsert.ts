/**
 * INSERT ... ON CONFLICT. Before each row is written, its keys in the arbiter indexes
 * (the target's unique index or primary key; every unique one when no target is given)
 * are read in the transaction, which sees its own earlier writes. A conflict skips the
 * row (DO NOTHING) or updates the existing row (DO UPDATE: SET and WHERE read the
 * existing row as the table and the proposed row as `excluded`). Updating a row twice in
 * one statement is 21000, as in PostgreSQL.
 */
import type { OnConflictClause } from '../parser/ast.ts';
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import type { Binder, ScopeColumn } from '../expr/bind-expr.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { correlatedIn, tableScope } from '../plan/plan-select.ts';
import { sqlError } from '../sql-error.ts';
import { layoutOf } from '../storage/table-data.ts';
import { positionOf, T, type Value } from '../types/types.ts';
import { checkRow, type BoundCheck } from './checks.ts';
import type { ExecContext, Row } from './operators.ts';
import { checkNotNull, inIndex, insertRow, updateRow, type UniqueWrites } from './write.ts';
import { bindAssignments } from './dml.ts';

export interface UpsertPlan {
  /** Indexes whose conflicts are handled (the primary index included as itself). */
  readonly arbiters: readonly IndexDesc[];
  readonly action: 'nothing' | 'update';
  /** DO UPDATE: the new row, over [existing row, excluded row]. */
  readonly set: readonly BoundExpr[] | null;
  readonly where: BoundExpr | null;
}

/** `excluded.c` binds to the proposed row; renamed so that a bare `c` is the table's. */
const excludedPrefix = '\u0000excluded.';

function renameExcluded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(renameExcluded);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as { kind?: unknown; table?: unknown; name?: unknown };
  if (o.kind === 'column' && o.table === 'excluded' && typeof o.name === 'string') return { ...o, name: excludedPrefix + o.name };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renameExcluded(x)]));
}

export function planUpsert(clause: OnConflictClause, table: TableDesc, alias: string | null, binder: Binder): UpsertPlan {
  const all = [table.primaryIndex, ...table.indexes.filter((i) => i.unique)];
  let arbiters: IndexDesc[];
  const target = clause.target;
  if (target === null) {
    if (clause.action === 'update') throw sqlError('42601', 'ON CONFLICT DO UPDATE requires inference specification or constraint name', positionOf(clause.pos));
    arbiters = all;
  } else if (target.kind === 'constraint') {
    const found = all.find((i) => i.name === target.name);
    if (found === undefined) throw sqlError('42704', `constraint "${target.name}" for table "${table.name}" does not exist`);
    arbiters = [found];
  } else {
    const ids = target.columns.map((name) => {
      const c = table.columns.find((x) => x.name === name);
      if (c === undefined) throw sqlError('42703', `column "${name}" does not exist`, positionOf(clause.pos));
      return c.id;
    });
    // Inference: every unique index whose columns are exactly the target's (in any order).
    // A partial index is inferred only with a matching WHERE, which Tessera does not take yet.
    arbiters = all.filter((i) => i.predicate === undefined && i.columnIds.length === ids.length && i.columnIds.every((id) => ids.includes(id)));
    if (arbiters.length === 0) throw sqlError('42P10', 'there is no unique or exclusion constraint matching the ON CONFLICT specification');
  }
  if (clause.action === 'nothing') return { arbiters, action: 'nothing', set: null, where: null };
  const scope: ScopeColumn[] = [
    ...tableScope(table, alias),
    ...tableScope(table, 'excluded').map((c) => ({ ...c, name: excludedPrefix + c.name })),
  ];
  const set = bindAssignments(renameExcluded(clause.set) as OnConflictClause['set'], binder, scope, table);
  const whereAst = renameExcluded(clause.where) as OnConflictClause['where'];
  const where = whereAst === null ? null : binder.coerce(binder.bind(whereAst, scope), T.bool, whereAst.pos);
  if (correlatedIn([...set, ...(where === null ? [] : [where])]).length > 0) throw sqlError('0A000', 'correlated subqueries in ON CONFLICT DO UPDATE are not supported');
  return { arbiters, action: 'update', set, where };
}


/** The existing row an arbiter index holds for `row`'s key, or null. */
async function conflictingRow(table: TableDesc, arbiters: readonly IndexDesc[], row: readonly Value[], ctx: ExecContext): Promise<Row | null> {
  const layout = layoutOf(table);
  for (const index of arbiters) {
    if (index.id === table.primaryIndex.id) {
      const v = await ctx.txn.get(layout.primaryKey(row));
      if (v !== null) return layout.decodeRow(v);
      continue;
    }
    const entry = layout.indexEntry(index, row);
    // A key with a NULL never conflicts; nor does a row outside a partial index.
    if (!entry.unique || !inIndex(table, index, row, ctx.eval)) continue;
    const v = await ctx.txn.get(entry.key);
    if (v === null) continue;
    const full = await ctx.txn.get(layout.primaryKey(layout.decodeRow(v)));
    if (full !== null) return layout.decodeRow(full);
  }
  return null;
}

/** Inserts `row` or resolves its conflict; returns the row written (and the row it replaced), or null when skipped. */
export async function insertWithConflict(
  plan: UpsertPlan,
  table: TableDesc,
  row: readonly Value[],
  ctx: ExecContext,
  uniques: UniqueWrites,
  touched: Set<string>,
  checks: readonly BoundCheck[],
): Promise<{ written: Row; replaced: Row | null } | null> {
  const layout = layoutOf(table);
  const existing = await conflictingRow(table, plan.arbiters, row, ctx);
  const keyOf = (r: readonly Value[]): string => Buffer.from(layout.primaryKey(r)).toString('latin1');
  if (existing === null) {
    insertRow(ctx.txn, table, row, uniques, ctx.eval);
    touched.add(keyOf(row));
    return { written: [...row], replaced: null };
  }
  if (plan.action === 'nothing') return null;
  if (touched.has(keyOf(existing))) {
    throw sqlError('21000', 'ON CONFLICT DO UPDATE command cannot affect row a second time', {
      hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
    });
  }
  const combined = [...existing, ...row];
  if (plan.where !== null && plan.where.eval(combined, ctx.eval) !== true) return null;
  const after = plan.set!.map((e) => e.eval(combined, ctx.eval));
  checkNotNull(table, after);
  checkRow(table, checks, after, ctx.eval);
  updateRow(ctx.txn, table, existing, after, uniques, ctx.eval);
  touched.add(keyOf(after));
  return { written: after, replaced: existing };
}
