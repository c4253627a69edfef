/**
 * INSERT, UPDATE and DELETE. Each is planned into a source plan that yields what to write
 * (so subqueries, correlated or not, run inside the operator tree like a SELECT's), and
 * written through write.ts. UPDATE and DELETE first read every matching row (so a
 * statement never sees its own writes), then write.
 *
 * Source row shapes: insert — the new row (table width); update — the old row, the new
 * row, then the columns of the FROM items; delete — the old row, then the USING items'.
 */
import type { Assignment, Expr, FromItem, SelectItem, Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Binder, ScopeColumn } from '../expr/bind-expr.ts';
import { columnRef, constant } from '../expr/bind-expr.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { conjuncts, decideAccess } from '../plan/access.ts';
import type { PlanNode } from '../plan/plan.ts';
import { planFrom } from '../plan/plan-join.ts';
import { correlatedIn, outputName, planSelect, tableScope, type TableResolver } from '../plan/plan-select.ts';
import { tableOid } from '../catalog/descriptors.ts';
import type { ColumnInfo } from '../session.ts';
import { layoutOf } from '../storage/table-data.ts';
import { positionOf, T, typeMod, typeOid, typeSize, type SqlType, type Value } from '../types/types.ts';
import { buildOperator, drain, withEval, type ExecContext, type Row } from './operators.ts';
import { bindChecks, checkRow, type BoundCheck } from './checks.ts';
import { insertWithConflict, planUpsert, type UpsertPlan } from './upsert.ts';
import { FkRun, planForeignKeys, type FkCatalog, type FkGraph } from './foreign-keys.ts';
import { checkNotNull, deleteRow, insertRow, updateRow, type UniqueWrites } from './write.ts';

export interface DmlPlan {
  readonly kind: 'insert' | 'update' | 'delete';
  readonly table: TableDesc;
  /** Produces the rows to write, shaped as the file comment says. */
  readonly source: PlanNode;
  readonly returning: readonly BoundExpr[];
  readonly returningColumns: readonly ColumnInfo[] | null;
  readonly returningTypes: readonly SqlType[];
  readonly onConflict: UpsertPlan | null;
  /** CHECK constraints over a new row. */
  readonly checks: readonly BoundCheck[];
  /** Tables the plan reads besides the target (FROM / USING / subqueries, foreign keys). */
  readonly readTables: readonly TableDesc[];
  readonly foreignKeys: FkGraph | null;
}

type DmlStatement = Extract<Statement, { kind: 'insert' | 'update' | 'delete' }>;

export function planDml(stmt: DmlStatement, binder: Binder, resolver: TableResolver): DmlPlan {
  const table = resolver.resolveTable(stmt.table.schema, stmt.table.name, stmt.table.pos);
  if (table.virtual !== undefined) throw sqlError('42501', `permission denied: "${table.name}" is a system catalog`);
  // The statement owns its subqueries, as a top-level SELECT does.
  const topLevel = binder.planSubquery === null;
  if (topLevel) binder.planSubquery = (select) => planSelect(select, binder, resolver);
  try {
    const plan = (): DmlPlan => (stmt.kind === 'insert' ? planInsert(stmt, binder, resolver, table) : planChange(stmt, binder, resolver, table));
    const planned = stmt.with === undefined ? plan() : binder.withCtes(stmt.with, plan);
    const source: PlanNode = topLevel && binder.hasSubqueries ? { kind: 'subplans', input: planned.source, initPlans: [...binder.initPlans] } : planned.source;
    const fk = resolver.tableById !== undefined && resolver.referencing !== undefined ? planForeignKeys(table, resolver as FkCatalog, binder) : null;
    return { ...planned, source, foreignKeys: fk?.graph ?? null, readTables: [...planned.readTables, ...(fk?.tables ?? [])] };
  } finally {
    if (topLevel) binder.planSubquery = null;
  }
}

function planInsert(stmt: Extract<Statement, { kind: 'insert' }>, binder: Binder, resolver: TableResolver, table: TableDesc): DmlPlan {
  const scope = tableScope(table, stmt.table.alias);
  const returning = bindReturning(stmt.returning, binder, scope, table);
  const onConflict = stmt.onConflict === undefined ? null : planUpsert(stmt.onConflict, table, stmt.table.alias, binder);
  const { source, readTables } = planInsertSource(stmt, binder, resolver, table);
  return { kind: 'insert', table, source, ...returning, onConflict, checks: bindChecks(table, binder), readTables, foreignKeys: null };
}

/** UPDATE / DELETE, with FROM / USING items joined to the target. */
function planChange(stmt: Extract<Statement, { kind: 'update' | 'delete' }>, binder: Binder, resolver: TableResolver, table: TableDesc): DmlPlan {
  const width = table.columns.length;
  const extra: readonly FromItem[] = (stmt.kind === 'update' ? stmt.from : stmt.using) ?? [];
  let scope: readonly ScopeColumn[] = tableScope(table, stmt.table.alias);
  let source: PlanNode;
  let readTables: readonly TableDesc[] = [];
  if (extra.length === 0) {
    const where = stmt.where === null ? null : binder.coerce(binder.bind(stmt.where, scope), T.bool, stmt.where.pos);
    const access = decideAccess(table, conjuncts(where), new Set(table.columns.map((_c, i) => i)));
    source = access.node;
    for (const c of access.remaining) source = filter(source, c);
  } else {
    const from = planFrom([{ kind: 'table', ref: stmt.table }, ...extra], stmt.where, binder, resolver, (s) => planSelect(s, binder, resolver));
    scope = from.scope;
    readTables = from.tables;
    source = from.node;
    if (stmt.where !== null) source = filter(source, binder.coerce(binder.bind(stmt.where, scope), T.bool, stmt.where.pos));
  }
  if (stmt.kind === 'update') {
    const after = bindAssignments(stmt.set, binder, scope, table);
    const passThrough = scope.map((c, i) => columnRef(i, c.type, c.name));
    const exprs = [...passThrough.slice(0, width), ...after, ...passThrough.slice(width)];
    const subqueries = correlatedIn(exprs);
    source = subqueries.length > 0 ? { kind: 'project', input: source, exprs, subqueries } : { kind: 'project', input: source, exprs };
  }
  const returning = bindReturning(stmt.returning, binder, scope, table);
  return { kind: stmt.kind, table, source, ...returning, onConflict: null, checks: stmt.kind === 'update' ? bindChecks(table, binder) : [], readTables, foreignKeys: null };
}

function filter(input: PlanNode, predicate: BoundExpr): PlanNode {
  const subqueries = correlatedIn([predicate]);
  return subqueries.length > 0 ? { kind: 'filter', input, predicate, subqueries } : { kind: 'filter', input, predicate };
}

function bindReturning(items: readonly SelectItem[], binder: Binder, scope: readonly ScopeColumn[], table: TableDesc): Pick<DmlPlan, 'returning' | 'returningColumns' | 'returningTypes'> {
  if (items.length === 0) return { returning: [], returningColumns: null, returningTypes: [] };
  const exprs: BoundExpr[] = [];
  const columns: ColumnInfo[] = [];
  for (const item of items) {
    const star = item.expr.kind === 'star' ? item.expr : null;
    const expanded: { expr: Expr; name: string }[] = star !== null
      ? scope.filter((c) => !c.hidden && (star.table === null || c.table === star.table)).map((c) => ({ expr: { kind: 'column', table: c.table, name: c.name, pos: -1 } as Expr, name: c.name }))
      : [{ expr: item.expr, name: item.alias ?? outputName(item.expr) }];
    for (const x of expanded) {
      let e = binder.bind(x.expr, scope);
      if (e.type.kind === 'unknown') e = binder.coerce(e, T.text, -1);
      if (correlatedIn([e]).length > 0) throw sqlError('0A000', 'correlated subqueries in RETURNING are not supported');
      exprs.push(e);
      const attr = e.kind === 'column' && e.index < table.columns.length ? e.index + 1 : 0;
      columns.push({ name: x.name, tableOid: attr > 0 ? tableOid(table) : 0, columnAttr: attr, typeOid: typeOid(e.type), typeSize: typeSize(e.type), typeMod: typeMod(e.type), format: 0 });
    }
  }
  return { returning: exprs, returningColumns: columns, returningTypes: exprs.map((e) => e.type) };
}

function columnDefault(table: TableDesc, col: number, binder: Binder): BoundExpr {
  const c = table.columns[col]!;
  return c.defaultExpr === null ? constant(c.type, null) : binder.assign(binder.bind(c.defaultExpr, []), c.type, c.name, -1);
}

function planInsertSource(stmt: Extract<Statement, { kind: 'insert' }>, binder: Binder, resolver: TableResolver, table: TableDesc): { source: PlanNode; readTables: readonly TableDesc[] } {
  const visible = table.columns.map((c, i) => ({ c, i })).filter((x) => !x.c.hidden);
  const targets = stmt.columns === null ? visible.map((x) => x.i) : stmt.columns.map((col) => {
    const i = table.columns.findIndex((c) => c.name === col.name);
    if (i < 0) throw sqlError('42703', `column "${col.name}" of relation "${table.name}" does not exist`, positionOf(col.pos));
    return i;
  });
  if (new Set(targets).size !== targets.length) throw sqlError('42701', 'column specified more than once');
  const tooFew = (pos: number): Error => sqlError('42601', 'INSERT has more target columns than expressions', positionOf(pos));
  // OVERRIDING USER VALUE: identity columns take their default whatever the statement gives.
  const skipped = (col: number): boolean => stmt.overriding === 'user' && table.columns[col]!.identity !== null && table.columns[col]!.identity !== undefined;
  const checkIdentity = (c: TableDesc['columns'][number]): void => {
    if (c.identity === 'always' && stmt.overriding !== 'system') throw identityAlways(c.name);
  };
  const defaults = table.columns.map((_c, i) => columnDefault(table, i, binder));
  if (stmt.source.kind === 'default-values') return { source: { kind: 'project', input: { kind: 'one-row' }, exprs: defaults }, readTables: [] };
  if (stmt.source.kind === 'select') {
    binder.insertTargets = { items: stmt.source.select.items, types: targets.map((col) => table.columns[col]!.type) };
    let q: ReturnType<typeof planSelect>;
    try {
      q = planSelect(stmt.source.select, binder, resolver);
    } finally {
      binder.insertTargets = null;
    }
    if (q.types.length > targets.length) throw sqlError('42601', 'INSERT has more expressions than target columns');
    if (stmt.columns !== null && q.types.length < targets.length) throw tooFew(stmt.columns[q.types.length]?.pos ?? -1);
    const exprs = defaults.map((d, col) => {
      const k = targets.indexOf(col);
      if (k < 0 || k >= q.types.length || skipped(col)) return d;
      const c = table.columns[col]!;
      checkIdentity(c);
      return binder.assign(columnRef(k, q.types[k]!, c.name), c.type, c.name, -1);
    });
    return { source: { kind: 'project', input: q.node, exprs }, readTables: q.tables };
  }
  // VALUES rows: each row becomes one full-width expression list.
  const rows = stmt.source.rows.map((exprs) => {
    if (exprs.length > targets.length) throw sqlError('42601', 'INSERT has more expressions than target columns', positionOf(exprs[targets.length]?.pos ?? -1));
    if (stmt.columns !== null && exprs.length < targets.length) throw tooFew(stmt.columns[exprs.length]?.pos ?? -1);
    return table.columns.map((c, col) => {
      const k = targets.indexOf(col);
      const e = k < 0 || k >= exprs.length ? null : exprs[k]!;
      if (e === null || e.kind === 'default' || skipped(col)) return defaults[col]!;
      checkIdentity(c);
      return binder.assign(binder.bind(e, []), c.type, c.name, e.pos);
    });
  });
  if (rows.some((r) => correlatedIn(r).length > 0)) throw sqlError('0A000', 'correlated subqueries in VALUES are not supported');
  return { source: { kind: 'values', rows }, readTables: [] };
}

/** GENERATED ALWAYS AS IDENTITY columns take only their default unless OVERRIDING SYSTEM VALUE. */
function identityAlways(column: string): Error {
  return sqlError('428C9', `cannot insert a non-DEFAULT value into column "${column}"`, {
    detail: `Column "${column}" is an identity column defined as GENERATED ALWAYS.`,
    hint: 'Use OVERRIDING SYSTEM VALUE to override.',
  });
}

export function bindAssignments(set: readonly Assignment[], binder: Binder, scope: readonly ScopeColumn[], table: TableDesc): BoundExpr[] {
  const exprs: BoundExpr[] = table.columns.map((c, i) => columnRef(i, c.type, c.name));
  for (const a of set) {
    const i = table.columns.findIndex((c) => c.name === a.column);
    if (i < 0) throw sqlError('42703', `column "${a.column}" of relation "${table.name}" does not exist`, positionOf(a.pos));
    const c = table.columns[i]!;
    if (c.identity === 'always' && a.value.kind !== 'default') {
      throw sqlError('428C9', `column "${c.name}" can only be updated to DEFAULT`, { ...positionOf(a.pos), detail: `Column "${c.name}" is an identity column defined as GENERATED ALWAYS.` });
    }
    exprs[i] = a.value.kind === 'default' ? columnDefault(table, i, binder) : binder.assign(binder.bind(a.value, scope), c.type, c.name, a.pos);
  }
  return exprs;
}

/** Runs a DML plan; returns the affected row count and RETURNING rows. */
export async function runDml(plan: DmlPlan, outerCtx: ExecContext, uniques: UniqueWrites): Promise<{ count: number; returned: Row[] }> {
  // Subquery results are shared by the source plan, ON CONFLICT and RETURNING.
  const ctx = outerCtx.eval.subqueryResults !== undefined ? outerCtx : withEval(outerCtx, { subqueryResults: new Map() });
  const ev = ctx.eval;
  const returned: Row[] = [];
  const emit = (row: readonly Value[]): void => {
    if (plan.returning.length > 0) returned.push(plan.returning.map((e) => e.eval(row, ev)));
  };
  const rows = await drain(buildOperator(plan.source, ctx), ctx);
  const fks = plan.foreignKeys === null ? null : new FkRun(plan.foreignKeys, ctx, uniques);
  const count = plan.kind === 'insert' ? await insertRows(plan, rows, ctx, uniques, fks, emit) : await changeRows(plan, rows, ctx, uniques, fks, emit);
  await fks?.finish();
  return { count, returned };
}

async function insertRows(plan: DmlPlan, rows: readonly Row[], ctx: ExecContext, uniques: UniqueWrites, fks: FkRun | null, emit: (row: readonly Value[]) => void): Promise<number> {
  const table = plan.table;
  const ev = ctx.eval;
  const touched = new Set<string>();
  let count = 0;
  for (const row of rows) {
    checkNotNull(table, row);
    checkRow(table, plan.checks, row, ev);
    if (plan.onConflict !== null) {
      const result = await insertWithConflict(plan.onConflict, table, row, ctx, uniques, touched, plan.checks);
      if (result === null) continue;
      await fks?.checkParents(table, result.replaced, result.written);
      if (result.replaced !== null) await fks?.onParentChange(table, result.replaced, result.written);
      emit(result.written);
    } else {
      insertRow(ctx.txn, table, row, uniques, ev);
      await fks?.checkParents(table, null, row);
      emit(row);
    }
    count++;
  }
  return count;
}

async function changeRows(plan: DmlPlan, rows: readonly Row[], ctx: ExecContext, uniques: UniqueWrites, fks: FkRun | null, emit: (row: readonly Value[]) => void): Promise<number> {
  const table = plan.table;
  const width = table.columns.length;
  // A row joined to several FROM / USING rows changes once (the first match), as in PostgreSQL.
  const seen = new Set<string>();
  let count = 0;
  for (const r of rows) {
    const before = r.slice(0, width);
    if (rows.length > 1) {
      const key = Buffer.from(pkOf(table, before)).toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
    }
    count++;
    if (plan.kind === 'delete') {
      deleteRow(ctx.txn, table, before);
      await fks?.onParentChange(table, before, null);
      emit(r);
      continue;
    }
    const after = r.slice(width, 2 * width);
    checkNotNull(table, after);
    checkRow(table, plan.checks, after, ctx.eval);
    updateRow(ctx.txn, table, before, after, uniques, ctx.eval);
    await fks?.checkParents(table, before, after);
    await fks?.onParentChange(table, before, after);
    emit([...after, ...r.slice(2 * width)]);
  }
  return count;
}

function pkOf(table: TableDesc, row: readonly Value[]): Uint8Array {
  return layoutOf(table).primaryKey(row);
}
