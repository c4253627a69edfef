/**
 * FOREIGN KEY enforcement for DML. Planned once per statement over the graph of tables
 * its writes can reach (parents to check, children to act on, transitively through
 * cascades). At run time:
 * - a new or changed referencing row must find its key in the referenced table's primary
 *   key or unique index (a key with a NULL is not checked: MATCH SIMPLE), else 23503;
 * - deleting or re-keying a referenced row finds the referencing rows (an access path on
 *   the child's key columns, chosen like a WHERE clause's) and applies the action:
 *   RESTRICT fails at once, NO ACTION fails if any remain when the statement ends,
 *   CASCADE / SET NULL / SET DEFAULT change them (recursively, depth-bounded).
 * Reads see the transaction's own writes, so rows changed earlier in the statement count.
 */
import type { ForeignKeyDesc, TableDesc } from '../catalog/descriptors.ts';
import type { Binder } from '../expr/bind-expr.ts';
import { columnRef, constant } from '../expr/bind-expr.ts';
import { compareValues, type BoundExpr } from '../expr/bound.ts';
import { conjuncts, decideAccess } from '../plan/access.ts';
import type { PlanNode } from '../plan/plan.ts';
import { andAll } from '../plan/plan-join.ts';
import { sqlError } from '../sql-error.ts';
import { layoutOf } from '../storage/table-data.ts';
import { formatValue } from '../types/text-io.ts';
import { T, type Value } from '../types/types.ts';
import { buildOperator, drain, type ExecContext, type Row } from './operators.ts';
import { checkNotNull, deleteRow, updateRow, type UniqueWrites } from './write.ts';

/** Cascades deeper than this are 54001 (PostgreSQL would hit its stack depth limit). */
const cascadeDepthMax = 64;

interface Inbound {
  readonly fk: ForeignKeyDesc;
  readonly child: TableDesc;
  /** Child rows whose key columns equal $1..$n. */
  readonly lookup: PlanNode;
  /** The child's column defaults (SET DEFAULT). */
  readonly defaults: readonly BoundExpr[];
}

export interface FkGraph {
  readonly tables: ReadonlyMap<number, { readonly outbound: readonly { fk: ForeignKeyDesc; parent: TableDesc }[]; readonly inbound: readonly Inbound[] }>;
}

export interface FkCatalog {
  tableById(id: number): TableDesc | null;
  referencing(table: TableDesc): TableDesc[];
}

/** The FK graph reachable from `table`'s writes; null when no foreign key is involved. */
export function planForeignKeys(table: TableDesc, catalog: FkCatalog, binder: Binder): { graph: FkGraph; tables: TableDesc[] } | null {
  const tables = new Map<number, { outbound: { fk: ForeignKeyDesc; parent: TableDesc }[]; inbound: Inbound[] }>();
  const involved: TableDesc[] = [];
  const visit = (t: TableDesc): void => {
    if (tables.has(t.id)) return;
    const entry = { outbound: [] as { fk: ForeignKeyDesc; parent: TableDesc }[], inbound: [] as Inbound[] };
    tables.set(t.id, entry);
    for (const fk of t.foreignKeys ?? []) {
      const parent = fk.refTableId === t.id ? t : catalog.tableById(fk.refTableId);
      if (parent !== null) {
        entry.outbound.push({ fk, parent });
        involved.push(parent);
      }
    }
    for (const child of catalog.referencing(t)) {
      involved.push(child);
      for (const fk of (child.foreignKeys ?? []).filter((f) => f.refTableId === t.id)) {
        entry.inbound.push({ fk, child, lookup: childLookup(child, fk), defaults: childDefaults(child, binder) });
      }
      // A cascade changes the child's rows, which may have children of their own.
      visit(child);
    }
  };
  visit(table);
  const any = [...tables.values()].some((e) => e.outbound.length > 0 || e.inbound.length > 0);
  return any ? { graph: { tables }, tables: involved } : null;
}

function childLookup(child: TableDesc, fk: ForeignKeyDesc): PlanNode {
  const preds: BoundExpr[] = fk.columnIds.map((id, i) => {
    const pos = child.columns.findIndex((c) => c.id === id);
    const type = child.columns[pos]!.type;
    const left = columnRef(pos, type, child.columns[pos]!.name);
    const right: BoundExpr = { kind: 'param', type, index: i, eval: (_r, ctx) => ctx.params[i] ?? null };
    return {
      kind: 'compare', type: T.bool, op: '=', left, right,
      eval: (row, ctx) => {
        const a = left.eval(row, ctx);
        const b = right.eval(row, ctx);
        return a === null || b === null ? null : compareValues(a, b) === 0;
      },
    };
  });
  const access = decideAccess(child, conjuncts(andAll(preds)), new Set(child.columns.map((_c, i) => i)));
  let node = access.node;
  for (const c of access.remaining) node = { kind: 'filter', input: node, predicate: c };
  return node;
}

function childDefaults(child: TableDesc, binder: Binder): BoundExpr[] {
  return child.columns.map((c) => (c.defaultExpr === null ? constant(c.type, null) : binder.assign(binder.bind(c.defaultExpr, []), c.type, c.name, -1)));
}

/** Per statement: the NO ACTION checks that run when it ends. */
export class FkRun {
  private readonly deferred: { inbound: Inbound; parent: TableDesc; values: Value[] }[] = [];

  constructor(
    private readonly graph: FkGraph,
    private readonly ctx: ExecContext,
    private readonly uniques: UniqueWrites,
  ) {}

  /** A new or changed row of `table` (`before` null for an insert): its parents must exist. */
  async checkParents(table: TableDesc, before: readonly Value[] | null, after: readonly Value[]): Promise<void> {
    for (const { fk, parent } of this.graph.tables.get(table.id)?.outbound ?? []) {
      const values = valuesOf(table, fk.columnIds, after);
      if (values.includes(null)) continue;
      if (before !== null && sameValues(values, valuesOf(table, fk.columnIds, before))) continue;
      if (await parentExists(parent, fk, values, this.ctx)) continue;
      throw sqlError('23503', `insert or update on table "${table.name}" violates foreign key constraint "${fk.name}"`, {
        detail: `Key (${names(table, fk.columnIds)})=(${formatted(table, fk.columnIds, values, this.ctx)}) is not present in table "${parent.name}".`,
        table: table.name,
        constraint: fk.name,
      });
    }
  }

  /** `row` of `table` was deleted (after === null) or re-keyed: act on its referencing rows. */
  async onParentChange(table: TableDesc, before: readonly Value[], after: readonly Value[] | null, depth = 0): Promise<void> {
    if (depth > cascadeDepthMax) throw sqlError('54001', 'stack depth limit exceeded (foreign key cascades)');
    for (const inbound of this.graph.tables.get(table.id)?.inbound ?? []) {
      const { fk } = inbound;
      const oldValues = valuesOf(table, fk.refColumnIds, before);
      if (oldValues.includes(null)) continue;
      const newValues = after === null ? null : valuesOf(table, fk.refColumnIds, after);
      if (newValues !== null && sameValues(oldValues, newValues)) continue;
      const action = after === null ? fk.onDelete : fk.onUpdate;
      if (action === 'no-action') {
        this.deferred.push({ inbound, parent: table, values: oldValues });
        continue;
      }
      const rows = await this.children(inbound, oldValues);
      if (rows.length === 0) continue;
      if (action === 'restrict') throw this.stillReferenced(inbound, table, oldValues, '23001');
      for (const row of rows) await this.applyAction(inbound, action, row, newValues, depth);
    }
  }

  private async applyAction(inbound: Inbound, action: 'cascade' | 'set-null' | 'set-default', row: Row, newValues: Value[] | null, depth: number): Promise<void> {
    const { fk, child } = inbound;
    if (action === 'cascade' && newValues === null) {
      deleteRow(this.ctx.txn, child, row);
      await this.onParentChange(child, row, null, depth + 1);
      return;
    }
    const next = [...row];
    fk.columnIds.forEach((id, i) => {
      const pos = child.columns.findIndex((c) => c.id === id);
      next[pos] = action === 'cascade' ? newValues![i]! : action === 'set-null' ? null : inbound.defaults[pos]!.eval(row, this.ctx.eval);
    });
    checkNotNull(child, next);
    if (action === 'set-default') await this.checkParents(child, row, next);
    updateRow(this.ctx.txn, child, row, next, this.uniques, this.ctx.eval);
    await this.onParentChange(child, row, next, depth + 1);
  }

  /** The statement's end: NO ACTION keys must no longer be referenced. */
  async finish(): Promise<void> {
    for (const d of this.deferred) {
      if ((await this.children(d.inbound, d.values)).length > 0) throw this.stillReferenced(d.inbound, d.parent, d.values);
    }
  }

  private async children(inbound: Inbound, values: readonly Value[]): Promise<Row[]> {
    const evalCtx = Object.create(this.ctx.eval, { params: { value: values, enumerable: true } }) as ExecContext['eval'];
    const ctx = Object.create(this.ctx, { eval: { value: evalCtx, enumerable: true } }) as ExecContext;
    return drain(buildOperator(inbound.lookup, ctx), ctx);
  }

  /** 23503, or 23001 for RESTRICT (restrict_violation), as PostgreSQL reports them. */
  private stillReferenced(inbound: Inbound, parent: TableDesc, values: readonly Value[], code = '23503'): Error {
    const { fk, child } = inbound;
    return sqlError(code, `update or delete on table "${parent.name}" violates foreign key constraint "${fk.name}" on table "${child.name}"`, {
      detail: `Key (${names(parent, fk.refColumnIds)})=(${formatted(parent, fk.refColumnIds, values, this.ctx)}) is still referenced from table "${child.name}".`,
      table: child.name,
      constraint: fk.name,
    });
  }
}

function valuesOf(table: TableDesc, ids: readonly number[], row: readonly Value[]): Value[] {
  return ids.map((id) => row[table.columns.findIndex((c) => c.id === id)] ?? null);
}

function sameValues(a: readonly Value[], b: readonly Value[]): boolean {
  return a.every((v, i) => {
    const w = b[i] ?? null;
    return v === null || w === null ? v === w : compareValues(v, w) === 0;
  });
}

function names(table: TableDesc, ids: readonly number[]): string {
  return ids.map((id) => table.columns.find((c) => c.id === id)!.name).join(', ');
}

function formatted(table: TableDesc, ids: readonly number[], values: readonly Value[], ctx: ExecContext): string {
  return ids.map((id, i) => formatValue(table.columns.find((c) => c.id === id)!.type, values[i] ?? null, ctx.eval) ?? 'null').join(', ');
}

async function parentExists(parent: TableDesc, fk: ForeignKeyDesc, values: readonly Value[], ctx: ExecContext): Promise<boolean> {
  const layout = layoutOf(parent);
  const row: Value[] = new Array<Value>(parent.columns.length).fill(null);
  fk.refColumnIds.forEach((id, i) => {
    row[parent.columns.findIndex((c) => c.id === id)] = values[i] ?? null;
  });
  const pk = parent.primaryIndex;
  if (pk.columnIds.length === fk.refColumnIds.length && pk.columnIds.every((id) => fk.refColumnIds.includes(id))) {
    return (await ctx.txn.get(layout.primaryKey(row))) !== null;
  }
  const index = parent.indexes.find((i) => i.unique && i.predicate === undefined && i.columnIds.length === fk.refColumnIds.length && i.columnIds.every((id) => fk.refColumnIds.includes(id)));
  if (index === undefined) throw new Error(`internal: foreign key ${fk.name} has no unique index on ${parent.name}`);
  return (await ctx.txn.get(layout.indexEntry(index, row).key)) !== null;
}
