/**
 * Row sources other than tables: VALUES lists, functions in FROM (generate_series; a
 * scalar function is one row), and WITH RECURSIVE (a recursive union over a working
 * table). Each is planned into a `PlannedQuery` that FROM treats like a derived table.
 */
import type { ColumnInfo } from '../session.ts';
import type { CommonTableExpr, Expr, SelectStmt } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { Binder } from '../expr/bind-expr.ts';
import { columnRef } from '../expr/bind-expr.ts';
import { commonType } from '../expr/casts.ts';
import type { BoundExpr } from '../expr/bound.ts';
import type { SequenceDesc } from '../catalog/descriptors.ts';
import { SqlArray } from '../types/sql-array.ts';
import { bindSetReturning, scalarAsSetReturning, zipSetReturning, type SetReturningCall } from '../expr/set-returning.ts';
import { positionOf, T, typeDisplayName, typeMod, typeOid, typeSize, type SqlType } from '../types/types.ts';
import type { PlanNode } from './plan.ts';
import type { PlannedQuery } from './plan-select.ts';

export function resultColumns(names: readonly string[], types: readonly SqlType[]): ColumnInfo[] {
  return names.map((name, i) => {
    const t = types[i]!;
    return { name, tableOid: 0, columnAttr: 0, typeOid: typeOid(t), typeSize: typeSize(t), typeMod: typeMod(t), format: 0 };
  });
}

/** VALUES rows -> a 'values' node; each column takes the common type of its entries. */
export function planValues(rows: readonly (readonly Expr[])[], binder: Binder): { node: PlanNode; types: SqlType[]; columns: ColumnInfo[] } {
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw sqlError('42601', 'VALUES lists must all be the same length');
  const bound = rows.map((r) => r.map((e) => binder.bind(e, [])));
  const types = Array.from({ length: width }, (_x, c) => {
    let t: SqlType = T.unknown;
    for (const r of bound) {
      const next = commonType(t, r[c]!.type);
      if (next === null) throw sqlError('42804', `VALUES types ${typeDisplayName(t)} and ${typeDisplayName(r[c]!.type)} cannot be matched`);
      t = next;
    }
    return t.kind === 'unknown' ? T.text : t;
  });
  const coerced = bound.map((r) => r.map((e, c) => binder.coerce(e, types[c]!, -1)));
  const names = types.map((_t, i) => `column${i + 1}`);
  return { node: { kind: 'values', rows: coerced }, types, columns: resultColumns(names, types) };
}

/** A function call in FROM; column name: the alias's column list, the alias, or the function's name. */
export function planFromFunction(call: Expr, alias: string | null, columnAliases: readonly string[], ordinality: boolean, binder: Binder): PlannedQuery {
  if (call.kind !== 'func') throw sqlError('0A000', 'this expression in FROM is not supported');
  const name = columnAliases[0] ?? alias ?? call.name;
  // WITH ORDINALITY adds a bigint column numbering the rows from 1.
  const withOrdinality = (names: string[], types: SqlType[]): { columns: ColumnInfo[]; types: SqlType[] } =>
    ordinality ? { columns: resultColumns([...names, columnAliases[names.length] ?? 'ordinality'], [...types, T.int8]), types: [...types, T.int8] } : { columns: resultColumns(names, types), types };
  const srf = call.name === 'generate_series' ? null : bindSetReturning(call.name, call.args.map((a) => binder.bind(a, [])), binder, call.pos);
  if (srf !== null) {
    // A one-column result takes the table alias as its name, as in PostgreSQL.
    const names = srf.columns.map((c, i) => columnAliases[i] ?? (srf.columns.length === 1 ? (alias ?? c.name) : c.name));
    return { node: { kind: 'srf-scan', name: call.name, call: srf, ordinality }, ...withOrdinality(names, srf.columns.map((c) => c.type)), tables: [] };
  }
  if (call.name !== 'generate_series') {
    const value = binder.bind(call, []);
    const v = value.type.kind === 'unknown' ? binder.coerce(value, T.text, call.pos) : value;
    const row: BoundExpr[] = ordinality ? [v, { kind: 'const', type: T.int8, value: 1n, eval: () => 1n }] : [v];
    return { node: { kind: 'values', rows: [row] }, ...withOrdinality([name], [v.type]), tables: [] };
  }
  const args = call.args.map((a) => binder.bind(a, []));
  if (args.length < 2 || args.length > 3) throw sqlError('42883', `function generate_series(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, positionOf(call.pos));
  const stamps = args.slice(0, 2).filter((a) => a.type.kind === 'timestamp' || a.type.kind === 'timestamptz' || a.type.kind === 'date');
  if (stamps.length > 0 && args.length === 3) {
    // The timestamp versions step by an interval; a date reads as timestamptz (the preferred type).
    const t = stamps.every((a) => a.type.kind === 'timestamp') ? T.timestamp : T.timestamptz;
    const typed = [binder.coerce(args[0]!, t, call.pos), binder.coerce(args[1]!, t, call.pos), binder.coerce(args[2]!, T.interval, call.pos)];
    return { node: { kind: 'function-scan', name: 'generate_series', args: typed, ordinality }, ...withOrdinality([name], [t]), tables: [] };
  }
  let t: SqlType = T.int4;
  for (const a of args) {
    const k = a.type.kind;
    if (k === 'numeric' || (k === 'int8' && t.kind !== 'numeric')) t = k === 'numeric' ? T.numeric : T.int8;
    else if (k !== 'int2' && k !== 'int4' && k !== 'int8' && k !== 'unknown') {
      throw sqlError('0A000', `generate_series(${args.map((x) => typeDisplayName(x.type)).join(', ')}) is not supported`, positionOf(call.pos));
    }
  }
  const typed = args.map((a) => binder.coerce(a, t, call.pos));
  return { node: { kind: 'function-scan', name: 'generate_series', args: typed, ordinality }, ...withOrdinality([name], [t]), tables: [] };
}

/**
 * ROWS FROM (f(...), g(...), ...) [WITH ORDINALITY]: the calls run in lockstep, each
 * contributing its columns; a scalar call is one row. Column names: the alias's list, then
 * each function's own (a one-column function's name).
 */
export function planRowsFrom(calls: readonly Expr[], columnAliases: readonly string[], ordinality: boolean, binder: Binder): PlannedQuery {
  const parts = calls.map((call): SetReturningCall => {
    if (call.kind !== 'func') throw sqlError('0A000', 'this expression in ROWS FROM is not supported', positionOf(call.pos));
    if (call.name === 'generate_series') throw sqlError('0A000', 'generate_series beside other set-returning functions is not supported', positionOf(call.pos));
    const args = call.args.map((a) => binder.bind(a, []));
    const srf = bindSetReturning(call.name, args, binder, call.pos);
    if (srf !== null) return srf;
    const value = binder.bind(call, []);
    return scalarAsSetReturning(call.name, value.type.kind === 'unknown' ? binder.coerce(value, T.text, call.pos) : value);
  });
  const zipped = zipSetReturning(parts);
  const names = zipped.columns.map((c, i) => columnAliases[i] ?? c.name);
  const types = zipped.columns.map((c) => c.type);
  const allNames = ordinality ? [...names, columnAliases[names.length] ?? 'ordinality'] : names;
  const allTypes = ordinality ? [...types, T.int8] : types;
  return { node: { kind: 'srf-scan', name: 'rows from', call: zipped, ordinality }, columns: resultColumns(allNames, allTypes), types: allTypes, tables: [] };
}

/** How many FROM items of a SELECT (and its subqueries) are the unqualified table `name`. */
function tableMentions(select: SelectStmt, name: string): number {
  let count = 0;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const o = v as { kind?: unknown; ref?: { schema?: unknown; name?: unknown } };
    if (o.kind === 'table' && o.ref?.schema === null && o.ref.name === name) count++;
    Object.values(v).forEach(visit);
  };
  visit(select);
  return count;
}

/**
 * A sequence read as a relation (`SELECT last_value, is_called FROM seq`, as pg_dump does):
 * one row, read before the statement runs.
 */
export function planSequenceRelation(seq: SequenceDesc, binder: Binder): PlannedQuery {
  const state = binder.deferred(`sequence ${seq.name}`, { kind: 'array', element: T.text }, [], async (_args, ctx) => {
    if (ctx.sequences === undefined) throw sqlError('0A000', 'sequences cannot be read here');
    const s = await ctx.sequences.state(seq);
    return new SqlArray([String(s.last), String(s.called)]);
  }, -1);
  const field = (i: number, type: SqlType): BoundExpr => ({ kind: 'call', type, label: 'sequence field', args: [state], eval: (row, ctx) => {
    const v = (state.eval(row, ctx) as SqlArray).items[i] as string;
    return type.kind === 'bool' ? v === 'true' : BigInt(v);
  } });
  const row = [field(0, T.int8), { kind: 'const', type: T.int8, value: 0n, eval: () => 0n } as BoundExpr, field(1, T.bool)];
  const names = ['last_value', 'log_cnt', 'is_called'];
  return { node: { kind: 'values', rows: [row] }, types: [T.int8, T.int8, T.bool], columns: resultColumns(names, [T.int8, T.int8, T.bool]), tables: [] };
}

/** Whether a SELECT mentions a FROM item named `name` (a self-reference of a recursive CTE). */
export function mentionsTable(select: SelectStmt, name: string): boolean {
  return tableMentions(select, name) > 0;
}

/**
 * WITH RECURSIVE name AS (non-recursive UNION [ALL] recursive): the recursive term is
 * planned with `name` bound to the working table; its columns are coerced to the
 * non-recursive term's types.
 */
export function planRecursiveCte(cte: CommonTableExpr, binder: Binder, plan: (s: SelectStmt) => PlannedQuery): PlannedQuery {
  const sel = cte.select;
  const setOp = sel.setOp;
  if (setOp === null || setOp.op !== 'union' || sel.with.length > 0) {
    throw sqlError('42P19', `recursive query "${cte.name}" does not have the form non-recursive-term UNION [ALL] recursive-term`);
  }
  if (mentionsTable(setOp.left, cte.name)) throw sqlError('42P19', `recursive reference to query "${cte.name}" must not appear within its non-recursive term`);
  if (tableMentions(setOp.right, cte.name) > 1) throw sqlError('42P19', `recursive reference to query "${cte.name}" must not appear more than once`);
  if (sel.orderBy.length > 0 || sel.limit !== null || sel.offset !== null) throw sqlError('0A000', 'ORDER BY/LIMIT/OFFSET in a recursive query is not implemented');
  const left = plan(setOp.left);
  const names = left.columns.map((c, i) => cte.columnAliases[i] ?? c.name);
  const id = binder.worktableCount++;
  binder.worktables.set(cte.name, { id, types: left.types, names });
  let right: PlannedQuery;
  try {
    right = plan(setOp.right);
  } finally {
    binder.worktables.delete(cte.name);
  }
  if (right.types.length !== left.types.length) throw sqlError('42601', 'each UNION query must have the same number of columns');
  const exprs: BoundExpr[] = right.types.map((t, i) => {
    const want = left.types[i]!;
    if (t.kind === want.kind) return columnRef(i, t, `#${i}`);
    try {
      return binder.coerce(columnRef(i, t, `#${i}`), want, -1);
    } catch {
      throw sqlError('42804', `recursive query "${cte.name}" column ${i + 1} has type ${typeDisplayName(want)} in non-recursive term but type ${typeDisplayName(t)} overall`);
    }
  });
  const rightNode: PlanNode = exprs.every((e, i) => e.kind === 'column' && e.index === i) ? right.node : { kind: 'project', input: right.node, exprs };
  return {
    node: { kind: 'recursive-union', id, all: setOp.all, left: left.node, right: rightNode },
    columns: resultColumns(names, left.types),
    types: left.types,
    tables: [...left.tables, ...right.tables],
  };
}

/** A reference to the working table of a recursive CTE being planned. */
export function worktableQuery(wt: { readonly id: number; readonly types: readonly SqlType[]; readonly names: readonly string[] }): PlannedQuery {
  return { node: { kind: 'worktable', id: wt.id }, columns: resultColumns(wt.names, wt.types), types: wt.types, tables: [] };
}
