/**
 * Statistical and bitwise aggregates: stddev/variance in their sample and population forms,
 * and bit_and/bit_or/bit_xor. Like sum they skip NULL inputs and return NULL over no rows.
 *
 * Integer and numeric inputs give numeric results computed exactly (N·Σx² − (Σx)²) divided
 * with numeric's division scale, as PostgreSQL does; float inputs give double precision
 * through the Youngs-Cramer update PostgreSQL uses, so the last digits agree.
 */
import { sqlError } from '../sql-error.ts';
import { Dec, Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import { isIntegerType, isNumericType, positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';

export const statsAggregates = [
  'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'bit_and', 'bit_or', 'bit_xor',
] as const;
export type StatsAggregate = (typeof statsAggregates)[number];

export function isStatsAggregate(name: string): name is StatsAggregate {
  return (statsAggregates as readonly string[]).includes(name);
}

export function statsType(name: StatsAggregate, arg: SqlType, pos: number): SqlType {
  const fail = (): Error => sqlError('42883', `function ${name}(${typeDisplayName(arg)}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
  if (name.startsWith('bit_')) {
    if (!isIntegerType(arg)) throw fail();
    return arg;
  }
  if (!isNumericType(arg)) throw fail();
  return arg.kind === 'float4' || arg.kind === 'float8' ? T.float8 : T.numeric;
}

/**
 * The running state lives in the accumulator's value slot as an SqlArray this module alone
 * updates: [n, Σx, Σx²] as Numerics for exact inputs, [n, Σx, Sxx] as numbers for floats,
 * or the running bits.
 */
export function statsStep(name: StatsAggregate, state: Value, v: Value): Value {
  if (name.startsWith('bit_')) {
    if (state === null) return v;
    const a = state as bigint;
    const b = v as bigint;
    return name === 'bit_and' ? a & b : name === 'bit_or' ? a | b : a ^ b;
  }
  if (typeof v === 'number') {
    const [n, sx, sxx] = state === null ? [0, 0, 0] : ((state as SqlArray).items as [number, number, number]);
    const n1 = n + 1;
    const sx1 = sx + v;
    let sxx1 = sxx;
    if (n1 > 1) {
      const tmp = v * n1 - sx1;
      sxx1 += (tmp * tmp) / (n1 * n);
    }
    return new SqlArray([n1, sx1, sxx1]);
  }
  const x = typeof v === 'bigint' ? Numeric.fromBigInt(v) : (v as Numeric);
  if (state === null) return new SqlArray([Numeric.fromBigInt(1n), x, x.mul(x)]);
  const [n, sx, sxx] = (state as SqlArray).items as Numeric[];
  return new SqlArray([n!.add(Numeric.fromBigInt(1n)), sx!.add(x), sxx!.add(x.mul(x))]);
}

export function statsFinal(name: StatsAggregate, state: Value): Value {
  if (state === null || name.startsWith('bit_')) return state;
  const sample = !name.endsWith('_pop');
  const root = name.startsWith('stddev');
  const items = (state as SqlArray).items;
  if (typeof items[0] === 'number') {
    const [n, , sxx] = items as number[];
    if (sample && n! < 2) return null;
    const variance = sxx! / (sample ? n! - 1 : n!);
    return root ? Math.sqrt(variance) : variance;
  }
  const [n, sx, sxx] = items as Numeric[];
  if (sample && n!.value.lte(1)) return null;
  if (sx!.isNaN() || sxx!.isNaN()) return new Numeric(new Dec(NaN), 0);
  const numerator = n!.mul(sxx!).sub(sx!.mul(sx!));
  const scale = sx!.scale * 2;
  const denominator = sample ? n!.mul(n!.sub(Numeric.fromBigInt(1n))) : n!.mul(n!);
  // Round-off can leave a negative numerator; PostgreSQL answers a plain 0 then.
  if (numerator.value.lte(0)) return new Numeric(new Dec(0), 0);
  const variance = new Numeric(numerator.value, scale).div(denominator);
  return root ? new Numeric(variance.value.sqrt(), variance.scale).round(variance.scale) : variance;
}
