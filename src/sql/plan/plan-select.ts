/**
 * SELECT -> physical plan: resolve the table, bind expressions, choose the access path,
 * then stack filter -> aggregate -> having -> project (+ hidden sort columns) -> sort ->
 * limit. Sorting by the scanned index's order drops the sort; a LIMIT right above a scan
 * is pushed into it.
 */
import type { ColumnInfo } from '../session.ts';
import type { Expr, SelectStmt } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { tableOid, type TableDesc, type ViewDesc } from '../catalog/descriptors.ts';
import { astKey, type AggregateScope, type Binder, type ScopeColumn } from '../expr/bind-expr.ts';
import type { BoundExpr, SubqueryPlan } from '../expr/bound.ts';
import type { SequenceRef } from '../expr/sequence-functions.ts';
import { isAggregateName } from '../expr/functions.ts';
import { positionOf, T, typeMod, typeOid, typeSize, type SqlType } from '../types/types.ts';
import { conjuncts, decideAccess, fullScan } from './access.ts';
import { andAll, planFrom } from './plan-join.ts';
import { orderAndLimit, planSetOp } from './plan-setop.ts';
import { planValues } from './plan-sources.ts';
import { WindowPlanner } from './plan-window.ts';
import type { PlanNode, SortKey } from './plan.ts';

export interface TableResolver {
  /** Throws 42P01 for an unknown table. */
  resolveTable(schema: string | null, name: string, pos: number): TableDesc;
  /** For foreign keys: a table by descriptor id, and the tables whose foreign keys reference one. */
  tableById?(id: number): TableDesc | null;
  referencing?(table: TableDesc): TableDesc[];
  /** A view by name, or null (then the name is a table's). */
  resolveView?(schema: string | null, name: string): ViewDesc | null;
  /** Enum types by name (null: no such type). */
  resolveType?(name: string): SqlType | null;
  /** Sequences by name, for nextval('name') (null: no such relation). */
  resolveSequence?(name: { schema: string | null; name: string }): SequenceRef | null;
}

export interface PlannedQuery {
  readonly node: PlanNode;
  /** Result columns (text format). */
  readonly columns: readonly ColumnInfo[];
  readonly types: readonly SqlType[];
  /** Tables the plan depends on, with the versions it was planned against. */
  readonly tables: readonly TableDesc[];
}

export function tableScope(table: TableDesc, alias: string | null): ScopeColumn[] {
  return table.columns.map((c) => ({ table: alias ?? table.name, name: c.name, type: c.type, hidden: c.hidden }));
}

export function planSelect(stmt: SelectStmt, binder: Binder, resolver: TableResolver): PlannedQuery {
  // A top-level SELECT (not a subquery's) owns the statement's subqueries: its root runs
  // the uncorrelated ones before anything reads their values.
  const topLevel = binder.planSubquery === null;
  if (topLevel) binder.planSubquery = (select) => planSelect(select, binder, resolver);
  // A nested query's WHERE must not see the enclosing select list's window functions.
  const windowCalls = binder.bindWindowCall;
  binder.bindWindowCall = null;
  let planned: PlannedQuery;
  try {
    planned = planSelectBody(stmt, binder, resolver);
  } finally {
    binder.bindWindowCall = windowCalls;
  }
  if (!topLevel) return planned;
  binder.planSubquery = null;
  if (!binder.hasSubqueries && binder.asyncCalls.length === 0) return planned;
  const asyncCalls = binder.asyncCalls.length > 0 ? { asyncCalls: [...binder.asyncCalls] } : {};
  return { ...planned, node: { kind: 'subplans', input: planned.node, initPlans: [...binder.initPlans], ...asyncCalls } };
}

function planSelectBody(stmt: SelectStmt, binder: Binder, resolver: TableResolver): PlannedQuery {
  if (stmt.with.length > 0) return binder.withCtes(stmt.with, () => planSelectBody({ ...stmt, with: [] }, binder, resolver));
  if (stmt.setOp !== null) return planSetOp(stmt, binder, (s) => planSelectBody(s, binder, resolver));
  if (stmt.values !== undefined) {
    const v = planValues(stmt.values, binder);
    return { ...v, node: orderAndLimit(stmt, v.node, v.columns.map((c) => c.name), v.types, binder, 'VALUES'), tables: [] };
  }
  const srf = setReturningItem(stmt);
  if (srf !== null) return planSelectBody(srf, binder, resolver);
  const first = stmt.from[0];
  const simple = stmt.from.length === 1 && first?.kind === 'table' && (first.ref.schema !== null || (!binder.worktables.has(first.ref.name) && binder.planCteReference(first.ref.name, () => true) === null))
    && (resolver.resolveView?.(first.ref.schema, first.ref.name) ?? null) === null
    && resolver.resolveSequence?.({ schema: first.ref.schema, name: first.ref.name })?.kind !== 'sequence';
  if (first !== undefined && !simple) return planJoined(stmt, binder, resolver);
  if (first !== undefined && first.kind !== 'table') throw new Error('unreachable: a simple FROM is one table');
  const ref = first === undefined ? null : first.ref;
  const table = ref === null ? null : resolver.resolveTable(ref.schema, ref.name, ref.pos);
  const scope = table === null ? [] : tableScope(table, ref?.alias ?? null);
  const items = expandStars(stmt, scope);
  const where = stmt.where === null ? null : binder.coerce(binder.bind(stmt.where, scope), T.bool, stmt.where.pos);
  const needed = table === null ? new Set<number>() : neededColumns(stmt, scope);
  let node: PlanNode;
  if (table === null) {
    node = { kind: 'one-row' };
    if (where !== null) node = filterNode(node, where);
  } else {
    const access = decideAccess(table, conjuncts(where), needed);
    node = access.node;
    const rest = access.remaining;
    if (rest.length > 0) node = filterNode(node, andAll(rest));
  }
  return planOutputs(stmt, node, items, binder, scope, table === null ? [] : [table], table);
}

/** Set-returning functions of one column, which a select list may call. */
const selectListSetReturning: ReadonlySet<string> = new Set([
  'generate_series', 'unnest', 'jsonb_array_elements', 'jsonb_array_elements_text', 'json_array_elements', 'json_array_elements_text',
  'jsonb_object_keys', 'json_object_keys', 'regexp_matches', 'regexp_split_to_table', 'generate_subscripts',
]);

/**
 * `SELECT ..., generate_series(a, b) ...` (one set-returning call in the select list, no
 * aggregation): the call becomes a function item at the end of FROM, which is implicitly
 * LATERAL, so each input row is repeated once per value, in order, as PostgreSQL's
 * ProjectSet does for a single set-returning function.
 */
function setReturningItem(stmt: SelectStmt): SelectStmt | null {
  const found: Expr[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Expr;
    if (o.kind === 'subquery') return;
    if (o.kind === 'func' && selectListSetReturning.has(o.name) && o.over === undefined) found.push(o);
    Object.values(v).forEach(visit);
  };
  visit(stmt.items.map((i) => i.expr));
  if (found.length === 0 || stmt.groupBy.length > 0 || stmt.groupingSets !== undefined || stmt.having !== null) return null;
  if (stmt.items.some((i) => containsAggregate(i.expr))) return null;
  const calls = found as Extract<Expr, { kind: 'func' }>[];
  // Several calls run in lockstep (PostgreSQL 10's rule), as ROWS FROM (f(...), g(...)) does;
  // a call nested in another's arguments is not supported.
  const zipped = calls.length > 1;
  if (zipped && calls.some((c) => calls.some((d) => d !== c && containsNode(d.args, c)))) return null;
  const call: Expr = calls[0]!;
  const alias = '\u0000srf';
  const names = calls.map((c, i) => (zipped ? `${c.name} ${i}` : c.name));
  const refs = new Map<unknown, Expr>(calls.map((c, i) => [c, { kind: 'column', table: alias, name: names[i]!, pos: c.pos }]));
  const replace = (v: unknown): unknown => {
    const ref = refs.get(v);
    if (ref !== undefined) return ref;
    if (Array.isArray(v)) return v.map(replace);
    if (typeof v !== 'object' || v === null || (v as Expr).kind === 'subquery') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
  };
  return {
    ...stmt,
    from: [...stmt.from, { kind: 'function', call, alias, columnAliases: names, pos: call.pos, ...(zipped ? { rowsFrom: calls } : {}) }],
    // An item that is the call itself keeps the function's name as its column name.
    items: stmt.items.map((i) => ({ ...i, expr: replace(i.expr) as Expr, alias: i.alias ?? (refs.has(i.expr) ? (i.expr as Extract<Expr, { kind: 'func' }>).name : null) })),
  };
}

/** Whether `target` (an AST node, by identity) occurs anywhere inside `v`. */
function containsNode(v: unknown, target: unknown): boolean {
  if (v === target) return true;
  if (typeof v !== 'object' || v === null) return false;
  return (Array.isArray(v) ? v : Object.values(v)).some((x) => containsNode(x, target));
}

/** SELECT over joins: the join tree, WHERE above it, then the usual stages. */
function planJoined(stmt: SelectStmt, binder: Binder, resolver: TableResolver): PlannedQuery {
  const from = planFrom(stmt.from, stmt.where, binder, resolver, (s) => planSelect(s, binder, resolver));
  const items = expandStars(stmt, from.scope);
  let node = from.node;
  if (stmt.where !== null) node = filterNode(node, binder.coerce(binder.bind(stmt.where, from.scope), T.bool, stmt.where.pos));
  return planOutputs(stmt, node, items, binder, from.scope, from.tables, null);
}

function planOutputs(stmt: SelectStmt, input: PlanNode, items: readonly Item[], binder: Binder, scope: readonly ScopeColumn[], tables: readonly TableDesc[], table: TableDesc | null): PlannedQuery {
  const windows = new WindowPlanner(binder, stmt.windows ?? []);
  let node = input;
  const isAggregate = stmt.groupBy.length > 0 || stmt.groupingSets !== undefined || stmt.having !== null || items.some((i) => containsAggregate(i.expr)) || stmt.orderBy.some((o) => containsAggregate(o.expr));
  if (isAggregate) {
    const groupBy = stmt.groupBy.map((g) => bindGroupItem(g, items, binder, scope));
    const agg: AggregateScope = {
      groupKeys: groupBy.map((g) => astKey(g.ast)),
      groupTypes: groupBy.map((g) => g.bound.type),
      groupColumns: groupBy.map((g) => (g.bound.kind === 'column' ? g.bound.index : -1)),
      inputScope: scope,
      aggregates: [],
    };
    const aggregates = agg.aggregates;
    const outputs = windows.active(() => items.map((i) => binder.bind(i.expr, [], agg)));
    const having = stmt.having === null ? null : binder.coerce(binder.bind(stmt.having, [], agg), T.bool, stmt.having.pos);
    const aggInputs = [...groupBy.map((g) => g.bound), ...aggregates.flatMap((a) => [a.arg, a.filter, a.delimiter].filter((x): x is BoundExpr => x !== null))];
    if (correlatedIn(aggInputs).length > 0) throw sqlError('0A000', 'correlated subqueries in GROUP BY or aggregate arguments are not supported');
    node = { kind: 'aggregate', input: node, groupBy: groupBy.map((g) => g.bound), aggregates, ...(stmt.groupingSets === undefined ? {} : { groupingSets: stmt.groupingSets }) };
    if (having !== null) node = filterNode(node, having);
    return finish(stmt, node, outputs, items, binder, [], agg, table, tables, windows);
  }
  const outputs = windows.active(() => items.map((i) => binder.bind(i.expr, scope)));
  return finish(stmt, node, outputs, items, binder, scope, null, table, tables, windows);
}

interface Item {
  readonly expr: Expr;
  readonly alias: string | null;
  readonly name: string;
  readonly column: { readonly table: TableDesc; readonly attr: number } | null;
}

function expandStars(stmt: SelectStmt, scope: readonly ScopeColumn[]): Item[] {
  const out: Item[] = [];
  for (const item of stmt.items) {
    if (item.expr.kind !== 'star') {
      out.push({ expr: item.expr, alias: item.alias, name: item.alias ?? outputName(item.expr), column: null });
      continue;
    }
    if (scope.length === 0) throw sqlError('42601', 'SELECT * with no tables specified is not valid', positionOf(item.expr.pos));
    const qualifier = item.expr.table;
    if (qualifier !== null && !scope.some((c) => c.table === qualifier)) {
      throw sqlError('42P01', `missing FROM-clause entry for table "${qualifier}"`, positionOf(item.expr.pos));
    }
    for (const c of scope) {
      if (c.hidden || (qualifier !== null && c.table !== qualifier)) continue;
      out.push({ expr: { kind: 'column', table: c.table, name: c.name, pos: item.expr.pos }, alias: null, name: c.name, column: null });
    }
  }
  return out;
}

/** PostgreSQL's default result column name for an expression. */
export function outputName(e: Expr): string {
  switch (e.kind) {
    case 'column': return e.name;
    case 'func': return e.name;
    case 'cast': return e.arg.kind === 'column' || e.arg.kind === 'func' ? outputName(e.arg) : e.type.name;
    case 'case': return 'case';
    case 'coalesce': return 'coalesce';
    case 'nullif': return 'nullif';
    default: return '?column?';
  }
}

function containsAggregate(e: Expr): boolean {
  return JSON.stringify(e, (_k, v: unknown) => v).includes('"kind":"func"') && hasAgg(e);
}

function hasAgg(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasAgg);
  if (typeof value !== 'object' || value === null) return false;
  const o = value as { kind?: unknown; name?: unknown };
  // An aggregate with OVER is a window function; aggregates in its arguments still count.
  if (o.kind === 'func' && (value as { over?: unknown }).over !== undefined) return hasAgg((value as { args?: unknown }).args) || hasAgg((value as { over?: unknown }).over);
  if (o.kind === 'func' && typeof o.name === 'string' && isAggregateName(o.name)) return true;
  // A subquery's aggregates are its own; only its test expression belongs to this level.
  if (o.kind === 'subquery') return hasAgg((value as { arg?: unknown }).arg);
  return Object.values(value).some(hasAgg);
}

function bindGroupItem(g: Expr, items: readonly Item[], binder: Binder, scope: readonly ScopeColumn[]): { ast: Expr; bound: BoundExpr } {
  // GROUP BY 1 and GROUP BY alias refer to select items, as in PostgreSQL.
  let ast = g;
  if (g.kind === 'literal' && g.value.kind === 'integer') {
    const item = items[Number(g.value.text) - 1];
    if (item === undefined) throw sqlError('42P10', `GROUP BY position ${g.value.text} is not in select list`, positionOf(g.pos));
    ast = item.expr;
  } else if (g.kind === 'column' && g.table === null && !scope.some((c) => c.name === g.name)) {
    const item = items.find((i) => i.alias === g.name);
    if (item !== undefined) ast = item.expr;
  }
  return { ast, bound: binder.bind(ast, scope) };
}

function neededColumns(stmt: SelectStmt, scope: readonly ScopeColumn[]): Set<number> {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) {
      const o = v as { kind?: unknown; name?: unknown };
      if (o.kind === 'column' && typeof o.name === 'string') names.add(o.name);
      if (o.kind === 'star') scope.forEach((c) => names.add(c.name));
      Object.values(v).forEach(visit);
    }
  };
  visit([stmt.items, stmt.where, stmt.groupBy, stmt.having, stmt.orderBy]);
  const out = new Set<number>();
  scope.forEach((c, i) => names.has(c.name) && out.add(i));
  return out;
}

function finish(
  stmt: SelectStmt,
  input: PlanNode,
  outputs: BoundExpr[],
  items: readonly Item[],
  binder: Binder,
  scope: readonly ScopeColumn[],
  agg: AggregateScope | null,
  table: TableDesc | null,
  tables: readonly TableDesc[],
  windows: WindowPlanner,
): PlannedQuery {
  const targets = binder.insertTargets?.items === stmt.items ? binder.insertTargets.types : [];
  const exprs = outputs.map((o, i) => (o.type.kind === 'unknown' ? binder.coerce(o, targets[i] ?? T.text, -1) : o));
  const width = exprs.length;
  // ORDER BY and DISTINCT ON name an output column (by position or alias) or an expression
  // computed as an extra, hidden output column.
  const shape = (e: Expr): string => JSON.stringify(e, (k, v: unknown) => (k === 'pos' ? undefined : v));
  const hidden = new Map<string, number>();
  const outputIndex = (e: Expr, clause: string): number => {
    let index = hidden.get(shape(e)) ?? -1;
    if (e.kind === 'literal' && e.value.kind === 'integer') {
      index = Number(e.value.text) - 1;
      if (index < 0 || index >= width) throw sqlError('42P10', `${clause} position ${e.value.text} is not in select list`, positionOf(e.pos));
    } else if (e.kind === 'column' && e.table === null) {
      const name = e.name;
      index = items.findIndex((i) => i.alias === name || (i.alias === null && i.expr.kind === 'column' && i.expr.name === name));
    }
    if (index < 0) index = items.findIndex((i) => i.expr.kind !== 'literal' && shape(i.expr) === shape(e));
    if (index < 0) {
      const bound = windows.active(() => binder.bind(e, scope, agg));
      // A column written another way (qualified or not) than a select item is that item.
      const same = bound.kind === 'column' ? exprs.slice(0, width).findIndex((x) => x.kind === 'column' && x.index === bound.index) : -1;
      if (same >= 0) return same;
      exprs.push(bound);
      index = exprs.length - 1;
      hidden.set(shape(e), index);
    }
    return index;
  };
  const keyOf = (index: number, descending: boolean, nullsFirst: boolean): SortKey => ({ expr: { kind: 'column', type: exprs[index]!.type, index, name: `#${index}`, eval: (row) => row[index] ?? null }, descending, nullsFirst });
  const sortKeys: SortKey[] = stmt.orderBy.map((o) => keyOf(outputIndex(o.expr, 'ORDER BY'), o.descending, o.nullsFirst ?? o.descending));
  const distinctOn = (stmt.distinctOn ?? []).map((e) => outputIndex(e, 'DISTINCT ON'));
  if (distinctOn.length > 0) {
    // The rows of each group must arrive together, the wanted one first: ORDER BY must start with the DISTINCT ON expressions.
    const lead = sortKeys.slice(0, distinctOn.length).map((k) => (k.expr as { index: number }).index);
    if (sortKeys.length > 0 && (lead.length < new Set(distinctOn).size || lead.some((i) => !distinctOn.includes(i)))) {
      throw sqlError('42P10', 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions', positionOf(stmt.distinctOn![0]!.pos));
    }
    if (sortKeys.length === 0) sortKeys.push(...distinctOn.map((i) => keyOf(i, false, false)));
  }
  const subqueries = correlatedIn(exprs);
  let windowed = input;
  if (windows.calls.length > 0) {
    windows.base = agg === null ? scope.length : agg.groupKeys.length + agg.aggregates.length;
    windowed = { kind: 'window', input, calls: windows.calls };
  }
  let node: PlanNode = subqueries.length > 0 ? { kind: 'project', input: windowed, exprs, subqueries } : { kind: 'project', input: windowed, exprs };
  if (distinctOn.length > 0) {
    if (!sortServedByScan(windowed, sortKeys, exprs)) node = { kind: 'sort', input: node, keys: sortKeys };
    node = { kind: 'distinct', input: node, on: distinctOn };
  } else {
    if (stmt.distinct) {
      if (exprs.length > width) throw sqlError('42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list');
      node = { kind: 'distinct', input: node };
    }
    if (sortKeys.length > 0 && !sortServedByScan(windowed, sortKeys, exprs)) node = { kind: 'sort', input: node, keys: sortKeys };
  }
  const limit = stmt.limit === null ? null : binder.coerce(binder.bind(stmt.limit, []), T.int8, stmt.limit.pos);
  const offset = stmt.offset === null ? null : binder.coerce(binder.bind(stmt.offset, []), T.int8, stmt.offset.pos);
  if (limit !== null || offset !== null) node = pushLimit(node, limit, offset);
  const columns = items.map((item, i): ColumnInfo => {
    const type = exprs[i]!.type;
    const col = columnOrigin(item.expr, table);
    return { name: item.name, tableOid: col?.oid ?? 0, columnAttr: col?.attr ?? 0, typeOid: typeOid(type), typeSize: typeSize(type), typeMod: typeMod(type), format: 0 };
  });
  const planned: PlannedQuery = { node, columns, types: exprs.slice(0, width).map((e) => e.type), tables };
  return width === exprs.length ? planned : { ...planned, node: { kind: 'project', input: node, exprs: exprs.slice(0, width).map((e, i) => ({ kind: 'column', type: e.type, index: i, name: `#${i}`, eval: (row) => row[i] ?? null })) } };
}

function columnOrigin(e: Expr, table: TableDesc | null): { oid: number; attr: number } | null {
  if (table === null || e.kind !== 'column') return null;
  const attr = table.columns.findIndex((c) => c.name === e.name);
  return attr < 0 ? null : { oid: tableOid(table), attr: attr + 1 };
}

/** ORDER BY the primary key columns (all ascending or all descending) over a primary scan. */
function sortServedByScan(input: PlanNode, keys: readonly SortKey[], exprs: readonly BoundExpr[]): boolean {
  let scan = input;
  while (scan.kind === 'filter') scan = scan.input;
  if (scan.kind !== 'scan' || scan.index.id !== scan.table.primaryIndex.id) return false;
  const table = scan.table;
  const pk = table.primaryIndex;
  const tail = pk.columnIds.slice(scan.eq.length);
  if (keys.length === 0 || keys.length > tail.length) return false;
  const reverse = keys[0]!.descending !== (pk.directions[scan.eq.length] === 'desc');
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const source = exprs[(k.expr as Extract<BoundExpr, { kind: 'column' }>).index]!;
    const position = table.columns.findIndex((c) => c.id === tail[i]);
    if (source.kind !== 'column' || source.index !== position) return false;
    const colDesc = pk.directions[scan.eq.length + i] === 'desc';
    if ((k.descending !== colDesc) !== reverse || k.nullsFirst !== k.descending) return false;
  }
  const mutable = scan as { reverse: boolean };
  mutable.reverse = reverse;
  return true;
}

function pushLimit(node: PlanNode, limit: BoundExpr | null, offset: BoundExpr | null): PlanNode {
  const limited: PlanNode = { kind: 'limit', input: node, limit, offset };
  if (node.kind !== 'project' || node.input.kind !== 'scan') return limited;
  const scan = node.input;
  return { kind: 'limit', input: { ...node, input: { ...scan, limit, offset } }, limit, offset };
}

export { fullScan };

function filterNode(input: PlanNode, predicate: BoundExpr): PlanNode {
  const subqueries = correlatedIn([predicate]);
  return subqueries.length > 0 ? { kind: 'filter', input, predicate, subqueries } : { kind: 'filter', input, predicate };
}

/** The correlated subqueries an operator must run per row before evaluating `exprs`. */
export function correlatedIn(exprs: readonly BoundExpr[]): SubqueryPlan[] {
  const out: SubqueryPlan[] = [];
  const visit = (e: BoundExpr): void => {
    switch (e.kind) {
      case 'const': case 'param': case 'column': return;
      case 'compare': visit(e.left); visit(e.right); return;
      case 'in-list': visit(e.arg); e.list.forEach(visit); return;
      case 'and': case 'or': case 'call': e.args.forEach(visit); return;
      case 'subquery':
        if (e.plan.correlated && !out.includes(e.plan)) out.push(e.plan);
        if (e.arg !== null) visit(e.arg);
        return;
    }
  };
  exprs.forEach(visit);
  return out;
}
