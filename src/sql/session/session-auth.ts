/**
 * The session's side of access control: the check before every statement, role and
 * privilege statements, and table ownership following CREATE/DROP TABLE. Kept apart from
 * session-impl.ts, which only calls these three at their places.
 */
import { randomBytes } from 'node:crypto';
import type { Catalog } from '../catalog/catalog.ts';
import type { TableDesc } from '../catalog/descriptors.ts';
import { AuthReader, deletePrivileges, writePrivileges } from '../auth/auth-catalog.ts';
import { runAuthStatement } from '../auth/auth-exec.ts';
import { checkAccess, requiredAccess, type AccessContext } from '../auth/statement-access.ts';
import type { Statement, TableRef } from '../parser/ast.ts';
import type { QueryEvent } from '../session.ts';
import { sqlError } from '../sql-error.ts';
import { isMemberOf, type ObjectKind } from '../auth/privileges.ts';
import type { OpenTxn } from './txn-state.ts';

export interface SessionAuthHost {
  /** The current role: the session user, or the role SET ROLE chose. Privileges are its. */
  readonly user: string;
  /** The user the session authenticated as (SET ROLE is checked against its memberships). */
  readonly sessionUser: string;
  readonly databaseId: number;
  readonly catalog: Catalog;
  open(): OpenTxn | null;
  ensureTxn(): OpenTxn;
  lookupTable(ref: TableRef): TableDesc | null;
  lookupName(ref: TableRef): ReturnType<Catalog['name']>;
}

function reader(host: SessionAuthHost): AuthReader {
  return new AuthReader(host.catalog, host.open()?.changes ?? null);
}

/**
 * The privilege check every statement passes before it runs (42501 otherwise).
 * `referenced`: every table the statement's planning resolved. Synchronous: nothing can
 * change the grants between this check and the statement's start.
 */
export function authorize(host: SessionAuthHost, stmt: Statement, referenced: readonly TableDesc[]): void {
  const auth = reader(host);
  if (stmt.kind === 'set' && stmt.name === 'role') return checkSetRole(auth, host.sessionUser, stmt.value);
  if (auth.role(host.user)?.superuser === true) return;
  const catalog = host.catalog;
  const ctx: AccessContext = {
    referenced,
    schemaId: (schema) => (host.open()?.view ?? catalog).schema(host.databaseId, schema ?? 'public')?.id ?? null,
    schemaName: (id) => {
      const d = catalog.descriptor(id);
      return d !== null && d.kind === 'schema' ? d.name : String(id);
    },
    lookupTable: (ref) => host.lookupTable(ref),
    lookupIndexTable: (ref) => {
      const entry = host.lookupName(ref);
      if (entry === null || entry.kind !== 'index') return null;
      const open = host.open();
      return open !== null ? open.view.table(entry.tableId) : (catalog.descriptor(entry.tableId) as TableDesc | null);
    },
  };
  checkAccess(auth, host.user, requiredAccess(stmt, ctx));
}

/**
 * SET ROLE r: r must exist and the session user must be a member of it (or a superuser);
 * SET ROLE NONE / DEFAULT returns to the session user.
 */
function checkSetRole(auth: AuthReader, sessionUser: string, value: Extract<Statement, { kind: 'set' }>['value']): void {
  if (value.kind === 'default') return;
  const first = value.values[0];
  const name = value.values.length === 1 && first !== undefined && first.kind === 'string' ? first.text : null;
  if (name === null) throw sqlError('22023', 'invalid value for parameter "role"');
  if (name === 'none') return;
  if (auth.role(name) === null) throw sqlError('22023', `role "${name}" does not exist`);
  const self = auth.role(sessionUser);
  if (self?.superuser === true || isMemberOf(auth.lookup, sessionUser, name)) return;
  throw sqlError('42501', `permission denied to set role "${name}"`);
}

/** Role and privilege statements, in the session's transaction. */
export async function* runAuth(host: SessionAuthHost, stmt: Extract<Statement, { kind: 'auth' }>): AsyncGenerator<QueryEvent> {
  const open = host.ensureTxn();
  const result = await runAuthStatement(stmt.statement, {
    txn: open.txn,
    changes: open.changes,
    reader: new AuthReader(host.catalog, open.changes),
    catalog: host.catalog,
    user: host.user,
    databaseId: host.databaseId,
    resolveTable: (schema, name) => host.lookupTable({ schema, name, alias: null, pos: -1 }),
    newSalt: () => randomBytes(16),
  });
  for (const notice of result.notices) yield { kind: 'notice', notice };
  yield { kind: 'command-complete', tag: result.tag };
}

/**
 * ALTER ... OWNER TO role: tables, sequences, schemas and databases record their owner with
 * their privileges; views and enum types have no owner record (a notice says so). Only a
 * superuser or the current owner may give an object away (42501).
 */
export async function* alterOwner(host: SessionAuthHost, stmt: Extract<Statement, { kind: 'alter-owner' }>): AsyncGenerator<QueryEvent> {
  const auth = reader(host);
  if (auth.role(stmt.owner) === null) throw sqlError('42704', `role "${stmt.owner}" does not exist`);
  let target: { id: number; kind: ObjectKind } | null = null;
  let label = stmt.name;
  if (stmt.objectType === 'relation' || stmt.objectType === 'type') {
    const parts = stmt.name.split('.');
    const ref = stmt.relation ?? { schema: parts.length > 1 ? parts[0]! : null, name: parts[parts.length - 1]!, alias: null, pos: -1 };
    const entry = host.lookupName(ref);
    if (entry === null) throw sqlError('42P01', `relation "${stmt.name}" does not exist`);
    if (entry.kind === 'table') target = { id: entry.tableId, kind: 'table' };
    else if (entry.kind === 'sequence') target = { id: entry.sequenceId, kind: 'sequence' };
    label = ref.name;
  } else if (stmt.objectType === 'schema') {
    const schema = (host.open()?.view ?? host.catalog).schema(host.databaseId, stmt.name);
    if (schema === null) throw sqlError('3F000', `schema "${stmt.name}" does not exist`);
    target = { id: schema.id, kind: 'schema' };
  } else {
    const db = host.catalog.database(stmt.name);
    if (db === null) throw sqlError('3D000', `database "${stmt.name}" does not exist`);
    target = { id: db.id, kind: 'database' };
  }
  const tag = stmt.objectType === 'relation' ? 'ALTER TABLE' : `ALTER ${stmt.objectType.toUpperCase()}`;
  if (target === null) {
    yield { kind: 'notice', notice: { severity: 'NOTICE', code: '00000', message: `the owner of ${label} is not recorded (views and types have no owner in Tessera)` } };
    yield { kind: 'command-complete', tag };
    return;
  }
  const acl = auth.objectAcl(target.kind, target.id);
  if (auth.role(host.user)?.superuser !== true && acl.owner !== host.user) throw sqlError('42501', `must be owner of ${stmt.objectType === 'relation' ? 'table' : stmt.objectType} ${label}`);
  writePrivileges(host.ensureTxn().txn, host.ensureTxn().changes, target.id, target.kind, { owner: stmt.owner, acl: acl.acl });
  yield { kind: 'command-complete', tag };
}

/**
 * Ownership follows the table: CREATE TABLE records its creator as owner, DROP TABLE
 * removes the record (ids are never reused, but DROP ROLE looks for owned objects).
 */
export async function* withOwnership(host: SessionAuthHost, stmt: Statement, events: AsyncGenerator<QueryEvent>): AsyncGenerator<QueryEvent> {
  if (stmt.kind !== 'create-table' && stmt.kind !== 'drop-table') return yield* events;
  const refs = stmt.kind === 'create-table' ? [stmt.table] : stmt.tables;
  const before = refs.map((ref) => host.lookupTable(ref));
  yield* events;
  const open = host.open();
  if (open === null) return;
  refs.forEach((ref, i) => {
    const was = before[i] ?? null;
    const now = host.lookupTable(ref);
    if (stmt.kind === 'create-table' && was === null && now !== null) writePrivileges(open.txn, open.changes, now.id, 'table', { owner: host.user, acl: [] });
    if (stmt.kind === 'drop-table' && was !== null && now === null) deletePrivileges(open.txn, open.changes, was.id);
  });
}
