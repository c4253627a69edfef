/**
 * A view's definition as SQL text (what pg_get_viewdef returns and pg_dump writes): the
 * view's query as PostgreSQL's parser read it, every table and view reference qualified
 * with its schema (pg_dump restores with an empty search_path), printed back by
 * pgsql-deparser. Pure: `schemaOf` answers which schema an unqualified name resolves to.
 */
import { deparseSync } from 'pgsql-deparser';

type Json = Record<string, unknown>;

/** The query tree with unqualified relation names (not CTE names) given their schema. */
function qualify(tree: unknown, schemaOf: (name: string) => string | null): unknown {
  const ctes = new Set<string>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(collect);
    if (typeof v !== 'object' || v === null) return;
    const cte = (v as Json)['CommonTableExpr'] as Json | undefined;
    if (cte !== undefined && typeof cte['ctename'] === 'string') ctes.add(cte['ctename']);
    Object.values(v).forEach(collect);
  };
  collect(tree);
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (typeof v !== 'object' || v === null) return v;
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'RangeVar' && typeof x === 'object' && x !== null) {
        const rv = x as Json;
        const name = rv['relname'];
        const schema = rv['schemaname'] === undefined && typeof name === 'string' && !ctes.has(name) ? schemaOf(name) : null;
        out[k] = schema === null ? rewrite(rv) : { ...(rewrite(rv) as Json), schemaname: schema };
      } else out[k] = rewrite(x);
    }
    return out;
  };
  return rewrite(tree);
}

/**
 * A column list (CREATE VIEW v (a, b) AS ...) as the select list's aliases: pg_dump writes
 * `CREATE VIEW v AS` without one, as PostgreSQL's definitions carry the names this way.
 * For a set operation the leftmost select names them.
 */
function nameColumns(tree: unknown, columnNames: readonly string[]): unknown {
  const select = (tree as Json)['SelectStmt'] as Json | undefined;
  if (select === undefined) return tree;
  if (select['op'] !== undefined && select['op'] !== 'SETOP_NONE') return { SelectStmt: { ...select, larg: (nameColumns({ SelectStmt: select['larg'] }, columnNames) as Json)['SelectStmt'] } };
  const targets = select['targetList'];
  if (!Array.isArray(targets)) return tree;
  const isStar = (t: unknown): boolean => JSON.stringify(t).includes('"A_Star"');
  if (targets.some(isStar)) {
    // SELECT * with a column list (CREATE VIEW v (k) AS SELECT * ...): the names go on a
    // derived table around the query, SELECT * FROM (query) AS v(k, ...).
    const colnames = columnNames.map((sval) => ({ String: { sval } }));
    const star = { ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } };
    return { SelectStmt: { targetList: [star], fromClause: [{ RangeSubselect: { subquery: tree, alias: { aliasname: 'v', colnames } } }], limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' } };
  }
  const named = targets.map((t: unknown, i) => {
    const rt = (t as Json)['ResTarget'] as Json | undefined;
    const want = columnNames[i];
    if (rt === undefined || want === undefined || rt['name'] === want) return t;
    const fields = ((rt['val'] as Json | undefined)?.['ColumnRef'] as Json | undefined)?.['fields'];
    const last = Array.isArray(fields) ? ((fields[fields.length - 1] as Json)['String'] as Json | undefined)?.['sval'] : undefined;
    if (rt['name'] === undefined && last === want) return t;
    return { ResTarget: { ...rt, name: want } };
  });
  return { SelectStmt: { ...select, targetList: named } };
}

/** ` SELECT ...;` as pg_get_viewdef prints it (a leading space, a closing semicolon). */
export function viewDefinition(queryTree: unknown, columnNames: readonly string[], aliased: boolean, schemaOf: (name: string) => string | null): string {
  const qualified = qualify(queryTree, schemaOf);
  const tree = aliased ? nameColumns(qualified, columnNames) : qualified;
  const text = deparseSync(tree as Parameters<typeof deparseSync>[0], { pretty: true });
  return ` ${text.trim()};`;
}
