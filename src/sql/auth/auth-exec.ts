/**
 * Runs role and privilege statements in the session's transaction: CREATE/ALTER/DROP
 * ROLE|USER, GRANT/REVOKE of privileges and of role membership. Who may run them follows
 * PostgreSQL: superusers anything; CREATEROLE roles manage non-superuser roles; a role may
 * change its own password; privileges are granted by owners, superusers and holders of
 * the grant option.
 */
import type { Txn } from '../../txn/index.ts';
import { assertNever } from '../../util/index.ts';
import type { Catalog, CatalogChanges } from '../catalog/catalog.ts';
import type { RoleDesc, TableDesc } from '../catalog/descriptors.ts';
import { sqlError } from '../sql-error.ts';
import type { Notice } from '../session.ts';
import { roleKey, settingKey } from '../storage/keys.ts';
import { HBA_SETTING, type AuthStatement, type GrantObject, type RoleOption, type RoleSpec } from './auth-ast.ts';
import { parseHba } from './hba.ts';
import { deleteRole, writePrivileges, writeRole, type AuthReader, type RoleAttributes } from './auth-catalog.ts';
import { verifierForNewPassword } from './password.ts';
import { applyGrant, decideGrantOption, isMemberOf, privilegesByKind, PUBLIC_GRANTEE, type ObjectKind, type Privilege } from './privileges.ts';

export interface AuthExecContext {
  readonly txn: Txn;
  readonly changes: CatalogChanges;
  readonly reader: AuthReader;
  readonly catalog: Catalog;
  /** The session's user: the actor whose rights are checked. */
  readonly user: string;
  readonly databaseId: number;
  /** A table of the session's database, by optional schema and name. */
  resolveTable(schema: string | null, name: string): TableDesc | null;
  /** Fresh random salt for a new SCRAM verifier. */
  newSalt(): Buffer;
}

export interface AuthResult {
  readonly tag: string;
  readonly notices: readonly Notice[];
}

export async function runAuthStatement(stmt: AuthStatement, ctx: AuthExecContext): Promise<AuthResult> {
  switch (stmt.kind) {
    case 'create-role':
      await createRole(stmt, ctx);
      return { tag: 'CREATE ROLE', notices: [] };
    case 'alter-role':
      alterRole(stmt, ctx);
      return { tag: 'ALTER ROLE', notices: [] };
    case 'drop-role':
      return { tag: 'DROP ROLE', notices: dropRoles(stmt, ctx) };
    case 'grant':
      grantPrivileges(stmt, ctx);
      return { tag: stmt.grant ? 'GRANT' : 'REVOKE', notices: [] };
    case 'grant-role':
      grantRoles(stmt, ctx);
      return { tag: stmt.grant ? 'GRANT ROLE' : 'REVOKE ROLE', notices: [] };
    case 'set-hba':
      setHba(stmt.text, ctx);
      return { tag: 'ALTER SYSTEM', notices: [] };
    default:
      return assertNever(stmt, 'auth statement');
  }
}

function actor(ctx: AuthExecContext): RoleAttributes {
  const self = ctx.reader.role(ctx.user);
  if (self === null) throw sqlError('42704', `role "${ctx.user}" does not exist`);
  return self;
}

function roleName(spec: RoleSpec, ctx: AuthExecContext): string {
  if (spec.kind === 'current-user') return ctx.user;
  if (spec.kind === 'public') throw sqlError('42704', 'role "public" does not exist');
  return spec.name;
}

function existingRole(name: string, ctx: AuthExecContext): RoleAttributes {
  const role = ctx.reader.role(name);
  if (role === null) throw sqlError('42704', `role "${name}" does not exist`);
  return role;
}

function checkReservedName(name: string): void {
  if (name === PUBLIC_GRANTEE || name === 'none' || name.startsWith('pg_') || name === '') {
    throw sqlError('42939', `role name "${name}" is reserved`);
  }
}

/** Applies role options to a role; `salt` makes the verifier of a new password. */
function withOptions(desc: RoleDesc, options: readonly RoleOption[], ctx: AuthExecContext): RoleDesc {
  let next: RoleDesc = desc;
  for (const o of options) {
    if (o.kind === 'password') {
      const hash = o.value === null || o.value === '' ? null : verifierForNewPassword(o.value, ctx.newSalt());
      next = { ...next, passwordHash: hash };
    } else if (o.kind === 'connection-limit') {
      if (!Number.isSafeInteger(o.value) || o.value < -1) throw sqlError('22023', `invalid connection limit: ${o.value}`);
      next = { ...next, connectionLimit: o.value };
    } else if (o.kind === 'valid-until') {
      next = { ...next, validUntilMs: parseValidUntil(o.value) };
    } else {
      next = { ...next, [o.kind]: o.value };
    }
  }
  return next;
}

async function createRole(stmt: Extract<AuthStatement, { kind: 'create-role' }>, ctx: AuthExecContext): Promise<void> {
  const self = actor(ctx);
  checkReservedName(stmt.name);
  if (!self.superuser && !self.createrole) throw sqlError('42501', 'permission denied to create role', { detail: 'Only roles with the CREATEROLE attribute may create roles.' });
  if (!self.superuser && stmt.options.some((o) => o.kind === 'superuser' && o.value)) {
    throw sqlError('42501', 'permission denied to create role', { detail: 'Only roles with the SUPERUSER attribute may create roles with the SUPERUSER attribute.' });
  }
  // Reading the key in the transaction makes two concurrent CREATEs of one name conflict.
  if (ctx.reader.roleDesc(stmt.name) !== null || (await ctx.txn.get(roleKey(stmt.name))) !== null) {
    throw sqlError('42710', `role "${stmt.name}" already exists`);
  }
  const base: RoleDesc = { name: stmt.name, superuser: false, login: stmt.isUser, createdb: false, createrole: false, inherit: true, passwordHash: null, memberOf: [] };
  writeRole(ctx.txn, ctx.changes, withOptions(base, stmt.options, ctx));
}

function alterRole(stmt: Extract<AuthStatement, { kind: 'alter-role' }>, ctx: AuthExecContext): void {
  const self = actor(ctx);
  const name = roleName(stmt.role, ctx);
  const target = existingRole(name, ctx);
  const onlyPassword = stmt.options.every((o) => o.kind === 'password');
  const touchesSuperuser = target.superuser || stmt.options.some((o) => o.kind === 'superuser');
  const allowed = self.superuser || (self.createrole && !touchesSuperuser) || (name === ctx.user && onlyPassword);
  if (!allowed) throw sqlError('42501', `permission denied to alter role "${name}"`);
  if (name === 'root' && stmt.options.some((o) => (o.kind === 'superuser' || o.kind === 'login') && !o.value)) {
    throw sqlError('42501', 'permission denied: the bootstrap user root must stay a superuser that can log in');
  }
  const desc = ctx.reader.roleDesc(name)!;
  writeRole(ctx.txn, ctx.changes, withOptions({ ...roleRecord(target), ...desc }, stmt.options, ctx));
}

/** A full record of a role's attributes (older records get their defaults written out). */
function roleRecord(r: RoleAttributes): RoleDesc {
  return { name: r.name, superuser: r.superuser, login: r.login, createdb: r.createdb, createrole: r.createrole, inherit: r.inherit, passwordHash: r.passwordHash, validUntilMs: r.validUntilMs, connectionLimit: r.connectionLimit, memberOf: r.memberOf };
}

function dropRoles(stmt: Extract<AuthStatement, { kind: 'drop-role' }>, ctx: AuthExecContext): Notice[] {
  const self = actor(ctx);
  const notices: Notice[] = [];
  if (!self.superuser && !self.createrole) throw sqlError('42501', 'permission denied to drop role', { detail: 'Only roles with the CREATEROLE attribute may drop roles.' });
  for (const spec of stmt.roles) {
    const name = roleName(spec, ctx);
    const target = ctx.reader.role(name);
    if (target === null) {
      if (!stmt.ifExists) throw sqlError('42704', `role "${name}" does not exist`);
      notices.push({ severity: 'NOTICE', code: '00000', message: `role "${name}" does not exist, skipping` });
      continue;
    }
    if (name === ctx.user) throw sqlError('55006', 'current user cannot be dropped');
    if (name === 'root') throw sqlError('55006', 'cannot drop role root because it is required by the database system');
    if (target.superuser && !self.superuser) throw sqlError('42501', `permission denied to drop role "${name}"`);
    const dependent = ctx.reader.privilegeRecords().some((p) => p.owner === name || p.acl.some((a) => a.grantee === name));
    if (dependent) {
      throw sqlError('2BP01', `role "${name}" cannot be dropped because some objects depend on it`, { hint: 'Drop or reassign the objects it owns and revoke its privileges first.' });
    }
    deleteRole(ctx.txn, ctx.changes, name);
    // Memberships in the dropped role go with it, as in PostgreSQL.
    for (const other of ctx.reader.roleNames()) {
      const r = ctx.reader.role(other)!;
      if (r.memberOf.includes(name)) writeRole(ctx.txn, ctx.changes, { ...roleRecord(r), memberOf: r.memberOf.filter((m) => m !== name) });
    }
  }
  return notices;
}

interface ResolvedObject {
  readonly id: number;
  readonly label: string;
}

function resolveObjects(stmt: Extract<AuthStatement, { kind: 'grant' }>, ctx: AuthExecContext): ResolvedObject[] {
  const schemaId = (o: GrantObject | string): number => {
    const name = typeof o === 'string' ? o : o.name;
    const s = ctx.catalog.schema(ctx.databaseId, name);
    if (s === null) throw sqlError('3F000', `schema "${name}" does not exist`);
    return s.id;
  };
  if (stmt.allInSchema) {
    if (stmt.objectKind === 'sequence') return [];
    const ids = new Set(stmt.objects.map((o) => schemaId(o)));
    return ctx.catalog.tables(ctx.databaseId).filter((t) => ids.has(t.schemaId)).map((t) => ({ id: t.id, label: t.name }));
  }
  return stmt.objects.map((o): ResolvedObject => {
    switch (stmt.objectKind) {
      case 'database': {
        const db = ctx.catalog.database(o.name);
        if (db === null) throw sqlError('3D000', `database "${o.name}" does not exist`);
        return { id: db.id, label: o.name };
      }
      case 'schema':
        return { id: schemaId(o), label: o.name };
      case 'table':
      case 'sequence': {
        // Sequences share the relation namespace; until the catalog has them, none exist.
        const t = stmt.objectKind === 'table' ? ctx.resolveTable(o.schema, o.name) : null;
        if (t === null) throw sqlError('42P01', `relation "${o.schema === null ? o.name : `${o.schema}.${o.name}`}" does not exist`);
        return { id: t.id, label: o.name };
      }
      default:
        return assertNever(stmt.objectKind, 'object kind');
    }
  });
}

function grantPrivileges(stmt: Extract<AuthStatement, { kind: 'grant' }>, ctx: AuthExecContext): void {
  actor(ctx);
  const kind: ObjectKind = stmt.objectKind;
  const valid = privilegesByKind[kind];
  const privileges: readonly Privilege[] = stmt.privileges ?? valid;
  for (const p of privileges) {
    if (!valid.includes(p)) throw sqlError('0LP01', `invalid privilege type ${p} for ${kind}`);
  }
  const grantees = stmt.grantees.map((g) => {
    if (g.kind === 'public') return PUBLIC_GRANTEE;
    return existingRole(roleName(g, ctx), ctx).name;
  });
  for (const object of resolveObjects(stmt, ctx)) {
    const current = ctx.reader.objectAcl(kind, object.id);
    for (const p of privileges) {
      if (!decideGrantOption(ctx.reader.lookup, ctx.user, p, current)) throw sqlError('42501', `permission denied for ${kind} ${object.label}`);
    }
    let acl = current.acl;
    for (const g of grantees) acl = applyGrant(acl, g, privileges, stmt.grant, stmt.grantOption);
    writePrivileges(ctx.txn, ctx.changes, object.id, kind, { owner: current.owner, acl });
  }
}

function grantRoles(stmt: Extract<AuthStatement, { kind: 'grant-role' }>, ctx: AuthExecContext): void {
  const self = actor(ctx);
  for (const roleNameText of stmt.roles) {
    const role = existingRole(roleNameText, ctx);
    if (!self.superuser && (!self.createrole || role.superuser)) throw sqlError('42501', `permission denied to grant role "${role.name}"`);
    for (const spec of stmt.members) {
      const member = existingRole(roleName(spec, ctx), ctx);
      if (stmt.grant) {
        if (member.memberOf.includes(role.name)) continue;
        // A membership loop would make inheritance circular; PostgreSQL refuses it too.
        if (isMemberOf(ctx.reader.lookup, role.name, member.name)) {
          throw sqlError('0LP01', `role "${member.name}" is a member of role "${role.name}"`);
        }
        writeRole(ctx.txn, ctx.changes, { ...roleRecord(member), memberOf: [...member.memberOf, role.name] });
      } else if (member.memberOf.includes(role.name)) {
        writeRole(ctx.txn, ctx.changes, { ...roleRecord(member), memberOf: member.memberOf.filter((m) => m !== role.name) });
      }
    }
  }
}

/**
 * Stores (or clears) the cluster's hba rules. Only a superuser may, and only rules that
 * parse: a typo must not lock everyone out. New connections read them at once; --hba-file
 * on a node still wins, the way back in after a bad rule.
 */
function setHba(text: string | null, ctx: AuthExecContext): void {
  if (!actor(ctx).superuser) throw sqlError('42501', `must be superuser to set ${HBA_SETTING}`);
  if (text === null) {
    ctx.txn.del(settingKey(HBA_SETTING));
    return;
  }
  const parsed = parseHba(text);
  if (!parsed.ok) throw sqlError('22023', `invalid value for parameter "${HBA_SETTING}": ${parsed.error}`);
  if (parsed.rules.length === 0) throw sqlError('22023', `invalid value for parameter "${HBA_SETTING}": no rules (every connection would be refused)`);
  ctx.txn.put(settingKey(HBA_SETTING), Buffer.from(text, 'utf8'));
}

/**
 * VALID UNTIL's timestamp: 'infinity', or an ISO-style date or date and time (with an
 * offset, else UTC) read by Date.parse. Anything else is 22007, as PostgreSQL's input is.
 */
function parseValidUntil(text: string): number | null {
  if (text.trim().toLowerCase() === 'infinity') return null;
  const iso = text.trim().replace(/^(\d{4}-\d{2}-\d{2})[ T](\d)/, '$1T$2').replace(/([+-]\d{2})$/, '$1:00');
  const withZone = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`;
  const ms = Date.parse(withZone);
  if (!Number.isFinite(ms)) throw sqlError('22007', `invalid input syntax for type timestamp with time zone: "${text}"`);
  return ms;
}
