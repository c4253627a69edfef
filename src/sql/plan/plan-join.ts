/**
 * FROM items -> a join tree. Each table is read by the access path its own WHERE
 * conjuncts allow (pushed down only where that cannot change an outer join's result);
 * each join is a hash join on the equalities of its ON clause that compare one side with
 * the other (a nested loop, i.e. one bucket, when there are none), with the rest of ON as
 * a residual predicate. The build side is the right input.
 */
import type { Expr, FromItem, JoinType, SelectStmt } from '../parser/ast.ts';
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import type { Binder, ScopeColumn } from '../expr/bind-expr.ts';
import type { BoundExpr, EvalContext } from '../expr/bound.ts';
import type { Value } from '../types/types.ts';
import { T } from '../types/types.ts';
import { logical } from '../expr/bind-helpers.ts';
import { conjuncts, decideAccess } from './access.ts';
import type { PlanNode } from './plan.ts';
import { correlatedIn, tableScope, type PlannedQuery, type TableResolver } from './plan-select.ts';
import { planTableFunction, rowFunctionNames } from '../expr/table-functions.ts';
import { mentionsTable, planFromFunction, planRecursiveCte, planRowsFrom, planSequenceRelation, worktableQuery } from './plan-sources.ts';
import { sqlError } from '../sql-error.ts';

export interface PlannedFrom {
  readonly node: PlanNode;
  readonly scope: readonly ScopeColumn[];
  readonly tables: readonly TableDesc[];
  /** Reads the columns of the FROM items before it (LATERAL): joined by a lateral join. */
  readonly lateral?: boolean;
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
  checkDistinctNames(items);
  let unnamed = 0;
  const tables: TableDesc[] = [];
  const whereTerms = where === null ? [] : splitAnd(where);
  const leafPlan = (leaf: Leaf): PlannedFrom => {
    tables.push(leaf.table);
    const scope = tableScope(leaf.table, leaf.alias);
    const pushed = leaf.nullable ? [] : whereTerms.flatMap((t) => bindLocal(t, scope, binder));
    const access = decideAccess(leaf.table, pushed, new Set(scope.map((_c, i) => i)));
    return { node: withFilter(access.node, access.remaining), scope, tables: [] };
  };
  const derived = (q: PlannedQuery, alias: string, columnAliases: readonly string[], lateral = false, nullable = true): PlannedFrom => {
    tables.push(...q.tables);
    const scope = q.columns.map((c, i): ScopeColumn => ({ table: alias, name: columnAliases[i] ?? c.name, type: q.types[i]!, hidden: false }));
    // WHERE terms that read only this item filter its rows before any join (as a table's
    // do), unless it is on an outer join's NULL side or reads the items before it.
    const pushed = nullable || lateral ? [] : whereTerms.flatMap((t) => bindLocal(t, scope, binder));
    return { node: filterDerived(q.node, pushed), scope, tables: [], lateral };
  };
  // A LATERAL item (and any function in FROM) sees the items before it as outer columns.
  const lateral = (leftScope: readonly ScopeColumn[], planItem: () => PlannedQuery, alias: string, columnAliases: readonly string[]): PlannedFrom => {
    if (leftScope.length === 0) return derived(planItem(), alias, columnAliases);
    const { result, correlated } = binder.withOuterScope(leftScope, planItem);
    return derived(result, alias, columnAliases, correlated);
  };
  const plan = (item: FromItem, nullable: boolean, leftScope: readonly ScopeColumn[]): PlannedFrom => {
    if (item.kind === 'subquery') {
      // Subqueries without an alias cannot be named, so each gets a scope name of its own.
      const alias = item.alias === 'unnamed_subquery' ? `unnamed_subquery ${unnamed++}` : item.alias;
      if (item.lateral === true) return lateral(leftScope, () => planQuery(item.select), alias, item.columnAliases);
      return derived(planQuery(item.select), alias, item.columnAliases, false, nullable);
    }
    if (item.kind === 'function' && item.call.kind === 'func' && rowFunctionNames.has(item.call.name)) {
      const table = planTableFunction(item.call, item.alias, item.columnAliases, item.ordinality === true, binder);
      return leafPlan({ table, alias: item.alias ?? item.call.name, nullable });
    }
    if (item.kind === 'function' && item.rowsFrom !== undefined) {
      const calls = item.rowsFrom;
      return lateral(leftScope, () => planRowsFrom(calls, item.columnAliases, item.ordinality === true, binder), item.alias ?? 'rows from', []);
    }
    if (item.kind === 'function') {
      const name = item.call.kind === 'func' ? item.call.name : 'function';
      return lateral(leftScope, () => planFromFunction(item.call, item.alias, item.columnAliases, item.ordinality === true, binder), item.alias ?? name, []);
    }
    if (item.kind === 'table') {
      const ref = item.ref;
      const wt = ref.schema === null ? binder.worktables.get(ref.name) : undefined;
      if (wt !== undefined) return derived(worktableQuery(wt), ref.alias ?? ref.name, []);
      const cte = ref.schema === null
        ? binder.planCteReference(ref.name, (c) => ({ q: c.recursive === true && mentionsTable(c.select, c.name) ? planRecursiveCte(c, binder, planQuery) : planQuery(c.select), aliases: c.columnAliases }))
        : null;
      if (cte !== null) return derived(cte.q, ref.alias ?? ref.name, cte.aliases, false, nullable);
      const view = resolver.resolveView?.(ref.schema, ref.name) ?? null;
      if (view !== null) return derived(planQuery(view.query), ref.alias ?? ref.name, view.columnNames, false, nullable);
      const seq = resolver.resolveSequence?.({ schema: ref.schema, name: ref.name }) ?? null;
      if (seq?.kind === 'sequence') return derived(planSequenceRelation(seq.desc, binder), ref.alias ?? ref.name, []);
      return leafPlan({ table: resolver.resolveTable(item.ref.schema, item.ref.name, item.ref.pos), alias: item.ref.alias, nullable });
    }
    const left = plan(item.left, nullable || item.joinType === 'right' || item.joinType === 'full', leftScope);
    const right = plan(item.right, nullable || item.joinType === 'left' || item.joinType === 'full', left.scope);
    if (right.lateral === true) return lateralJoin(item.joinType, left, right, item.on, binder);
    const inner = !nullable && (item.joinType === 'inner' || item.joinType === 'cross');
    if (item.using !== undefined || item.natural === true) return usingJoin(item, left, right, binder, inner ? whereTerms : []);
    return joinOf(item.joinType, left, right, item.on, binder, inner ? whereTerms : []);
  };
  const planned: PlannedFrom[] = [];
  for (const item of items) planned.push(plan(item, false, planned.flatMap((p) => p.scope)));
  if (planned.length === 0) throw new Error('planFrom needs at least one FROM item');
  if (planned.some((p) => p.lateral === true)) {
    // In FROM order: a lateral item must follow the items it reads.
    let result = planned[0]!;
    for (const p of planned.slice(1)) result = p.lateral === true ? lateralJoin('cross', result, p, null, binder) : joinOf('cross', result, p, null, binder, whereTerms);
    return { ...result, tables };
  }
  return { ...joinCommaList(planned, whereTerms, binder), tables };
}

/** The names a FROM item makes visible (its alias, or the table's or function's name). */
function fromNames(item: FromItem): string[] {
  switch (item.kind) {
    case 'table': return [item.ref.alias ?? item.ref.name];
    // A subquery without an alias gets no name users can repeat.
    case 'subquery': return item.alias === 'unnamed_subquery' ? [] : [item.alias];
    case 'function': return [item.alias ?? (item.call.kind === 'func' ? item.call.name : '')];
    case 'join': return [...fromNames(item.left), ...fromNames(item.right)];
  }
}

/** Two FROM items of one query level may not share a name (42712, as in PostgreSQL). */
function checkDistinctNames(items: readonly FromItem[]): void {
  const seen = new Set<string>();
  for (const name of items.flatMap(fromNames)) {
    if (seen.has(name)) throw sqlError('42712', `table name "${name}" specified more than once`);
    seen.add(name);
  }
}

/** Joins a LATERAL right item: run per left row (a nested loop over a re-planned input). */
function lateralJoin(joinType: JoinType, left: PlannedFrom, right: PlannedFrom, on: Expr | null, binder: Binder): PlannedFrom {
  if (joinType === 'right' || joinType === 'full') throw sqlError('42601', `The combining JOIN type must be INNER or LEFT for a LATERAL reference.`);
  const scope = [...left.scope, ...right.scope];
  const cond = on === null ? null : binder.coerce(binder.bind(on, scope), T.bool, on.pos);
  if (cond !== null && correlatedIn([cond]).length > 0) throw sqlError('0A000', 'correlated subqueries in JOIN conditions are not supported');
  const node: PlanNode = { kind: 'lateral-join', joinType: joinType === 'left' ? 'left' : 'inner', left: left.node, right: right.node, rightWidth: right.scope.length, on: cond };
  return { node, scope, tables: [] };
}

/**
 * A comma list is joined greedily: next comes the remaining item that a WHERE term
 * connects to what is joined so far and that is expected to be smallest (estimateRows;
 * ties and unknown sizes in FROM order; else the next in order), so `FROM a, b, c WHERE
 * a.x = c.x AND c.y = b.y` never builds a × b. The result's columns are put back in FROM
 * order (SELECT * and column positions depend on it).
 */
function joinCommaList(planned: readonly PlannedFrom[], whereTerms: readonly Expr[], binder: Binder): PlannedFrom {
  const order = [0];
  let result = planned[0]!;
  const remaining = planned.map((_p, i) => i).slice(1);
  while (remaining.length > 0) {
    // Of the items a WHERE term connects, the one expected to be smallest first (it becomes
    // the hash join's build side, or a lookup join's right table when it is large).
    const size = (i: number): number => estimateRows(planned[i]!.node) ?? Infinity;
    const connected = remaining.filter((i) => connects(result, planned[i]!, whereTerms, binder)).sort((a, b) => size(a) - size(b))[0];
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
/**
 * JOIN ... USING / NATURAL JOIN: equality on the named (or common) columns; each appears
 * once, first, as one merged column (the non-NULL side's value in a FULL join), and the
 * two inputs' own columns stay reachable only qualified (`a.x`).
 */
function usingJoin(item: Extract<FromItem, { kind: 'join' }>, left: PlannedFrom, right: PlannedFrom, binder: Binder, whereTerms: readonly Expr[]): PlannedFrom {
  const visible = (c: ScopeColumn): boolean => !c.hidden && c.qualifiedOnly !== true;
  const names = item.natural === true
    ? [...new Set(left.scope.filter((c) => visible(c) && right.scope.some((d) => visible(d) && d.name === c.name)).map((c) => c.name))]
    : item.using ?? [];
  const find = (scope: readonly ScopeColumn[], side: string, name: string): number => {
    const hits = scope.flatMap((c, i) => (c.name === name && visible(c) ? [i] : []));
    if (hits.length === 0) throw sqlError('42703', `column "${name}" specified in USING clause does not exist in ${side} table`);
    if (hits.length > 1) throw sqlError('42702', `common column name "${name}" appears more than once in ${side} table`);
    return hits[0]!;
  };
  const leftWidth = left.scope.length;
  const pairs = names.map((n) => ({ l: find(left.scope, 'left', n), r: leftWidth + find(right.scope, 'right', n), name: n }));
  const scope = [...left.scope, ...right.scope];
  const ref = (i: number): BoundExpr => ({ kind: 'column', type: scope[i]!.type, index: i, name: scope[i]!.name, eval: (row) => row[i] ?? null });
  const conds = pairs.map((p) => binder.compare('=', ref(p.l), ref(p.r), item.pos));
  const joined = joinOf(item.joinType === 'cross' ? 'inner' : item.joinType, left, right, null, binder, whereTerms, conds);
  const merged = pairs.map((p) => {
    const [l, r] = binder.unify(ref(p.l), ref(p.r), item.pos, '=');
    if (item.joinType === 'right') return r;
    if (item.joinType !== 'full') return l;
    return { kind: 'call' as const, type: l.type, label: 'COALESCE', args: [l, r], eval: (row: readonly Value[], ctx: EvalContext) => l.eval(row, ctx) ?? r.eval(row, ctx) };
  });
  const used = new Set([...pairs.map((p) => p.l), ...pairs.map((p) => p.r)]);
  const exprs: BoundExpr[] = [...merged, ...scope.map((_c, i) => ref(i))];
  const outScope: ScopeColumn[] = [
    ...pairs.map((p, i): ScopeColumn => ({ table: null, name: p.name, type: merged[i]!.type, hidden: false })),
    ...scope.map((c, i) => (used.has(i) ? { ...c, hidden: true, qualifiedOnly: true } : c)),
  ];
  return { node: { kind: 'project', input: joined.node, exprs }, scope: outScope, tables: [] };
}

/** An inner join builds its hash table from the left input instead when the right is expected this many times larger. */
const BUILD_SWAP_FACTOR = 4;

function joinOf(joinType: JoinType, left: PlannedFrom, right: PlannedFrom, on: Expr | null, binder: Binder, whereTerms: readonly Expr[], extra: readonly BoundExpr[] = [], swapped = false): PlannedFrom {
  const scope = [...left.scope, ...right.scope];
  const leftWidth = left.scope.length;
  const cond = on === null ? null : binder.coerce(binder.bind(on, scope), T.bool, on.pos);
  const joining = whereTerms.flatMap((t) => bindLocal(t, scope, binder)).filter((c) => sideOf(c, leftWidth) === 'both');
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const keyConds: BoundExpr[] = [];
  const residual: BoundExpr[] = [];
  for (const c of [...extra, ...conjuncts(cond), ...joining]) {
    if (c.kind === 'compare' && c.op === '=') {
      const l = sideOf(c.left, leftWidth);
      const r = sideOf(c.right, leftWidth);
      if (l === 'left' && r === 'right') { leftKeys.push(c.left); rightKeys.push(c.right); keyConds.push(c); continue; }
      if (l === 'right' && r === 'left') { leftKeys.push(c.right); rightKeys.push(c.left); keyConds.push(c); continue; }
    }
    residual.push(c);
  }
  if (correlatedIn(residual).length === 0) {
    const lookup = lookupJoinOf(joinType, left.node, right, { leftKeys, rightKeys, keyConds, residual, leftWidth });
    if (lookup !== null) return { node: lookup, scope, tables: [] };
  }
  // The hash table holds the right input: when both sizes are estimated and the right is
  // much larger, join the other way round and put the columns back in order.
  if (!swapped && (joinType === 'inner' || joinType === 'cross') && extra.length === 0) {
    const l = estimateRows(left.node);
    const r = estimateRows(right.node);
    if (l !== null && r !== null && r > l * BUILD_SWAP_FACTOR) {
      const other = joinOf(joinType, right, left, on, binder, whereTerms, [], true);
      const rw = right.scope.length;
      const exprs: BoundExpr[] = [...left.scope.map((_c, i) => rw + i), ...right.scope.map((_c, i) => i)].map((index, k): BoundExpr => {
        const c = k < left.scope.length ? left.scope[k]! : right.scope[k - left.scope.length]!;
        return { kind: 'column', type: c.type, index, name: c.name, eval: (row) => row[index] ?? null };
      });
      return { node: { kind: 'project', input: other.node, exprs }, scope: [...left.scope, ...right.scope], tables: [] };
    }
  }
  if (correlatedIn(residual).length === 0) {
    const merge = mergeJoinOf(joinType, left, right, { leftKeys, rightKeys, keyConds, residual, leftWidth });
    if (merge !== null) return { node: merge, scope, tables: [] };
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
  // A condition with a correlated subquery (reading the pair's columns) runs it per pair.
  const subqueries = correlatedIn(residual);
  return { node: subqueries.length === 0 ? node : { ...node, residualSubqueries: subqueries }, scope, tables: [] };
}

/** The most left rows a join reads its right side by key for. */
const LOOKUP_LEFT_ROWS_MAX = 10_000;

/**
 * Key kinds whose values a key lookup finds exactly as `=` compares them: integers (one
 * key encoding for int2/int4/int8), text and varchar, and kinds compared by identity.
 * Not numeric (1.0 = 1.00 with different keys), floats (-0 = 0, NaN) or bpchar (padding).
 */
const INT_KINDS = new Set(['int2', 'int4', 'int8']);
const TEXT_KINDS = new Set(['text', 'varchar']);
const SAME_KINDS = new Set(['uuid', 'date', 'timestamp', 'timestamptz', 'bool']);
function lookupCompatible(left: BoundExpr['type'], right: BoundExpr['type']): boolean {
  if (INT_KINDS.has(left.kind) && INT_KINDS.has(right.kind)) return true;
  if (TEXT_KINDS.has(left.kind) && TEXT_KINDS.has(right.kind)) return true;
  return left.kind === right.kind && SAME_KINDS.has(left.kind);
}

/**
 * The column a join key reads: the key itself, or the column under a cast within one key
 * family (int4 widened to bigint to meet a bigint: the key encoding is the same, and a
 * value out of the column's range simply finds no key).
 */
function uncastColumn(e: BoundExpr): Extract<BoundExpr, { kind: 'column' }> | null {
  if (e.kind === 'column') return e;
  if (e.kind !== 'call' || !e.label.startsWith('CAST AS ') || e.args.length !== 1) return null;
  const arg = e.args[0]!;
  if (arg.kind !== 'column') return null;
  const family = (t: BoundExpr['type']): string => (INT_KINDS.has(t.kind) ? 'int' : TEXT_KINDS.has(t.kind) ? 'text' : t.kind);
  return family(arg.type) === family(e.type) && (INT_KINDS.has(arg.type.kind) || TEXT_KINDS.has(arg.type.kind)) ? arg : null;
}

/** Rows assumed for an equality-prefix scan of a table without statistics (ANALYZE). */
const GUESSED_PREFIX_ROWS = 100;

/**
 * How many rows a plan node is expected to yield, or null when nothing bounds it. Point
 * lookups, VALUES and constant LIMITs are exact bounds; scans use the table's row count
 * from ANALYZE (a whole unique key is one row, an equality prefix a tenth without a better
 * guess, a range a third); filters halve their input. Without statistics an equality-prefix
 * scan is guessed at GUESSED_PREFIX_ROWS and a full or range scan is unbounded.
 */
export function estimateRows(node: PlanNode): number | null {
  const constCount = (e: BoundExpr | null): number | null => (e !== null && e.kind === 'const' && typeof e.value === 'bigint' ? Number(e.value) : null);
  const min = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
  switch (node.kind) {
    case 'one-row': return 1;
    case 'pk-lookup': return node.keys.length;
    case 'values': return node.rows.length;
    case 'scan': {
      if (node.table.virtual !== undefined) return null;
      const rows = node.table.stats?.rows ?? null;
      const limit = constCount(node.limit);
      const index = node.index;
      if (node.eq.length === index.columnIds.length && (index.unique || index.id === node.table.primaryIndex.id)) return 1;
      if (node.eq.length > 0) return min(limit, rows === null ? GUESSED_PREFIX_ROWS : Math.max(1, Math.ceil(rows / 10)));
      if (node.lower !== null || node.upper !== null) return min(limit, rows === null ? null : Math.ceil(rows / 3));
      return min(limit, rows);
    }
    case 'limit': return min(constCount(node.limit), estimateRows(node.input));
    case 'filter': {
      const input = estimateRows(node.input);
      return input === null ? null : Math.ceil(input / 2);
    }
    case 'project': case 'distinct': case 'sort': return estimateRows(node.input);
    case 'lookup-join': {
      const left = estimateRows(node.left);
      const unique = node.leftKeys.length === node.index.columnIds.length && (node.index.unique || node.index.id === node.table.primaryIndex.id);
      return left === null ? null : unique ? left : left * 4;
    }
    default: return null;
  }
}

/**
 * A lookup costs a KV read per left row where a hash join reads the right table once, row
 * by row: reading by key pays when the left side is expected to be at most this fraction
 * of the right table (when ANALYZE has counted it), and at most LOOKUP_LEFT_ROWS_MAX rows.
 */
const LOOKUP_RIGHT_FRACTION = 1 / 8;

function lookupPays(left: PlanNode, rightTable: TableDesc): boolean {
  const estimate = estimateRows(left);
  if (estimate === null || estimate > LOOKUP_LEFT_ROWS_MAX) return false;
  const rightRows = rightTable.stats?.rows;
  return rightRows === undefined || estimate <= rightRows * LOOKUP_RIGHT_FRACTION;
}

/**
 * A lookup join when the right input is a whole-table scan (with its own WHERE terms as a
 * filter) whose table has an index led by columns the join equates with left values, and
 * reading by key pays (lookupPays: the left input's estimated rows against the right
 * table's count); the primary key wins when the keys cover all of it, else the index with
 * the longest such prefix. Null when a hash join it stays.
 */
function lookupJoinOf(
  joinType: JoinType,
  left: PlanNode,
  right: PlannedFrom,
  keys: { leftKeys: readonly BoundExpr[]; rightKeys: readonly BoundExpr[]; keyConds: readonly BoundExpr[]; residual: readonly BoundExpr[]; leftWidth: number },
): PlanNode | null {
  const inner = joinType === 'inner' || joinType === 'cross';
  if ((!inner && joinType !== 'left') || keys.leftKeys.length === 0) return null;
  let scan = right.node;
  let rightFilter: BoundExpr | null = null;
  if (scan.kind === 'filter' && scan.subqueries === undefined) {
    rightFilter = scan.predicate;
    scan = scan.input;
  }
  if (scan.kind !== 'scan' || scan.table.virtual !== undefined || scan.eq.length > 0 || scan.lower !== null || scan.upper !== null || scan.limit !== null || scan.offset !== null) return null;
  const table = scan.table;
  // The right input must be the table's rows as they are (not a view's reordering of them).
  if (right.scope.length !== table.columns.length || !lookupPays(left, table)) return null;
  // Join key pair by the right table column it equates (a plain column of compatible kind).
  const pairByColumn = new Map<number, number>();
  keys.rightKeys.forEach((key, i) => {
    const k = uncastColumn(key);
    if (k !== null && lookupCompatible(keys.leftKeys[i]!.type, k.type) && !pairByColumn.has(k.index - keys.leftWidth)) pairByColumn.set(k.index - keys.leftWidth, i);
  });
  const position = (id: number): number => table.columns.findIndex((c) => c.id === id);
  let best: { index: IndexDesc; pairs: number[]; whole: boolean } | null = null;
  for (const index of [table.primaryIndex, ...table.indexes.filter((x) => x.predicate === undefined)]) {
    const pairs: number[] = [];
    for (const id of index.columnIds) {
      const p = pairByColumn.get(position(id));
      if (p === undefined) break;
      pairs.push(p);
    }
    if (pairs.length === 0) continue;
    const whole = pairs.length === index.columnIds.length;
    const better = best === null || (whole && index.unique && !(best.whole && best.index.unique)) || (whole === best.whole && pairs.length > best.pairs.length);
    if (better) best = { index, pairs, whole };
  }
  if (best === null) return null;
  const used = new Set(best.pairs);
  // Equalities not used for the lookup stay as conditions on the joined row.
  const rest = [...keys.keyConds.filter((_c, i) => !used.has(i)), ...keys.residual];
  return {
    kind: 'lookup-join',
    joinType: inner ? 'inner' : 'left',
    left,
    table,
    index: best.index,
    leftKeys: best.pairs.map((p) => keys.leftKeys[p]!),
    leftWidth: keys.leftWidth,
    rightWidth: right.scope.length,
    rightFilter,
    residual: rest.length === 0 ? null : andAll(rest),
  };
}

/** The table a plan node reads in ascending primary key order (a full or range scan, maybe filtered), or null. */
function pkOrdered(node: PlanNode): TableDesc | null {
  if (node.kind === 'filter' && node.subqueries === undefined) return pkOrdered(node.input);
  if (node.kind !== 'scan' || node.table.virtual !== undefined || node.reverse || node.eq.length > 0) return null;
  const pk = node.table.primaryIndex;
  if (node.index.id !== pk.id || pk.directions.some((d) => d !== 'asc')) return null;
  return node.table;
}

/**
 * A merge join when both inputs come in primary key order and the join equates the two
 * primary keys' leading integer columns, pair by pair (a 1:1 join on ids, or a parent's id
 * with the first column of its children's composite key): the rows meet in step and
 * nothing is hashed. Equalities beyond the shared prefix stay conditions on the joined row.
 */
function mergeJoinOf(
  joinType: JoinType,
  left: PlannedFrom,
  right: PlannedFrom,
  keys: { leftKeys: readonly BoundExpr[]; rightKeys: readonly BoundExpr[]; keyConds: readonly BoundExpr[]; residual: readonly BoundExpr[]; leftWidth: number },
): PlanNode | null {
  const inner = joinType === 'inner' || joinType === 'cross';
  if ((!inner && joinType !== 'left') || keys.leftKeys.length === 0) return null;
  const lt = pkOrdered(left.node);
  const rt = pkOrdered(right.node);
  if (lt === null || rt === null || left.scope.length !== lt.columns.length || right.scope.length !== rt.columns.length) return null;
  const position = (t: TableDesc, id: number): number => t.columns.findIndex((c) => c.id === id);
  const pairs: number[] = [];
  const n = Math.min(lt.primaryIndex.columnIds.length, rt.primaryIndex.columnIds.length);
  for (let j = 0; j < n; j++) {
    const lp = position(lt, lt.primaryIndex.columnIds[j]!);
    const rp = position(rt, rt.primaryIndex.columnIds[j]!);
    // Integer columns, possibly widened by a cast to meet the other side (order is kept).
    const p = keys.leftKeys.findIndex((key, i) => {
      const k = uncastColumn(key);
      const r = uncastColumn(keys.rightKeys[i]!);
      return k !== null && r !== null && k.index === lp && r.index - keys.leftWidth === rp && INT_KINDS.has(k.type.kind) && INT_KINDS.has(r.type.kind);
    });
    if (p < 0 || pairs.includes(p)) break;
    pairs.push(p);
  }
  if (pairs.length === 0) return null;
  const rest = [...keys.keyConds.filter((_c, i) => !pairs.includes(i)), ...keys.residual];
  return {
    kind: 'merge-join',
    joinType: inner ? 'inner' : 'left',
    left: left.node,
    right: right.node,
    leftWidth: keys.leftWidth,
    rightWidth: right.scope.length,
    leftKeys: pairs.map((p) => uncastColumn(keys.leftKeys[p]!)!),
    rightKeys: pairs.map((p) => uncastColumn(keys.rightKeys[p]!)!),
    residual: rest.length === 0 ? null : andAll(rest),
  };
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

/**
 * Filters a derived table's rows by `preds` (bound to its output columns). When it is a
 * plain projection of columns over a filter, the terms join that filter's own, so that all
 * are evaluated together cheapest first, as PostgreSQL does once it pulls the subquery up
 * (otherwise the subquery's terms would always run first, and raise errors on rows an
 * outer term would have dropped: fuzz seed 5150).
 */
function filterDerived(node: PlanNode, preds: readonly BoundExpr[]): PlanNode {
  if (preds.length === 0) return node;
  if (node.kind === 'filter' && node.subqueries === undefined) return { ...node, predicate: andAll([...conjuncts(node.predicate), ...preds]) };
  if (node.kind === 'project' && node.subqueries === undefined && node.input.kind === 'filter' && node.input.subqueries === undefined && node.exprs.every((e) => e.kind === 'column')) {
    const exprs = node.exprs;
    // The terms read the projection's output: evaluate them on the row it would produce.
    const onInput = preds.map((p): BoundExpr => ({ ...p, eval: (row, ctx) => p.eval(exprs.map((e) => e.eval(row, ctx)), ctx) }));
    const inner = node.input;
    return { ...node, input: { ...inner, predicate: andAll([...conjuncts(inner.predicate), ...onInput]) } };
  }
  return withFilter(node, preds);
}

function withFilter(node: PlanNode, preds: readonly BoundExpr[]): PlanNode {
  return preds.length === 0 ? node : { kind: 'filter', input: node, predicate: andAll(preds) };
}

export function andAll(args: readonly BoundExpr[]): BoundExpr {
  return args.length === 1 ? args[0]! : logical('and', args);
}
