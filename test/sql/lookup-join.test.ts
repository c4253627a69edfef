// Join planning: a small left input (point lookup, index prefix, LIMIT, VALUES) reads the
// right table by key (Lookup Join), a large one hashes the right table (Hash Join); with
// ANALYZE's row counts the choice weighs the two sides. The lookup join pages through many
// partners of one key, spans several left batches, sees the transaction's own writes, and
// counts its rows against the statement's row limit; results are checked against the same
// query through a hash join. ANALYZE (by hand and automatic) keeps counts on the table
// descriptor without ever writing back a stale copy of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createSqlService } from '../../src/sql/index.ts';
import { createTxnCoordinator } from '../../src/txn/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { rows, run, sqlErrorOf, startSql, type TestCluster } from './harness.ts';

async function plan(s: Awaited<ReturnType<TestCluster['session']>>, sql: string): Promise<string> {
  return (await rows(s, `EXPLAIN ${sql}`)).join('\n');
}

test('small left inputs join by key; large ones by hash, with the same rows', async () => {
  const c = await startSql();
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)');
    await run(s, 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id int NOT NULL, title text)');
    await run(s, 'CREATE INDEX posts_user ON posts (user_id)');
    await run(s, `INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 3000) g`);
    // User 7 has 700 posts (more than a scan page), the others a few each.
    await run(s, `INSERT INTO posts SELECT g, CASE WHEN g <= 700 THEN 7 ELSE g % 3000 + 1 END, 't' || g FROM generate_series(1, 5000) g`);

    const byKey = 'SELECT p.id, u.name FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id = 42';
    assert.match(await plan(s, byKey), /Lookup Join \(inner: user_id = id\) on users using users_pkey/);
    assert.deepEqual(await rows(s, byKey), ['42|u7']);

    const fanOut = 'SELECT count(*), min(p.id), max(p.id) FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id = 7';
    assert.match(await plan(s, fanOut), /Lookup Join \(inner: id = user_id\) on posts using posts_user/);
    // Posts 1-700, and post 3006 (3006 % 3000 + 1 = 7).
    assert.deepEqual(await rows(s, fanOut), ['701|1|3006']);
    assert.deepEqual(await rows(s, 'SELECT count(*), min(p.id), max(p.id) FROM users u JOIN posts p ON p.user_id = u.id WHERE u.id + 0 = 7'), ['701|1|3006']);

    // 3,000 left rows (several batches) through a LIMIT: each finds its user.
    const limited = 'SELECT count(*), count(u.id), sum(u.id) FROM (SELECT * FROM posts ORDER BY id LIMIT 3000) p LEFT JOIN users u ON u.id = p.user_id';
    assert.match(await plan(s, limited), /Lookup Join \(left: user_id = id\)/);
    const hashed = 'SELECT count(*), count(u.id), sum(u.id) FROM (SELECT * FROM posts ORDER BY id LIMIT 3000 OFFSET 0) p LEFT JOIN (SELECT * FROM users WHERE id > 0) u ON u.id = p.user_id';
    assert.deepEqual(await rows(s, limited), await rows(s, hashed));

    // A whole-table left input hashes the right table.
    const whole = 'SELECT count(*) FROM posts p JOIN users u ON u.id = p.user_id';
    assert.match(await plan(s, whole), /Hash Join/);
    assert.doesNotMatch(await plan(s, whole), /Lookup Join/);
    assert.deepEqual(await rows(s, whole), ['5000']);

    // The transaction's own writes are seen through the lookup.
    await run(s, 'BEGIN');
    await run(s, "INSERT INTO users VALUES (3001, 'fresh')");
    await run(s, 'UPDATE posts SET user_id = 3001 WHERE id = 42');
    assert.deepEqual(await rows(s, byKey), ['42|fresh']);
    await run(s, 'ROLLBACK');
    assert.deepEqual(await rows(s, byKey), ['42|u7']);
  } finally {
    await c.close();
  }
});

test('a lookup join holds no more rows than the statement limit allows (53200)', async () => {
  const c = await startSql({ limits: { resultRowsMax: 500 } });
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE a (id int PRIMARY KEY)');
    await run(s, 'CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL)');
    await run(s, 'CREATE INDEX b_a ON b (a_id)');
    await run(s, 'INSERT INTO a VALUES (1)');
    await run(s, 'INSERT INTO b SELECT g, 1 FROM generate_series(1, 300) g');
    await run(s, 'INSERT INTO b SELECT g, 1 FROM generate_series(301, 600) g');
    const err = await sqlErrorOf(s, 'SELECT b.id FROM a JOIN b ON b.a_id = a.id WHERE a.id = 1');
    assert.equal(err.code, '53200');
  } finally {
    await c.close();
  }
});

test('ANALYZE counts rows; the join reads by key only when that pays against the counts', async () => {
  const c = await startSql();
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL)');
    await run(s, 'CREATE TABLE shops (id int PRIMARY KEY, region int NOT NULL, name text)');
    await run(s, 'CREATE INDEX shops_region ON shops (region)');
    await run(s, `INSERT INTO regions SELECT g, 'r' || g FROM generate_series(1, 20) g`);
    await run(s, `INSERT INTO shops SELECT g, g % 20 + 1, 's' || g FROM generate_series(1, 2000) g`);
    assert.deepEqual(await rows(s, "SELECT reltuples FROM pg_class WHERE relname IN ('regions', 'shops') ORDER BY relname"), ['-1', '-1']);
    const byRegion = 'SELECT count(*) FROM regions r JOIN shops s ON s.region = r.id';
    // Unknown sizes: a full scan of regions is not known to be small, so the join hashes.
    assert.match(await plan(s, byRegion), /Hash Join/);
    assert.deepEqual((await run(s, 'ANALYZE')).tags, ['ANALYZE']);
    assert.deepEqual(await rows(s, "SELECT reltuples FROM pg_class WHERE relname IN ('regions', 'shops') ORDER BY relname"), ['20', '2000']);
    // 20 regions against 2,000 shops: 20 index lookups beat reading every shop.
    assert.match(await plan(s, byRegion), /Lookup Join \(inner: id = region\) on shops using shops_region/);
    assert.deepEqual(await rows(s, byRegion), ['2000']);
    // 100 shops probing 20 regions by key would cost more than reading the 20 regions once.
    const shopsFirst = 'SELECT count(*) FROM (SELECT * FROM shops ORDER BY id LIMIT 100) s JOIN regions r ON r.id = s.region';
    assert.match(await plan(s, shopsFirst), /Hash Join/);
    assert.deepEqual(await rows(s, shopsFirst), ['100']);
    // Named tables only; a missing one is 42P01; the counts follow the data at the next ANALYZE.
    await run(s, 'DELETE FROM shops WHERE id > 100');
    await run(s, 'ANALYZE shops');
    assert.deepEqual(await rows(s, "SELECT reltuples FROM pg_class WHERE relname = 'shops'"), ['100']);
    assert.equal((await sqlErrorOf(s, 'ANALYZE nope')).code, '42P01');
    assert.equal((await sqlErrorOf(s, 'VACUUM')).code, '0A000');
  } finally {
    await c.close();
  }
});

test('automatic ANALYZE counts a table again once enough of its rows changed', async () => {
  const c = await startSql({ autoAnalyze: { intervalMs: 20, threshold: 50, fraction: 0.1 } });
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE events (id int PRIMARY KEY, kind text)');
    const reltuples = async (): Promise<string> => (await rows(s, "SELECT reltuples FROM pg_class WHERE relname = 'events'"))[0]!;
    const until = async (want: string): Promise<void> => {
      for (let i = 0; i < 250 && (await reltuples()) !== want; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await reltuples(), want);
    };
    await run(s, 'INSERT INTO events SELECT g, \'a\' FROM generate_series(1, 40) g');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await reltuples(), '-1', '40 changed rows are under the threshold of 50');
    await run(s, 'INSERT INTO events SELECT g, \'b\' FROM generate_series(41, 300) g');
    await until('300');
    // 300 rows counted: the next count needs 50 + 30 changed rows.
    await run(s, 'DELETE FROM events WHERE id <= 60');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await reltuples(), '300');
    await run(s, 'UPDATE events SET kind = \'c\' WHERE id <= 100');
    await until('240');
  } finally {
    await c.close();
  }
});

test('ANALYZE and schema changes never write a stale descriptor over one another node committed', async () => {
  // Two sql services over one kv: two nodes, each with its own catalog cache.
  const env = testEnv(1, new ManualClock());
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 20 }, sleep: () => new Promise((r) => setImmediate(r)) });
  const nodeA = await createSqlService({ env, txns: coord, autoAnalyze: { intervalMs: 0 } });
  const nodeB = await createSqlService({ env, txns: coord, autoAnalyze: { intervalMs: 0 } });
  await nodeA.bootstrap();
  await nodeB.bootstrap();
  const open = (svc: typeof nodeA) => svc.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 'test' });
  const a = await open(nodeA);
  const b = await open(nodeB);
  try {
    await run(a, 'CREATE TABLE m (id int PRIMARY KEY)');
    await run(a, 'INSERT INTO m SELECT g FROM generate_series(1, 10) g');
    await nodeB.refreshCatalog();
    // Node A adds a column; node B's cache still has the table without it.
    await run(a, 'ALTER TABLE m ADD COLUMN note text');
    await run(b, 'ANALYZE m');
    await nodeA.refreshCatalog();
    await nodeB.refreshCatalog();
    for (const s of [a, b]) {
      assert.deepEqual((await run(s, 'SELECT * FROM m WHERE id = 1')).columns, ['id', 'note'], 'the column survived the ANALYZE');
      assert.deepEqual(await rows(s, "SELECT reltuples FROM pg_class WHERE relname = 'm'"), ['10']);
    }
    // A schema change built from a stale cache is refused (40001), not written over A's.
    await run(a, 'ALTER TABLE m ADD COLUMN extra int');
    const stale = await sqlErrorOf(b, 'ALTER TABLE m ADD COLUMN other int');
    assert.equal(stale.code, '40001');
    assert.match(stale.message, /changed by a concurrent schema change on another node/);
    await nodeB.refreshCatalog();
    await run(b, 'ALTER TABLE m ADD COLUMN other int');
    await nodeA.refreshCatalog();
    assert.deepEqual((await run(a, 'SELECT * FROM m WHERE id = 1')).columns, ['id', 'note', 'extra', 'other']);
  } finally {
    await a.close();
    await b.close();
    nodeA.close();
    nodeB.close();
    coord.close();
    await kv.close();
    await engine.close();
  }
});

test('a comma list joins the smallest connected table next once ANALYZE has counted them', async () => {
  const c = await startSql();
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE facts (id int PRIMARY KEY, m int NOT NULL, t int NOT NULL)');
    await run(s, 'CREATE TABLE mids (id int PRIMARY KEY, label text)');
    await run(s, 'CREATE TABLE tinies (id int PRIMARY KEY, label text)');
    await run(s, 'INSERT INTO facts SELECT g, g % 300, g % 3 FROM generate_series(1, 900) g');
    await run(s, "INSERT INTO mids SELECT g, 'm' || g FROM generate_series(0, 299) g");
    await run(s, "INSERT INTO tinies SELECT g, 't' || g FROM generate_series(0, 2) g");
    const q = 'SELECT count(*), count(DISTINCT mi.label), count(DISTINCT ti.label) FROM facts f, mids mi, tinies ti WHERE f.m = mi.id AND f.t = ti.id';
    const order = async (): Promise<string[]> => (await rows(s, `EXPLAIN ${q}`)).flatMap((l) => /Scan on (\w+)/.exec(l)?.[1] ?? []);
    assert.deepEqual(await order(), ['facts', 'mids', 'tinies'], 'unknown sizes: FROM order');
    const before = await rows(s, q);
    await run(s, 'ANALYZE');
    assert.deepEqual(await order(), ['facts', 'tinies', 'mids'], 'the 3-row table is joined first');
    assert.deepEqual(await rows(s, q), before);
    assert.deepEqual(before, ['900|300|3']);
  } finally {
    await c.close();
  }
});

test('an inner hash join builds from the side ANALYZE counted smaller; columns keep their order', async () => {
  const c = await startSql();
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE few (id int PRIMARY KEY, code int, name text)');
    await run(s, 'CREATE TABLE many (id int PRIMARY KEY, code int, v int)');
    await run(s, "INSERT INTO few SELECT g, g, 'f' || g FROM generate_series(1, 10) g");
    await run(s, 'INSERT INTO many SELECT g, g % 20, g FROM generate_series(1, 1000) g');
    const q = 'SELECT * FROM few f JOIN many m ON m.code = f.code ORDER BY m.id LIMIT 3';
    const agg = 'SELECT count(*), sum(m.v), min(f.name) FROM few f JOIN many m ON m.code = f.code';
    const scans = async (sql: string): Promise<string[]> => (await rows(s, `EXPLAIN ${sql}`)).flatMap((l) => /Scan on (\w+)/.exec(l)?.[1] ?? []);
    const before = [await rows(s, q), await rows(s, agg)];
    assert.deepEqual(await scans(agg), ['few', 'many'], 'unknown sizes: the right input (many) is built');
    await run(s, 'ANALYZE');
    assert.deepEqual(await scans(agg), ['many', 'few'], 'many probes, few is built');
    assert.deepEqual([await rows(s, q), await rows(s, agg)], before);
    assert.deepEqual(before[0], ['1|1|f1|1|1|1', '2|2|f2|2|2|2', '3|3|f3|3|3|3']);
    assert.deepEqual((await run(s, q)).columns, ['id', 'code', 'name', 'id', 'code', 'v']);
  } finally {
    await c.close();
  }
});

test('inputs in primary key order join by merge, across batches, equal to a hash join', async () => {
  const c = await startSql({ limits: { resultRowsMax: 8_000 } });
  try {
    const s = await c.session();
    await run(s, 'CREATE TABLE parents (id int PRIMARY KEY, v int)');
    await run(s, 'CREATE TABLE kids (parent bigint, n int, w int, PRIMARY KEY (parent, n))');
    await run(s, 'INSERT INTO parents SELECT g, g * 3 FROM generate_series(1, 3000) g WHERE g % 7 <> 0');
    // 0-3 kids per parent, and kids of parents that do not exist.
    await run(s, 'INSERT INTO kids SELECT g / 4, g % 4, g FROM generate_series(4, 4000) g WHERE (g / 4) % 5 <> (g % 4)');
    await run(s, 'INSERT INTO kids SELECT g / 4, g % 4, g FROM generate_series(12004, 14000) g');
    const merged = 'SELECT count(*), sum(p.v), sum(k.w), count(k.n) FROM parents p LEFT JOIN kids k ON k.parent = p.id';
    const hashed = 'SELECT count(*), sum(p.v), sum(k.w), count(k.n) FROM parents p LEFT JOIN kids k ON k.parent = p.id + 0';
    assert.match((await rows(s, `EXPLAIN ${merged}`)).join('\n'), /Merge Join \(left: id = parent\)/);
    assert.match((await rows(s, `EXPLAIN ${hashed}`)).join('\n'), /Hash Join/);
    assert.deepEqual(await rows(s, merged), await rows(s, hashed));
    const inner = 'SELECT p.id, k.n FROM parents p JOIN kids k ON k.parent = p.id ORDER BY p.id DESC, k.n LIMIT 4';
    assert.match((await rows(s, `EXPLAIN ${inner}`)).join('\n'), /Merge Join \(inner: id = parent\)/);
    assert.deepEqual(await rows(s, inner), await rows(s, inner.replace('k.parent = p.id', 'k.parent = p.id + 0')));
    // One run of equal keys longer than the row limit is 53200, not unbounded memory.
    await run(s, 'CREATE TABLE a1 (id int PRIMARY KEY)');
    await run(s, 'CREATE TABLE b1 (a int, n int, PRIMARY KEY (a, n))');
    await run(s, 'INSERT INTO a1 VALUES (1)');
    await run(s, 'INSERT INTO b1 SELECT 1, g FROM generate_series(1, 4500) g');
    await run(s, 'INSERT INTO b1 SELECT 1, g FROM generate_series(4501, 9000) g');
    assert.equal((await sqlErrorOf(s, 'SELECT count(*) FROM a1 JOIN b1 ON b1.a = a1.id')).code, '53200');
  } finally {
    await c.close();
  }
});
