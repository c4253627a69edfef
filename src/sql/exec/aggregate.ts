/**
 * Hash aggregation: groups rows by the GROUP BY values (NULLs group together) and folds
 * count/sum/avg/min/max with PostgreSQL's result types (sum(int4) is int8, avg of
 * integers is numeric with PostgreSQL's division scale, ...). Without GROUP BY there is
 * exactly one output row, even for no input.
 */
import type { AggregateCall } from '../expr/bind-expr.ts';
import { collectFinal, collectStep, isCollectingAggregate } from '../expr/aggregates-collect.ts';
import { isStatsAggregate, statsFinal, statsStep } from '../expr/aggregates-stats.ts';
import { isOrderedSetAggregate, orderedSetFinal, orderedSetStep, sortHeld, type HeldRow } from '../expr/aggregates-ordered.ts';
import { divideInterval, Interval } from '../types/interval.ts';
import { compareValues, groupKeyOf, hashKeyOf, type EvalContext } from '../expr/bound.ts';
import type { PlanNode } from '../plan/plan.ts';
import { Numeric } from '../types/numeric.ts';
import { checkIntRange } from '../types/text-io.ts';
import type { Value } from '../types/types.ts';

export interface Accumulator {
  /** Rows folded (a number while counting: exact far beyond any row count; bigint on output). */
  count: number;
  value: Value;
  /**
   * Integer sums: the part not yet added into `value` (a bigint), kept as a number while
   * it is exact (a safe integer), so most rows cost no bigint arithmetic.
   */
  partial: number;
  distinct: Set<string> | null;
  /** An ordered call's input rows, folded in order at the end. */
  held: HeldRow[] | null;
}

/**
 * Folds the input batch by batch: only the groups are held (at most `groupsMax`; the
 * caller's memory limit error beyond), never the input rows.
 */
export async function aggregateStream(
  node: Extract<PlanNode, { kind: 'aggregate' }>,
  input: { next(): Promise<Value[][] | null> },
  ctx: EvalContext,
  groupsMax: number,
  onBatch: () => void,
  limitError: () => Error,
): Promise<Value[][]> {
  const groups = new Map<unknown, { keys: Value[]; accs: Accumulator[] }>();
  const fresh = (): Accumulator[] => node.aggregates.map((a) => newAccumulator(a));
  // Plain GROUP BY is the one set of every key; each set's groups are kept apart by its number.
  const sets = node.groupingSets ?? [node.groupBy.map((_g, i) => i)];
  const width = node.groupBy.length;
  // One set: a single primitive key is its own Map key (hashKeyOf); several: strings tagged by set.
  const keyOf = (si: number, keys: readonly Value[]): unknown => (sets.length === 1 ? hashKeyOf(keys) : `${si}${groupKeyOf(keys)}`);
  // The empty set (no GROUP BY, or `()`) has its one row even without input.
  const nulls = new Array<Value>(width).fill(null);
  sets.forEach((s, i) => s.length === 0 && groups.set(keyOf(i, nulls), { keys: nulls, accs: fresh() }));
  const aggregates = node.aggregates;
  for (;;) {
    const rows = await input.next();
    if (rows === null) break;
    onBatch();
    if (sets.length === 1 && width === 1) {
      // The common shape, one GROUP BY key: no per-row key array unless the group is new.
      const expr = node.groupBy[0]!;
      for (const row of rows) {
        const v = expr.eval(row, ctx);
        const k = v === null || typeof v !== 'object' ? v : groupKeyOf([v]);
        let g = groups.get(k);
        if (g === undefined) {
          g = { keys: [v], accs: fresh() };
          groups.set(k, g);
          if (groups.size > groupsMax) throw limitError();
        }
        for (let i = 0; i < aggregates.length; i++) step(aggregates[i]!, g.accs[i]!, row, ctx);
      }
      continue;
    }
    for (const row of rows) {
      const values = node.groupBy.map((g) => g.eval(row, ctx));
      for (let si = 0; si < sets.length; si++) {
        const set = sets[si]!;
        const keys = set.length === width ? values : values.map((v, i) => (set.includes(i) ? v : null));
        const k = keyOf(si, keys);
        let g = groups.get(k);
        if (g === undefined) {
          g = { keys, accs: fresh() };
          groups.set(k, g);
          if (groups.size > groupsMax) throw limitError();
        }
        for (let i = 0; i < aggregates.length; i++) step(aggregates[i]!, g.accs[i]!, row, ctx);
      }
    }
  }
  return [...groups.values()].map((g) => [...g.keys, ...g.accs.map((a, i) => final(aggregates[i]!, a, ctx))]);
}

export function step(call: AggregateCall, acc: Accumulator, row: readonly Value[], ctx: EvalContext): void {
  if (call.filter !== null && call.filter.eval(row, ctx) !== true) return;
  if (acc.held !== null) {
    acc.held.push({ row, keys: call.orderBy!.map((k) => k.expr.eval(row, ctx)) });
    return;
  }
  if (call.arg === null) {
    acc.count++;
    return;
  }
  const v = call.arg.eval(row, ctx);
  // array_agg, json_agg... keep NULL inputs.
  if (v === null && !isCollectingAggregate(call.name)) return;
  if (acc.distinct !== null) {
    const k = groupKeyOf([v]);
    if (acc.distinct.has(k)) return;
    acc.distinct.add(k);
  }
  acc.count++;
  switch (call.name) {
    case 'count':
      return;
    case 'min':
    case 'max':
      if (acc.value === null || (compareValues(v, acc.value) < 0) === (call.name === 'min')) acc.value = v;
      return;
    case 'sum':
    case 'avg':
      if (typeof v === 'bigint' && (acc.value === null || typeof acc.value === 'bigint')) {
        const s = acc.partial + Number(v);
        if (Number.isSafeInteger(s)) {
          acc.partial = s;
          acc.value ??= 0n;
          return;
        }
        settle(acc);
      }
      acc.value = add(acc.value, v);
      return;
    case 'bool_and':
    case 'every':
      acc.value = acc.value === null ? v : acc.value === true && v === true;
      return;
    case 'bool_or':
      acc.value = acc.value === null ? v : acc.value === true || v === true;
      return;
    case 'array_agg': case 'json_agg': case 'jsonb_agg': case 'json_object_agg': case 'jsonb_object_agg':
      acc.value = collectStep(call.name, acc.value, v, call.delimiter?.eval(row, ctx) ?? null);
      return;
    case 'stddev': case 'stddev_samp': case 'stddev_pop': case 'variance': case 'var_samp': case 'var_pop':
    case 'bit_and': case 'bit_or': case 'bit_xor':
      acc.value = statsStep(call.name, acc.value, v);
      return;
    case 'percentile_cont': case 'percentile_disc': case 'mode':
      acc.value = orderedSetStep(acc.value, v, call.delimiter?.eval(row, ctx) ?? null);
      return;
    case 'string_agg': {
      // Each value after the first is preceded by its own row's delimiter (NULL: none).
      const delimiter = acc.value === null ? '' : ((call.delimiter?.eval(row, ctx) ?? '') as string);
      acc.value = (acc.value === null ? '' : (acc.value as string)) + delimiter + (v as string);
      return;
    }
  }
}

/** A fresh accumulator for one aggregate call. */
export function newAccumulator(call: AggregateCall): Accumulator {
  return { count: 0, value: null, partial: 0, distinct: call.distinct ? new Set<string>() : null, held: call.orderBy === undefined ? null : [] };
}

/** The same call without its ORDER BY: what sorted held rows are folded with. */
const unordered = new WeakMap<AggregateCall, AggregateCall>();
/** Calls whose input arrives sorted: DISTINCT must keep that order rather than sort. */
const presorted = new WeakSet<AggregateCall>();
function unorderedCall(call: AggregateCall): AggregateCall {
  let plain = unordered.get(call);
  if (plain === undefined) {
    const { orderBy: _order, ...rest } = call;
    plain = { ...rest, filter: null };
    unordered.set(call, plain);
    presorted.add(plain);
  }
  return plain;
}

/** Adds an integer sum's exact partial into its bigint value. */
function settle(acc: Accumulator): void {
  if (acc.partial === 0) return;
  acc.value = (acc.value as bigint | null ?? 0n) + BigInt(acc.partial);
  acc.partial = 0;
}

function add(a: Value, b: Value): Value {
  if (a === null) return typeof b === 'bigint' ? b : b;
  if (typeof a === 'bigint') return a + (b as bigint);
  if (a instanceof Numeric) return a.add(b as Numeric);
  if (a instanceof Interval) return a.add(b as Interval);
  return (a as number) + (b as number);
}

export function final(call: AggregateCall, acc: Accumulator, ctx: EvalContext): Value {
  if (acc.held !== null) {
    const plain = unorderedCall(call);
    const fresh = newAccumulator(plain);
    for (const h of sortHeld([...acc.held], call.orderBy!)) step(plain, fresh, h.row, ctx);
    return final(plain, fresh, ctx);
  }
  if (isOrderedSetAggregate(call.name)) return orderedSetFinal(call.name, acc.value);
  if (call.name === 'count') return BigInt(acc.count);
  if (isCollectingAggregate(call.name)) return collectFinal(call.name, acc.value, call.arg?.type ?? call.type, call.delimiter?.type ?? call.type, ctx, call.distinct && !presorted.has(call));
  if (isStatsAggregate(call.name)) return statsFinal(call.name, acc.value);
  if (acc.value === null) return null;
  settle(acc);
  const v = acc.value;
  if (call.name === 'min' || call.name === 'max' || call.name === 'bool_and' || call.name === 'bool_or' || call.name === 'every' || call.name === 'string_agg') return v;
  if (call.name === 'sum') {
    if (typeof v === 'bigint') return call.type.kind === 'numeric' ? Numeric.fromBigInt(v) : checkIntRange('int8', v);
    return v;
  }
  // avg
  if (typeof v === 'number') return v / acc.count;
  if (v instanceof Interval) return divideInterval(v, acc.count);
  const sum = typeof v === 'bigint' ? Numeric.fromBigInt(v) : (v as Numeric);
  return sum.div(Numeric.fromBigInt(BigInt(acc.count)));
}
