/**
 * Which relations a view reads, and what dropping one of them does to the views on it:
 * without CASCADE the drop fails (2BP01) naming a dependent view; with CASCADE the views
 * go too, views on views included, each with a notice (as PostgreSQL's dependency rules).
 */
import type { NamespaceEntry, ViewDesc } from '../catalog/descriptors.ts';
import type { SelectStmt, TableRef } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { DdlContext } from './ddl.ts';

/** Every CTE name a query defines, at any depth (such names are never qualified). */
function cteNames(select: SelectStmt): Set<string> {
  const ctes = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const o = v as { name?: unknown; select?: unknown };
    if (typeof o.name === 'string' && o.select !== undefined && 'columnAliases' in o) ctes.add(o.name);
    Object.values(v).forEach(visit);
  };
  visit(select);
  return ctes;
}

/**
 * The view's query with every unqualified table or view name given the schema it resolves
 * to now: a view binds its relations when it is created (as PostgreSQL's do), not wherever
 * the search_path of a later query would find the names.
 */
export function qualifyViewQuery(select: SelectStmt, schemaOf: (name: string) => string | null): SelectStmt {
  const ctes = cteNames(select);
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as { kind?: unknown; ref?: TableRef };
    if (o.kind === 'table' && o.ref !== undefined && o.ref.schema === null && !ctes.has(o.ref.name)) {
      const schema = schemaOf(o.ref.name);
      return schema === null ? v : { ...o, ref: { ...o.ref, schema, alias: o.ref.alias ?? o.ref.name } };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]));
  };
  return rewrite(select) as SelectStmt;
}

/** The ids of the tables and views `select` names (CTE names excluded). */
export function viewDependencies(select: SelectStmt, lookupName: (ref: TableRef) => NamespaceEntry | null): number[] {
  const refs: TableRef[] = [];
  const ctes = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const o = v as { kind?: unknown; ref?: TableRef; name?: unknown; select?: unknown };
    if (o.kind === 'table' && o.ref !== undefined) refs.push(o.ref);
    if (typeof o.name === 'string' && o.select !== undefined && 'columnAliases' in o) ctes.add(o.name);
    Object.values(v).forEach(visit);
  };
  visit(select);
  const ids = new Set<number>();
  for (const ref of refs) {
    if (ref.schema === null && ctes.has(ref.name)) continue;
    const entry = lookupName(ref);
    if (entry?.kind === 'table') ids.add(entry.tableId);
    else if (entry?.kind === 'view') ids.add(entry.viewId);
  }
  return [...ids];
}

/**
 * Before relation `id` (described as `what`, e.g. 'table inv') is dropped: fails when views
 * read it, or with `cascade` drops them (recursively) and returns the notices.
 */
export function dropDependentViews(ctx: DdlContext, id: number, what: string, cascade: boolean): string[] {
  const dependents = ctx.catalog.dependentViews(id).filter((v) => v.id !== id);
  if (dependents.length === 0) return [];
  if (!cascade) {
    throw sqlError('2BP01', `cannot drop ${what} because other objects depend on it`, {
      detail: dependents.map((v) => `view ${v.name} depends on ${what}`).join('\n'),
      hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
    });
  }
  const notices: string[] = [];
  for (const view of dependents) {
    const current: ViewDesc | null = ctx.catalog.view(view.id);
    if (current === null) continue;
    notices.push(`drop cascades to view ${view.name}`, ...dropDependentViews(ctx, view.id, `view ${view.name}`, true));
    ctx.catalog.dropObject(ctx.txn, current);
  }
  return notices;
}
