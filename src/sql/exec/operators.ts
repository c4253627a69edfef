/**
 * The executor: each plan node becomes an operator that yields batches of rows. Only KV
 * reads await; filters, projections and sorts work on whole batches synchronously.
 * Memory: scans stream page by page; only sort and aggregate hold their input, bounded by
 * `resultRowsMax` (53200 when exceeded).
 */
import { assertNever } from '../../util/index.ts';
import { compareBytes, prefixEnd } from '../../util/encoding/index.ts';
import type { Txn } from '../../txn/index.ts';
import { sqlError } from '../sql-error.ts';
import type { BoundExpr, EvalContext, SubqueryPlan } from '../expr/bound.ts';
import { evalCost } from '../expr/bind-helpers.ts';
import { compareValues, groupKeyOf } from '../expr/bound.ts';
import type { KeyBound, PlanNode, SortKey } from '../plan/plan.ts';
import { indexKey, indexSpan } from '../storage/keys.ts';
import { keyPart, layoutOf } from '../storage/table-data.ts';
import type { Value } from '../types/types.ts';
import { aggregateStream } from './aggregate.ts';
import { hashJoin } from './join.ts';
import { lookupJoin } from './lookup-join.ts';
import { mergeJoin } from './merge-join.ts';
import { setOperator } from './set-op.ts';
import { windowOperator } from './window.ts';
import { sourceOperator } from './sources.ts';

export type Row = Value[];

/** How far a scan's page may grow over `scanPageRows` (pages double from it). */
const scanPageGrowthMax = 16;

export interface Operator {
  /** The next batch, or null at the end. A batch may be empty. */
  next(): Promise<Row[] | null>;
}

export interface ExecLimits {
  /** Rows fetched per KV scan page. */
  readonly scanPageRows: number;
  /** Rows a sort or aggregation may hold in memory. */
  readonly resultRowsMax: number;
}

export interface ExecContext {
  readonly txn: Txn;
  readonly eval: EvalContext;
  readonly limits: ExecLimits;
  /** Throws 57014 when the statement was cancelled. */
  checkCancelled(): void;
  /** Working tables of the recursive unions being run, by plan id. */
  readonly worktables?: Map<number, readonly Row[]>;
  /** EXPLAIN ANALYZE: per plan node, how often it ran, the rows it gave and the time taken. */
  readonly instrument?: Instrumentation;
  /** Milliseconds on the node's clock (EXPLAIN ANALYZE timings). */
  readonly nowMs?: () => number;
}

export interface NodeStats {
  loops: number;
  rows: number;
  /** Time inside the node's next() calls, its inputs included (PostgreSQL's actual time). */
  ms: number;
}

export interface Instrumentation {
  readonly now: () => number;
  readonly stats: Map<PlanNode, NodeStats>;
}

/** Builds the operator of a plan node (counted and timed under EXPLAIN ANALYZE). */
/**
 * A filter's test, as PostgreSQL's ExecQual runs a qual list: the conjuncts cheapest first
 * (stable), and the first that is not true (false or NULL) rejects the row without
 * evaluating the rest. Only which errors can happen differs from evaluating the AND in full
 * (fuzz seed 5150: a NULL term spared a division by zero in PostgreSQL).
 */
function qualTest(pred: BoundExpr, ctx: EvalContext): (row: readonly Value[]) => boolean {
  if (pred.kind !== 'and') return (row) => pred.eval(row, ctx) === true;
  const flat = (e: BoundExpr): BoundExpr[] => (e.kind === 'and' ? e.args.flatMap(flat) : [e]);
  const terms = flat(pred).map((e, i) => ({ e, i, c: evalCost(e) })).sort((a, b) => a.c - b.c || a.i - b.i).map((t) => t.e);
  return (row) => {
    for (const t of terms) if (t.eval(row, ctx) !== true) return false;
    return true;
  };
}

export function buildOperator(node: PlanNode, ctx: ExecContext): Operator {
  const op = buildNode(node, ctx);
  const ins = ctx.instrument;
  if (ins === undefined) return op;
  let s = ins.stats.get(node);
  if (s === undefined) {
    s = { loops: 0, rows: 0, ms: 0 };
    ins.stats.set(node, s);
  }
  const stats = s;
  stats.loops++;
  return {
    next: async () => {
      const start = ins.now();
      const batch = await op.next();
      stats.ms += ins.now() - start;
      if (batch !== null) stats.rows += batch.length;
      return batch;
    },
  };
}

function buildNode(node: PlanNode, ctx: ExecContext): Operator {
  switch (node.kind) {
    case 'one-row': {
      let done = false;
      return { next: async () => (done ? null : ((done = true), [[]])) };
    }
    case 'pk-lookup':
      return pkLookup(node, ctx);
    case 'scan':
      return scan(node, ctx);
    case 'filter': {
      const input = buildOperator(node.input, ctx);
      const passes = qualTest(node.predicate, ctx.eval);
      if (node.subqueries !== undefined) return perRow(input, node.subqueries, ctx, (r, out) => passes(r) && out.push(r));
      return mapBatches(input, (rows) => rows.filter(passes));
    }
    case 'project': {
      const input = buildOperator(node.input, ctx);
      const exprs = node.exprs;
      if (node.subqueries !== undefined) return perRow(input, node.subqueries, ctx, (r, out) => out.push(exprs.map((e) => e.eval(r, ctx.eval))));
      return mapBatches(input, (rows) => rows.map((r) => exprs.map((e) => e.eval(r, ctx.eval))));
    }
    case 'subplans':
      return subplans(node, ctx);
    case 'set-op':
      return setOperator(node, buildOperator(node.left, ctx), buildOperator(node.right, ctx), ctx);
    case 'aggregate':
      return materialized(() => aggregateStream(node, buildOperator(node.input, ctx), ctx.eval, ctx.limits.resultRowsMax, () => ctx.checkCancelled(), () => memoryLimitError(ctx)));
    case 'sort':
      return materialized(async () => sortRows(await drain(buildOperator(node.input, ctx), ctx), node.keys, ctx));
    case 'limit':
      return limitOperator(node, ctx);
    case 'distinct': {
      const input = buildOperator(node.input, ctx);
      const seen = new Set<string>();
      const on = node.on;
      return mapBatches(input, (rows) => rows.filter((r) => {
        const k = groupKeyOf(on === undefined ? r : on.map((i) => r[i] ?? null));
        if (seen.has(k)) return false;
        seen.add(k);
        if (seen.size > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
        return true;
      }));
    }
    case 'values': case 'function-scan': case 'srf-scan': case 'recursive-union': case 'worktable': case 'lateral-join':
      return sourceOperator(node, ctx);
    case 'window':
      return windowOperator(node, buildOperator(node.input, ctx), ctx);
    case 'join':
      return hashJoin(node, buildOperator(node.left, ctx), buildOperator(node.right, ctx), ctx);
    case 'lookup-join':
      return lookupJoin(node, buildOperator(node.left, ctx), ctx);
    case 'merge-join':
      return mergeJoin(node, buildOperator(node.left, ctx), buildOperator(node.right, ctx), ctx);
    default:
      return assertNever(node, 'plan node');
  }
}

/** The statement's subquery results live in one map that nested contexts share. */
function subplans(node: Extract<PlanNode, { kind: 'subplans' }>, ctx: ExecContext): Operator {
  const asyncResults = new Map<number, Value>();
  // A DML statement provides the subquery map itself: its RETURNING reads the results too.
  const inner = withEval(ctx, ctx.eval.subqueryResults !== undefined ? { asyncResults } : { subqueryResults: new Map(), asyncResults });
  let op: Operator | null = null;
  return {
    next: async () => {
      if (op === null) {
        for (const c of node.asyncCalls ?? []) asyncResults.set(c.id, await c.run(c.args.map((a) => a.eval([], inner.eval)), inner.eval, () => ctx.checkCancelled()));
        for (const plan of node.initPlans) await runSubquery(plan, inner, null);
        op = buildOperator(node.input, inner);
      }
      return op.next();
    },
  };
}

export function withEval(ctx: ExecContext, extra: Partial<Pick<EvalContext, 'outer' | 'subqueryResults' | 'asyncResults'>>): ExecContext {
  const props: PropertyDescriptorMap = {};
  for (const [k, v] of Object.entries(extra)) props[k] = { value: v, enumerable: true };
  // Object.create keeps the session's context (and its methods) as the prototype.
  const evalCtx = Object.create(ctx.eval, props) as EvalContext;
  return Object.create(ctx, { eval: { value: evalCtx, enumerable: true } }) as ExecContext;
}

/**
 * Runs a subquery (for `row` of the enclosing query when correlated); stores its first
 * column. Each subquery level adds one entry to `outer` (bound outer columns address it by
 * nesting depth): an uncorrelated one adds an empty row, which nothing reads, so that the
 * correlated subqueries nested in it still find their enclosing rows at the right depth.
 */
export async function runSubquery(plan: SubqueryPlan, ctx: ExecContext, row: Row | null): Promise<void> {
  const results = ctx.eval.subqueryResults;
  if (results === undefined) throw new Error('internal: subquery outside a subplans root');
  const inner = withEval(ctx, { outer: [...(ctx.eval.outer ?? []), row ?? []] });
  const op = buildOperator(plan.node, inner);
  const values: Value[] = [];
  for (;;) {
    const batch = await op.next();
    if (batch === null) break;
    for (const r of batch) values.push(r[0] ?? null);
    // EXISTS needs one row; the rest of the subquery is never read.
    if (plan.mode === 'exists' && values.length > 0) break;
    if (values.length > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
  }
  results.set(plan.id, values);
}

/** A filter or projection whose expressions read correlated subqueries: row by row. */
function perRow(input: Operator, subqueries: readonly SubqueryPlan[], ctx: ExecContext, emit: (row: Row, out: Row[]) => unknown): Operator {
  return {
    next: async () => {
      const batch = await input.next();
      if (batch === null) return null;
      const out: Row[] = [];
      for (const r of batch) {
        for (const plan of subqueries) await runSubquery(plan, ctx, r);
        emit(r, out);
      }
      return out;
    },
  };
}

function mapBatches(input: Operator, fn: (rows: Row[]) => Row[]): Operator {
  return {
    next: async () => {
      const batch = await input.next();
      return batch === null ? null : fn(batch);
    },
  };
}

function materialized(produce: () => Promise<Row[]>): Operator {
  let done = false;
  return {
    next: async () => {
      if (done) return null;
      done = true;
      return produce();
    },
  };
}

/** Reads every row of an operator (for sort, aggregate and DML), bounded by resultRowsMax. */
export async function drain(op: Operator, ctx: ExecContext): Promise<Row[]> {
  const out: Row[] = [];
  for (;;) {
    const batch = await op.next();
    if (batch === null) return out;
    ctx.checkCancelled();
    for (const r of batch) out.push(r);
    if (out.length > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
  }
}

export function memoryLimitError(ctx: ExecContext): Error {
  return sqlError('53200', `out of memory: more than ${ctx.limits.resultRowsMax} rows held for one statement`);
}

function pkLookup(node: Extract<PlanNode, { kind: 'pk-lookup' }>, ctx: ExecContext): Operator {
  return materialized(async () => {
    const layout = layoutOf(node.table);
    const keys: Uint8Array[] = [];
    const seen = new Set<string>();
    for (const exprs of node.keys) {
      const values = exprs.map((e) => e.eval([], ctx.eval));
      if (values.includes(null)) continue;
      const key = layout.pkKeyFromValues(values);
      if (node.keys.length > 1) {
        const hex = Buffer.from(key).toString('latin1');
        if (seen.has(hex)) continue;
        seen.add(hex);
      }
      keys.push(key);
    }
    if (keys.length === 0) return [];
    if (keys.length === 1) {
      const v = await ctx.txn.get(keys[0]!);
      return v === null ? [] : [layout.decodeRow(v)];
    }
    const values = await ctx.txn.getMany(keys);
    const rows: Row[] = [];
    for (const v of values) if (v !== null) rows.push(layout.decodeRow(v));
    return rows;
  });
}

function toCount(v: Value, what: string): number {
  if (v === null) return -1;
  const n = Number(v as bigint);
  if (n < 0) throw sqlError('2201W', `${what} must not be negative`);
  return n;
}

function scanSpan(node: Extract<PlanNode, { kind: 'scan' }>, ctx: ExecContext): { startKey: Uint8Array; endKey: Uint8Array } | null {
  const { table, index } = node;
  const layout = layoutOf(table);
  const types = index.columnIds.map((id) => layout.types[layout.positions.get(id)!]!);
  const eqValues = node.eq.map((e) => e.eval([], ctx.eval));
  if (eqValues.includes(null)) return null;
  const parts = eqValues.map((v, i) => keyPart(types[i]!, v));
  const n = parts.length;
  const dirs = index.directions.slice(0, n);
  if (node.lower === null && node.upper === null) {
    if (n === 0) return indexSpan(table.id, index.id);
    const prefix = indexKey(table.id, index.id, parts, dirs);
    return { startKey: prefix, endKey: prefixEnd(prefix) };
  }
  const prefix = indexKey(table.id, index.id, parts, dirs);
  const type = types[n]!;
  const dir = index.directions[n] ?? 'asc';
  const boundKey = (b: KeyBound): Uint8Array | null => {
    const v = b.expr.eval([], ctx.eval);
    return v === null ? null : indexKey(table.id, index.id, [...parts, keyPart(type, v)], [...dirs, dir]);
  };
  let startKey = prefix;
  let endKey = prefixEnd(prefix);
  const lo = node.lower === null ? undefined : boundKey(node.lower);
  const hi = node.upper === null ? undefined : boundKey(node.upper);
  if (lo === null || hi === null) return null; // a comparison with NULL matches nothing
  // On a descending column, the value's lower bound is the key's upper bound.
  const [first, firstInclusive, last, lastInclusive] =
    dir === 'asc' ? [lo, node.lower?.inclusive, hi, node.upper?.inclusive] : [hi, node.upper?.inclusive, lo, node.lower?.inclusive];
  if (first !== undefined) startKey = firstInclusive === true ? first : prefixEnd(first);
  if (last !== undefined) endKey = lastInclusive === true ? prefixEnd(last) : last;
  // Contradictory bounds (x > 81 AND x < 60) select nothing; KV rejects an empty span.
  if (compareBytes(startKey, endKey) >= 0) return null;
  return { startKey, endKey };
}

function scan(node: Extract<PlanNode, { kind: 'scan' }>, ctx: ExecContext): Operator {
  const virtual = node.table.virtual;
  if (virtual !== undefined) {
    // pg_catalog / information_schema: rows computed from the in-memory catalog, one batch.
    let done = false;
    return { next: async () => (done ? null : ((done = true), virtual.rows(ctx.eval).map((r) => [...r]))) };
  }
  const layout = layoutOf(node.table);
  const isPrimary = node.index.id === node.table.primaryIndex.id;
  let span: { startKey: Uint8Array; endKey: Uint8Array } | null | undefined;
  let remaining = Infinity;
  let pageGrowth = 1;
  return {
    next: async () => {
      if (span === undefined) {
        span = scanSpan(node, ctx);
        if (node.limit !== null) {
          const limit = toCount(node.limit.eval([], ctx.eval), 'LIMIT');
          const offset = node.offset === null ? 0 : Math.max(0, toCount(node.offset.eval([], ctx.eval), 'OFFSET'));
          if (limit >= 0) remaining = limit + offset;
        }
      }
      if (span === null || remaining <= 0) return null;
      // Pages grow (x2 up to scanPageGrowthMax) so a long scan pays fewer KV round trips,
      // while a short one (a LIMIT, an early exit) reads little.
      const pageRows = Math.min(ctx.limits.scanPageRows * pageGrowth, remaining);
      pageGrowth = Math.min(pageGrowth * 2, scanPageGrowthMax);
      const res = await ctx.txn.scan(span, { limit: pageRows, reverse: node.reverse });
      span = res.resumeSpan;
      remaining -= res.rows.length;
      const rows = res.rows.map((kv) => layout.decodeRow(kv.value));
      if (isPrimary || node.covering || rows.length === 0) return rows;
      const found = await ctx.txn.getMany(rows.map((r) => layout.primaryKey(r)));
      const out: Row[] = [];
      for (const v of found) if (v !== null) out.push(layout.decodeRow(v));
      return out;
    },
  };
}

export function sortRows(rows: Row[], keys: readonly SortKey[], ctx: ExecContext): Row[] {
  const ev = ctx.eval;
  const decorated = rows.map((r) => ({ r, k: keys.map((k) => k.expr.eval(r, ev)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const x = a.k[i] ?? null;
      const y = b.k[i] ?? null;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === key.nullsFirst ? -1 : 1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return key.descending ? -c : c;
    }
    return 0;
  });
  return decorated.map((d) => d.r);
}

function limitOperator(node: Extract<PlanNode, { kind: 'limit' }>, ctx: ExecContext): Operator {
  const input = buildOperator(node.input, ctx);
  let skip = -1;
  let left = -1;
  return {
    next: async () => {
      if (skip < 0) {
        skip = node.offset === null ? 0 : Math.max(0, toCount(node.offset.eval([], ctx.eval), 'OFFSET'));
        const limit = node.limit === null ? -1 : toCount(node.limit.eval([], ctx.eval), 'LIMIT');
        left = limit < 0 ? Infinity : limit;
      }
      if (left <= 0) return null;
      const batch = await input.next();
      if (batch === null) return null;
      let rows = batch;
      if (skip > 0) {
        const n = Math.min(skip, rows.length);
        rows = rows.slice(n);
        skip -= n;
      }
      if (rows.length > left) rows = rows.slice(0, left);
      left -= rows.length;
      return rows;
    },
  };
}
