/**
 * Aggregates that collect their inputs: array_agg, json_agg, jsonb_agg, json_object_agg
 * and jsonb_object_agg. Unlike sum or count they keep NULL inputs (as NULL elements or
 * JSON nulls); the object aggregates take a key (the call's `arg`, never NULL: 22004) and
 * a value (the call's `delimiter` slot, evaluated per row). Values are kept in input order.
 */
import { sqlError } from '../sql-error.ts';
import { formatValue } from '../types/text-io.ts';
import { JsonArray, Jsonb, JsonObject, quoteJson } from '../types/jsonb.ts';
import { sqlToJsonb, sqlToJsonText } from '../types/json-ops.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayOf, T, type SqlType, type Value } from '../types/types.ts';
import { compareValues, type EvalContext } from './bound.ts';

function nullsLast(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareValues(a, b);
}
import { keyText } from './bind-json.ts';

export const collectingAggregates = ['array_agg', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg'] as const;
export type CollectingAggregate = (typeof collectingAggregates)[number];

export function isCollectingAggregate(name: string): name is CollectingAggregate {
  return (collectingAggregates as readonly string[]).includes(name);
}

/** The result type of a collecting aggregate over `arg`. */
export function collectingType(name: CollectingAggregate, arg: SqlType): SqlType {
  if (name === 'array_agg') {
    if (arg.kind === 'array') throw sqlError('0A000', 'array_agg over arrays (multidimensional results) is not supported');
    return arrayOf(arg.kind === 'unknown' ? T.text : arg);
  }
  return name.startsWith('jsonb') ? T.jsonb : T.json;
}

/**
 * The accumulator is an SqlArray whose item list this module alone appends to (the
 * values, or key/value pairs for the object aggregates), so that it fits the Value slot.
 */
export function collectStep(name: CollectingAggregate, current: Value, v: Value, second: Value): Value {
  const acc = current === null ? new SqlArray([]) : (current as SqlArray);
  const items = acc.items as Value[];
  if (name === 'json_object_agg' || name === 'jsonb_object_agg') {
    if (v === null) throw sqlError('22004', 'field name must not be null');
    items.push(v, second);
  } else {
    items.push(v);
  }
  return acc;
}

/** The aggregate's result from the collected inputs; `argType`/`secondType` type them. */
export function collectFinal(name: CollectingAggregate, acc: Value, argType: SqlType, secondType: SqlType, ctx: EvalContext, distinct = false): Value {
  if (acc === null) return null;
  // PostgreSQL evaluates DISTINCT aggregates over sorted input: the values come out in order.
  const items = distinct && !name.endsWith('object_agg') ? [...(acc as SqlArray).items].sort(nullsLast) : (acc as SqlArray).items;
  const f = (t: SqlType, v: Value): string | null => formatValue(t, v, ctx);
  switch (name) {
    case 'array_agg':
      return new SqlArray([...items]);
    case 'json_agg':
      return `[${items.map((v) => sqlToJsonText(argType, v, f)).join(', ')}]`;
    case 'jsonb_agg':
      return new Jsonb(new JsonArray(items.map((v) => sqlToJsonb(argType, v, f))));
    case 'json_object_agg': {
      const parts: string[] = [];
      for (let i = 0; i < items.length; i += 2) parts.push(`${quoteJson(keyText(argType, items[i]!, f))} : ${sqlToJsonText(secondType, items[i + 1]!, f)}`);
      return `{ ${parts.join(', ')} }`;
    }
    case 'jsonb_object_agg': {
      const pairs: [string, ReturnType<typeof sqlToJsonb>][] = [];
      for (let i = 0; i < items.length; i += 2) pairs.push([keyText(argType, items[i]!, f), sqlToJsonb(secondType, items[i + 1]!, f)]);
      return new Jsonb(JsonObject.fromPairs(pairs));
    }
  }
}
