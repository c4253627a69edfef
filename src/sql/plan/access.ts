/**
 * Access-path choice: a pure function from a table and the conjuncts of a WHERE clause to
 * the cheapest way to read the rows. Preference: whole primary key by equality (a KV Get
 * or getMany for an IN list) > the index with the longest equality prefix (primary
 * first on ties) plus a range on the next column > a full scan of the primary index.
 * Equalities an index consumes leave the filter; ranges stay in it (their key bounds are
 * a superset: NULLs sort inside them).
 */
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import type { BoundExpr, CompareOp } from '../expr/bound.ts';
import { sameKeyFamily } from '../types/types.ts';
import type { KeyBound, PlanNode } from './plan.ts';

interface ColumnPredicate {
  readonly conjunct: BoundExpr;
  readonly column: number;
  readonly op: CompareOp | 'in';
  readonly values: readonly BoundExpr[];
}

export interface AccessChoice {
  readonly node: PlanNode;
  readonly remaining: readonly BoundExpr[];
}

/** Splits a predicate into its top-level AND terms. */
export function conjuncts(e: BoundExpr | null): BoundExpr[] {
  if (e === null) return [];
  return e.kind === 'and' ? e.args.flatMap((a) => conjuncts(a)) : [e];
}

/** True when `e` reads no column: its value is fixed for one execution. */
function isRowIndependent(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'const': case 'param': return true;
    case 'column': return false;
    case 'subquery': return !e.plan.correlated && (e.arg === null || isRowIndependent(e.arg));
    case 'compare': return isRowIndependent(e.left) && isRowIndependent(e.right);
    case 'and': case 'or': case 'call': return e.args.every(isRowIndependent);
    case 'in-list': return isRowIndependent(e.arg) && e.list.every(isRowIndependent);
  }
}

const flipped: Readonly<Record<CompareOp, CompareOp>> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function columnPredicate(c: BoundExpr): ColumnPredicate | null {
  if (c.kind === 'compare' && c.op !== '<>') {
    if (c.left.kind === 'column' && isRowIndependent(c.right) && sameKeyFamily(c.left.type, c.right.type)) {
      return { conjunct: c, column: c.left.index, op: c.op, values: [c.right] };
    }
    if (c.right.kind === 'column' && isRowIndependent(c.left) && sameKeyFamily(c.right.type, c.left.type)) {
      return { conjunct: c, column: c.right.index, op: flipped[c.op], values: [c.left] };
    }
  }
  if (c.kind === 'in-list' && !c.negated && c.arg.kind === 'column' && c.list.every(isRowIndependent)) {
    const type = c.arg.type;
    if (c.list.every((v) => sameKeyFamily(type, v.type))) return { conjunct: c, column: c.arg.index, op: 'in', values: c.list };
  }
  return null;
}

export function decideAccess(table: TableDesc, where: readonly BoundExpr[], neededColumns: ReadonlySet<number>): AccessChoice {
  // Virtual catalog tables have no keys: they are produced whole and filtered.
  if (table.virtual !== undefined) return { node: fullScan(table), remaining: where };
  const preds = where.map(columnPredicate);
  const position = (id: number): number => table.columns.findIndex((c) => c.id === id);
  const pkPositions = table.primaryIndex.columnIds.map(position);
  // Whole primary key by equality (or a single-column primary key by IN list).
  const pkEq = pkPositions.map((p) => preds.find((x) => x !== null && x.column === p && x.op === '=') ?? null);
  if (pkEq.every((x) => x !== null)) {
    const used = new Set(pkEq.map((x) => x!.conjunct));
    return { node: { kind: 'pk-lookup', table, keys: [pkEq.map((x) => x!.values[0]!)] }, remaining: where.filter((w) => !used.has(w)) };
  }
  const pkIn = pkPositions.length === 1 ? preds.find((x) => x !== null && x.column === pkPositions[0] && x.op === 'in') : undefined;
  if (pkIn !== undefined && pkIn !== null) {
    return { node: { kind: 'pk-lookup', table, keys: pkIn.values.map((v) => [v]) }, remaining: where.filter((w) => w !== pkIn.conjunct) };
  }
  let best: { score: number; node: PlanNode; used: Set<BoundExpr> } | null = null;
  for (const index of [table.primaryIndex, ...table.indexes]) {
    const candidate = indexCandidate(table, index, preds, position, neededColumns);
    if (candidate !== null && (best === null || candidate.score > best.score)) best = candidate;
  }
  if (best === null) return { node: fullScan(table), remaining: where };
  const used = best.used;
  return { node: best.node, remaining: where.filter((w) => !used.has(w)) };
}

export function fullScan(table: TableDesc): Extract<PlanNode, { kind: 'scan' }> {
  return { kind: 'scan', table, index: table.primaryIndex, eq: [], lower: null, upper: null, reverse: false, covering: true, limit: null, offset: null };
}

function indexCandidate(
  table: TableDesc,
  index: IndexDesc,
  preds: readonly (ColumnPredicate | null)[],
  position: (id: number) => number,
  needed: ReadonlySet<number>,
): { score: number; node: PlanNode; used: Set<BoundExpr> } | null {
  const eq: BoundExpr[] = [];
  const used = new Set<BoundExpr>();
  let lower: KeyBound | null = null;
  let upper: KeyBound | null = null;
  for (const id of index.columnIds) {
    const p = position(id);
    const e = preds.find((x) => x !== null && x.column === p && x.op === '=');
    if (e !== undefined && e !== null) {
      eq.push(e.values[0]!);
      used.add(e.conjunct);
      continue;
    }
    for (const x of preds) {
      if (x === null || x.column !== p) continue;
      if ((x.op === '>' || x.op === '>=') && lower === null) lower = { expr: x.values[0]!, inclusive: x.op === '>=' };
      if ((x.op === '<' || x.op === '<=') && upper === null) upper = { expr: x.values[0]!, inclusive: x.op === '<=' };
    }
    break;
  }
  if (eq.length === 0 && lower === null && upper === null) return null;
  const isPrimary = index.id === table.primaryIndex.id;
  const indexed = new Set([...index.columnIds, ...table.primaryIndex.columnIds].map(position));
  const covering = isPrimary || [...needed].every((c) => indexed.has(c));
  // More equality columns win; a range is worth less than one equality; lookups cost a little.
  const score = eq.length * 10 + (lower !== null || upper !== null ? 5 : 0) + (isPrimary ? 2 : covering ? 1 : 0);
  return { score, used, node: { kind: 'scan', table, index, eq, lower, upper, reverse: false, covering, limit: null, offset: null } };
}
