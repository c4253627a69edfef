/**
 * Privileges and the access decision: who may do what to which object. Pure functions of
 * the roles (attributes and memberships) and the object's owner and ACL, so that every
 * statement's check is the same few map lookups, and the rules are tested with tables.
 *
 * The rules are PostgreSQL's: a superuser may do anything; an object's owner (or a member
 * who inherits the owner's privileges) holds every privilege on it; otherwise a privilege
 * must be granted to the user, to a role whose privileges the user inherits, or to PUBLIC.
 * Inheritance follows `memberOf` through roles with INHERIT (the default); a NOINHERIT role
 * holds only what was granted to it directly. SUPERUSER itself is never inherited.
 */

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER' | 'USAGE' | 'CREATE' | 'CONNECT' | 'TEMPORARY';

export type ObjectKind = 'database' | 'schema' | 'table' | 'sequence';

/** What GRANT ALL means for each kind of object, and which privileges it accepts. */
export const privilegesByKind: Readonly<Record<ObjectKind, readonly Privilege[]>> = {
  database: ['CREATE', 'CONNECT', 'TEMPORARY'],
  schema: ['USAGE', 'CREATE'],
  table: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'],
  sequence: ['USAGE', 'SELECT', 'UPDATE'],
};

/** The grantee name that stands for PUBLIC (every role); no role may be named so. */
export const PUBLIC_GRANTEE = 'public';

export interface AclItem {
  /** A role name or PUBLIC_GRANTEE. */
  readonly grantee: string;
  readonly privileges: readonly Privilege[];
  /** The subset of `privileges` held WITH GRANT OPTION. */
  readonly grantable: readonly Privilege[];
}

/** An object's owner and grants (PostgreSQL's relowner + relacl). */
export interface ObjectAcl {
  readonly owner: string;
  readonly acl: readonly AclItem[];
}

/** The attributes of a role that access decisions read. */
export interface RoleGrants {
  readonly superuser: boolean;
  /** INHERIT: the role uses the privileges of the roles it is a member of. */
  readonly inherit: boolean;
  /** Roles this role was granted (GRANT r TO this). */
  readonly memberOf: readonly string[];
}

export type RoleLookup = (name: string) => RoleGrants | null;

export type AccessDecision =
  | { readonly ok: true; readonly via: 'superuser' | 'owner' | 'grant' }
  | { readonly ok: false };

/**
 * The roles whose privileges `user` uses: itself, then every role reached through
 * memberships of inheriting roles. Cycles cannot be created (GRANT refuses them), but a
 * visited set keeps this finite regardless.
 */
export function privilegeRoles(roles: RoleLookup, user: string): ReadonlySet<string> {
  const seen = new Set<string>([user]);
  const queue = [user];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const role = roles(name);
    if (role === null || !role.inherit) continue;
    for (const parent of role.memberOf) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      queue.push(parent);
    }
  }
  return seen;
}

/** True when `member` is `role` or a member of it directly or indirectly (inheriting or not). */
export function isMemberOf(roles: RoleLookup, member: string, role: string): boolean {
  const seen = new Set<string>([member]);
  const queue = [member];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === role) return true;
    for (const parent of roles(name)?.memberOf ?? []) {
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
  return false;
}

/** May `user` use `privilege` on the object with this owner and ACL? */
export function decideAccess(roles: RoleLookup, user: string, privilege: Privilege, object: ObjectAcl): AccessDecision {
  const self = roles(user);
  if (self === null) return { ok: false };
  if (self.superuser) return { ok: true, via: 'superuser' };
  const mine = privilegeRoles(roles, user);
  if (mine.has(object.owner)) return { ok: true, via: 'owner' };
  for (const item of object.acl) {
    if ((item.grantee === PUBLIC_GRANTEE || mine.has(item.grantee)) && item.privileges.includes(privilege)) return { ok: true, via: 'grant' };
  }
  return { ok: false };
}

/** May `user` act as the owner (DROP, ALTER, CREATE INDEX on a table)? Superusers and the owner's inheriting members may. */
export function decideOwnership(roles: RoleLookup, user: string, object: ObjectAcl): boolean {
  const self = roles(user);
  if (self === null) return false;
  return self.superuser || privilegeRoles(roles, user).has(object.owner);
}

/** May `user` grant `privilege` on the object to others (owner, superuser, or WITH GRANT OPTION)? */
export function decideGrantOption(roles: RoleLookup, user: string, privilege: Privilege, object: ObjectAcl): boolean {
  if (decideOwnership(roles, user, object)) return true;
  const mine = privilegeRoles(roles, user);
  return object.acl.some((item) => mine.has(item.grantee) && item.grantable.includes(privilege));
}

/**
 * The ACL after GRANT (`grant` true) or REVOKE of `privileges` to/from `grantee`.
 * `grantOption`: GRANT ... WITH GRANT OPTION adds them as grantable; REVOKE GRANT OPTION
 * FOR removes only the grant option. Items left empty disappear.
 */
export function applyGrant(acl: readonly AclItem[], grantee: string, privileges: readonly Privilege[], grant: boolean, grantOption: boolean): AclItem[] {
  const existing = acl.find((a) => a.grantee === grantee) ?? { grantee, privileges: [], grantable: [] };
  let next: AclItem;
  if (grant) {
    next = {
      grantee,
      privileges: union(existing.privileges, privileges),
      grantable: grantOption ? union(existing.grantable, privileges) : existing.grantable,
    };
  } else {
    next = {
      grantee,
      privileges: grantOption ? existing.privileges : existing.privileges.filter((p) => !privileges.includes(p)),
      grantable: existing.grantable.filter((p) => !privileges.includes(p)),
    };
  }
  const others = acl.filter((a) => a.grantee !== grantee);
  return next.privileges.length === 0 ? others : [...others, next];
}

function union(a: readonly Privilege[], b: readonly Privilege[]): Privilege[] {
  return [...a, ...b.filter((p) => !a.includes(p))];
}

/** The default ACL of an object nobody has granted anything on, as PostgreSQL 15+ has it. */
export function defaultAcl(kind: ObjectKind, owner: string): ObjectAcl {
  switch (kind) {
    case 'database':
      return { owner, acl: [{ grantee: PUBLIC_GRANTEE, privileges: ['CONNECT', 'TEMPORARY'], grantable: [] }] };
    case 'schema':
      // PostgreSQL 15: PUBLIC may use the public schema but no longer create in it.
      return { owner, acl: [{ grantee: PUBLIC_GRANTEE, privileges: ['USAGE'], grantable: [] }] };
    case 'table':
    case 'sequence':
      return { owner, acl: [] };
  }
}
