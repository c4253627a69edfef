/**
 * Roles and privilege records as one transaction sees them (its own changes over the
 * node's catalog cache), and their writes to KV. Reads never touch KV; writes go to the
 * transaction and into its CatalogChanges, reaching the cache at commit like other DDL.
 */
import type { Txn } from '../../txn/index.ts';
import { encodeJson, type Catalog, type CatalogChanges } from '../catalog/catalog.ts';
import type { PrivilegeDesc, RoleDesc } from '../catalog/descriptors.ts';
import { privilegeKey, roleKey } from '../storage/keys.ts';
import { defaultAcl, type AclItem, type ObjectAcl, type ObjectKind, type Privilege, type RoleGrants, type RoleLookup } from './privileges.ts';

/** The owner of every object that has no privilege record: the bootstrap superuser. */
export const BOOTSTRAP_OWNER = 'root';

/** A role with every attribute filled in (records written before issue 6 lack some). */
export interface RoleAttributes extends RoleGrants {
  readonly name: string;
  readonly login: boolean;
  readonly createdb: boolean;
  readonly createrole: boolean;
  readonly passwordHash: string | null;
  readonly validUntilMs: number | null;
  readonly connectionLimit: number;
}

export function roleAttributes(desc: RoleDesc): RoleAttributes {
  return {
    name: desc.name,
    superuser: desc.superuser,
    // The only role of an older store is the bootstrap root, which logs in.
    login: desc.login ?? true,
    createdb: desc.createdb ?? desc.superuser,
    createrole: desc.createrole ?? desc.superuser,
    inherit: desc.inherit ?? true,
    passwordHash: desc.passwordHash ?? null,
    validUntilMs: desc.validUntilMs ?? null,
    connectionLimit: desc.connectionLimit ?? -1,
    memberOf: desc.memberOf ?? [],
  };
}

/** Read access to roles and privileges: the node's cache, optionally under a transaction's changes. */
export class AuthReader {
  constructor(
    private readonly catalog: Catalog,
    private readonly changes: CatalogChanges | null,
  ) {}

  roleDesc(name: string): RoleDesc | null {
    const own = this.changes?.roles.get(name);
    return own !== undefined ? own : this.catalog.role(name);
  }

  role(name: string): RoleAttributes | null {
    const desc = this.roleDesc(name);
    return desc === null ? null : roleAttributes(desc);
  }

  /** The lookup decideAccess takes. */
  readonly lookup: RoleLookup = (name) => this.role(name);

  roleNames(): string[] {
    const names = new Set(this.catalog.roleNames());
    for (const [name, desc] of this.changes?.roles ?? []) {
      if (desc === null) names.delete(name);
      else names.add(name);
    }
    return [...names];
  }

  privilegeRecord(objectId: number): PrivilegeDesc | null {
    const own = this.changes?.privileges.get(objectId);
    return own !== undefined ? own : this.catalog.privilege(objectId);
  }

  /** Owner and ACL of an object: its record, or the kind's default owned by root. */
  objectAcl(kind: ObjectKind, objectId: number): ObjectAcl {
    const record = this.privilegeRecord(objectId);
    if (record === null) return defaultAcl(kind, BOOTSTRAP_OWNER);
    return { owner: record.owner, acl: record.acl as readonly AclItem[] };
  }

  /** Every privilege record, with the transaction's changes. */
  privilegeRecords(): PrivilegeDesc[] {
    const byId = new Map(this.catalog.privilegeRecords().map((p) => [p.objectId, p] as const));
    for (const [id, p] of this.changes?.privileges ?? []) {
      if (p === null) byId.delete(id);
      else byId.set(id, p);
    }
    return [...byId.values()];
  }
}

export function writeRole(txn: Txn, changes: CatalogChanges, desc: RoleDesc): void {
  txn.put(roleKey(desc.name), encodeJson(desc));
  changes.roles.set(desc.name, desc);
}

export function deleteRole(txn: Txn, changes: CatalogChanges, name: string): void {
  txn.del(roleKey(name));
  changes.roles.set(name, null);
}

export function writePrivileges(txn: Txn, changes: CatalogChanges, objectId: number, kind: ObjectKind, acl: ObjectAcl): void {
  const desc: PrivilegeDesc = { objectId, objectKind: kind, owner: acl.owner, acl: acl.acl.map((a) => ({ grantee: a.grantee, privileges: [...a.privileges], grantable: [...a.grantable] })) };
  txn.put(privilegeKey(objectId), encodeJson(desc));
  changes.privileges.set(objectId, desc);
}

export function deletePrivileges(txn: Txn, changes: CatalogChanges, objectId: number): void {
  txn.del(privilegeKey(objectId));
  changes.privileges.set(objectId, null);
}

export type { Privilege };
