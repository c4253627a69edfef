/**
 * Physical plan nodes. A plan is a tree (joins will add two-input nodes); the executor
 * turns each node into an operator that yields row batches. Key bounds and limits are
 * expressions, evaluated at execution, so one plan serves every execution of a prepared
 * statement.
 */
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import type { AggregateCall } from '../expr/bind-expr.ts';
import type { AsyncCall, BoundExpr, SubqueryPlan } from '../expr/bound.ts';
import type { JoinType } from '../parser/ast.ts';

export interface KeyBound {
  readonly expr: BoundExpr;
  readonly inclusive: boolean;
}

export interface SortKey {
  readonly expr: BoundExpr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export type PlanNode =
  /** One row with no columns: SELECT without FROM. */
  | { readonly kind: 'one-row' }
  /** Point lookups of whole primary keys (one per entry of `keys`), as one getMany. */
  | { readonly kind: 'pk-lookup'; readonly table: TableDesc; readonly keys: readonly (readonly BoundExpr[])[] }
  /**
   * A scan of one index: equality on its first `eq.length` columns, then an optional range
   * on the next one. Secondary index entries are looked up in the primary index unless
   * the index covers every column the query reads. Rows come out as full table rows.
   */
  | {
      readonly kind: 'scan';
      readonly table: TableDesc;
      readonly index: IndexDesc;
      readonly eq: readonly BoundExpr[];
      readonly lower: KeyBound | null;
      readonly upper: KeyBound | null;
      readonly reverse: boolean;
      readonly covering: boolean;
      /** Rows the consumer needs at most (LIMIT + OFFSET pushed down), or null. */
      readonly limit: BoundExpr | null;
      readonly offset: BoundExpr | null;
    }
  /** `subqueries`: correlated subqueries the predicate reads, run per row before it. */
  | { readonly kind: 'filter'; readonly input: PlanNode; readonly predicate: BoundExpr; readonly subqueries?: readonly SubqueryPlan[] }
  | {
      readonly kind: 'aggregate';
      readonly input: PlanNode;
      readonly groupBy: readonly BoundExpr[];
      readonly aggregates: readonly AggregateCall[];
    }
  | { readonly kind: 'project'; readonly input: PlanNode; readonly exprs: readonly BoundExpr[]; readonly subqueries?: readonly SubqueryPlan[] }
  /** The root of a statement with subqueries: runs the uncorrelated ones first, in order. */
  | { readonly kind: 'subplans'; readonly input: PlanNode; readonly initPlans: readonly SubqueryPlan[]; readonly asyncCalls?: readonly AsyncCall[] }
  | { readonly kind: 'sort'; readonly input: PlanNode; readonly keys: readonly SortKey[] }
  | { readonly kind: 'limit'; readonly input: PlanNode; readonly limit: BoundExpr | null; readonly offset: BoundExpr | null }
  /** UNION streams both inputs; INTERSECT and EXCEPT hold the right input's row counts. */
  | { readonly kind: 'set-op'; readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: PlanNode; readonly right: PlanNode }
  /** Rows whose values all differ (NULLs equal): SELECT DISTINCT, UNION. Streams. */
  | { readonly kind: 'distinct'; readonly input: PlanNode }
  /**
   * Hash join: the right input is built into a table keyed by `rightKeys`, the left streams
   * and probes with `leftKeys` (no keys: every pair, a nested loop). Output rows are the
   * left row's values then the right row's; `residual` is the rest of ON, over that row.
   * Right key expressions read the combined row with the left part NULL.
   */
  | {
      readonly kind: 'join';
      readonly joinType: JoinType;
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly leftWidth: number;
      readonly rightWidth: number;
      readonly leftKeys: readonly BoundExpr[];
      readonly rightKeys: readonly BoundExpr[];
      readonly residual: BoundExpr | null;
    };
