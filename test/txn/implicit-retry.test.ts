// Server-side retry: a statement that is its own implicit transaction is retried inside
// the server after a serialization failure, so concurrent autocommit increments of one
// row all succeed and none is lost. An explicit block is not retried (the client must).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../src/sql/index.ts';
import { rows, run, startSql } from '../sql/harness.ts';

test('concurrent autocommit increments of one row: no 40001 reaches the client, no update is lost', async () => {
  const db = await startSql();
  const setup = await db.session();
  await run(setup, 'CREATE TABLE counter (k INT PRIMARY KEY, n INT NOT NULL)');
  await run(setup, 'INSERT INTO counter VALUES (1, 0)');
  const clients = 8;
  const each = 15;
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const s = await db.session();
      for (let i = 0; i < each; i++) {
        try {
          await run(s, 'UPDATE counter SET n = n + 1 WHERE k = 1');
        } catch (err) {
          errors.push(err instanceof SqlError ? err.code : String(err));
        }
      }
    }),
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(await rows(setup, 'SELECT n FROM counter'), [String(clients * each)]);
  await db.close();
});

test('explicit blocks are not retried by the server: the conflict reaches the client as 40001', async () => {
  const db = await startSql();
  const a = await db.session();
  const b = await db.session();
  await run(a, 'CREATE TABLE t (k INT PRIMARY KEY, v INT)');
  await run(a, 'INSERT INTO t VALUES (1, 0)');
  await run(a, 'BEGIN');
  await run(a, 'SELECT v FROM t WHERE k = 1');
  await run(b, 'UPDATE t SET v = 5 WHERE k = 1');
  const err = await run(a, 'UPDATE t SET v = v + 1 WHERE k = 1').then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof SqlError && err.code === '40001', String(err));
  await run(a, 'ROLLBACK');
  assert.deepEqual(await rows(a, 'SELECT v FROM t'), ['5']);
  await db.close();
});
