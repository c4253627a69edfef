/**
 * One statement's view of the catalog for pg_catalog and information_schema: the
 * descriptors of the session's database (with its transaction's own DDL over the shared
 * cache), the roles, and lookups between names and OIDs (the reg* types). Built lazily,
 * at most once per statement, from memory only (the catalog cache never reads KV).
 */
import type { Catalog, CatalogChanges } from '../catalog/catalog.ts';
import type { DatabaseDesc, Descriptor, IndexDesc, RoleDesc, SchemaDesc, SequenceDesc, TableDesc, TypeDesc, ViewDesc } from '../catalog/descriptors.ts';
import { sqlError } from '../sql-error.ts';
import type { ObjectNames } from '../types/text-io.ts';
import { resolveTypeName, typeOid, type OidAlias } from '../types/types.ts';
import { BUILTIN_TYPES, builtinType, formatType } from './builtin-types.ts';
import { decodeOid, descriptorOid, indexOid, INFORMATION_SCHEMA_NAMESPACE_OID, PG_CATALOG_NAMESPACE_OID, roleOid } from './oids.ts';
import { BUILTIN_PROCS } from './procs.ts';
import { quoteIdent } from './names.ts';
import { VIRTUAL_RELATIONS, type VirtualRelation } from './registry.ts';

/** What the session hands the executor: the snapshot, made on first use. */
export interface PgCatalog {
  snapshot(): CatalogSnapshot;
}

export interface NamespaceInfo {
  readonly oid: number;
  readonly name: string;
}

export type Relation =
  | { readonly kind: 'table'; readonly table: TableDesc }
  | { readonly kind: 'index'; readonly table: TableDesc; readonly index: IndexDesc }
  | { readonly kind: 'virtual'; readonly rel: VirtualRelation }
  | { readonly kind: 'sequence'; readonly sequence: SequenceDesc }
  | { readonly kind: 'view'; readonly view: ViewDesc };

// Built on first use: registry.ts and this module import each other.
let virtualIndex: { readonly byName: ReadonlyMap<string, VirtualRelation>; readonly byOid: ReadonlyMap<number, VirtualRelation> } | null = null;
function virtuals(): NonNullable<typeof virtualIndex> {
  virtualIndex ??= { byName: new Map(VIRTUAL_RELATIONS.map((r) => [`${r.schema}.${r.name}`, r])), byOid: new Map(VIRTUAL_RELATIONS.map((r) => [r.oid, r])) };
  return virtualIndex;
}

export const BUILTIN_NAMESPACES: readonly NamespaceInfo[] = [
  { oid: PG_CATALOG_NAMESPACE_OID, name: 'pg_catalog' },
  { oid: INFORMATION_SCHEMA_NAMESPACE_OID, name: 'information_schema' },
];

export class CatalogSnapshot implements ObjectNames {
  readonly namespaces: readonly NamespaceInfo[];
  private readonly schemaById: ReadonlyMap<number, SchemaDesc>;
  private readonly tableById: ReadonlyMap<number, TableDesc>;

  private constructor(
    readonly databases: readonly DatabaseDesc[],
    readonly database: DatabaseDesc,
    readonly schemas: readonly SchemaDesc[],
    readonly tables: readonly TableDesc[],
    readonly roles: readonly RoleDesc[],
    readonly user: string,
    /** Schema names in search order (pg_catalog first, as PostgreSQL searches it implicitly). */
    readonly searchPath: readonly string[],
  ) {
    this.namespaces = [...BUILTIN_NAMESPACES, ...schemas.map((s) => ({ oid: descriptorOid(s.id), name: s.name }))];
    this.schemaById = new Map(schemas.map((s) => [s.id, s]));
    this.tableById = new Map(tables.map((t) => [t.id, t]));
    for (const t of tables) {
      this.relationByName.set(`${t.schemaId}/${t.name}`, descriptorOid(t.id));
      for (const i of indexesOf(t)) this.relationByName.set(`${t.schemaId}/${i.name}`, indexOid(t.id, i.id));
    }
  }

  /** Enum types (CREATE TYPE ... AS ENUM) of the database. */
  types: readonly TypeDesc[] = [];
  /** Sequences of the database (pg_class relkind 'S'). */
  sequences: readonly SequenceDesc[] = [];
  /** Views of the database (pg_class relkind 'v'). */
  views: readonly ViewDesc[] = [];

  sequence(id: number): SequenceDesc | null {
    return this.sequences.find((q) => q.id === id) ?? null;
  }

  enumType(oid: number): TypeDesc | null {
    return this.types.find((t) => descriptorOid(t.id) === oid) ?? null;
  }

  /** format_type of a built-in or enum type (an enum's array is its OID + 1,000,000). */
  typeName(oid: number, typmod: number | null): string | null {
    const builtin = formatType(oid, typmod);
    if (builtin !== null) return builtin;
    const e = this.enumType(oid) ?? this.enumType(oid - 1_000_000);
    if (e === null) return null;
    // Qualified unless its schema is on the search path (pg_dump sets an empty one).
    const schema = this.schema(e.schemaId)?.name ?? 'public';
    const name = this.searchPath.includes(schema) ? quoteIdent(e.name) : `${quoteIdent(schema)}.${quoteIdent(e.name)}`;
    return this.enumType(oid) === null ? `${name}[]` : name;
  }

  /** "<schema id>/<name>" -> OID of the table or index (one relation namespace per schema). */
  private readonly relationByName = new Map<string, number>();

  /** The committed descriptors with `changes` (a transaction's own DDL) over them. */
  static build(catalog: Catalog, changes: CatalogChanges | null, databaseName: string, user: string, searchPathSetting: string): CatalogSnapshot {
    const byId = new Map<number, Descriptor>();
    for (const d of catalog.descriptorList()) byId.set(d.id, d);
    for (const [id, d] of changes?.descriptors ?? []) {
      if (d === null) byId.delete(id);
      else byId.set(id, d);
    }
    const all = [...byId.values()].sort((a, b) => a.id - b.id);
    const databases = all.filter((d): d is DatabaseDesc => d.kind === 'database');
    const database = databases.find((d) => d.name === databaseName);
    if (database === undefined) throw sqlError('3D000', `database "${databaseName}" does not exist`);
    const schemas = all.filter((d): d is SchemaDesc => d.kind === 'schema' && d.databaseId === database.id);
    const tables = all.filter((d): d is TableDesc => d.kind === 'table' && d.databaseId === database.id);
    const types = all.filter((d): d is TypeDesc => d.kind === 'type' && d.databaseId === database.id);
    const sequences = all.filter((d): d is SequenceDesc => d.kind === 'sequence' && d.databaseId === database.id);
    const path = ['pg_catalog', ...searchPathSetting.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1')).map((s) => (s === '$user' ? user : s))];
    const snap = new CatalogSnapshot(databases, database, schemas, tables, catalog.roleList(), user, path.filter((s) => s !== ''));
    snap.types = types;
    snap.sequences = sequences;
    for (const q of sequences) snap.relationByName.set(`${q.schemaId}/${q.name}`, descriptorOid(q.id));
    snap.views = all.filter((d): d is ViewDesc => d.kind === 'view' && d.databaseId === database.id);
    for (const v of snap.views) snap.relationByName.set(`${v.schemaId}/${v.name}`, descriptorOid(v.id));
    return snap;
  }

  schemaOid(table: TableDesc): number {
    return descriptorOid(table.schemaId);
  }

  namespaceName(oid: number): string | null {
    return this.namespaces.find((n) => n.oid === oid)?.name ?? null;
  }

  table(id: number): TableDesc | null {
    return this.tableById.get(id) ?? null;
  }

  schema(id: number): SchemaDesc | null {
    return this.schemaById.get(id) ?? null;
  }

  /** The relation (table, index or catalog table) an OID names, or null. */
  relation(oid: number): Relation | null {
    const d = decodeOid(oid);
    if (d.kind === 'descriptor') {
      const t = this.tableById.get(d.id);
      if (t !== undefined) return { kind: 'table', table: t };
      const q = this.sequence(d.id);
      if (q !== null) return { kind: 'sequence', sequence: q };
      const v = this.views.find((x) => x.id === d.id);
      return v === undefined ? null : { kind: 'view', view: v };
    }
    if (d.kind === 'index') {
      const t = this.tableById.get(d.tableId);
      const index = t === undefined ? undefined : indexesOf(t).find((i) => i.id === d.indexId);
      return t === undefined || index === undefined ? null : { kind: 'index', table: t, index };
    }
    const rel = virtuals().byOid.get(oid);
    return rel === undefined ? null : { kind: 'virtual', rel };
  }

  /** A relation's name and namespace. */
  relationName(rel: Relation): { readonly name: string; readonly namespace: string } {
    switch (rel.kind) {
      case 'table': return { name: rel.table.name, namespace: this.schema(rel.table.schemaId)?.name ?? 'public' };
      case 'index': return { name: rel.index.name, namespace: this.schema(rel.table.schemaId)?.name ?? 'public' };
      case 'virtual': return { name: rel.rel.name, namespace: rel.rel.schema };
      case 'sequence': return { name: rel.sequence.name, namespace: this.schema(rel.sequence.schemaId)?.name ?? 'public' };
      case 'view': return { name: rel.view.name, namespace: this.schema(rel.view.schemaId)?.name ?? 'public' };
    }
  }

  /** Whether an unqualified name finds this relation first along the search path. */
  isVisible(oid: number): boolean {
    const rel = this.relation(oid);
    if (rel === null) return false;
    const { name } = this.relationName(rel);
    return this.lookupRelation(null, name) === oid;
  }

  /** The OID of a relation by (optional) schema and name, searching the path; null if none. */
  lookupRelation(schema: string | null, name: string): number | null {
    for (const ns of schema === null ? this.searchPath : [schema]) {
      const v = virtuals().byName.get(`${ns}.${name}`);
      if (v !== undefined) return v.oid;
      const s = this.schemas.find((x) => x.name === ns);
      const oid = s === undefined ? undefined : this.relationByName.get(`${s.id}/${name}`);
      if (oid !== undefined) return oid;
    }
    return null;
  }

  nameOf(reg: OidAlias, oidValue: bigint): string | null {
    const oid = Number(oidValue);
    switch (reg) {
      case 'regclass': {
        const rel = this.relation(oid);
        if (rel === null) return null;
        const n = this.relationName(rel);
        return this.isVisible(oid) ? quoteIdent(n.name) : `${quoteIdent(n.namespace)}.${quoteIdent(n.name)}`;
      }
      case 'regtype': return this.typeName(oid, null);
      case 'regnamespace': {
        const n = this.namespaceName(oid);
        return n === null ? null : quoteIdent(n);
      }
      case 'regrole': {
        const r = this.roles.find((x) => roleOid(x.name, x.name === 'root') === oid);
        return r === undefined ? null : quoteIdent(r.name);
      }
      case 'regproc': case 'regprocedure': {
        const p = BUILTIN_PROCS.find((x) => x.oid === oid);
        if (p === undefined) return null;
        return reg === 'regproc' ? p.name : `${p.name}(${p.args.map((a) => builtinType(a)?.display ?? '?').join(',')})`;
      }
      case 'regoper': case 'oid':
        return null;
    }
  }

  oidOf(reg: OidAlias, text: string): bigint {
    const parts = splitQualifiedName(text);
    const name = parts[parts.length - 1] ?? '';
    const schema = parts.length > 1 ? parts[parts.length - 2]! : null;
    switch (reg) {
      case 'regclass': {
        const oid = this.lookupRelation(schema, name);
        if (oid === null) throw sqlError('42P01', `relation "${text}" does not exist`);
        return BigInt(oid);
      }
      case 'regtype': {
        const e = this.types.find((t) => t.name === name);
        // '"pg_catalog"."int4"' (quoted, qualified) names the type by its last part.
        return BigInt(e !== undefined ? descriptorOid(e.id) : regtypeOid(parts.length > 1 || text.includes('"') ? name : text));
      }
      case 'regnamespace': {
        const ns = this.namespaces.find((n) => n.name === name);
        if (ns === undefined) throw sqlError('42704', `schema "${text}" does not exist`);
        return BigInt(ns.oid);
      }
      case 'regrole': {
        const r = this.roles.find((x) => x.name === name);
        if (r === undefined) throw sqlError('42704', `role "${text}" does not exist`);
        return BigInt(roleOid(r.name, r.name === 'root'));
      }
      case 'regproc': case 'regprocedure': {
        const p = BUILTIN_PROCS.find((x) => x.name === name.replace(/\(.*$/, ''));
        if (p === undefined) throw sqlError('42883', `function "${text}" does not exist`);
        return BigInt(p.oid);
      }
      case 'regoper': case 'oid':
        throw sqlError('0A000', `${reg} input of names is not supported`);
    }
  }
}

/** Every index of a table as pg_catalog shows them: the primary key unless it is the hidden rowid. */
export function indexesOf(table: TableDesc): IndexDesc[] {
  const pk = table.primaryIndex;
  const hiddenPk = pk.columnIds.length === 1 && table.columns.find((c) => c.id === pk.columnIds[0])?.hidden === true;
  return hiddenPk ? [...table.indexes] : [pk, ...table.indexes];
}

function regtypeOid(text: string): number {
  const t = text.trim().toLowerCase().replace(/^pg_catalog\./, '');
  const direct = BUILTIN_TYPES.find((b) => b.name === t || b.display === t);
  if (direct !== undefined) return direct.oid;
  try {
    const isArray = t.endsWith('[]');
    const base = typeOid(resolveTypeName({ name: t.replace(/\[\]$/, '').replace(/\(.*\)$/, ''), mods: [], isArray: false, pos: -1 }));
    return isArray ? (builtinType(base)?.array ?? base) : base;
  } catch {
    throw sqlError('42704', `type "${text}" does not exist`);
  }
}

/** `a.b`, `"A"."b c"`: identifier parts, unquoted ones folded to lower case. */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') { quoted = true; wasQuoted = true; }
    else if (c === '.') { parts.push(cur); cur = ''; wasQuoted = false; }
    else cur += wasQuoted ? c : c.toLowerCase();
  }
  parts.push(cur.trim());
  return parts;
}

export { quoteIdent } from './names.ts';
