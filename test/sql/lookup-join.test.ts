// Join planning: a small left input (point lookup, index prefix, LIMIT, VALUES) reads the
// right table by key (Lookup Join), a large one hashes the right table (Hash Join). The
// lookup join pages through many partners of one key, spans several left batches, sees
// the transaction's own writes, and counts its rows against the statement's row limit.
// Results are checked against the same query forced through a hash join.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
