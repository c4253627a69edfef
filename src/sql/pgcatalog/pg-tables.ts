/**
 * The core pg_catalog tables (relations, attributes, types, indexes, constraints,
 * namespaces), generated from the snapshot of Tessera's descriptors. Columns follow
 * PostgreSQL 15; values Tessera has no notion of take PostgreSQL's defaults.
 */
import type { ForeignKeyDesc, TableDesc } from '../catalog/descriptors.ts';
import { T, typeMod, typeOid, typeSize, type SqlType } from '../types/types.ts';
import { BUILTIN_TYPES } from './builtin-types.ts';
import { columns, type RowObject, type VirtualTableDef } from './columns.ts';
import { deparseDefault, deparseExpr, type DeparseNames } from './deparse.ts';
import { quoteIdent } from './names.ts';
import { attrdefOid, BTREE_AM_OID, CHECK_CONSTRAINT_SLOT, constraintOid, FOREIGN_KEY_CONSTRAINT_SLOT, DEFAULT_COLLATION_OID, descriptorOid, HEAP_AM_OID, indexOid, PG_CATALOG_NAMESPACE_OID, SUPERUSER_OID } from './oids.ts';
import { indexesOf, type CatalogSnapshot } from './snapshot.ts';
import { defaultOpclassOid } from './opclasses.ts';
import { VIRTUAL_RELATIONS } from './registry.ts';
import { enumTypeRows, sequenceClassRows } from './pg-tables-types.ts';

const visibleColumns = (t: TableDesc): TableDesc['columns'] => t.columns.filter((c) => !c.hidden);

const classDefaults: RowObject = { relowner: SUPERUSER_OID, reltype: 0, reloftype: 0, reltablespace: 0, relpages: 0, reltuples: -1, relallvisible: 0, reltoastrelid: 0, relisshared: false, relpersistence: 'p', relchecks: 0, relhasrules: false, relhastriggers: false, relhassubclass: false, relrowsecurity: false, relforcerowsecurity: false, relispopulated: true, relreplident: 'd', relispartition: false, relrewrite: 0, relfrozenxid: 0, relminmxid: 0 };

function classRows(snap: CatalogSnapshot): RowObject[] {
  const out: RowObject[] = [];
  for (const t of snap.tables) {
    const ns = snap.schemaOid(t);
    const indexes = indexesOf(t);
    // relchecks and relhastriggers (foreign keys are triggers in PostgreSQL) tell pg_dump where to look.
    const checks = t.checks?.length ?? 0;
    const triggers = (t.foreignKeys?.length ?? 0) > 0;
    out.push({ oid: descriptorOid(t.id), relname: t.name, relnamespace: ns, relam: HEAP_AM_OID, relfilenode: descriptorOid(t.id), relhasindex: indexes.length > 0, relkind: 'r', relnatts: visibleColumns(t).length, relchecks: checks, relhastriggers: triggers, reltuples: t.stats?.rows ?? -1 });
    for (const i of indexes) {
      out.push({ oid: indexOid(t.id, i.id), relname: i.name, relnamespace: ns, relam: BTREE_AM_OID, relfilenode: indexOid(t.id, i.id), relhasindex: false, relkind: 'i', relnatts: i.columnIds.length });
    }
  }
  out.push(...sequenceClassRows(snap));
  for (const v of snap.views) {
    out.push({ oid: descriptorOid(v.id), relname: v.name, relnamespace: descriptorOid(v.schemaId), relam: 0, relfilenode: 0, relhasindex: false, relkind: 'v', relnatts: v.columnNames.length, relhasrules: true });
  }
  return out;
}

/** The catalog tables themselves. */
function virtualClassRows(): RowObject[] {
  return VIRTUAL_RELATIONS.map((v) => ({ oid: v.oid, relname: v.name, relnamespace: v.schema === 'pg_catalog' ? PG_CATALOG_NAMESPACE_OID : 13_000, relam: v.relkind === 'r' ? HEAP_AM_OID : 0, relfilenode: 0, relhasindex: false, relkind: v.relkind, relnatts: v.columns.length }));
}

const attributeDefaults: RowObject = { attstattarget: -1, attndims: 0, attcacheoff: -1, attbyval: false, attalign: 'i', attstorage: 'p', attcompression: '', atthasmissing: false, attidentity: '', attgenerated: '', attisdropped: false, attislocal: true, attinhcount: 0 };

function attributeRows(snap: CatalogSnapshot): RowObject[] {
  const out: RowObject[] = [];
  for (const t of snap.tables) {
    visibleColumns(t).forEach((c, i) => {
      const len = typeSize(c.type);
      const collatable = isCollatable(c.type);
      out.push({ attrelid: descriptorOid(t.id), attname: c.name, atttypid: typeOid(c.type), attlen: len, attnum: i + 1, atttypmod: typeMod(c.type), attbyval: len > 0 && len <= 8, attstorage: len === -1 ? 'x' : 'p', attnotnull: !c.nullable, atthasdef: c.defaultExpr !== null && c.identity === undefined, attidentity: c.identity === 'always' ? 'a' : c.identity === 'by-default' ? 'd' : '', attcollation: collatable ? DEFAULT_COLLATION_OID : 0 });
    });
    for (const idx of indexesOf(t)) {
      idx.columnIds.forEach((id, i) => {
        const c = t.columns.find((x) => x.id === id);
        if (c !== undefined) out.push({ attrelid: indexOid(t.id, idx.id), attname: c.name, atttypid: typeOid(c.type), attlen: typeSize(c.type), attnum: i + 1, atttypmod: typeMod(c.type), attnotnull: false, atthasdef: false, attcollation: 0 });
      });
    }
  }
  // A view's columns; views created before their types were recorded show text.
  for (const v of snap.views) {
    v.columnNames.forEach((name, i) => {
      const t = v.columnTypes?.[i] ?? { oid: 25, typmod: -1 };
      out.push({ attrelid: descriptorOid(v.id), attname: name, atttypid: t.oid, attlen: -1, attnum: i + 1, atttypmod: t.typmod, attnotnull: false, atthasdef: false, attcollation: t.oid === 25 || t.oid === 1043 || t.oid === 1042 ? DEFAULT_COLLATION_OID : 0 });
    });
  }
  return out;
}

function isCollatable(type: SqlType): boolean {
  return type.kind === 'varchar' || type.kind === 'bpchar' || (type.kind === 'text' && type.alias === undefined);
}

function virtualAttributeRows(): RowObject[] {
  return VIRTUAL_RELATIONS.flatMap((v) => v.columns.map((c, i) => ({ attrelid: v.oid, attname: c.name, atttypid: typeOid(c.type), attlen: typeSize(c.type), attnum: i + 1, atttypmod: -1, attnotnull: false, atthasdef: false, attcollation: 0 })));
}

/** Column position (attnum) of each key column of an index (indkey, conkey). */
function attnums(t: TableDesc, ids: readonly number[]): number[] {
  const cols = visibleColumns(t);
  return ids.map((id) => cols.findIndex((c) => c.id === id) + 1);
}

function indexRows(snap: CatalogSnapshot): RowObject[] {
  return snap.tables.flatMap((t) => indexesOf(t).map((i): RowObject => {
    const keys = attnums(t, i.columnIds);
    const types = i.columnIds.map((id) => t.columns.find((c) => c.id === id)?.type ?? T.unknown);
    const primary = i.id === t.primaryIndex.id;
    return {
      indexrelid: indexOid(t.id, i.id), indrelid: descriptorOid(t.id), indnatts: keys.length, indnkeyatts: keys.length, indisunique: i.unique,
      indnullsnotdistinct: false, indisprimary: primary, indisexclusion: false, indimmediate: true, indisclustered: false, indisvalid: true,
      indcheckxmin: false, indisready: true, indislive: true, indisreplident: false, indkey: keys,
      indcollation: types.map((type) => (isCollatable(type) ? DEFAULT_COLLATION_OID : 0)), indclass: types.map(defaultOpclassOid), indoption: i.directions.map((d) => (d === 'desc' ? 3 : 0)),
    };
  }));
}

function constraintRows(snap: CatalogSnapshot): RowObject[] {
  const out: RowObject[] = [];
  for (const t of snap.tables) {
    for (const i of indexesOf(t)) {
      const primary = i.id === t.primaryIndex.id;
      if (!primary && i.constraint !== true) continue;
      out.push({
        oid: constraintOid(t.id, i.id), conname: i.name, connamespace: snap.schemaOid(t), contype: primary ? 'p' : 'u', condeferrable: false, condeferred: false,
        convalidated: true, conrelid: descriptorOid(t.id), contypid: 0, conindid: indexOid(t.id, i.id), conparentid: 0, confrelid: 0, confupdtype: ' ',
        confdeltype: ' ', confmatchtype: ' ', conislocal: true, coninhcount: 0, connoinherit: true, conkey: attnums(t, i.columnIds),
      });
    }
    const common = { connamespace: snap.schemaOid(t), condeferrable: false, condeferred: false, convalidated: true, conrelid: descriptorOid(t.id), contypid: 0, conparentid: 0, conislocal: true, coninhcount: 0 };
    (t.checks ?? []).forEach((c, n) => {
      out.push({ ...common, oid: constraintOid(t.id, CHECK_CONSTRAINT_SLOT + n), conname: c.name, contype: 'c', conindid: 0, confrelid: 0, confupdtype: ' ', confdeltype: ' ', confmatchtype: ' ', connoinherit: false, conkey: attnums(t, columnIdsIn(t, c.expr)), conbin: deparseExpr(c.expr) });
    });
    (t.foreignKeys ?? []).forEach((f, n) => {
      const ref = snap.table(f.refTableId);
      const refIndex = ref === null ? undefined : [ref.primaryIndex, ...ref.indexes].find((i) => i.unique && i.columnIds.length === f.refColumnIds.length && i.columnIds.every((id) => f.refColumnIds.includes(id)));
      out.push({
        ...common, oid: constraintOid(t.id, FOREIGN_KEY_CONSTRAINT_SLOT + n), conname: f.name, contype: 'f', conindid: ref === null || refIndex === undefined ? 0 : indexOid(ref.id, refIndex.id),
        confrelid: descriptorOid(f.refTableId), confupdtype: fkActionCodes[f.onUpdate], confdeltype: fkActionCodes[f.onDelete], confmatchtype: 's', connoinherit: true,
        conkey: attnums(t, f.columnIds), confkey: ref === null ? [] : attnums(ref, f.refColumnIds),
      });
    });
  }
  return out;
}

const fkActionCodes: Readonly<Record<ForeignKeyDesc['onDelete'], string>> = { 'no-action': 'a', restrict: 'r', cascade: 'c', 'set-null': 'n', 'set-default': 'd' };

/** The ids of the table's columns an expression names. */
function columnIdsIn(t: TableDesc, e: unknown): number[] {
  const ids = new Set<number>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const o = v as { kind?: unknown; name?: unknown };
    if (o.kind === 'column' && typeof o.name === 'string') {
      const c = t.columns.find((x) => x.name === o.name);
      if (c !== undefined) ids.add(c.id);
    }
    Object.values(v).forEach(visit);
  };
  visit(e);
  return [...ids];
}

function attrdefRows(snap: CatalogSnapshot): RowObject[] {
  return snap.tables.flatMap((t) => {
    // Names print qualified when their schema is not on the search path (pg_dump empties it).
    const schema = snap.schema(t.schemaId)?.name ?? 'public';
    const names: DeparseNames = {
      sequence: (text) => (text.includes('.') || snap.searchPath.includes(schema) ? text : `${quoteIdent(schema)}.${text}`),
      enumType: (type) => snap.typeName(type.oid, null) ?? quoteIdent(type.name),
    };
    return visibleColumns(t).flatMap((c, i): RowObject[] => (c.defaultExpr === null || c.identity !== undefined ? [] : [{ oid: attrdefOid(t.id, c.id), adrelid: descriptorOid(t.id), adnum: i + 1, adbin: deparseDefault(c.defaultExpr, c.type, names) }]));
  });
}

function typeRows(): RowObject[] {
  return BUILTIN_TYPES.map((t) => ({
    oid: t.oid, typname: t.name, typnamespace: PG_CATALOG_NAMESPACE_OID, typowner: SUPERUSER_OID, typlen: t.len, typbyval: t.len > 0 && t.len <= 8,
    typtype: t.typtype, typcategory: t.category, typispreferred: t.preferred, typisdefined: true, typdelim: ',', typrelid: 0, typsubscript: 0,
    typelem: t.elem, typarray: t.array, typinput: 0, typoutput: 0, typreceive: 0, typsend: 0, typmodin: 0, typmodout: 0, typanalyze: 0,
    typalign: t.len === 8 ? 'd' : t.len === 2 ? 's' : t.len === 1 ? 'c' : 'i', typstorage: t.len === -1 ? 'x' : 'p', typnotnull: false, typbasetype: 0,
    typtypmod: -1, typndims: 0, typcollation: t.category === 'S' ? DEFAULT_COLLATION_OID : 0,
  }));
}

export const CORE_TABLES: readonly VirtualTableDef[] = [
  {
    schema: 'pg_catalog', name: 'pg_class', oid: 1259, relkind: 'r',
    columns: columns('oid oid, relname name, relnamespace oid, reltype oid, reloftype oid, relowner oid, relam oid, relfilenode oid, reltablespace oid, relpages int4, reltuples float4, relallvisible int4, reltoastrelid oid, relhasindex bool, relisshared bool, relpersistence char, relkind char, relnatts int2, relchecks int2, relhasrules bool, relhastriggers bool, relhassubclass bool, relrowsecurity bool, relforcerowsecurity bool, relispopulated bool, relreplident char, relispartition bool, relrewrite oid, relfrozenxid xid, relminmxid xid, relacl aclitem[], reloptions text[], relpartbound pg_node_tree'),
    rows: classRows,
    fixedRows: virtualClassRows,
    defaults: classDefaults,
  },
  {
    schema: 'pg_catalog', name: 'pg_attribute', oid: 1249, relkind: 'r',
    columns: columns('attrelid oid, attname name, atttypid oid, attstattarget int4, attlen int2, attnum int2, attndims int4, attcacheoff int4, atttypmod int4, attbyval bool, attalign char, attstorage char, attcompression char, attnotnull bool, atthasdef bool, atthasmissing bool, attidentity char, attgenerated char, attisdropped bool, attislocal bool, attinhcount int4, attcollation oid, attacl aclitem[], attoptions text[], attfdwoptions text[], attmissingval anyarray'),
    rows: attributeRows,
    fixedRows: virtualAttributeRows,
    defaults: attributeDefaults,
  },
  {
    schema: 'pg_catalog', name: 'pg_index', oid: 2610, relkind: 'r',
    columns: columns('indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool, indnullsnotdistinct bool, indisprimary bool, indisexclusion bool, indimmediate bool, indisclustered bool, indisvalid bool, indcheckxmin bool, indisready bool, indislive bool, indisreplident bool, indkey int2vector, indcollation oidvector, indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred pg_node_tree'),
    rows: indexRows,
  },
  {
    schema: 'pg_catalog', name: 'pg_constraint', oid: 2606, relkind: 'r',
    columns: columns('oid oid, conname name, connamespace oid, contype char, condeferrable bool, condeferred bool, convalidated bool, conrelid oid, contypid oid, conindid oid, conparentid oid, confrelid oid, confupdtype char, confdeltype char, confmatchtype char, conislocal bool, coninhcount int4, connoinherit bool, conkey int2[], confkey int2[], conpfeqop oid[], conppeqop oid[], conffeqop oid[], confdelsetcols int2[], conexclop oid[], conbin pg_node_tree'),
    rows: constraintRows,
  },
  {
    schema: 'pg_catalog', name: 'pg_attrdef', oid: 2604, relkind: 'r',
    columns: columns('oid oid, adrelid oid, adnum int2, adbin pg_node_tree'),
    rows: attrdefRows,
  },
  {
    schema: 'pg_catalog', name: 'pg_type', oid: 1247, relkind: 'r',
    columns: columns('oid oid, typname name, typnamespace oid, typowner oid, typlen int2, typbyval bool, typtype char, typcategory char, typispreferred bool, typisdefined bool, typdelim char, typrelid oid, typsubscript regproc, typelem oid, typarray oid, typinput regproc, typoutput regproc, typreceive regproc, typsend regproc, typmodin regproc, typmodout regproc, typanalyze regproc, typalign char, typstorage char, typnotnull bool, typbasetype oid, typtypmod int4, typndims int4, typcollation oid, typdefaultbin pg_node_tree, typdefault text, typacl aclitem[]'),
    rows: enumTypeRows,
    fixedRows: typeRows,
  },
  {
    schema: 'pg_catalog', name: 'pg_namespace', oid: 2615, relkind: 'r',
    columns: columns('oid oid, nspname name, nspowner oid, nspacl aclitem[]'),
    rows: (snap) => snap.namespaces.map((n) => ({ oid: n.oid, nspname: n.name, nspowner: SUPERUSER_OID })),
  },
];
