/**
 * INSERT, UPDATE and DELETE. Each binds against the table, evaluates its rows, and writes
 * through write.ts. UPDATE and DELETE first read every matching row (so a statement never
 * sees its own writes), then write.
 */
import type { Assignment, Expr, SelectItem, Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Binder } from '../expr/bind-expr.ts';
import { constant } from '../expr/bind-expr.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { conjuncts, decideAccess } from '../plan/access.ts';
import type { PlanNode } from '../plan/plan.ts';
import { outputName, planSelect, tableScope, type TableResolver } from '../plan/plan-select.ts';
import { tableOid } from '../catalog/descriptors.ts';
import type { ColumnInfo } from '../session.ts';
import { positionOf, T, typeMod, typeOid, typeSize, type SqlType, type Value } from '../types/types.ts';
import { buildOperator, drain, type ExecContext, type Row } from './operators.ts';
import { checkNotNull, deleteRow, insertRow, updateRow, type UniqueWrites } from './write.ts';

export interface DmlPlan {
  readonly kind: 'insert' | 'update' | 'delete';
  readonly table: TableDesc;
  /** Produces the new rows (insert) or the rows to change (update/delete). */
  readonly source: PlanNode;
  /** insert: one expression per table column over a source row; update: the new row. */
  readonly rowExprs: readonly BoundExpr[] | null;
  /** insert ... VALUES: one full-width expression list per row (source is unused). */
  readonly valuesRows: readonly (readonly BoundExpr[])[] | null;
  readonly returning: readonly BoundExpr[];
  readonly returningColumns: readonly ColumnInfo[] | null;
  readonly returningTypes: readonly SqlType[];
  readonly onConflictDoNothing: boolean;
}

type DmlStatement = Extract<Statement, { kind: 'insert' | 'update' | 'delete' }>;

export function planDml(stmt: DmlStatement, binder: Binder, resolver: TableResolver): DmlPlan {
  const table = resolver.resolveTable(stmt.table.schema, stmt.table.name, stmt.table.pos);
  if (table.virtual !== undefined) throw sqlError('42501', `permission denied: "${table.name}" is a system catalog`);
  const scope = tableScope(table, stmt.table.alias);
  const returning = bindReturning(stmt.returning, binder, scope, table);
  if (stmt.kind === 'insert') {
    if (stmt.onConflictDoNothing) throw sqlError('0A000', 'ON CONFLICT is not supported');
    return { kind: 'insert', table, ...planInsertSource(stmt, binder, resolver, table), ...returning, onConflictDoNothing: false };
  }
  const where = stmt.where === null ? null : binder.coerce(binder.bind(stmt.where, scope), T.bool, stmt.where.pos);
  const access = decideAccess(table, conjuncts(where), new Set(table.columns.map((_c, i) => i)));
  let source: PlanNode = access.node;
  for (const c of access.remaining) source = { kind: 'filter', input: source, predicate: c };
  const rowExprs = stmt.kind === 'update' ? bindAssignments(stmt.set, binder, scope, table) : null;
  return { kind: stmt.kind, table, source, rowExprs, valuesRows: null, ...returning, onConflictDoNothing: false };
}

function bindReturning(items: readonly SelectItem[], binder: Binder, scope: ReturnType<typeof tableScope>, table: TableDesc): Pick<DmlPlan, 'returning' | 'returningColumns' | 'returningTypes'> {
  if (items.length === 0) return { returning: [], returningColumns: null, returningTypes: [] };
  const exprs: BoundExpr[] = [];
  const columns: ColumnInfo[] = [];
  for (const item of items) {
    const expanded: { expr: Expr; name: string }[] = item.expr.kind === 'star'
      ? scope.filter((c) => !c.hidden).map((c) => ({ expr: { kind: 'column', table: null, name: c.name, pos: -1 } as Expr, name: c.name }))
      : [{ expr: item.expr, name: item.alias ?? outputName(item.expr) }];
    for (const x of expanded) {
      let e = binder.bind(x.expr, scope);
      if (e.type.kind === 'unknown') e = binder.coerce(e, T.text, -1);
      exprs.push(e);
      const attr = x.expr.kind === 'column' ? table.columns.findIndex((c) => c.name === (x.expr as { name: string }).name) + 1 : 0;
      columns.push({ name: x.name, tableOid: attr > 0 ? tableOid(table) : 0, columnAttr: attr, typeOid: typeOid(e.type), typeSize: typeSize(e.type), typeMod: typeMod(e.type), format: 0 });
    }
  }
  return { returning: exprs, returningColumns: columns, returningTypes: exprs.map((e) => e.type) };
}

function planInsertSource(stmt: Extract<Statement, { kind: 'insert' }>, binder: Binder, resolver: TableResolver, table: TableDesc): Pick<DmlPlan, 'source' | 'rowExprs' | 'valuesRows'> {
  const visible = table.columns.map((c, i) => ({ c, i })).filter((x) => !x.c.hidden);
  const targets = stmt.columns === null ? visible.map((x) => x.i) : stmt.columns.map((col) => {
    const i = table.columns.findIndex((c) => c.name === col.name);
    if (i < 0) throw sqlError('42703', `column "${col.name}" of relation "${table.name}" does not exist`, positionOf(col.pos));
    return i;
  });
  if (new Set(targets).size !== targets.length) throw sqlError('42701', 'column specified more than once');
  const defaults = table.columns.map((c) => (c.defaultExpr === null ? constant(c.type, null) : binder.assign(binder.bind(c.defaultExpr, []), c.type, c.name, -1)));
  if (stmt.source.kind === 'default-values') {
    return { source: { kind: 'one-row' }, rowExprs: defaults, valuesRows: null };
  }
  if (stmt.source.kind === 'select') {
    const q = planSelect(stmt.source.select, binder, resolver);
    if (q.types.length > targets.length) throw sqlError('42601', 'INSERT has more expressions than target columns');
    const rowExprs = defaults.map((d, col) => {
      const k = targets.indexOf(col);
      if (k < 0 || k >= q.types.length) return d;
      const c = table.columns[col]!;
      if (c.identity === 'always') throw identityAlways(c.name);
      return binder.assign({ kind: 'column', type: q.types[k]!, index: k, name: c.name, eval: (r) => r[k] ?? null }, c.type, c.name, -1);
    });
    return { source: q.node, rowExprs, valuesRows: null };
  }
  // VALUES rows: each row becomes one full-width expression list, evaluated per row.
  const rows = stmt.source.rows.map((exprs) => {
    if (exprs.length > targets.length) throw sqlError('42601', 'INSERT has more expressions than target columns', positionOf(exprs[targets.length]?.pos ?? -1));
    return table.columns.map((c, col) => {
      const k = targets.indexOf(col);
      const e = k < 0 || k >= exprs.length ? null : exprs[k]!;
      if (e === null || e.kind === 'default') return defaults[col]!;
      if (c.identity === 'always') throw identityAlways(c.name);
      return binder.assign(binder.bind(e, []), c.type, c.name, e.pos);
    });
  });
  return { source: { kind: 'one-row' }, rowExprs: null, valuesRows: rows };
}

/** GENERATED ALWAYS AS IDENTITY columns take only their default (OVERRIDING is not supported). */
function identityAlways(column: string): Error {
  return sqlError('428C9', `cannot insert a non-DEFAULT value into column "${column}"`, {
    detail: `Column "${column}" is an identity column defined as GENERATED ALWAYS.`,
    hint: 'Use OVERRIDING SYSTEM VALUE to override.',
  });
}

function bindAssignments(set: readonly Assignment[], binder: Binder, scope: ReturnType<typeof tableScope>, table: TableDesc): BoundExpr[] {
  const exprs: BoundExpr[] = table.columns.map((c, i) => ({ kind: 'column', type: c.type, index: i, name: c.name, eval: (r: readonly Value[]) => r[i] ?? null }));
  for (const a of set) {
    const i = table.columns.findIndex((c) => c.name === a.column);
    if (i < 0) throw sqlError('42703', `column "${a.column}" of relation "${table.name}" does not exist`, positionOf(a.pos));
    const c = table.columns[i]!;
    exprs[i] = a.value.kind === 'default'
      ? (c.defaultExpr === null ? constant(c.type, null) : binder.assign(binder.bind(c.defaultExpr, []), c.type, c.name, -1))
      : binder.assign(binder.bind(a.value, scope), c.type, c.name, a.pos);
  }
  return exprs;
}

/** Runs a DML plan; returns the affected row count and RETURNING rows. */
export async function runDml(plan: DmlPlan, ctx: ExecContext, uniques: UniqueWrites): Promise<{ count: number; returned: Row[] }> {
  const { table, txn } = { table: plan.table, txn: ctx.txn };
  const ev = ctx.eval;
  const returned: Row[] = [];
  const emit = (row: Row): void => {
    if (plan.returning.length > 0) returned.push(plan.returning.map((e) => e.eval(row, ev)));
  };
  if (plan.kind === 'insert') {
    const sourceRows = plan.valuesRows !== null ? [] : await drain(buildOperator(plan.source, ctx), ctx);
    let count = 0;
    const rowSets = plan.valuesRows !== null ? plan.valuesRows : sourceRows.map(() => plan.rowExprs!);
    for (let i = 0; i < rowSets.length; i++) {
      const src = plan.valuesRows !== null ? [] : sourceRows[i]!;
      const row = rowSets[i]!.map((e) => e.eval(src, ev));
      checkNotNull(table, row);
      insertRow(txn, table, row, uniques, ev);
      emit(row);
      count++;
    }
    return { count, returned };
  }
  const rows = await drain(buildOperator(plan.source, ctx), ctx);
  for (const before of rows) {
    if (plan.kind === 'delete') {
      deleteRow(txn, table, before);
      emit(before);
      continue;
    }
    const after = plan.rowExprs!.map((e) => e.eval(before, ev));
    checkNotNull(table, after);
    updateRow(txn, table, before, after, uniques, ev);
    emit(after);
  }
  return { count: rows.length, returned };
}
