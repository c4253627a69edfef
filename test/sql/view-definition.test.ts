// A view's definition (pg_get_viewdef, pg_views.definition; what pg_dump writes as
// `CREATE VIEW v AS <definition>`): for views of many shapes, the definition run as a query
// with an empty search_path (as pg_dump's restore runs it) gives the view's own rows and
// column names; and the catalogs list views as PostgreSQL does (pg_class relkind 'v',
// pg_attribute with the column types, pg_rewrite's _RETURN rule, pg_depend from the rule to
// what the view reads).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rows, run, startSql, type TestCluster } from './harness.ts';
import type { Session } from '../../src/sql/index.ts';

let cluster: TestCluster;
let s: Session;
before(async () => {
  cluster = await startSql();
  s = await cluster.session();
  for (const sql of [
    'CREATE SCHEMA app',
    "CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2), tags text[], meta jsonb, made date)",
    'CREATE TABLE orders (id serial PRIMARY KEY, item int REFERENCES app.items (id), qty int NOT NULL, at timestamptz)',
    "INSERT INTO app.items VALUES (1, 'bolt', 0.25, '{metal,small}', '{\"w\": 3}', '2024-01-02'), (2, 'nut', 0.10, '{metal}', NULL, NULL), (3, 'gear', 12.50, '{}', '{\"w\": 40, \"teeth\": 12}', '2023-06-30')",
    "INSERT INTO orders (item, qty, at) VALUES (1, 100, '2024-03-01 10:00+00'), (1, 50, '2024-03-02 11:00+00'), (3, 2, NULL), (2, 7, '2024-03-03 12:00+00')",
  ]) await run(s, sql);
});
after(async () => {
  await cluster.close();
});

const views: Record<string, string> = {
  v_join_agg: "CREATE VIEW v_join_agg AS SELECT i.name, count(*) AS n, sum(o.qty) AS total, max(o.at) FROM app.items i JOIN orders o ON o.item = i.id GROUP BY i.name HAVING sum(o.qty) > 1",
  v_aliases: 'CREATE VIEW v_aliases (item_name, dollars) AS SELECT name, price FROM app.items WHERE price IS NOT NULL',
  v_star_aliases: 'CREATE VIEW v_star_aliases (k) AS SELECT * FROM app.items',
  v_cte: 'CREATE VIEW v_cte AS WITH big AS (SELECT id, name FROM app.items WHERE price > 0.2) SELECT big.name, o.qty FROM big LEFT JOIN orders o ON o.item = big.id',
  v_union: "CREATE VIEW v_union (label) AS SELECT name FROM app.items UNION ALL SELECT 'order ' || id::text FROM orders",
  v_sub: 'CREATE VIEW v_sub AS SELECT id, name, (SELECT sum(qty) FROM orders WHERE orders.item = app.items.id) AS ordered FROM app.items WHERE id IN (SELECT item FROM orders) OR EXISTS (SELECT 1 FROM orders WHERE qty > 1000)',
  v_exprs: "CREATE VIEW v_exprs AS SELECT id, CASE WHEN price < 1 THEN 'cheap' ELSE 'dear' END AS band, coalesce(meta->>'w', '-') AS w, tags[1] AS first_tag, 'metal' = ANY(tags) AS metal, made + interval '1 day' AS next_day, price::float8 * 2 AS doubled, name LIKE 'b%' AS b, extract(year FROM made) AS y FROM app.items",
  v_window: 'CREATE VIEW v_window AS SELECT item, qty, rank() OVER (PARTITION BY item ORDER BY qty DESC) AS r, sum(qty) OVER () AS all_qty FROM orders',
  v_order_limit: 'CREATE VIEW v_order_limit AS SELECT DISTINCT ON (item) item, qty FROM orders ORDER BY item, qty DESC LIMIT 2',
  v_lateral: 'CREATE VIEW v_lateral AS SELECT i.name, t.tag FROM app.items i CROSS JOIN LATERAL unnest(i.tags) AS t(tag)',
  v_of_view: 'CREATE VIEW v_of_view AS SELECT name, total FROM v_join_agg WHERE n > 0',
};

test('each view definition, run with an empty search_path, gives the view rows and column names', async () => {
  for (const sql of Object.values(views)) await run(s, sql);
  for (const name of Object.keys(views)) {
    const def = (await run(s, `SELECT pg_get_viewdef('${name}'::regclass)`)).rows[0]![0]!;
    assert.ok(def.startsWith(' ') && def.endsWith(';'), `${name}: ${def}`);
    assert.equal((await run(s, `SELECT definition FROM pg_views WHERE viewname = '${name}'`)).rows[0]![0], def);
    const viaView = await run(s, `SELECT * FROM ${name}`);
    await run(s, "SET search_path = ''");
    try {
      const viaDefinition = await run(s, def.slice(0, -1));
      assert.deepEqual(viaDefinition.columns, viaView.columns, `${name}: ${def}`);
      assert.deepEqual([...viaDefinition.rows].sort(), [...viaView.rows].sort(), `${name}: ${def}`);
    } finally {
      await run(s, 'RESET search_path');
    }
  }
  // Names are qualified with their schema; CTE names are not.
  assert.match((await run(s, "SELECT pg_get_viewdef('v_cte')")).rows[0]![0]!, /FROM app\.items[\s\S]*FROM big/);
});

test('views are in pg_class, pg_attribute, pg_rewrite and pg_depend', async () => {
  assert.deepEqual(await rows(s, "SELECT relname, relkind, relnatts, relhasrules FROM pg_class WHERE relname IN ('v_aliases', 'v_of_view') ORDER BY 1"), ['v_aliases|v|2|t', 'v_of_view|v|2|t']);
  assert.deepEqual(await rows(s, "SELECT attnum, attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'v_aliases'::regclass ORDER BY attnum"), ['1|item_name|text', '2|dollars|numeric(8,2)']);
  assert.deepEqual(await rows(s, "SELECT 'v_of_view'::regclass, 'public.v_of_view'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'v_of_view')"), ['v_of_view|t']);
  assert.deepEqual(await rows(s, "SELECT rulename, ev_type, is_instead FROM pg_rewrite WHERE ev_class = 'v_of_view'::regclass"), ['_RETURN|1|t']);
  assert.deepEqual(
    await rows(s, "SELECT d.refobjid::regclass, d.deptype FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid WHERE d.classid = 'pg_rewrite'::regclass AND r.ev_class = 'v_join_agg'::regclass ORDER BY 2, 1"),
    ['v_join_agg|i', 'app.items|n', 'orders|n'],
  );
});
