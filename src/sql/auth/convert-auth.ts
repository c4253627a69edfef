/**
 * libpg-query nodes of role and privilege statements -> AuthStatement. Options that
 * Tessera does not keep (VALID UNTIL, CONNECTION LIMIT, column lists in GRANT...) make the
 * statement 'unsupported' (0A000) rather than being silently dropped.
 */
import type { Statement } from '../parser/ast.ts';
import { list, location, obj, str, stringList, unwrap, type JsonObject } from '../parser/json.ts';
import { HBA_SETTING, type AuthStatement, type GrantObject, type RoleOption, type RoleSpec } from './auth-ast.ts';
import type { ObjectKind, Privilege } from './privileges.ts';

type Unsupported = Extract<Statement, { kind: 'unsupported' }>;

const booleanOptions: Readonly<Record<string, 'superuser' | 'login' | 'createdb' | 'createrole' | 'inherit'>> = {
  superuser: 'superuser',
  canlogin: 'login',
  createdb: 'createdb',
  createrole: 'createrole',
  inherit: 'inherit',
};

/** The node types this module converts. */
export const authStatementTypes: ReadonlySet<string> = new Set(['CreateRoleStmt', 'AlterRoleStmt', 'DropRoleStmt', 'GrantStmt', 'GrantRoleStmt', 'AlterSystemStmt']);

export function convertAuthStatement(type: string, body: JsonObject): Statement {
  const converted = convert(type, body);
  return 'what' in converted ? converted : { kind: 'auth', statement: converted };
}

function convert(type: string, body: JsonObject): AuthStatement | Unsupported {
  switch (type) {
    case 'CreateRoleStmt': {
      const options = roleOptions(body['options']);
      if ('what' in options) return options;
      const stmtType = str(body['stmt_type']);
      if (stmtType === 'ROLESTMT_GROUP') return { kind: 'unsupported', what: 'CREATE GROUP', pos: -1 };
      return { kind: 'create-role', name: str(body['role']) ?? '', options, isUser: stmtType === 'ROLESTMT_USER' };
    }
    case 'AlterRoleStmt': {
      const options = roleOptions(body['options']);
      if ('what' in options) return options;
      return { kind: 'alter-role', role: roleSpec(obj(body['role'])), options };
    }
    case 'DropRoleStmt':
      return { kind: 'drop-role', roles: list(body['roles']).map((r) => roleSpec(unwrap(r).body)), ifExists: body['missing_ok'] === true };
    case 'GrantStmt':
      return convertGrant(body);
    case 'GrantRoleStmt': {
      if (list(body['opt']).length > 0) return { kind: 'unsupported', what: 'GRANT role WITH options', pos: -1 };
      const roles = list(body['granted_roles']).map((r) => str(unwrap(r).body['priv_name']) ?? '');
      return { kind: 'grant-role', grant: body['is_grant'] === true, roles, members: list(body['grantee_roles']).map((r) => roleSpec(unwrap(r).body)) };
    }
    case 'AlterSystemStmt':
      return convertAlterSystem(obj(body['setstmt']));
    default:
      return { kind: 'unsupported', what: type, pos: location(body) };
  }
}

function roleOptions(raw: unknown): RoleOption[] | Unsupported {
  const out: RoleOption[] = [];
  for (const item of list(raw)) {
    const d = unwrap(item).body;
    const name = str(d['defname']) ?? '';
    const arg = unwrap(d['arg']);
    const bool = booleanOptions[name];
    if (bool !== undefined) out.push({ kind: bool, value: arg.body['boolval'] === true });
    else if (name === 'password') out.push({ kind: 'password', value: arg.type === 'String' ? (str(arg.body['sval']) ?? '') : null });
    else if (name === 'connectionlimit' && arg.type === 'Integer') out.push({ kind: 'connection-limit', value: typeof arg.body['ival'] === 'number' ? arg.body['ival'] : 0 });
    else if (name === 'validUntil' && arg.type === 'String') out.push({ kind: 'valid-until', value: str(arg.body['sval']) ?? '' });
    else return { kind: 'unsupported', what: `role option ${name}`, pos: location(d) };
  }
  return out;
}

export function roleSpec(body: JsonObject): RoleSpec {
  switch (str(body['roletype'])) {
    case 'ROLESPEC_PUBLIC':
      return { kind: 'public' };
    case 'ROLESPEC_CURRENT_USER':
    case 'ROLESPEC_SESSION_USER':
    case 'ROLESPEC_CURRENT_ROLE':
      return { kind: 'current-user' };
    default:
      return { kind: 'name', name: str(body['rolename']) ?? '' };
  }
}

const objectKinds: Readonly<Record<string, ObjectKind>> = {
  OBJECT_TABLE: 'table',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_DATABASE: 'database',
  OBJECT_SCHEMA: 'schema',
};

const privilegeNames: ReadonlySet<string> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'USAGE', 'CREATE', 'CONNECT', 'TEMPORARY']);

function convertGrant(body: JsonObject): AuthStatement | Unsupported {
  const objectKind = objectKinds[str(body['objtype']) ?? ''];
  if (objectKind === undefined) return { kind: 'unsupported', what: `GRANT on ${(str(body['objtype']) ?? '').replace('OBJECT_', '').toLowerCase()}`, pos: -1 };
  const targetType = str(body['targtype']);
  if (targetType !== 'ACL_TARGET_OBJECT' && targetType !== 'ACL_TARGET_ALL_IN_SCHEMA') return { kind: 'unsupported', what: 'ALTER DEFAULT PRIVILEGES', pos: -1 };
  let privileges: Privilege[] | null = null;
  if (body['privileges'] !== undefined) {
    privileges = [];
    for (const p of list(body['privileges'])) {
      const pb = unwrap(p).body;
      if (pb['cols'] !== undefined) return { kind: 'unsupported', what: 'column privileges', pos: -1 };
      const name = (str(pb['priv_name']) ?? '').toUpperCase();
      const normalized = name === 'TEMP' ? 'TEMPORARY' : name;
      if (!privilegeNames.has(normalized)) return { kind: 'unsupported', what: `privilege ${name}`, pos: -1 };
      privileges.push(normalized as Privilege);
    }
  }
  const objects: GrantObject[] = list(body['objects']).map((o) => {
    const { type, body: ob } = unwrap(o);
    if (type === 'RangeVar') return { schema: str(ob['schemaname']), name: str(ob['relname']) ?? '' };
    if (type === 'String') return { schema: null, name: str(ob['sval']) ?? '' };
    const names = stringList(ob['items']);
    return { schema: names.length > 1 ? (names[names.length - 2] ?? null) : null, name: names[names.length - 1] ?? '' };
  });
  return {
    kind: 'grant',
    grant: body['is_grant'] === true,
    objectKind,
    objects,
    allInSchema: targetType === 'ACL_TARGET_ALL_IN_SCHEMA',
    privileges,
    grantees: list(body['grantees']).map((g) => roleSpec(unwrap(g).body)),
    grantOption: body['grant_option'] === true,
  };
}

/** ALTER SYSTEM exists only for the hba rules: other settings are not cluster settings (yet). */
function convertAlterSystem(set: JsonObject): AuthStatement | Unsupported {
  if (str(set['name']) !== HBA_SETTING) return { kind: 'unsupported', what: `ALTER SYSTEM for ${str(set['name']) ?? 'this setting'}`, pos: -1 };
  const kind = str(set['kind']);
  if (kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT') return { kind: 'set-hba', text: null };
  const args = list(set['args']);
  const value = args.length === 1 ? obj(unwrap(args[0]).body['sval'])['sval'] : undefined;
  if (kind !== 'VAR_SET_VALUE' || typeof value !== 'string') return { kind: 'unsupported', what: `a non-string value for ${HBA_SETTING}`, pos: -1 };
  return { kind: 'set-hba', text: value };
}
