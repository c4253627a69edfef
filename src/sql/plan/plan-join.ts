/**
 * FROM items -> a join tree. Each table is read by the access path its own WHERE
 * conjuncts allow (pushed down only where that cannot change an outer join's result);
 * each join is a hash join on the equalities of its ON clause that compare one side with
 * the other (a nested loop, i.e. one bucket, when there are none), with the rest of ON as
 * a residual predicate. The build side is the right input.
 */
import type { Expr, FromItem, JoinType, SelectStmt } from '../parser/ast.ts';
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Binder, ScopeColumn } from '../expr/bind-expr.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { T } from '../types/types.ts';
import { planTableFunction } from '../expr/table-functions.ts';
import { conjuncts, decideAccess } from './access.ts';
import type { PlanNode } from './plan.ts';
import { correlatedIn, tableScope, type PlannedQuery, type TableResolver } from './plan-select.ts';
import { sqlError } from '../sql-error.ts';

export interface PlannedFrom {
  readonly node: PlanNode;
  readonly scope: readonly ScopeColumn[];
  readonly tables: readonly TableDesc[];
}

interface Leaf {
  readonly table: TableDesc;
  readonly alias: string | null;
  /** Under the NULL-supplying side of an outer join: WHERE terms must stay above it. */
  readonly nullable: boolean;
}

/** Plans a FROM list (comma items are cross joins); `where` is the WHERE clause's AST. */
export function planFrom(
  items: readonly FromItem[],
  where: Expr | null,
  binder: Binder,
  resolver: TableResolver,
  planQuery: (select: SelectStmt) => PlannedQuery,
): PlannedFrom {
  const tables: TableDesc[] = [];
  const whereTerms = where === null ? [] : splitAnd(where);
  const leafPlan = (leaf: Leaf): PlannedFrom => {
    tables.push(leaf.table);
    const scope = tableScope(leaf.table, leaf.alias);
    const pushed = leaf.nullable ? [] : whereTerms.flatMap((t) => bindLocal(t, scope, binder));
    const access = decideAccess(leaf.table, pushed, new Set(scope.map((_c, i) => i)));
    return { node: withFilter(access.node, access.remaining), scope, tables: [] };
  };
  const derived = (q: PlannedQuery, alias: string, columnAliases: readonly string[]): PlannedFrom => {
    tables.push(...q.tables);
    const scope = q.columns.map((c, i): ScopeColumn => ({ table: alias, name: columnAliases[i] ?? c.name, type: q.types[i]!, hidden: false }));
    return { node: q.node, scope, tables: [] };
  };
  const plan = (item: FromItem, nullable: boolean): PlannedFrom => {
    if (item.kind === 'subquery') return derived(planQuery(item.select), item.alias, item.columnAliases);
    if (item.kind === 'function') {
      const table = planTableFunction(item.call, item.alias, item.columnAliases, item.ordinality, binder);
      return leafPlan({ table, alias: item.alias ?? item.call.name, nullable });
    }
    if (item.kind === 'table') {
      const ref = item.ref;
      const cte = ref.schema === null ? binder.planCteReference(ref.name, (c) => ({ q: planQuery(c.select), aliases: c.columnAliases })) : null;
      if (cte !== null) return derived(cte.q, ref.alias ?? ref.name, cte.aliases);
      return leafPlan({ table: resolver.resolveTable(item.ref.schema, item.ref.name, item.ref.pos), alias: item.ref.alias, nullable });
    }
    const left = plan(item.left, nullable || item.joinType === 'right' || item.joinType === 'full');
    const right = plan(item.right, nullable || item.joinType === 'left' || item.joinType === 'full');
    const inner = !nullable && (item.joinType === 'inner' || item.joinType === 'cross');
    return joinOf(item.joinType, left, right, item.on, binder, inner ? whereTerms : []);
  };
  const planned = items.map((item) => plan(item, false));
  if (planned.length === 0) throw new Error('planFrom needs at least one FROM item');
  return { ...joinCommaList(planned, whereTerms, binder), tables };
}

/**
 * A comma list is joined greedily: next comes the first remaining item that a WHERE term
 * connects to what is joined so far (else the next in order), so `FROM a, b, c WHERE
 * a.x = c.x AND c.y = b.y` never builds a × b. The result's columns are put back in FROM
 * order (SELECT * and column positions depend on it).
 */
function joinCommaList(planned: readonly PlannedFrom[], whereTerms: readonly Expr[], binder: Binder): PlannedFrom {
  const order = [0];
  let result = planned[0]!;
  const remaining = planned.map((_p, i) => i).slice(1);
  while (remaining.length > 0) {
    const connected = remaining.find((i) => connects(result, planned[i]!, whereTerms, binder));
    const pick = connected ?? remaining[0]!;
    remaining.splice(remaining.indexOf(pick), 1);
    order.push(pick);
    result = joinOf('cross', result, planned[pick]!, null, binder, whereTerms);
  }
  if (order.every((v, i) => v === i)) return result;
  // Position of each item's first column in the joined row.
  const offsets = new Map<number, number>();
  let at = 0;
  for (const i of order) {
    offsets.set(i, at);
    at += planned[i]!.scope.length;
  }
  const exprs: BoundExpr[] = [];
  const scope: ScopeColumn[] = [];
  planned.forEach((p, i) => p.scope.forEach((c, j) => {
    const index = offsets.get(i)! + j;
    exprs.push({ kind: 'column', type: c.type, index, name: c.name, eval: (row) => row[index] ?? null });
    scope.push(c);
  }));
  return { node: { kind: 'project', input: result.node, exprs }, scope, tables: [] };
}

function connects(left: PlannedFrom, right: PlannedFrom, whereTerms: readonly Expr[], binder: Binder): boolean {
  const scope = [...left.scope, ...right.scope];
  return whereTerms.some((t) => bindLocal(t, scope, binder).some((c) => sideOf(c, left.scope.length) === 'both'));
}

/**
 * `whereTerms`: WHERE terms of an inner join not under an outer join's NULL side; those
 * that read both inputs join them here (a comma list with `a.x = b.y` in WHERE becomes a
 * hash join, not a cross product). The WHERE filter above stays, so this only prunes.
 */
function joinOf(joinType: JoinType, left: PlannedFrom, right: PlannedFrom, on: Expr | null, binder: Binder, whereTerms: readonly Expr[]): PlannedFrom {
  const scope = [...left.scope, ...right.scope];
  const leftWidth = left.scope.length;
  const cond = on === null ? null : binder.coerce(binder.bind(on, scope), T.bool, on.pos);
  if (cond !== null && correlatedIn([cond]).length > 0) throw sqlError('0A000', 'correlated subqueries in JOIN conditions are not supported');
  const joining = whereTerms.flatMap((t) => bindLocal(t, scope, binder)).filter((c) => sideOf(c, leftWidth) === 'both');
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const residual: BoundExpr[] = [];
  for (const c of [...conjuncts(cond), ...joining]) {
    if (c.kind === 'compare' && c.op === '=') {
      const l = sideOf(c.left, leftWidth);
      const r = sideOf(c.right, leftWidth);
      if (l === 'left' && r === 'right') { leftKeys.push(c.left); rightKeys.push(c.right); continue; }
      if (l === 'right' && r === 'left') { leftKeys.push(c.right); rightKeys.push(c.left); continue; }
    }
    residual.push(c);
  }
  const node: PlanNode = {
    kind: 'join',
    joinType,
    left: left.node,
    right: right.node,
    leftWidth,
    rightWidth: right.scope.length,
    leftKeys,
    rightKeys,
    residual: residual.length === 0 ? null : andAll(residual),
  };
  return { node, scope, tables: [] };
}

/** Which input an expression reads: only the left's columns, only the right's, or other. */
function sideOf(e: BoundExpr, leftWidth: number): 'left' | 'right' | 'none' | 'both' {
  const cols: number[] = [];
  collectColumns(e, cols);
  if (cols.length === 0) return 'none';
  if (cols.every((i) => i < leftWidth)) return 'left';
  if (cols.every((i) => i >= leftWidth)) return 'right';
  return 'both';
}

export function collectColumns(e: BoundExpr, out: number[]): void {
  switch (e.kind) {
    case 'column': out.push(e.index); return;
    case 'const': case 'param': return;
    case 'subquery': if (e.arg !== null) collectColumns(e.arg, out); return;
    case 'compare': collectColumns(e.left, out); collectColumns(e.right, out); return;
    case 'in-list': collectColumns(e.arg, out); e.list.forEach((x) => collectColumns(x, out)); return;
    case 'and': case 'or': case 'call': e.args.forEach((x) => collectColumns(x, out)); return;
  }
}

function splitAnd(e: Expr): Expr[] {
  return e.kind === 'and' ? e.args.flatMap(splitAnd) : [e];
}

/** A WHERE term bound over one table alone, or nothing when it names other tables. */
function bindLocal(term: Expr, scope: readonly ScopeColumn[], binder: Binder): BoundExpr[] {
  if (containsSubquery(term)) return [];
  binder.outerLookup = false;
  try {
    return [binder.coerce(binder.bind(term, scope), T.bool, term.pos)];
  } catch {
    // Names another table (42703 / 42P01 here): the term is evaluated above the joins.
    return [];
  } finally {
    binder.outerLookup = true;
  }
}

function containsSubquery(e: unknown): boolean {
  if (Array.isArray(e)) return e.some(containsSubquery);
  if (typeof e !== 'object' || e === null) return false;
  const o = e as { kind?: unknown };
  if (o.kind === 'unsupported-expr' || o.kind === 'subquery') return true;
  return Object.values(e).some(containsSubquery);
}

function withFilter(node: PlanNode, preds: readonly BoundExpr[]): PlanNode {
  return preds.length === 0 ? node : { kind: 'filter', input: node, predicate: andAll(preds) };
}

export function andAll(args: readonly BoundExpr[]): BoundExpr {
  if (args.length === 1) return args[0]!;
  return {
    kind: 'and',
    type: T.bool,
    args,
    eval: (row, ctx) => {
      let sawNull = false;
      for (const a of args) {
        const v = a.eval(row, ctx);
        if (v === false) return false;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : true;
    },
  };
}
