/**
 * Functions in FROM. generate_series(start, stop [, step]) over integers yields rows; any
 * other function yields one row with its value (PostgreSQL allows every function there).
 * The result is a virtual table whose rows are computed when the scan runs, so arguments
 * may read the enclosing query's row (a correlated subquery) or parameters.
 */
import { PRIMARY_INDEX_ID, type TableDesc } from '../catalog/descriptors.ts';
import type { Expr } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { SqlArray } from '../types/sql-array.ts';
import { arrayOf, isIntegerType, positionOf, T, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

/** Rows one generate_series may produce (its rows are held in memory). */
export const seriesRowsMax = 1_000_000;

interface TableFunction {
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  rows(ctx: EvalContext): Value[][];
}

function generateSeries(args: readonly BoundExpr[], binder: Binder, pos: number): TableFunction {
  if (args.length < 2 || args.length > 3) throw sqlError('42883', 'function generate_series needs 2 or 3 arguments', positionOf(pos));
  const type = args.some((a) => a.type.kind === 'int8') ? T.int8 : T.int4;
  if (args.some((a) => a.type.kind !== 'unknown' && !isIntegerType(a.type))) throw sqlError('0A000', 'generate_series over non-integer types is not supported', positionOf(pos));
  const typed = args.map((a) => binder.coerce(a, type, pos));
  return {
    columns: [{ name: 'generate_series', type }],
    rows: (ctx) => {
      const [start, stop, step = 1n] = typed.map((a) => a.eval([], ctx));
      if (start === null || stop === null || step === null) return [];
      const s = step as bigint;
      if (s === 0n) throw sqlError('22023', 'step size cannot equal zero');
      const out: Value[][] = [];
      for (let v = start as bigint; s > 0n ? v <= (stop as bigint) : v >= (stop as bigint); v += s) {
        if (out.length >= seriesRowsMax) throw sqlError('54000', `generate_series would return more than ${seriesRowsMax} rows`);
        out.push([v]);
      }
      return out;
    },
  };
}

/** unnest(array): one row per element, in order (NULL elements included). */
function unnest(args: readonly BoundExpr[], pos: number): TableFunction {
  const arg = args[0];
  if (args.length !== 1 || arg === undefined) throw sqlError('0A000', 'unnest of several arrays is not supported', positionOf(pos));
  if (arg.type.kind !== 'array') throw sqlError('42883', 'function unnest() needs an array argument', positionOf(pos));
  return {
    columns: [{ name: 'unnest', type: arg.type.element }],
    rows: (ctx) => {
      const v = arg.eval([], ctx);
      return v === null ? [] : (v as SqlArray).items.map((x) => [x]);
    },
  };
}

/** pg_options_to_table(reloptions): `name=value` elements as (option_name, option_value) rows. */
function optionsToTable(args: readonly BoundExpr[], binder: Binder, pos: number): TableFunction {
  if (args.length !== 1) throw sqlError('42883', 'function pg_options_to_table takes one argument', positionOf(pos));
  const options = binder.coerce(args[0]!, arrayOf(T.text), pos);
  return {
    columns: [{ name: 'option_name', type: T.text }, { name: 'option_value', type: T.text }],
    rows: (ctx) => {
      const v = options.eval([], ctx);
      if (v === null) return [];
      return (v as SqlArray).items.flatMap((o) => {
        if (o === null) return [];
        const text = o as string;
        const eq = text.indexOf('=');
        return [eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)]];
      });
    },
  };
}

/**
 * pg_partition_ancestors(rel): a partition and its ancestors, no rows for anything that
 * is not a partition or partitioned table — which is every Tessera table.
 */
function partitionAncestors(args: readonly BoundExpr[], binder: Binder, pos: number): TableFunction {
  if (args.length !== 1) throw sqlError('42883', 'function pg_partition_ancestors takes one argument', positionOf(pos));
  const rel = binder.coerce(args[0]!, T.regclass, pos);
  return {
    columns: [{ name: 'relid', type: T.regclass }],
    rows: (ctx) => {
      rel.eval([], ctx);
      return [];
    },
  };
}

/**
 * Functions in FROM that return rows of their own shape. generate_series and scalar functions
 * are planned by plan/plan-sources.ts (implicitly LATERAL); these are catalog helpers.
 */
export const rowFunctionNames: ReadonlySet<string> = new Set(['unnest', 'pg_options_to_table', 'pg_partition_ancestors']);

/** The virtual table of `call` in FROM; `alias` names its only column when no column list does. */
export function planTableFunction(call: Extract<Expr, { kind: 'func' }>, alias: string | null, columnAliases: readonly string[], ordinality: boolean, binder: Binder): TableDesc {
  const args = call.args.map((a) => binder.bind(a, []));
  let fn: TableFunction;
  if (call.name === 'generate_series') fn = generateSeries(args, binder, call.pos);
  else if (call.name === 'unnest') fn = unnest(args, call.pos);
  else if (call.name === 'pg_options_to_table') fn = optionsToTable(args, binder, call.pos);
  else if (call.name === 'pg_partition_ancestors') fn = partitionAncestors(args, binder, call.pos);
  else {
    const value = binder.bind(call, []);
    const type = value.type.kind === 'unknown' ? T.text : value.type;
    fn = { columns: [{ name: call.name, type }], rows: (ctx) => [[value.eval([], ctx)]] };
  }
  let columns = fn.columns.map((c, i) => ({ ...c, name: columnAliases[i] ?? (fn.columns.length === 1 && alias !== null ? alias : c.name) }));
  if (ordinality) columns = [...columns, { name: columnAliases[columns.length] ?? 'ordinality', type: T.int8 }];
  const rows = (ctx: EvalContext): Value[][] => fn.rows(ctx).map((r, i) => (ordinality ? [...r, BigInt(i + 1)] : r));
  return {
    kind: 'table', id: 0, version: 1, name: alias ?? call.name, databaseId: 0, schemaId: 0,
    columns: columns.map((c, i) => ({ id: i + 1, name: c.name, type: c.type, nullable: true, defaultExpr: null, hidden: false })),
    primaryIndex: { id: PRIMARY_INDEX_ID, name: 'function', unique: false, columnIds: [], directions: [] },
    indexes: [], nextColumnId: columns.length + 1, nextIndexId: PRIMARY_INDEX_ID + 1,
    virtual: { oid: 0, rows },
  };
}
