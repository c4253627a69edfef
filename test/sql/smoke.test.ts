import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rows, run, sqlErrorOf, startSql } from './harness.ts';

test('create, insert, select by pk', async () => {
  const c = await startSql();
  try {
    const s = await c.session();
    const r = await run(s, 'CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL, n numeric(10,2))');
    assert.deepEqual(r.tags, ['CREATE TABLE']);
    assert.deepEqual((await run(s, "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL)")).tags, ['INSERT 0 2']);
    assert.deepEqual(await rows(s, 'SELECT id, v, n FROM t WHERE id = 1'), ['1|a|1.50']);
    assert.deepEqual(await rows(s, 'SELECT * FROM t ORDER BY id DESC'), ['2|b|NULL', '1|a|1.50']);
    const dup = await sqlErrorOf(s, "INSERT INTO t VALUES (1, 'x', 0)");
    assert.equal(dup.code, '23505');
    assert.equal(dup.message, 'duplicate key value violates unique constraint "t_pkey"');
    assert.equal(dup.detail, 'Key (id)=(1) already exists.');
  } finally {
    await c.close();
  }
});
