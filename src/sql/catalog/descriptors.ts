/**
 * Catalog descriptors: what the catalog stores (as JSON) under /system/desc/<id>. Every
 * descriptor carries a version that each change increments, so a cached plan can tell
 * that the table it was planned against has changed.
 */
import type { Direction } from '../../util/encoding/index.ts';
import type { Expr, SelectStmt } from '../parser/ast.ts';
import type { EvalContext } from '../expr/bound.ts';
import type { SqlType, Value } from '../types/types.ts';

export interface DatabaseDesc {
  readonly kind: 'database';
  readonly id: number;
  readonly version: number;
  readonly name: string;
}

export interface SchemaDesc {
  readonly kind: 'schema';
  readonly id: number;
  readonly version: number;
  readonly name: string;
  readonly databaseId: number;
  /** COMMENT ON (pg_description); absent when there is none. The same on the kinds below. */
  readonly comment?: string;
}

export interface ColumnDesc {
  /** Stable within the table; never reused. Row values are keyed by it. */
  readonly id: number;
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** DEFAULT expression (our AST as JSON), evaluated per inserted row. */
  readonly defaultExpr: Expr | null;
  /** The implicit rowid of a table without a primary key: not in SELECT *. */
  readonly hidden: boolean;
  /** GENERATED ALWAYS / BY DEFAULT AS IDENTITY (its default is its sequence's nextval). */
  readonly identity?: 'always' | 'by-default';
  readonly comment?: string;
}

export interface IndexDesc {
  /** 1 is always the primary index. */
  readonly id: number;
  readonly name: string;
  readonly unique: boolean;
  readonly columnIds: readonly number[];
  readonly directions: readonly Direction[];
  /** Made by a UNIQUE constraint (pg_constraint lists it), not by CREATE UNIQUE INDEX. */
  readonly constraint?: boolean;
  /** A partial index: only rows for which this (our AST as JSON) is true have an entry. */
  readonly predicate?: Expr;
  readonly comment?: string;
}

/** A CHECK constraint: a row may not make `expr` false (NULL passes). */
export interface CheckDesc {
  readonly name: string;
  /** Our AST as JSON, over the table's columns. */
  readonly expr: Expr;
}

/** A FOREIGN KEY of this table (the referencing side); MATCH SIMPLE. */
export interface ForeignKeyDesc {
  readonly name: string;
  readonly columnIds: readonly number[];
  readonly refTableId: number;
  /** The referenced table's primary key or unique index columns, in `columnIds` order. */
  readonly refColumnIds: readonly number[];
  readonly onDelete: 'no-action' | 'restrict' | 'cascade' | 'set-null' | 'set-default';
  readonly onUpdate: 'no-action' | 'restrict' | 'cascade' | 'set-null' | 'set-default';
}

/** A view: its query, planned where it is referenced. */
export interface ViewDesc {
  readonly kind: 'view';
  readonly id: number;
  readonly version: number;
  readonly name: string;
  readonly databaseId: number;
  readonly schemaId: number;
  readonly columnNames: readonly string[];
  /** Our AST as JSON. */
  readonly query: SelectStmt;
  /** The tables and views its query reads (DROP of one of them needs CASCADE). */
  readonly dependsOn?: readonly number[];
  /** The query as SQL, names qualified (pg_get_viewdef); views created before it have none. */
  readonly definition?: string;
  /** Each column's type OID and typmod (pg_attribute); absent on views created before. */
  readonly columnTypes?: readonly { readonly oid: number; readonly typmod: number }[];
  readonly comment?: string;
}

export interface TableDesc {
  readonly kind: 'table';
  readonly id: number;
  readonly version: number;
  readonly name: string;
  readonly databaseId: number;
  readonly schemaId: number;
  readonly columns: readonly ColumnDesc[];
  readonly primaryIndex: IndexDesc;
  readonly indexes: readonly IndexDesc[];
  readonly nextColumnId: number;
  readonly nextIndexId: number;
  readonly checks?: readonly CheckDesc[];
  readonly foreignKeys?: readonly ForeignKeyDesc[];
  readonly comment?: string;
  /** What the last ANALYZE counted: the planner's estimates read it (pg_class.reltuples shows it). */
  readonly stats?: TableStats;
  /**
   * Set only on the virtual tables of pg_catalog and information_schema (src/sql/pgcatalog):
   * never stored; scans of them read `rows` instead of KV.
   */
  readonly virtual?: VirtualSource;
}

export interface TableStats {
  /** Live rows when ANALYZE ran. */
  readonly rows: number;
  /** When, as an ISO timestamp. */
  readonly analyzedAt: string;
}

/** The rows of a virtual table, computed at execution from the catalog the context carries. */
export interface VirtualSource {
  readonly oid: number;
  rows(ctx: EvalContext): readonly (readonly Value[])[];
}


/** A user-defined type: CREATE TYPE ... AS ENUM. Labels sort in declaration order. */
export interface TypeDesc {
  readonly kind: 'type';
  readonly id: number;
  readonly version: number;
  readonly name: string;
  readonly databaseId: number;
  readonly schemaId: number;
  readonly labels: readonly string[];
  readonly comment?: string;
}

/**
 * A sequence. Its current value lives outside the descriptor (sequenceValueKey), written
 * by autonomous transactions, so nextval is never rolled back. 64-bit values are decimal
 * strings in the JSON.
 */
export interface SequenceDesc {
  readonly kind: 'sequence';
  readonly id: number;
  readonly version: number;
  readonly name: string;
  readonly databaseId: number;
  readonly schemaId: number;
  readonly start: string;
  readonly increment: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly cycle: boolean;
  /** The serial or identity column whose default it feeds (dropped with its table). */
  readonly ownedBy: { readonly tableId: number; readonly columnId: number } | null;
  readonly comment?: string;
}

export type Descriptor = DatabaseDesc | SchemaDesc | TableDesc | ViewDesc | TypeDesc | SequenceDesc;

/**
 * A role (user or group), stored under /system/role/<name>. Fields after `superuser` were
 * added with authentication (issue 6); a record without them (the bootstrap root of an
 * older store) reads with the defaults of `roleAttributes` in auth/roles.ts.
 */
export interface RoleDesc {
  readonly name: string;
  readonly superuser: boolean;
  readonly login?: boolean;
  readonly createdb?: boolean;
  readonly createrole?: boolean;
  /** INHERIT: uses the privileges of the roles it is a member of (default true). */
  readonly inherit?: boolean;
  /** Password verifier (SCRAM-SHA-256$... or md5...), never the password; null = none. */
  readonly passwordHash?: string | null;
  /** CONNECTION LIMIT: sessions of this role at once on one node; -1 = no limit. */
  readonly connectionLimit?: number;
  /** VALID UNTIL: after this instant (ms since the epoch) the password no longer authenticates; null = forever. */
  readonly validUntilMs?: number | null;
  /** Roles granted to this one (GRANT r TO this), by name. */
  readonly memberOf?: readonly string[];
}

/**
 * Owner and grants of one database, schema, table or sequence, stored under
 * /system/priv/<object id>. An object without a record has its kind's default ACL
 * (auth/privileges.ts) and is owned by root.
 */
export interface PrivilegeDesc {
  readonly objectId: number;
  readonly objectKind: 'database' | 'schema' | 'table' | 'sequence';
  readonly owner: string;
  readonly acl: readonly { readonly grantee: string; readonly privileges: readonly string[]; readonly grantable: readonly string[] }[];
}

/** What a name in a schema refers to: tables and indexes share PostgreSQL's relation namespace. */
export type NamespaceEntry =
  | { readonly kind: 'table'; readonly tableId: number }
  | { readonly kind: 'index'; readonly tableId: number; readonly indexId: number }
  | { readonly kind: 'view'; readonly viewId: number }
  | { readonly kind: 'type'; readonly typeId: number }
  | { readonly kind: 'sequence'; readonly sequenceId: number };

export const PRIMARY_INDEX_ID = 1;

/** OIDs of enum types as clients see them (RowDescription). */
export function typeDescOid(desc: TypeDesc): number {
  return 100_000 + desc.id;
}

/** Table OIDs as clients see them (RowDescription, pg_class later): stable, derived from the id. */
export function tableOid(table: TableDesc): number {
  return table.virtual?.oid ?? 100_000 + table.id;
}

export function columnById(table: TableDesc, id: number): ColumnDesc {
  const col = table.columns.find((c) => c.id === id);
  if (col === undefined) throw new Error(`column ${id} not in table ${table.name}`);
  return col;
}
