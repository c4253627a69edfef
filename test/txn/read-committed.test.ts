// READ COMMITTED: how it is chosen (BEGIN ISOLATION LEVEL, SET TRANSACTION,
// default_transaction_isolation) and what it means (a fresh snapshot per statement).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rows, run, sqlErrorOf, startSql } from '../sql/harness.ts';

test('READ COMMITTED sees commits between its statements; SERIALIZABLE does not', async () => {
  const db = await startSql();
  const a = await db.session();
  const b = await db.session();
  await run(a, 'CREATE TABLE t (k INT PRIMARY KEY, v INT)');
  await run(a, 'INSERT INTO t VALUES (1, 10)');
  for (const [begin, expected] of [
    ['BEGIN ISOLATION LEVEL READ COMMITTED', '11'],
    ['BEGIN', '11'], // the value is now 11; the next update makes it 12, unseen at SERIALIZABLE
  ] as const) {
    await run(a, begin);
    const before = await rows(a, 'SELECT v FROM t WHERE k = 1');
    await run(b, 'UPDATE t SET v = v + 1 WHERE k = 1');
    const after = await rows(a, 'SELECT v FROM t WHERE k = 1');
    await run(a, 'COMMIT');
    if (begin === 'BEGIN') {
      assert.deepEqual(after, before, 'SERIALIZABLE reads one snapshot');
    } else {
      assert.deepEqual([before, after], [['10'], [expected]], 'READ COMMITTED takes a snapshot per statement');
    }
  }
  await db.close();
});

test('SET TRANSACTION ISOLATION LEVEL: only first in a block; warns outside one; SHOW follows it', async () => {
  const db = await startSql();
  const s = await db.session();
  assert.deepEqual(await rows(s, 'SHOW transaction_isolation'), ['serializable']);
  const outside = await run(s, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  assert.deepEqual(outside.notices, ['SET TRANSACTION can only be used in transaction blocks']);
  assert.deepEqual(await rows(s, 'SHOW transaction_isolation'), ['serializable']);
  await run(s, 'BEGIN');
  await run(s, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  assert.deepEqual(await rows(s, 'SHOW TRANSACTION ISOLATION LEVEL'), ['read committed']);
  await run(s, 'SELECT 1');
  const late = await sqlErrorOf(s, 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
  assert.equal(late.code, '25001');
  await run(s, 'ROLLBACK');
  assert.deepEqual(await rows(s, 'SHOW transaction_isolation'), ['serializable']);
  const bad = await sqlErrorOf(s, "SET default_transaction_isolation = 'chaotic'");
  assert.equal(bad.code, '22023');
  await run(s, "SET default_transaction_isolation = 'read committed'");
  await run(s, 'BEGIN');
  assert.deepEqual(await rows(s, 'SHOW transaction_isolation'), ['read committed']);
  await run(s, 'COMMIT');
  await run(s, 'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  assert.deepEqual(await rows(s, 'SHOW default_transaction_isolation'), ['repeatable read']);
  await run(s, 'BEGIN ISOLATION LEVEL READ COMMITTED');
  assert.deepEqual(await rows(s, 'SHOW transaction_isolation'), ['read committed']);
  await run(s, 'COMMIT');
  await db.close();
});

test('READ COMMITTED: an update of a row changed since the statement began is not lost', async () => {
  const db = await startSql();
  const a = await db.session();
  const b = await db.session();
  await run(a, 'CREATE TABLE c (k INT PRIMARY KEY, n INT)');
  await run(a, 'INSERT INTO c VALUES (1, 0)');
  await run(a, 'BEGIN ISOLATION LEVEL READ COMMITTED');
  await run(a, 'SELECT n FROM c WHERE k = 1');
  await run(b, 'UPDATE c SET n = n + 1 WHERE k = 1');
  // A fresh statement reads n = 1 and writes 2 (not 1: the other increment is kept).
  await run(a, 'UPDATE c SET n = n + 1 WHERE k = 1');
  await run(a, 'COMMIT');
  assert.deepEqual(await rows(a, 'SELECT n FROM c'), ['2']);
  await db.close();
});
