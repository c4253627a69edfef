/**
 * Name lookups of enum types and sequences for the binder and DDL, over whatever view of
 * the catalog the caller has (the session's transaction, or the committed cache).
 */
import type { Descriptor, NamespaceEntry, SequenceDesc, TypeDesc } from '../catalog/descriptors.ts';
import { enumType } from '../exec/types-ddl.ts';
import type { SequenceRef } from '../expr/sequence-functions.ts';
import type { TableRef } from '../parser/ast.ts';
import type { SqlType } from '../types/types.ts';

export interface CatalogObjects {
  type(name: string): SqlType | null;
  typeDesc(ref: TableRef): TypeDesc | null;
  sequence(name: { schema: string | null; name: string }): SequenceRef | null;
  sequenceDesc(ref: TableRef): SequenceDesc | null;
}

export function catalogObjects(lookupName: (ref: TableRef) => NamespaceEntry | null, descriptor: (id: number) => Descriptor | null): CatalogObjects {
  const ref = (name: string): TableRef => ({ schema: null, name, alias: null, pos: -1 });
  const typeDesc = (r: TableRef): TypeDesc | null => {
    const e = lookupName(r);
    const d = e?.kind === 'type' ? descriptor(e.typeId) : null;
    return d?.kind === 'type' ? d : null;
  };
  const sequenceDesc = (r: TableRef): SequenceDesc | null => {
    const e = lookupName(r);
    const d = e?.kind === 'sequence' ? descriptor(e.sequenceId) : null;
    return d?.kind === 'sequence' ? d : null;
  };
  return {
    type: (name) => {
      // 'schema.type' (as pg_dump writes enum types) names the schema.
      const dot = name.lastIndexOf('.');
      const d = typeDesc(dot < 0 ? ref(name) : { schema: name.slice(0, dot), name: name.slice(dot + 1), alias: null, pos: -1 });
      return d === null ? null : enumType(d);
    },
    typeDesc,
    sequence: (name) => {
      const r: TableRef = { schema: name.schema, name: name.name, alias: null, pos: -1 };
      const e = lookupName(r);
      if (e === null) return null;
      const d = sequenceDesc(r);
      return d === null ? { kind: 'other' } : { kind: 'sequence', desc: d };
    },
    sequenceDesc,
  };
}
