/**
 * COMMENT ON: the text is stored on the object's descriptor (its `comment` field; a
 * column's and an index's on the table descriptor), so it is transactional, goes with the
 * object when it is dropped, and pg_description is generated from it.
 */
import type { Descriptor, TableDesc } from '../catalog/descriptors.ts';
import type { Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { DdlContext } from './ddl.ts';

type CommentStmt = Extract<Statement, { kind: 'comment' }>;

/** `base` with its comment set to `text`, or without one when `text` is null. */
function withComment<T extends { readonly comment?: string }>(base: T, text: string | null): T {
  const { comment: _old, ...rest } = base;
  return (text === null ? rest : { ...rest, comment: text }) as T;
}

function relationName(ref: { readonly schema: string | null; readonly name: string }): string {
  return ref.schema === null ? ref.name : `${ref.schema}.${ref.name}`;
}

export function commentOn(stmt: CommentStmt, ctx: DdlContext): void {
  const target = stmt.target;
  const text = stmt.text;
  const writeTable = (t: TableDesc, next: TableDesc): void => ctx.catalog.writeTable(ctx.txn, { ...next, version: t.version + 1 }, t);
  const described = (id: number): Descriptor | null => ctx.catalog.descriptor(id);
  switch (target.kind) {
    case 'table': case 'column': {
      const t = ctx.resolveTable(target.ref);
      if (t === null) throw sqlError('42P01', `relation "${relationName(target.ref)}" does not exist`);
      if (target.kind !== 'column') return writeTable(t, withComment(t, text));
      const column = target.column;
      const col = t.columns.find((c) => c.name === column && !c.hidden);
      if (col === undefined) throw sqlError('42703', `column "${column}" of relation "${t.name}" does not exist`);
      return writeTable(t, { ...t, columns: t.columns.map((c) => (c === col ? withComment(c, text) : c)) });
    }
    case 'index': {
      const entry = ctx.lookupName(target.ref);
      const t = entry?.kind === 'index' ? ctx.catalog.table(entry.tableId) : null;
      if (entry?.kind !== 'index' || t === null) throw sqlError('42P01', `relation "${relationName(target.ref)}" does not exist`);
      const primary = t.primaryIndex.id === entry.indexId;
      return writeTable(t, {
        ...t,
        primaryIndex: primary ? withComment(t.primaryIndex, text) : t.primaryIndex,
        indexes: t.indexes.map((i) => (i.id === entry.indexId ? withComment(i, text) : i)),
      });
    }
    case 'view': case 'sequence': {
      const entry = ctx.lookupName(target.ref);
      const d = entry?.kind === 'view' ? described(entry.viewId) : entry?.kind === 'sequence' ? described(entry.sequenceId) : null;
      if (d === null || d.kind !== target.kind) throw sqlError('42P01', `relation "${relationName(target.ref)}" does not exist`);
      if (d.kind === 'view') return ctx.catalog.writeObject(ctx.txn, { ...withComment(d, text), version: d.version + 1 }, d);
      if (d.kind === 'sequence') return ctx.catalog.writeObject(ctx.txn, { ...withComment(d, text), version: d.version + 1 });
      return;
    }
    case 'type': {
      const entry = ctx.lookupName(target.ref);
      const d = entry?.kind === 'type' ? described(entry.typeId) : null;
      if (d === null || d.kind !== 'type') throw sqlError('42704', `type "${relationName(target.ref)}" does not exist`);
      return ctx.catalog.writeObject(ctx.txn, { ...withComment(d, text), version: d.version + 1 });
    }
    case 'schema': {
      const id = ctx.schemaId(target.name, -1);
      const d = described(id);
      if (d === null || d.kind !== 'schema') throw sqlError('3F000', `schema "${target.name}" does not exist`);
      return ctx.catalog.writeObject(ctx.txn, { ...withComment(d, text), version: d.version + 1 });
    }
  }
}
