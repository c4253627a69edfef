/**
 * pg_description's rows, from the comments stored on descriptors (COMMENT ON): relations
 * and columns under pg_class (a column by its attnum), schemas under pg_namespace, enum
 * types under pg_type. The public schema keeps PostgreSQL's own comment unless replaced.
 */
import type { CatalogSnapshot } from './snapshot.ts';
import { indexesOf } from './snapshot.ts';
import { descriptorOid, indexOid } from './oids.ts';
import type { RowObject } from './columns.ts';

export const PG_CLASS_OID = 1259;
export const PG_NAMESPACE_OID = 2615;
export const PG_TYPE_OID = 1247;

export function descriptionRows(snap: CatalogSnapshot): RowObject[] {
  const out: RowObject[] = [];
  const add = (objoid: number, classoid: number, objsubid: number, description: string | undefined): void => {
    if (description !== undefined) out.push({ objoid, classoid, objsubid, description });
  };
  for (const s of snap.schemas) add(descriptorOid(s.id), PG_NAMESPACE_OID, 0, s.comment ?? (s.name === 'public' ? 'standard public schema' : undefined));
  for (const t of snap.tables) {
    add(descriptorOid(t.id), PG_CLASS_OID, 0, t.comment);
    t.columns.filter((c) => !c.hidden).forEach((c, i) => add(descriptorOid(t.id), PG_CLASS_OID, i + 1, c.comment));
    for (const i of indexesOf(t)) add(indexOid(t.id, i.id), PG_CLASS_OID, 0, i.comment);
  }
  for (const v of snap.views) add(descriptorOid(v.id), PG_CLASS_OID, 0, v.comment);
  for (const q of snap.sequences) add(descriptorOid(q.id), PG_CLASS_OID, 0, q.comment);
  for (const t of snap.types) add(descriptorOid(t.id), PG_TYPE_OID, 0, t.comment);
  return out;
}

/** obj_description(oid, catalog) / col_description(oid, attnum): the comment, or null. */
export function descriptionOf(snap: CatalogSnapshot, objoid: number, classoid: number | null, objsubid: number): string | null {
  const row = descriptionRows(snap).find((r) => r['objoid'] === objoid && r['objsubid'] === objsubid && (classoid === null || r['classoid'] === classoid));
  return (row?.['description'] as string | undefined) ?? null;
}
