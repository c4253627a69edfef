/**
 * UNION / INTERSECT / EXCEPT [ALL]: both inputs are planned as SELECTs, their columns
 * coerced to common types by PostgreSQL's rules, and combined by a 'set-op' node; the
 * statement's ORDER BY (by output position or name), LIMIT and OFFSET apply on top.
 */
import type { SelectStmt } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { Binder } from '../expr/bind-expr.ts';
import { commonType } from '../expr/casts.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { columnRef } from '../expr/bind-expr.ts';
import { positionOf, T, typeDisplayName, typeMod, typeOid, typeSize, type SqlType } from '../types/types.ts';
import type { PlanNode, SortKey } from './plan.ts';
import type { PlannedQuery } from './plan-select.ts';

export function planSetOp(stmt: SelectStmt, binder: Binder, plan: (s: SelectStmt) => PlannedQuery): PlannedQuery {
  const setOp = stmt.setOp!;
  const left = plan(setOp.left);
  const right = plan(setOp.right);
  const name = setOp.op.toUpperCase();
  if (left.types.length !== right.types.length) throw sqlError('42601', `each ${name} query must have the same number of columns`);
  const types: SqlType[] = left.types.map((l, i) => {
    const r = right.types[i]!;
    const t = commonType(l, r);
    if (t === null) throw sqlError('42804', `${name} types ${typeDisplayName(l)} and ${typeDisplayName(r)} cannot be matched`);
    return t.kind === 'unknown' ? T.text : t;
  });
  const coerced = (q: PlannedQuery): PlanNode => {
    if (q.types.every((t, i) => JSON.stringify(t) === JSON.stringify(types[i]))) return q.node;
    const exprs: BoundExpr[] = q.types.map((t, i) => binder.coerce(columnRef(i, t, `#${i}`), types[i]!, -1));
    return { kind: 'project', input: q.node, exprs };
  };
  const node = orderAndLimit(stmt, { kind: 'set-op', op: setOp.op, all: setOp.all, left: coerced(left), right: coerced(right) }, left.columns.map((c) => c.name), types, binder, `a ${name}`);
  const columns = left.columns.map((c, i) => ({ ...c, tableOid: 0, columnAttr: 0, typeOid: typeOid(types[i]!), typeSize: typeSize(types[i]!), typeMod: typeMod(types[i]!) }));
  return { node, columns, types, tables: [...left.tables, ...right.tables] };
}

/**
 * ORDER BY (output positions or names only), LIMIT and OFFSET over a combined result
 * (a set operation or a VALUES list).
 */
export function orderAndLimit(stmt: SelectStmt, input: PlanNode, names: readonly string[], types: readonly SqlType[], binder: Binder, what: string): PlanNode {
  let node = input;
  const keys: SortKey[] = stmt.orderBy.map((o) => {
    let index = -1;
    if (o.expr.kind === 'literal' && o.expr.value.kind === 'integer') index = Number(o.expr.value.text) - 1;
    else if (o.expr.kind === 'column' && o.expr.table === null) index = names.indexOf(o.expr.name);
    if (index < 0 || index >= types.length) {
      throw sqlError('0A000', `ORDER BY of ${what} must name an output column`, positionOf(o.expr.kind === 'literal' || o.expr.kind === 'column' ? o.expr.pos : -1));
    }
    return { expr: columnRef(index, types[index]!, names[index]!), descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending };
  });
  if (keys.length > 0) node = { kind: 'sort', input: node, keys };
  const limit = stmt.limit === null ? null : binder.coerce(binder.bind(stmt.limit, []), T.int8, stmt.limit.pos);
  const offset = stmt.offset === null ? null : binder.coerce(binder.bind(stmt.offset, []), T.int8, stmt.offset.pos);
  if (limit !== null || offset !== null) node = { kind: 'limit', input: node, limit, offset };
  return node;
}
