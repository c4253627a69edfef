/**
 * CHECK constraints: bound once per plan over the table's columns, evaluated on every new
 * or changed row. A false result is 23514; NULL passes, as in PostgreSQL.
 */
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Binder } from '../expr/bind-expr.ts';
import type { BoundExpr, EvalContext } from '../expr/bound.ts';
import { tableScope } from '../plan/plan-select.ts';
import { sqlError } from '../sql-error.ts';
import { formatValue } from '../types/text-io.ts';
import { T, type Value } from '../types/types.ts';

export interface BoundCheck {
  readonly name: string;
  readonly expr: BoundExpr;
}

export function bindChecks(table: TableDesc, binder: Binder): BoundCheck[] {
  const scope = tableScope(table, null);
  return (table.checks ?? []).map((c) => ({ name: c.name, expr: binder.coerce(binder.bind(c.expr, scope), T.bool, -1) }));
}

export function checkRow(table: TableDesc, checks: readonly BoundCheck[], row: readonly Value[], ctx: EvalContext): void {
  for (const c of checks) {
    if (c.expr.eval(row, ctx) !== false) continue;
    const values = table.columns.filter((col) => !col.hidden).map((col) => formatValue(col.type, row[table.columns.indexOf(col)] ?? null, ctx) ?? 'null');
    throw sqlError('23514', `new row for relation "${table.name}" violates check constraint "${c.name}"`, {
      detail: `Failing row contains (${values.join(', ')}).`,
      table: table.name,
      constraint: c.name,
    });
  }
}
