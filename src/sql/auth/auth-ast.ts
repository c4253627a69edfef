/**
 * Syntax of the role and privilege statements (CREATE/ALTER/DROP ROLE and USER, GRANT,
 * REVOKE). They hang under one `Statement` kind, 'auth', so that the shared AST and the
 * planner's switches grow by one case only.
 */
import type { ObjectKind, Privilege } from './privileges.ts';

export type RoleOption =
  | { readonly kind: 'superuser' | 'login' | 'createdb' | 'createrole' | 'inherit'; readonly value: boolean }
  /** PASSWORD 'text' or PASSWORD NULL. */
  | { readonly kind: 'password'; readonly value: string | null }
  /** CONNECTION LIMIT n (-1 = none). */
  | { readonly kind: 'connection-limit'; readonly value: number }
  /** VALID UNTIL 'timestamp': when the password stops working. */
  | { readonly kind: 'valid-until'; readonly value: string };

/** A role named in a statement: a name, PUBLIC, or CURRENT_USER / SESSION_USER / CURRENT_ROLE. */
export type RoleSpec = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'public' } | { readonly kind: 'current-user' };

/** An object GRANT/REVOKE names: a schema-qualified relation, or a database/schema name. */
export interface GrantObject {
  readonly schema: string | null;
  readonly name: string;
}

export type AuthStatement =
  | { readonly kind: 'create-role'; readonly name: string; readonly options: readonly RoleOption[]; readonly isUser: boolean }
  | { readonly kind: 'alter-role'; readonly role: RoleSpec; readonly options: readonly RoleOption[] }
  | { readonly kind: 'drop-role'; readonly roles: readonly RoleSpec[]; readonly ifExists: boolean }
  | {
      readonly kind: 'grant';
      /** false for REVOKE. */
      readonly grant: boolean;
      readonly objectKind: ObjectKind;
      /** For ALL TABLES/SEQUENCES IN SCHEMA: the schemas; else the objects. */
      readonly objects: readonly GrantObject[];
      readonly allInSchema: boolean;
      /** null = ALL [PRIVILEGES]. */
      readonly privileges: readonly Privilege[] | null;
      readonly grantees: readonly RoleSpec[];
      /** GRANT ... WITH GRANT OPTION, or REVOKE GRANT OPTION FOR. */
      readonly grantOption: boolean;
    }
  | { readonly kind: 'grant-role'; readonly grant: boolean; readonly roles: readonly string[]; readonly members: readonly RoleSpec[] }
  /** ALTER SYSTEM SET|RESET server.host_based_authentication.configuration: the cluster's hba rules (null = reset). */
  | { readonly kind: 'set-hba'; readonly text: string | null };

/** The cluster setting that holds hba rules (CockroachDB's name), set with ALTER SYSTEM. */
export const HBA_SETTING = 'server.host_based_authentication.configuration';
