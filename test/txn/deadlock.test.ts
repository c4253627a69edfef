// Lock wait-queues and deadlock detection: through the Txn API (kv waits, wake-ups, cycles)
// and through the SQL Session API (two sessions updating the same rows in opposite order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator, TxnError } from '../../src/txn/index.ts';
import { createSqlService, SqlError, type Session } from '../../src/sql/index.ts';
import { systemClock, testEnv } from '../../src/util/index.ts';
import { run } from '../sql/harness.ts';
import { dec, enc, tk } from './helpers.ts';

/** kv + txn on memory-level with the real clock and the default (long) waits. */
async function realTimeDb(config: { intentWaitMs?: number; lockWaitSliceMs?: number } = {}) {
  const env = testEnv(7, systemClock);
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender, { config });
  return {
    env,
    kv,
    coord,
    async close(): Promise<void> {
      coord.close();
      await kv.close();
      await engine.close();
    },
  };
}

test('a blocked reader waits in the queue and is woken by the commit, not by a timeout', async () => {
  const db = await realTimeDb({ lockWaitSliceMs: 5_000 });
  const holder = db.coord.begin();
  holder.put(tk('h'), enc('v1'));
  await holder.flush();
  const reader = db.coord.begin();
  const started = performance.now();
  const read = reader.get(tk('h'));
  setTimeout(() => void holder.commit(), 50);
  assert.equal(dec(await read), 'v1');
  const ms = performance.now() - started;
  assert.ok(ms >= 40 && ms < 1_000, `woken after ${ms.toFixed(0)} ms`);
  assert.equal(db.kv.locks.stats.wakeups, 1);
  assert.equal(db.kv.locks.stats.timeouts, 0);
  await reader.commit();
  await db.close();
});

test('two transactions writing two keys in opposite order: one gets deadlock at once, the other commits', async () => {
  const db = await realTimeDb();
  const a = db.coord.begin();
  const b = db.coord.begin();
  a.put(tk('x'), enc('a'));
  await a.flush();
  b.put(tk('y'), enc('b'));
  await b.flush();
  const started = performance.now();
  a.put(tk('y'), enc('a'));
  const aBlocked = a.flush(); // waits for b
  await new Promise((r) => setTimeout(r, 20));
  b.put(tk('x'), enc('b'));
  await assert.rejects(b.flush(), (err: unknown) => err instanceof TxnError && err.code === 'deadlock' && /deadlock detected/.test(err.message));
  await aBlocked;
  await a.commit();
  const ms = performance.now() - started;
  assert.ok(ms < 1_000, `resolved in ${ms.toFixed(0)} ms`);
  assert.equal(b.status, 'aborted', 'the victim gave its locks up at the error');
  const r = db.coord.begin();
  assert.deepEqual([dec(await r.get(tk('x'))), dec(await r.get(tk('y')))], ['a', 'a']);
  await r.commit();
  assert.equal(db.kv.locks.stats.deadlocks, 1);
  assert.deepEqual(db.kv.locks.queue.waitsFor(), []);
  await db.close();
});

test('a three-transaction cycle is found too', async () => {
  const db = await realTimeDb();
  const txns = [db.coord.begin(), db.coord.begin(), db.coord.begin()];
  const keys = ['p', 'q', 'r'];
  for (const [i, t] of txns.entries()) {
    t.put(tk(keys[i]!), enc(`t${i}`));
    await t.flush();
  }
  const outcomes = txns.map(async (t, i) => {
    await new Promise((r) => setTimeout(r, 10 * i));
    t.put(tk(keys[(i + 1) % 3]!), enc(`t${i}`));
    try {
      await t.flush();
      await t.commit();
      return 'committed';
    } catch (err) {
      return err instanceof TxnError ? err.code : String(err);
    }
  });
  const results = await Promise.all(outcomes);
  assert.deepEqual(results.filter((x) => x === 'deadlock').length, 1, results.join(','));
  assert.deepEqual(results.filter((x) => x === 'committed').length, 2, results.join(','));
  await db.close();
});

async function sqlNode() {
  const db = await realTimeDb();
  const service = await createSqlService({ env: db.env, txns: db.coord });
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
      await db.close();
    },
  };
}

test('SQL sessions updating the same rows in opposite order: one gets 40P01 within a second, the other commits', async () => {
  const node = await sqlNode();
  const s1 = await node.session();
  const s2 = await node.session();
  await run(s1, 'CREATE TABLE acct (id INT PRIMARY KEY, balance INT)');
  await run(s1, 'INSERT INTO acct VALUES (1, 100), (2, 100)');
  await run(s1, 'BEGIN');
  await run(s2, 'BEGIN');
  await run(s1, 'UPDATE acct SET balance = balance - 10 WHERE id = 1');
  await run(s2, 'UPDATE acct SET balance = balance - 20 WHERE id = 2');
  const started = performance.now();
  const first = run(s1, 'UPDATE acct SET balance = balance + 10 WHERE id = 2').then(
    () => 'ok',
    (err: unknown) => (err instanceof SqlError ? err.code : String(err)),
  );
  await new Promise((r) => setTimeout(r, 30));
  const second = await run(s2, 'UPDATE acct SET balance = balance + 20 WHERE id = 1').then(
    () => 'ok',
    (err: unknown) => (err instanceof SqlError ? err.code : String(err)),
  );
  const codes = [await first, second];
  const ms = performance.now() - started;
  assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
  assert.deepEqual(codes.sort(), ['40P01', 'ok']);
  // Whichever got the error is in a failed block; the other commits.
  const okSession = (await first) === 'ok' ? s1 : s2;
  const failed = okSession === s1 ? s2 : s1;
  assert.deepEqual((await run(okSession, 'COMMIT')).tags, ['COMMIT']);
  assert.deepEqual((await run(failed, 'COMMIT')).tags, ['ROLLBACK']);
  const r = await run(s1, 'SELECT id, balance FROM acct ORDER BY id');
  assert.deepEqual(r.rows, okSession === s1 ? [['1', '90'], ['2', '110']] : [['1', '120'], ['2', '80']]);
  await node.close();
});
