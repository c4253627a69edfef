/**
 * Hash aggregation: groups rows by the GROUP BY values (NULLs group together) and folds
 * count/sum/avg/min/max with PostgreSQL's result types (sum(int4) is int8, avg of
 * integers is numeric with PostgreSQL's division scale, ...). Without GROUP BY there is
 * exactly one output row, even for no input.
 */
import type { AggregateCall } from '../expr/bind-expr.ts';
import { collectFinal, collectStep, isCollectingAggregate } from '../expr/aggregates-collect.ts';
import { divideInterval, Interval } from '../types/interval.ts';
import { compareValues, groupKeyOf, type EvalContext } from '../expr/bound.ts';
import type { PlanNode } from '../plan/plan.ts';
import { Numeric } from '../types/numeric.ts';
import { checkIntRange } from '../types/text-io.ts';
import type { Value } from '../types/types.ts';

interface Accumulator {
  count: bigint;
  value: Value;
  distinct: Set<string> | null;
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
  const groups = new Map<string, { keys: Value[]; accs: Accumulator[] }>();
  const fresh = (): Accumulator[] => node.aggregates.map((a) => ({ count: 0n, value: null, distinct: a.distinct ? new Set<string>() : null }));
  if (node.groupBy.length === 0) groups.set('', { keys: [], accs: fresh() });
  const aggregates = node.aggregates;
  for (;;) {
    const rows = await input.next();
    if (rows === null) break;
    onBatch();
    for (const row of rows) {
      const keys = node.groupBy.map((g) => g.eval(row, ctx));
      const k = groupKeyOf(keys);
      let g = groups.get(k);
      if (g === undefined) {
        g = { keys, accs: fresh() };
        groups.set(k, g);
        if (groups.size > groupsMax) throw limitError();
      }
      for (let i = 0; i < aggregates.length; i++) step(aggregates[i]!, g.accs[i]!, row, ctx);
    }
  }
  return [...groups.values()].map((g) => [...g.keys, ...g.accs.map((a, i) => final(aggregates[i]!, a, ctx))]);
}

function step(call: AggregateCall, acc: Accumulator, row: readonly Value[], ctx: EvalContext): void {
  if (call.filter !== null && call.filter.eval(row, ctx) !== true) return;
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
    case 'string_agg': {
      // Each value after the first is preceded by its own row's delimiter (NULL: none).
      const delimiter = acc.value === null ? '' : ((call.delimiter?.eval(row, ctx) ?? '') as string);
      acc.value = (acc.value === null ? '' : (acc.value as string)) + delimiter + (v as string);
      return;
    }
  }
}

function add(a: Value, b: Value): Value {
  if (a === null) return typeof b === 'bigint' ? b : b;
  if (typeof a === 'bigint') return a + (b as bigint);
  if (a instanceof Numeric) return a.add(b as Numeric);
  if (a instanceof Interval) return a.add(b as Interval);
  return (a as number) + (b as number);
}

function final(call: AggregateCall, acc: Accumulator, ctx: EvalContext): Value {
  if (call.name === 'count') return acc.count;
  if (isCollectingAggregate(call.name)) return collectFinal(call.name, acc.value, call.arg?.type ?? call.type, call.delimiter?.type ?? call.type, ctx, call.distinct);
  if (acc.value === null) return null;
  const v = acc.value;
  if (call.name === 'min' || call.name === 'max' || call.name === 'bool_and' || call.name === 'bool_or' || call.name === 'every' || call.name === 'string_agg') return v;
  if (call.name === 'sum') {
    if (typeof v === 'bigint') return call.type.kind === 'numeric' ? Numeric.fromBigInt(v) : checkIntRange('int8', v);
    return v;
  }
  // avg
  if (typeof v === 'number') return v / Number(acc.count);
  if (v instanceof Interval) return divideInterval(v, Number(acc.count));
  const sum = typeof v === 'bigint' ? Numeric.fromBigInt(v) : (v as Numeric);
  return sum.div(Numeric.fromBigInt(acc.count));
}
