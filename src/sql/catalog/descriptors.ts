/**
 * Catalog descriptors: what the catalog stores (as JSON) under /system/desc/<id>. Every
 * descriptor carries a version that each change increments, so a cached plan can tell
 * that the table it was planned against has changed.
 */
import type { Direction } from '../../util/encoding/index.ts';
import type { Expr } from '../parser/ast.ts';
import type { SqlType } from '../types/types.ts';

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
}

export interface IndexDesc {
  /** 1 is always the primary index. */
  readonly id: number;
  readonly name: string;
  readonly unique: boolean;
  readonly columnIds: readonly number[];
  readonly directions: readonly Direction[];
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
}

export type Descriptor = DatabaseDesc | SchemaDesc | TableDesc;

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
  | { readonly kind: 'index'; readonly tableId: number; readonly indexId: number };

export const PRIMARY_INDEX_ID = 1;

/** Table OIDs as clients see them (RowDescription, pg_class later): stable, derived from the id. */
export function tableOid(table: TableDesc): number {
  return 100_000 + table.id;
}

export function columnById(table: TableDesc, id: number): ColumnDesc {
  const col = table.columns.find((c) => c.id === id);
  if (col === undefined) throw new Error(`column ${id} not in table ${table.name}`);
  return col;
}
