/**
 * Ordered input for aggregates: `agg(x ORDER BY y)` sees its rows in that order, and the
 * ordered-set aggregates `percentile_cont(f)`, `percentile_disc(f)` and `mode()` take the
 * values of `WITHIN GROUP (ORDER BY x)`. The executor keeps such a call's input rows with
 * their sort keys, sorts them at the end and folds them then (aggregate.ts); this module
 * has the sort and the ordered-set aggregates' own step and final.
 */
import { sqlError } from '../sql-error.ts';
import { SqlArray } from '../types/sql-array.ts';
import { isNumericType, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import { compareValues, type BoundExpr } from './bound.ts';
import { Numeric } from '../types/numeric.ts';

export interface AggregateOrderKey {
  readonly expr: BoundExpr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export const orderedSetAggregates = ['percentile_cont', 'percentile_disc', 'mode'] as const;
export type OrderedSetAggregate = (typeof orderedSetAggregates)[number];

export function isOrderedSetAggregate(name: string): name is OrderedSetAggregate {
  return (orderedSetAggregates as readonly string[]).includes(name);
}

/** An input row held until the end, with its sort key values. */
export interface HeldRow {
  readonly row: readonly Value[];
  readonly keys: readonly Value[];
}

/** Sorts held rows by the keys (stable: equal keys keep their input order). */
export function sortHeld(rows: HeldRow[], keys: readonly AggregateOrderKey[]): HeldRow[] {
  return rows.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = a.keys[i] ?? null;
      const y = b.keys[i] ?? null;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  });
}

/** The result type of an ordered-set aggregate over values of `arg`. */
export function orderedSetType(name: OrderedSetAggregate, arg: SqlType, pos: number): SqlType {
  if (name === 'percentile_cont') {
    if (!isNumericType(arg) && arg.kind !== 'unknown') {
      throw sqlError('42883', `function percentile_cont(double precision ORDER BY ${typeDisplayName(arg)}) does not exist`, positionOf(pos));
    }
    return T.float8;
  }
  return arg.kind === 'unknown' ? T.text : arg;
}

/** Collects one value (NULLs are skipped, as the ordered-set aggregates ignore them). */
export function orderedSetStep(state: Value, v: Value, fraction: Value): Value {
  const items = state === null ? [fraction] : [...(state as SqlArray).items];
  items.push(v);
  return new SqlArray(items);
}

/** The aggregate over values that arrived in sort order (the fraction is the state's first item). */
export function orderedSetFinal(name: OrderedSetAggregate, state: Value): Value {
  if (state === null) return null;
  const [fraction, ...values] = (state as SqlArray).items;
  if (values.length === 0) return null;
  if (name === 'mode') return modeOf(values);
  if (fraction === null || fraction === undefined) return null;
  const f = fraction instanceof Numeric ? fraction.toNumber() : (fraction as number);
  if (!(f >= 0 && f <= 1)) throw sqlError('22003', `percentile value ${f} is not between 0 and 1`);
  if (name === 'percentile_disc') return values[Math.max(Math.ceil(f * values.length), 1) - 1] ?? null;
  const pos = f * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = toFloat(values[lo]!);
  const b = toFloat(values[hi]!);
  return lo === hi ? a : a + (b - a) * (pos - lo);
}

function toFloat(v: Value): number {
  return typeof v === 'bigint' ? Number(v) : v instanceof Numeric ? v.toNumber() : (v as number);
}

/** The most frequent value; among equally frequent ones, the first in sort order. */
function modeOf(values: readonly Value[]): Value {
  let best: Value = null;
  let bestCount = 0;
  let run = 0;
  for (let i = 0; i < values.length; i++) {
    run = i > 0 && compareValues(values[i]!, values[i - 1]!) === 0 ? run + 1 : 1;
    if (run > bestCount) {
      bestCount = run;
      best = values[i]!;
    }
  }
  return best;
}
