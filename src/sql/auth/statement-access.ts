/**
 * What a statement needs before it may run, and the check itself. `requiredAccess` lists
 * the privileges (or ownerships) a statement uses, from the statement and the tables its
 * planning resolved; `checkAccess` asks decideAccess about each and throws 42501 with
 * PostgreSQL's message for the first one denied. Both are synchronous: no await between
 * the check and the statement's start.
 */
import { assertNever } from '../../util/index.ts';
import type { TableDesc } from '../catalog/descriptors.ts';
import type { Statement, TableRef } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { AuthReader } from './auth-catalog.ts';
import { decideAccess, decideOwnership, type ObjectKind, type Privilege } from './privileges.ts';

export interface AccessTarget {
  readonly kind: ObjectKind;
  readonly id: number;
  /** The name in messages: `permission denied for table t`. */
  readonly label: string;
  readonly need: Privilege | 'owner';
  /** For 'owner' messages about an index: `must be owner of index i`. */
  readonly ownerLabel?: string;
}

export interface AccessContext {
  /** Every table the statement's planning resolved, in order, repeats included. */
  readonly referenced: readonly TableDesc[];
  schemaId(schema: string | null): number | null;
  schemaName(id: number): string;
  lookupTable(ref: TableRef): TableDesc | null;
  /** The table an index belongs to, or null. */
  lookupIndexTable(ref: TableRef): TableDesc | null;
}

function onTable(t: TableDesc, need: Privilege | 'owner', ctx: AccessContext): AccessTarget[] {
  return [
    { kind: 'schema', id: t.schemaId, label: ctx.schemaName(t.schemaId), need: 'USAGE' },
    { kind: 'table', id: t.id, label: t.name, need },
  ];
}

export function requiredAccess(stmt: Statement, ctx: AccessContext): AccessTarget[] {
  switch (stmt.kind) {
    case 'select':
      return ctx.referenced.flatMap((t) => onTable(t, 'SELECT', ctx));
    case 'insert':
    case 'update':
    case 'delete': {
      const others = [...ctx.referenced];
      // planDml resolves the target first, so its first occurrence is the target.
      const targetAt = others.findIndex((t) => t.name === stmt.table.name);
      const target = targetAt >= 0 ? others.splice(targetAt, 1)[0]! : null;
      if (target === null) return others.flatMap((t) => onTable(t, 'SELECT', ctx));
      // Reading the target's rows (WHERE, RETURNING) needs SELECT too, as in PostgreSQL.
      const reads = stmt.returning.length > 0 || (stmt.kind !== 'insert' && stmt.where !== null);
      return [
        ...onTable(target, stmt.kind.toUpperCase() as Privilege, ctx),
        ...(reads ? onTable(target, 'SELECT', ctx) : []),
        ...others.flatMap((t) => onTable(t, 'SELECT', ctx)),
      ];
    }
    case 'explain':
      return requiredAccess(stmt.statement, ctx);
    case 'create-table': {
      const id = ctx.schemaId(stmt.table.schema);
      return id === null ? [] : [{ kind: 'schema', id, label: stmt.table.schema ?? 'public', need: 'CREATE' }];
    }
    case 'drop-table':
      return stmt.tables.flatMap((ref) => {
        const t = ctx.lookupTable(ref);
        return t === null ? [] : onTable(t, 'owner', ctx);
      });
    case 'create-index': {
      const t = ctx.lookupTable(stmt.table);
      return t === null ? [] : onTable(t, 'owner', ctx);
    }
    case 'drop-index':
      return stmt.names.flatMap((ref) => {
        const t = ctx.lookupIndexTable(ref);
        return t === null ? [] : onTable(t, 'owner', ctx).map((a) => (a.kind === 'table' ? { ...a, ownerLabel: `index ${ref.name}` } : a));
      });
    case 'lock':
      // LOCK TABLE needs some privilege on each table; reading it is the least (ACCESS SHARE).
      return stmt.tables.flatMap((ref) => {
        const t = ctx.lookupTable(ref);
        return t === null ? [] : onTable(t, 'SELECT', ctx);
      });
    case 'truncate':
      return stmt.tables.flatMap((ref) => {
        const t = ctx.lookupTable(ref);
        return t === null ? [] : onTable(t, 'TRUNCATE', ctx);
      });
    case 'alter-table': {
      const t = ctx.lookupTable(stmt.table);
      return t === null ? [] : onTable(t, 'owner', ctx);
    }
    case 'comment': {
      // Commenting on a table, its columns or indexes needs ownership, as in PostgreSQL.
      const target = stmt.target;
      if (target.kind !== 'table' && target.kind !== 'column') return [];
      const t = ctx.lookupTable(target.ref);
      return t === null ? [] : onTable(t, 'owner', ctx);
    }
    case 'analyze':
      // Named tables need ownership (PostgreSQL warns and skips them instead); without
      // names every table is counted: statistics reveal row counts only to the planner.
      return stmt.tables.flatMap((ref) => {
        const t = ctx.lookupTable(ref);
        return t === null ? [] : onTable(t, 'owner', ctx);
      });
    case 'create-view': {
      const id = ctx.schemaId(stmt.view.schema);
      const schema = id === null ? [] : [{ kind: 'schema' as const, id, label: stmt.view.schema ?? 'public', need: 'CREATE' as const }];
      return [...schema, ...ctx.referenced.flatMap((t) => onTable(t, 'SELECT', ctx))];
    }
    case 'create-enum':
    case 'create-sequence': {
      const ref = stmt.name;
      const id = ctx.schemaId(ref.schema);
      return id === null ? [] : [{ kind: 'schema', id, label: ref.schema ?? 'public', need: 'CREATE' }];
    }
    // Views, schemas, databases, enum types and sequences have no recorded owner yet: dropping
    // them, and creating schemas and databases, is not checked beyond LOGIN/CONNECT (a gap,
    // see docs/decisions/0030).
    case 'drop-view': case 'create-schema': case 'drop-schema': case 'create-database': case 'drop-database':
    case 'drop-type': case 'drop-sequence': case 'alter-sequence':
      return [];
    // Transaction control, settings and role statements (checked as they run) touch no object.
    // The statement a PREPARE names is checked when EXECUTE runs it; ALTER ... OWNER TO checks
    // ownership itself (session-auth.ts alterOwner).
    case 'prepare': case 'execute': case 'deallocate': case 'alter-owner': case 'do': case 'create-extension':
    case 'begin': case 'commit': case 'rollback': case 'set': case 'reset': case 'show': case 'auth': case 'unsupported':
    case 'savepoint': case 'rollback-to': case 'release':
      return [];
    default:
      return assertNever(stmt, 'statement');
  }
}

/** Throws 42501 for the first target `user` may not use; does nothing for a superuser. */
export function checkAccess(reader: AuthReader, user: string, targets: readonly AccessTarget[]): void {
  if (targets.length === 0) return;
  if (reader.role(user)?.superuser === true) return;
  for (const t of targets) {
    const acl = reader.objectAcl(t.kind, t.id);
    if (t.need === 'owner') {
      if (!decideOwnership(reader.lookup, user, acl)) throw sqlError('42501', `must be owner of ${t.ownerLabel ?? `${t.kind} ${t.label}`}`);
    } else if (!decideAccess(reader.lookup, user, t.need, acl).ok) {
      throw sqlError('42501', `permission denied for ${t.kind} ${t.label}`);
    }
  }
}
