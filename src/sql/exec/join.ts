/**
 * The hash join operator (plan node 'join'). The right input is read whole into buckets
 * by its key values (bounded by resultRowsMax: 53200 beyond); the left input streams,
 * each row probing its bucket. A key with a NULL matches nothing. LEFT/FULL emit an
 * unmatched left row padded with NULLs; RIGHT/FULL emit unmatched right rows at the end.
 * Output comes in batches of at most `outputBatchRows`, so a large cross join streams.
 */
import { groupKeyOf, hashKeyOf } from '../expr/bound.ts';
import type { PlanNode } from '../plan/plan.ts';
import type { Value } from '../types/types.ts';
import { drain, runSubquery, type ExecContext, type Operator, type Row } from './operators.ts';

const outputBatchRows = 1024;

interface BuildEntry {
  readonly row: Row;
  matched: boolean;
}

type JoinNode = Extract<PlanNode, { kind: 'join' }>;

export function hashJoin(node: JoinNode, left: Operator, right: Operator, ctx: ExecContext): Operator {
  const gen = joinRows(node, left, right, ctx);
  return {
    next: async () => {
      const r = await gen.next();
      return r.done === true ? null : r.value;
    },
  };
}

async function build(node: JoinNode, right: Operator, ctx: ExecContext): Promise<{ buckets: Map<unknown, BuildEntry[]>; all: BuildEntry[] }> {
  const rows = await drain(right, ctx);
  const buckets = new Map<unknown, BuildEntry[]>();
  const all: BuildEntry[] = [];
  const padding: Value[] = new Array<Value>(node.leftWidth).fill(null);
  for (const row of rows) {
    const entry: BuildEntry = { row, matched: false };
    all.push(entry);
    const key = keyOf(node.rightKeys, [...padding, ...row], ctx);
    if (key === null) continue;
    const bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, [entry]);
    else bucket.push(entry);
  }
  return { buckets, all };
}

/** The hash key of a row's join keys; null when one is NULL (it never matches). */
function keyOf(exprs: JoinNode['leftKeys'], row: readonly Value[], ctx: ExecContext): unknown {
  if (exprs.length === 0) return '';
  if (exprs.length === 1) {
    const v = (exprs[0] as JoinNode['leftKeys'][number]).eval(row, ctx.eval);
    // Small integers hash as numbers (a Map hashes bigints slowly); both sides map alike.
    if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    return v === null ? null : typeof v !== 'object' ? v : groupKeyOf([v]);
  }
  const values = exprs.map((e) => e.eval(row, ctx.eval));
  return values.includes(null) ? null : hashKeyOf(values);
}

/** left ++ right as a new row (a plain copy: Array.prototype.concat is slower per row). */
export function joined(left: Row, right: Row): Row {
  const lw = left.length;
  const row = new Array<Value>(lw + right.length);
  for (let i = 0; i < lw; i++) row[i] = left[i]!;
  for (let i = 0; i < right.length; i++) row[lw + i] = right[i]!;
  return row;
}

async function* joinRows(node: JoinNode, left: Operator, right: Operator, ctx: ExecContext): AsyncGenerator<Row[]> {
  const keepLeft = node.joinType === 'left' || node.joinType === 'full';
  const keepRight = node.joinType === 'right' || node.joinType === 'full';
  // The first probe batch comes before the build, as in PostgreSQL: with no left rows an
  // inner or LEFT join has no output, and the right input is not read at all (nor are its
  // filters evaluated: fuzz seed 777, query 2003).
  let pending = await left.next();
  while (pending !== null && pending.length === 0) pending = await left.next();
  if (pending === null && !keepRight) return;
  const { buckets, all } = await build(node, right, ctx);
  const rightNulls: Value[] = new Array<Value>(node.rightWidth).fill(null);
  let out: Row[] = [];
  for (;;) {
    const batch = pending ?? (await left.next());
    pending = null;
    if (batch === null) break;
    ctx.checkCancelled();
    for (const l of batch) {
      const key = keyOf(node.leftKeys, l, ctx);
      const bucket = key === null ? undefined : buckets.get(key);
      let matched = false;
      if (bucket !== undefined) {
        for (let b = 0; b < bucket.length; b++) {
          const entry = bucket[b]!;
          const row = joined(l, entry.row);
          if (node.residualSubqueries !== undefined) for (const plan of node.residualSubqueries) await runSubquery(plan, ctx, row);
          if (node.residual !== null && node.residual.eval(row, ctx.eval) !== true) continue;
          matched = true;
          entry.matched = true;
          out.push(row);
        }
      }
      if (!matched && keepLeft) out.push([...l, ...rightNulls]);
      if (out.length >= outputBatchRows) {
        yield out;
        out = [];
      }
    }
  }
  if (keepRight) {
    const leftNulls: Value[] = new Array<Value>(node.leftWidth).fill(null);
    for (const entry of all) if (!entry.matched) out.push([...leftNulls, ...entry.row]);
  }
  if (out.length > 0) yield out;
}
