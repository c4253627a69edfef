/**
 * Bound (typed, resolved) expressions. Each node carries its static type and an `eval`
 * closure built once at bind time, so executing a cached plan does no tree walking beyond
 * closure calls. The structural fields stay for the planner (which looks for
 * `column = constant` and ranges) and for EXPLAIN.
 */
import { compareBytes } from '../../util/encoding/index.ts';
import type { SessionSequences } from '../catalog/sequences.ts';
import type { TimeZone } from '../types/datetime.ts';
import { Interval } from '../types/interval.ts';
import { compareJson, jsonKey, Jsonb } from '../types/jsonb.ts';
import { Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import type { FormatContext } from '../types/text-io.ts';
import type { PlanNode } from '../plan/plan.ts';
import type { PgCatalog } from '../pgcatalog/snapshot.ts';
import type { AdvisoryLocks } from '../advisory/advisory-locks.ts';
import type { SqlType, Value } from '../types/types.ts';

/** What an expression may read besides its input row. */
export interface EvalContext extends FormatContext {
  readonly params: readonly Value[];
  readonly user: string;
  readonly database: string;
  /** The transaction's start, in microseconds: now() and CURRENT_TIMESTAMP. */
  readonly txnMicros: bigint;
  readonly timeZone: TimeZone;
  setting(name: string): string | null;
  /** Rows of the enclosing queries (outermost first) that correlated subqueries read. */
  readonly outer?: readonly (readonly Value[])[];
  /** The session's sequences (nextval, currval, setval, lastval); absent where none may run. */
  readonly sequences?: SessionSequences;
  /** First-column values of each evaluated subquery, by SubqueryPlan id. */
  readonly subqueryResults?: Map<number, readonly Value[]>;
  /** Results of the statement's AsyncCalls, by id (run before the statement's rows). */
  readonly asyncResults?: Map<number, Value>;
  /** The session's advisory locks (pg_advisory_*). */
  readonly advisory?: AdvisoryLocks;
  /** set_config(name, value, is_local): changes a session setting; returns its new value. */
  setConfig?(name: string, value: string, local: boolean): string;
  /** The catalog as pg_catalog tables and catalog functions read it (set by the session). */
  readonly catalog?: PgCatalog;
}

/**
 * A planned subquery expression. Uncorrelated ones run once before their statement (init
 * plans); correlated ones run for each row of the filter or projection that uses them,
 * with that row appended to `EvalContext.outer`.
 */
export interface SubqueryPlan {
  readonly id: number;
  readonly mode: 'exists' | 'scalar' | 'any' | 'all' | 'array';
  readonly node: PlanNode;
  readonly correlated: boolean;
}

/**
 * A function call that needs I/O (advisory locks): evaluators are synchronous, so such a
 * call runs once, before the statement's rows, with its arguments evaluated then (they
 * may not read columns), and the call's evaluator reads the stored result.
 */
export interface AsyncCall {
  readonly id: number;
  readonly label: string;
  readonly args: readonly BoundExpr[];
  run(args: readonly Value[], ctx: EvalContext, checkCancelled: () => void): Promise<Value>;
}

export type Evaluator = (row: readonly Value[], ctx: EvalContext) => Value;

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type BoundExpr =
  | { readonly kind: 'const'; readonly type: SqlType; readonly value: Value; readonly eval: Evaluator }
  | { readonly kind: 'column'; readonly type: SqlType; readonly index: number; readonly name: string; readonly eval: Evaluator }
  | { readonly kind: 'param'; readonly type: SqlType; readonly index: number; readonly eval: Evaluator }
  | {
      readonly kind: 'compare';
      readonly type: SqlType;
      readonly op: CompareOp;
      readonly left: BoundExpr;
      readonly right: BoundExpr;
      readonly eval: Evaluator;
    }
  | { readonly kind: 'and' | 'or'; readonly type: SqlType; readonly args: readonly BoundExpr[]; readonly eval: Evaluator }
  | { readonly kind: 'in-list'; readonly type: SqlType; readonly arg: BoundExpr; readonly list: readonly BoundExpr[]; readonly negated: boolean; readonly eval: Evaluator }
  | { readonly kind: 'subquery'; readonly type: SqlType; readonly plan: SubqueryPlan; readonly arg: BoundExpr | null; readonly eval: Evaluator }
  /** Everything else: operators, casts, functions, CASE... `label` is for EXPLAIN. */
  | { readonly kind: 'call'; readonly type: SqlType; readonly label: string; readonly args: readonly BoundExpr[]; readonly eval: Evaluator };

/** Orders two non-NULL values of one type (the binder makes both sides one type). */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'bigint' || typeof a === 'number' || typeof a === 'string') {
    if (typeof a === 'number' && typeof b === 'number' && (Number.isNaN(a) || Number.isNaN(b))) {
      // PostgreSQL: NaN equals NaN and sorts above every other float.
      return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    }
    return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
  }
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Numeric) return a.compare(b as Numeric);
  if (a instanceof Uint8Array) return compareBytes(a, b as Uint8Array);
  if (a instanceof Interval) return a.compare(b as Interval);
  if (a instanceof Jsonb) return compareJson(a.root, (b as Jsonb).root);
  if (a instanceof SqlArray) return compareArrays(a, b as SqlArray);
  return 0;
}

/** array_cmp: element by element (a NULL element sorts after values), then by length. */
function compareArrays(a: SqlArray, b: SqlArray): number {
  const n = Math.min(a.items.length, b.items.length);
  for (let i = 0; i < n; i++) {
    const x = a.items[i]!;
    const y = b.items[i]!;
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
      continue;
    }
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return a.items.length - b.items.length;
}

/** A grouping key of one non-NULL value; equal values (by compareValues) get equal keys. */
function valueKey(v: Exclude<Value, null>): string {
  if (v instanceof Numeric) return 'n' + v.value.toString();
  if (v instanceof Uint8Array) return 'b' + Buffer.from(v).toString('hex');
  if (v instanceof Interval) return 'i' + v.cmpValue().toString();
  if (v instanceof Jsonb) return 'j' + jsonKey(v.root);
  if (v instanceof SqlArray) return 'a' + v.items.map((x) => (x === null ? 'N' : valueKey(x)).replace(/[\\,]/g, '\\$&')).join(',');
  return typeof v + String(v);
}

/** Equality for grouping and DISTINCT: NULLs are equal to each other here. */
export function groupKeyOf(values: readonly Value[]): string {
  let key = '';
  for (const v of values) {
    key += v === null ? '\u0000N' : '\u0000' + valueKey(v);
  }
  return key;
}

export function describeExpr(e: BoundExpr): string {
  switch (e.kind) {
    case 'const':
      return e.value === null ? 'NULL' : typeof e.value === 'string' ? `'${e.value}'` : String(e.value);
    case 'column':
      return e.name;
    case 'param':
      return `$${e.index + 1}`;
    case 'compare':
      return `(${describeExpr(e.left)} ${e.op} ${describeExpr(e.right)})`;
    case 'and':
    case 'or':
      return `(${e.args.map(describeExpr).join(` ${e.kind.toUpperCase()} `)})`;
    case 'in-list':
      return `(${describeExpr(e.arg)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(describeExpr).join(', ')}))`;
    case 'subquery':
      return `${e.arg === null ? '' : describeExpr(e.arg) + ' '}${e.plan.mode}(subquery ${e.plan.id}${e.plan.correlated ? ', correlated' : ''})`;
    case 'call':
      return `${e.label}(${e.args.map(describeExpr).join(', ')})`;
  }
}
