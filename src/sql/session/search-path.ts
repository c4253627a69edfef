/**
 * search_path: where unqualified names are looked up and new objects are created. The
 * setting is a comma-separated list of schema names ("$user" is the current user); names
 * that do not exist are skipped, as in PostgreSQL. pg_catalog is searched by the virtual
 * catalog tables themselves, so it is left out here.
 */
import type { Catalog } from '../catalog/catalog.ts';

export function searchPathSchemas(setting: string | null, user: string): string[] {
  return (setting ?? 'public')
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .map((s) => (s === '$user' ? user : s))
    .filter((s) => s !== '' && s !== 'pg_catalog');
}

/** The schema an unqualified CREATE goes to: the first one on the path that exists (null: none). */
export function creationSchema(catalog: Pick<Catalog, 'schema'>, databaseId: number, setting: string | null, user: string): string | null {
  return searchPathSchemas(setting, user).find((s) => catalog.schema(databaseId, s) !== null) ?? null;
}
