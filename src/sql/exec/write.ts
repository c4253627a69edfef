/**
 * Row writes with index maintenance and constraint checks. Unique entries (primary key,
 * unique indexes) are written with txn.insert, so a duplicate surfaces as the txn's
 * 'duplicate-key' error at flush/commit; `UniqueWrites` remembers what each unique key
 * means so that error becomes PostgreSQL's 23505 message with its detail.
 */
import type { Txn } from '../../txn/index.ts';
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import { sqlError, type SqlError } from '../sql-error.ts';
import { layoutOf } from '../storage/table-data.ts';
import { formatValue, type FormatContext } from '../types/text-io.ts';
import { T, type Value } from '../types/types.ts';
import { Binder } from '../expr/bind-expr.ts';
import type { BoundExpr, EvalContext } from '../expr/bound.ts';
import { tableScope } from '../plan/plan-select.ts';

interface UniqueWrite {
  readonly key: Uint8Array;
  readonly constraint: string;
  readonly detail: string;
}

/** The unique keys a transaction inserted, to explain a 'duplicate-key' failure. */
export class UniqueWrites {
  private readonly writes: UniqueWrite[] = [];
  constructor(private readonly max = 100_000) {}

  add(w: UniqueWrite): void {
    if (this.writes.length < this.max) this.writes.push(w);
  }

  /** The 23505 error for the failed key (or the most recent unique write when unknown). */
  explain(key: Uint8Array | undefined): SqlError {
    const hex = key === undefined ? null : Buffer.from(key).toString('hex');
    const w = (hex === null ? undefined : this.writes.find((x) => Buffer.from(x.key).toString('hex') === hex)) ?? this.writes[this.writes.length - 1];
    if (w === undefined) return sqlError('23505', 'duplicate key value violates unique constraint');
    return sqlError('23505', `duplicate key value violates unique constraint "${w.constraint}"`, { detail: w.detail, constraint: w.constraint });
  }
}


function keyDetail(table: TableDesc, index: IndexDesc, row: readonly Value[], fmt: FormatContext): string {
  const layout = layoutOf(table);
  const positions = index.columnIds.map((id) => layout.positions.get(id)!);
  const names = positions.map((p) => table.columns[p]!.name).join(', ');
  const values = positions.map((p) => formatValue(layout.types[p]!, row[p] ?? null, fmt) ?? 'null').join(', ');
  return `Key (${names})=(${values}) already exists.`;
}

/** Checks NOT NULL for every column (23502). */
export function checkNotNull(table: TableDesc, row: readonly Value[]): void {
  for (let i = 0; i < table.columns.length; i++) {
    const c = table.columns[i]!;
    if (!c.nullable && (row[i] ?? null) === null) {
      throw sqlError('23502', `null value in column "${c.name}" of relation "${table.name}" violates not-null constraint`, {
        table: table.name,
        column: c.name,
      });
    }
  }
}

export function insertRow(txn: Txn, table: TableDesc, row: readonly Value[], uniques: UniqueWrites, fmt: FormatContext): void {
  const layout = layoutOf(table);
  const key = layout.primaryKey(row);
  txn.insert(key, layout.encodeRow(row));
  uniques.add({ key, constraint: table.primaryIndex.name, detail: keyDetail(table, table.primaryIndex, row, fmt) });
  for (const index of table.indexes) writeIndexEntry(txn, table, index, row, uniques, fmt);
}

/** Bound partial-index predicates, per index descriptor (immutable expressions only). */
const predicates = new WeakMap<IndexDesc, BoundExpr>();

/** Whether `row` belongs in `index` (always, unless the index is partial). */
export function inIndex(table: TableDesc, index: IndexDesc, row: readonly Value[], fmt: FormatContext): boolean {
  if (index.predicate === undefined) return true;
  let p = predicates.get(index);
  if (p === undefined) {
    const binder = new Binder([], fmt);
    p = binder.coerce(binder.bind(index.predicate, tableScope(table, null)), T.bool, -1);
    predicates.set(index, p);
  }
  // PostgreSQL allows only immutable functions here: the format settings are all they read.
  return p.eval(row, fmt as EvalContext) === true;
}

export function writeIndexEntry(txn: Txn, table: TableDesc, index: IndexDesc, row: readonly Value[], uniques: UniqueWrites, fmt: FormatContext): void {
  if (!inIndex(table, index, row, fmt)) return;
  const entry = layoutOf(table).indexEntry(index, row);
  if (entry.unique) {
    txn.insert(entry.key, entry.value);
    uniques.add({ key: entry.key, constraint: index.name, detail: keyDetail(table, index, row, fmt) });
  } else {
    txn.put(entry.key, entry.value);
  }
}

export function deleteRow(txn: Txn, table: TableDesc, row: readonly Value[]): void {
  const layout = layoutOf(table);
  txn.del(layout.primaryKey(row));
  for (const index of table.indexes) txn.del(layout.indexEntry(index, row).key);
}

/** Replaces `before` by `after`: a pk change is a delete and an insert; indexes are rewritten where their entry changed. */
export function updateRow(txn: Txn, table: TableDesc, before: readonly Value[], after: readonly Value[], uniques: UniqueWrites, fmt: FormatContext): void {
  const layout = layoutOf(table);
  const oldKey = layout.primaryKey(before);
  const newKey = layout.primaryKey(after);
  if (Buffer.compare(oldKey, newKey) !== 0) {
    deleteRow(txn, table, before);
    insertRow(txn, table, after, uniques, fmt);
    return;
  }
  txn.put(newKey, layout.encodeRow(after));
  for (const index of table.indexes) {
    const a = layout.indexEntry(index, before);
    const b = layout.indexEntry(index, after);
    const wasIn = inIndex(table, index, before, fmt);
    if (wasIn && Buffer.compare(a.key, b.key) === 0 && Buffer.compare(a.value, b.value) === 0 && inIndex(table, index, after, fmt)) continue;
    if (wasIn) txn.del(a.key);
    writeIndexEntry(txn, table, index, after, uniques, fmt);
  }
}
