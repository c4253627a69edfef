/**
 * The window operator (plan node 'window'). It holds its whole input (bounded by
 * resultRowsMax like a sort), and for each call sorts the rows by PARTITION BY then ORDER
 * BY, walks each partition and computes the call's value per row: ranking functions from
 * peer groups (rows equal in ORDER BY), lag/lead by position, value functions and
 * aggregates over the row's frame (ROWS, RANGE or GROUPS, with EXCLUDE). A frame that
 * starts at the partition's first row without exclusions is folded incrementally.
 */
import { sqlError } from '../sql-error.ts';
import { compareValues, type EvalContext } from '../expr/bound.ts';
import type { PlanNode, SortKey } from '../plan/plan.ts';
import type { BoundFrameBound, WindowCall } from '../plan/plan-window.ts';
import { Numeric } from '../types/numeric.ts';
import type { Value } from '../types/types.ts';
import { final, newAccumulator, step, type Accumulator } from './aggregate.ts';
import { drain, type ExecContext, type Operator, type Row } from './operators.ts';

type WindowNode = Extract<PlanNode, { kind: 'window' }>;

export function windowOperator(node: WindowNode, input: Operator, ctx: ExecContext): Operator {
  let done = false;
  return {
    next: async () => {
      if (done) return null;
      done = true;
      const rows = await drain(input, ctx);
      const values = node.calls.map(() => new Array<Value>(rows.length).fill(null));
      let order: number[] = rows.map((_r, i) => i);
      node.calls.forEach((c, k) => {
        ctx.checkCancelled();
        order = evaluateCall(c, rows, values[k]!, ctx.eval);
      });
      return order.map((i) => [...rows[i]!, ...values.map((v) => v[i]!)]);
    },
  };
}

/** Compares two rows' key lists under sort keys (NULLs placed by nullsFirst). */
function compareKeys(a: readonly Value[], b: readonly Value[], keys: readonly Pick<SortKey, 'descending' | 'nullsFirst'>[]): number {
  for (let i = 0; i < keys.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === null || y === null) {
      if (x === y) continue;
      return (x === null) === keys[i]!.nullsFirst ? -1 : 1;
    }
    const c = compareValues(x, y);
    if (c !== 0) return keys[i]!.descending ? -c : c;
  }
  return 0;
}

interface Partition {
  /** Row numbers (into the input) in window order. */
  readonly rows: readonly number[];
  /** Per position: first and end (exclusive) position of its peer group, and the group's number. */
  readonly peerStart: readonly number[];
  readonly peerEnd: readonly number[];
  readonly group: readonly number[];
  /** Per position: the ORDER BY values. */
  readonly orderValues: readonly (readonly Value[])[];
}

/** Sorts the rows for one call, computes its values into `out`; returns the sorted order. */
function evaluateCall(call: WindowCall, rows: readonly Row[], out: Value[], ev: EvalContext): number[] {
  const partKeys = rows.map((r) => call.partitionBy.map((e) => e.eval(r, ev)));
  const orderKeys = rows.map((r) => call.orderBy.map((k) => k.expr.eval(r, ev)));
  const partSort = call.partitionBy.map(() => ({ descending: false, nullsFirst: false }));
  const order = rows.map((_r, i) => i);
  order.sort((a, b) => compareKeys(partKeys[a]!, partKeys[b]!, partSort) || compareKeys(orderKeys[a]!, orderKeys[b]!, call.orderBy) || a - b);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && compareKeys(partKeys[order[start]!]!, partKeys[order[end]!]!, partSort) === 0) end++;
    const members = order.slice(start, end);
    evaluatePartition(call, partition(members, orderKeys, call.orderBy), rows, out, ev);
    start = end;
  }
  return order;
}

function partition(members: readonly number[], orderKeys: readonly Value[][], keys: readonly SortKey[]): Partition {
  const n = members.length;
  const peerStart = new Array<number>(n);
  const peerEnd = new Array<number>(n);
  const group = new Array<number>(n);
  let g = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && compareKeys(orderKeys[members[i]!]!, orderKeys[members[j]!]!, keys) === 0) j++;
    for (let k = i; k < j; k++) {
      peerStart[k] = i;
      peerEnd[k] = j;
      group[k] = g;
    }
    g++;
    i = j;
  }
  return { rows: members, peerStart, peerEnd, group, orderValues: members.map((m) => orderKeys[m]!) };
}

function evaluatePartition(call: WindowCall, p: Partition, rows: readonly Row[], out: Value[], ev: EvalContext): void {
  const n = p.rows.length;
  const rowAt = (pos: number): Row => rows[p.rows[pos]!]!;
  const arg = (k: number, pos: number): Value => call.args[k]!.eval(rowAt(pos), ev);
  if (call.name === 'aggregate') return aggregateOverFrames(call, p, rows, out, ev);
  for (let pos = 0; pos < n; pos++) {
    const target = p.rows[pos]!;
    switch (call.name) {
      case 'row_number': out[target] = BigInt(pos + 1); break;
      case 'rank': out[target] = BigInt(p.peerStart[pos]! + 1); break;
      case 'dense_rank': out[target] = BigInt(p.group[pos]! + 1); break;
      case 'percent_rank': out[target] = n > 1 ? p.peerStart[pos]! / (n - 1) : 0; break;
      case 'cume_dist': out[target] = p.peerEnd[pos]! / n; break;
      case 'ntile': out[target] = ntile(arg(0, 0), pos, n); break;
      case 'lag': case 'lead': {
        const offset = call.args[1] === undefined ? 1 : arg(1, pos);
        if (offset === null) { out[target] = null; break; }
        const at = pos + (call.name === 'lag' ? -1 : 1) * Number(offset as bigint);
        out[target] = at >= 0 && at < n ? arg(0, at) : call.args[2] === undefined ? null : arg(2, pos);
        break;
      }
      case 'first_value': case 'last_value': case 'nth_value': {
        const frame = framePositions(call, p, pos, ev, rowAt(pos));
        let at: number | undefined;
        if (call.name === 'first_value') at = frame[0];
        else if (call.name === 'last_value') at = frame[frame.length - 1];
        else {
          const nth = arg(1, pos);
          if (nth === null) { out[target] = null; break; }
          if ((nth as bigint) <= 0n) throw sqlError('22016', 'argument of nth_value must be greater than zero');
          at = frame[Number(nth as bigint) - 1];
        }
        out[target] = at === undefined ? null : arg(0, at);
        break;
      }
    }
  }
}

/** PostgreSQL's ntile: the first n % buckets buckets get one row more. */
function ntile(buckets: Value, pos: number, n: number): Value {
  if (buckets === null) return null;
  const b = Number(buckets as bigint);
  if (b <= 0) throw sqlError('22014', 'argument of ntile must be greater than zero');
  const per = Math.floor(n / b);
  const extra = n % b;
  const big = extra * (per + 1);
  return BigInt(pos < big ? Math.floor(pos / (per + 1)) + 1 : extra + Math.floor((pos - big) / Math.max(per, 1)) + 1);
}

function aggregateOverFrames(call: WindowCall, p: Partition, rows: readonly Row[], out: Value[], ev: EvalContext): void {
  const agg = call.aggregate!;
  const rowAt = (pos: number): Row => rows[p.rows[pos]!]!;
  const incremental = call.frame.start.kind === 'unbounded-preceding' && call.frame.exclude === 'no-others';
  let acc: Accumulator = newAccumulator(agg);
  let folded = 0;
  for (let pos = 0; pos < p.rows.length; pos++) {
    if (incremental) {
      const end = frameEnd(call, p, pos, ev, rowAt(pos));
      if (end < folded) {
        acc = newAccumulator(agg);
        folded = 0;
      }
      for (; folded < end; folded++) step(agg, acc, rowAt(folded), ev);
      out[p.rows[pos]!] = final(agg, acc, ev);
      continue;
    }
    const fresh = newAccumulator(agg);
    for (const at of framePositions(call, p, pos, ev, rowAt(pos))) step(agg, fresh, rowAt(at), ev);
    out[p.rows[pos]!] = final(agg, fresh, ev);
  }
}

/** Positions in the frame of the row at `pos`, in order, exclusions applied. */
function framePositions(call: WindowCall, p: Partition, pos: number, ev: EvalContext, row: Row): number[] {
  const start = frameStart(call, p, pos, ev, row);
  const end = frameEnd(call, p, pos, ev, row);
  const out: number[] = [];
  const ex = call.frame.exclude;
  for (let i = start; i < end; i++) {
    if (ex === 'current-row' && i === pos) continue;
    if (ex === 'group' && i >= p.peerStart[pos]! && i < p.peerEnd[pos]!) continue;
    if (ex === 'ties' && i !== pos && i >= p.peerStart[pos]! && i < p.peerEnd[pos]!) continue;
    out.push(i);
  }
  return out;
}

function frameStart(call: WindowCall, p: Partition, pos: number, ev: EvalContext, row: Row): number {
  return Math.max(0, Math.min(p.rows.length, edge(call, call.frame.start, p, pos, ev, row, true)));
}

function frameEnd(call: WindowCall, p: Partition, pos: number, ev: EvalContext, row: Row): number {
  return Math.max(0, Math.min(p.rows.length, edge(call, call.frame.end, p, pos, ev, row, false)));
}

/** A frame edge as a position: the first row in the frame (`isStart`) or one past the last. */
function edge(call: WindowCall, b: BoundFrameBound, p: Partition, pos: number, ev: EvalContext, row: Row, isStart: boolean): number {
  const n = p.rows.length;
  const mode = call.frame.mode;
  switch (b.kind) {
    case 'unbounded-preceding': return 0;
    case 'unbounded-following': return n;
    case 'current-row':
      if (mode === 'rows') return isStart ? pos : pos + 1;
      return isStart ? p.peerStart[pos]! : p.peerEnd[pos]!;
  }
  const offset = b.offset.eval(row, ev);
  if (offset === null) throw sqlError('22004', `frame ${isStart ? 'starting' : 'ending'} offset must not be null`);
  const sign = b.kind === 'preceding' ? -1 : 1;
  if (mode === 'rows' || mode === 'groups') {
    const k = Number(offset as bigint);
    if (k < 0) throw sqlError('22013', `frame ${isStart ? 'starting' : 'ending'} offset must not be negative`);
    if (mode === 'rows') return isStart ? pos + sign * k : pos + sign * k + 1;
    const g = p.group[pos]! + sign * k;
    if (g < 0) return 0;
    const first = p.group.indexOf(g);
    if (first < 0) return n;
    return isStart ? first : p.peerEnd[first]!;
  }
  return rangeEdge(call, offset, sign, p, pos, isStart);
}

/** RANGE offset: the frame holds rows whose ORDER BY value is within the offset of this row's. */
function rangeEdge(call: WindowCall, offset: Value, sign: number, p: Partition, pos: number, isStart: boolean): number {
  if ((typeof offset === 'number' && (offset < 0 || Number.isNaN(offset))) || (typeof offset === 'bigint' && offset < 0n) || (offset instanceof Numeric && (offset.value.isNegative() && !offset.value.isZero() || offset.isNaN()))) {
    throw sqlError('22013', 'invalid preceding or following size in window function');
  }
  const cur = p.orderValues[pos]![0] ?? null;
  // NULLs are peers of each other only: a NULL row's offset frame is its peer group.
  if (cur === null) return isStart ? p.peerStart[pos]! : p.peerEnd[pos]!;
  const descending = call.orderBy[0]!.descending;
  const limit = shift(cur, offset, descending ? -sign : sign);
  const n = p.rows.length;
  // In window order, rows "before" the limit: for the start, the first row at or after it.
  const before = (v: Value): boolean => {
    const c = compareValues(v, limit);
    return descending ? (isStart ? c > 0 : c >= 0) : isStart ? c < 0 : c <= 0;
  };
  if (isStart) {
    for (let i = 0; i < n; i++) {
      const v = p.orderValues[i]![0] ?? null;
      if (v !== null && !before(v)) return i;
    }
    return n;
  }
  let end = 0;
  for (let i = 0; i < n; i++) {
    const v = p.orderValues[i]![0] ?? null;
    if (v !== null && before(v)) end = i + 1;
  }
  return end;
}

function shift(v: Value, offset: Value, sign: number): Value {
  if (typeof v === 'bigint') return v + BigInt(sign) * (offset as bigint);
  if (v instanceof Numeric) return sign > 0 ? v.add(offset as Numeric) : v.sub(offset as Numeric);
  return (v as number) + sign * (offset as number);
}
