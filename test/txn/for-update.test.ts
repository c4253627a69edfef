// SELECT ... FOR UPDATE / FOR SHARE, NOWAIT, SKIP LOCKED and lock_timeout through the Session
// API, on the real clock (lock waits are real waits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator } from '../../src/txn/index.ts';
import { createSqlService, SqlError, type Session } from '../../src/sql/index.ts';
import { systemClock, testEnv } from '../../src/util/index.ts';
import { rows, run } from '../sql/harness.ts';

async function sqlNode() {
  const env = testEnv(3, systemClock);
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender);
  const service = await createSqlService({ env, txns: coord });
  await service.bootstrap();
  const sessions: Session[] = [];
  return {
    async session(): Promise<Session> {
      const s = await service.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 'test' });
      sessions.push(s);
      return s;
    },
    async close(): Promise<void> {
      for (const s of sessions) await s.close();
      coord.close();
      await kv.close();
      await engine.close();
    },
  };
}

const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (e instanceof SqlError ? e.code : String(e)));

test('FOR UPDATE: a writer waits for the lock holder, then sees its commit', async () => {
  const node = await sqlNode();
  const a = await node.session();
  const b = await node.session();
  await run(a, 'CREATE TABLE t (k INT PRIMARY KEY, v INT)');
  await run(a, 'INSERT INTO t VALUES (1, 10), (2, 20)');
  await run(a, 'BEGIN');
  assert.deepEqual(await rows(a, 'SELECT v FROM t WHERE k = 1 FOR UPDATE'), ['10']);
  let done = false;
  const blocked = run(b, 'UPDATE t SET v = v + 1 WHERE k = 1').then(() => (done = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(done, false, 'the writer waits for the row lock');
  // Another row is not locked.
  await run(b === a ? a : await node.session(), 'UPDATE t SET v = 21 WHERE k = 2');
  await run(a, 'UPDATE t SET v = 100 WHERE k = 1');
  await run(a, 'COMMIT');
  await blocked;
  assert.deepEqual(await rows(a, 'SELECT k, v FROM t ORDER BY k'), ['1|101', '2|21']);
  await node.close();
});

test('FOR UPDATE NOWAIT fails at once with 55P03; lock_timeout gives 55P03 after the timeout', async () => {
  const node = await sqlNode();
  const a = await node.session();
  const b = await node.session();
  await run(a, 'CREATE TABLE t (k INT PRIMARY KEY, v INT)');
  await run(a, 'INSERT INTO t VALUES (1, 10)');
  await run(a, 'BEGIN');
  await run(a, 'SELECT * FROM t WHERE k = 1 FOR SHARE');
  await run(b, 'BEGIN');
  let started = performance.now();
  assert.equal(await codeOf(run(b, 'SELECT * FROM t WHERE k = 1 FOR UPDATE NOWAIT')), '55P03');
  assert.ok(performance.now() - started < 500);
  await run(b, 'ROLLBACK');
  await run(b, "SET lock_timeout = '150ms'");
  started = performance.now();
  assert.equal(await codeOf(run(b, 'UPDATE t SET v = 0 WHERE k = 1')), '55P03');
  const waited = performance.now() - started;
  assert.ok(waited >= 140 && waited < 1_500, `waited ${waited.toFixed(0)} ms`);
  await run(a, 'COMMIT');
  assert.deepEqual(await rows(b, 'SELECT v FROM t'), ['10']);
  await node.close();
});

test('read-modify-write with FOR UPDATE: concurrent increments all commit, none retried', async () => {
  const node = await sqlNode();
  const setup = await node.session();
  await run(setup, 'CREATE TABLE c (k INT PRIMARY KEY, n INT)');
  await run(setup, 'INSERT INTO c VALUES (1, 0)');
  const clients = 4;
  const each = 5;
  const outcomes: string[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const s = await node.session();
      for (let i = 0; i < each; i++) {
        const code = await codeOf(
          (async () => {
            await run(s, 'BEGIN');
            const [n] = await rows(s, 'SELECT n FROM c WHERE k = 1 FOR UPDATE');
            await run(s, `UPDATE c SET n = ${Number(n) + 1} WHERE k = 1`);
            await run(s, 'COMMIT');
          })(),
        );
        if (code !== 'ok') await run(s, 'ROLLBACK');
        outcomes.push(code);
      }
    }),
  );
  assert.deepEqual(await rows(setup, 'SELECT n FROM c'), [String(outcomes.filter((o) => o === 'ok').length)]);
  assert.ok(outcomes.filter((o) => o === 'ok').length >= clients * each - 2, outcomes.join(','));
  await node.close();
});

test('SKIP LOCKED: rows others hold are left out, without waiting', async () => {
  const node = await sqlNode();
  const setup = await node.session();
  await run(setup, 'CREATE TABLE jobs (id INT PRIMARY KEY, state TEXT)');
  await run(setup, "INSERT INTO jobs VALUES (1, 'new'), (2, 'new'), (3, 'new')");
  const [a, b, c] = [await node.session(), await node.session(), await node.session()];
  await run(a, 'BEGIN');
  assert.deepEqual(await rows(a, 'SELECT id FROM jobs WHERE id = 1 FOR UPDATE'), ['1']); // a point lookup locks one row
  await run(b, 'BEGIN');
  const started = performance.now();
  assert.deepEqual(await rows(b, 'SELECT id FROM jobs ORDER BY id FOR UPDATE SKIP LOCKED'), ['2', '3']);
  assert.ok(performance.now() - started < 500, 'no waiting for the locked row');
  await run(c, 'BEGIN');
  assert.deepEqual(await rows(c, 'SELECT id FROM jobs FOR UPDATE SKIP LOCKED'), []);
  assert.equal(await codeOf(run(c, 'SELECT id FROM jobs WHERE id = 2 FOR UPDATE NOWAIT')), '55P03');
  await run(c, 'ROLLBACK');
  await run(a, "UPDATE jobs SET state = 'done' WHERE id = 1");
  await run(b, "UPDATE jobs SET state = 'done' WHERE id > 1");
  await run(a, 'COMMIT');
  await run(b, 'COMMIT');
  assert.deepEqual(await rows(setup, 'SELECT id, state FROM jobs ORDER BY id'), ['1|done', '2|done', '3|done']);
  await node.close();
});
