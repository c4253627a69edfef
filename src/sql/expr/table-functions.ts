/**
 * Catalog helper functions in FROM (pg_options_to_table, pg_partition_ancestors) as virtual
 * tables whose rows are computed when the scan runs. generate_series, the set-returning
 * functions of set-returning.ts and scalar functions are planned by plan/plan-sources.ts.
 */
import { PRIMARY_INDEX_ID, type TableDesc } from '../catalog/descriptors.ts';
import type { Expr } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { SqlArray } from '../types/sql-array.ts';
import { arrayOf, positionOf, T, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

interface TableFunction {
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  rows(ctx: EvalContext): Value[][];
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
export const rowFunctionNames: ReadonlySet<string> = new Set(['pg_options_to_table', 'pg_partition_ancestors']);

/** The virtual table of `call` in FROM; `alias` names its only column when no column list does. */
export function planTableFunction(call: Extract<Expr, { kind: 'func' }>, alias: string | null, columnAliases: readonly string[], ordinality: boolean, binder: Binder): TableDesc {
  const args = call.args.map((a) => binder.bind(a, []));
  let fn: TableFunction;
  if (call.name === 'pg_options_to_table') fn = optionsToTable(args, binder, call.pos);
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
