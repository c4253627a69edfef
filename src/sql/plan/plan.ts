/**
 * Physical plan nodes. A plan is a tree (joins will add two-input nodes); the executor
 * turns each node into an operator that yields row batches. Key bounds and limits are
 * expressions, evaluated at execution, so one plan serves every execution of a prepared
 * statement.
 */
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import type { AggregateCall } from '../expr/bind-expr.ts';
import type { AsyncCall, BoundExpr, SubqueryPlan } from '../expr/bound.ts';
import type { SetReturningCall } from '../expr/set-returning.ts';
import type { JoinType } from '../parser/ast.ts';
import type { WindowCall } from './plan-window.ts';

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
  /** VALUES lists: each row's expressions evaluated once (they may read outer rows). */
  | { readonly kind: 'values'; readonly rows: readonly (readonly BoundExpr[])[] }
  /** A set-returning function in FROM: generate_series(start, stop[, step]). */
  /** generate_series; with `ordinality` each row ends with its number (bigint, from 1). */
  | { readonly kind: 'function-scan'; readonly name: 'generate_series'; readonly args: readonly BoundExpr[]; readonly ordinality: boolean }
  /** A set-returning function in FROM (unnest, jsonb_each, regexp_matches...): its rows for the evaluated arguments. */
  | { readonly kind: 'srf-scan'; readonly name: string; readonly call: SetReturningCall; readonly ordinality: boolean }
  /**
   * WITH RECURSIVE: the left (non-recursive) rows, then the right input run again and
   * again over the previous round's new rows (the working table `id`) until none come.
   * UNION (not ALL) drops rows seen before.
   */
  | { readonly kind: 'recursive-union'; readonly id: number; readonly all: boolean; readonly left: PlanNode; readonly right: PlanNode }
  /** The working table of the enclosing recursive-union `id`. */
  | { readonly kind: 'worktable'; readonly id: number }
  /**
   * A LATERAL item: the right input is run once per left row, which its expressions read
   * as the outer row at `level`; `on` filters the combined row; LEFT pads with NULLs.
   */
  | {
      readonly kind: 'lateral-join';
      readonly joinType: 'inner' | 'left';
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly rightWidth: number;
      readonly on: BoundExpr | null;
    }
  /** `subqueries`: correlated subqueries the predicate reads, run per row before it. */
  | { readonly kind: 'filter'; readonly input: PlanNode; readonly predicate: BoundExpr; readonly subqueries?: readonly SubqueryPlan[] }
  | {
      readonly kind: 'aggregate';
      readonly input: PlanNode;
      readonly groupBy: readonly BoundExpr[];
      readonly aggregates: readonly AggregateCall[];
      /** GROUPING SETS: groups are formed per set (positions in groupBy); the other keys are NULL. */
      readonly groupingSets?: readonly (readonly number[])[];
    }
  | { readonly kind: 'project'; readonly input: PlanNode; readonly exprs: readonly BoundExpr[]; readonly subqueries?: readonly SubqueryPlan[] }
  /** The root of a statement with subqueries: runs the uncorrelated ones first, in order. */
  | { readonly kind: 'subplans'; readonly input: PlanNode; readonly initPlans: readonly SubqueryPlan[]; readonly asyncCalls?: readonly AsyncCall[] }
  | { readonly kind: 'sort'; readonly input: PlanNode; readonly keys: readonly SortKey[] }
  | { readonly kind: 'limit'; readonly input: PlanNode; readonly limit: BoundExpr | null; readonly offset: BoundExpr | null }
  /** UNION streams both inputs; INTERSECT and EXCEPT hold the right input's row counts. */
  | { readonly kind: 'set-op'; readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: PlanNode; readonly right: PlanNode }
  /**
   * Window functions: holds its input, and emits each row with one more column per call
   * (in the order of the last call's partition and sort).
   */
  | { readonly kind: 'window'; readonly input: PlanNode; readonly calls: readonly WindowCall[] }
  /** Rows whose values all differ (NULLs equal): SELECT DISTINCT, UNION. Streams. */
  /** Drops repeated rows; with `on`, keeps the first row of each run of equal values in those columns. */
  | { readonly kind: 'distinct'; readonly input: PlanNode; readonly on?: readonly number[] }
  /**
   * Lookup join: for each left row, the rows of `table` whose `index` key begins with the
   * values of `leftKeys` (one per leading index column), read by key instead of scanning
   * the table. A whole primary key is one batched get per left batch; a prefix is a scan
   * per left row (secondary index entries then fetch their rows). `rightFilter` reads the
   * right row alone (the right input's own WHERE terms); `residual` reads the combined row
   * (left values then right), as in 'join'. Chosen when the left input is known small.
   */
  | {
      readonly kind: 'lookup-join';
      readonly joinType: 'inner' | 'left';
      readonly left: PlanNode;
      readonly table: TableDesc;
      readonly index: IndexDesc;
      readonly leftKeys: readonly BoundExpr[];
      readonly leftWidth: number;
      readonly rightWidth: number;
      readonly rightFilter: BoundExpr | null;
      readonly residual: BoundExpr | null;
    }
  /**
   * Merge join: both inputs arrive in primary key order and the join equates a prefix of
   * both primary keys (integer columns), so matching rows are met in step: runs of equal
   * keys are joined as they pass, nothing is hashed, and only one run of right rows is held.
   * Keys, widths and `residual` read rows as in 'join'.
   */
  | {
      readonly kind: 'merge-join';
      readonly joinType: 'inner' | 'left';
      readonly left: PlanNode;
      readonly right: PlanNode;
      readonly leftWidth: number;
      readonly rightWidth: number;
      readonly leftKeys: readonly BoundExpr[];
      readonly rightKeys: readonly BoundExpr[];
      readonly residual: BoundExpr | null;
    }
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
      /** Correlated subqueries the residual reads, run for each candidate pair before it. */
      readonly residualSubqueries?: readonly SubqueryPlan[];
    };
