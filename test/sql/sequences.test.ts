// Sequences across sessions and restarts: a value handed out is never handed out again,
// even when the node's cache is lost (a new SQL service over the same KV stands for a
// restarted node), and a statement that draws more values than one reserved block
// persists the excess before it completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator } from '../../src/txn/index.ts';
import { createSqlService, type TesseraSqlService } from '../../src/sql/index.ts';
import { SEQUENCE_BLOCK_VALUES } from '../../src/sql/catalog/sequences.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { run } from './harness.ts';

async function withKv(body: (service: () => Promise<TesseraSqlService>) => Promise<void>): Promise<void> {
  const env = testEnv(1, new ManualClock());
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 20 }, sleep: () => new Promise((r) => setImmediate(r)) });
  try {
    await body(async () => {
      const s = await createSqlService({ env, txns: coord });
      await s.bootstrap();
      return s;
    });
  } finally {
    coord.close();
    await kv.close();
    await engine.close();
  }
}

const values = async (s: Awaited<ReturnType<TesseraSqlService['openSession']>>, sql: string): Promise<bigint[]> =>
  (await run(s, sql)).rows.map((r) => BigInt(r[0]!));

test('a restarted node never hands out a value it handed out before', async () => {
  await withKv(async (service) => {
    const first = await service();
    const a = await first.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    await run(a, 'CREATE SEQUENCE s');
    const before = [...(await values(a, "SELECT nextval('s')")), ...(await values(a, "SELECT nextval('s')"))];
    assert.deepEqual(before, [1n, 2n]);
    await a.close();
    // The first node's cache (the rest of its block) is gone: the next values skip it.
    const second = await service();
    const b = await second.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    const after = await values(b, "SELECT nextval('s')");
    assert.ok(after[0]! > 2n, `got ${after[0]}`);
    assert.equal(after[0], SEQUENCE_BLOCK_VALUES + 1n);
    await b.close();
  });
});

test('a statement drawing more than a block persists the excess; sessions share the sequence', async () => {
  await withKv(async (service) => {
    const first = await service();
    const a = await first.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    const b = await first.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    const rows = Number(SEQUENCE_BLOCK_VALUES) * 3;
    await run(a, 'CREATE TABLE src (k int PRIMARY KEY)');
    await run(a, `INSERT INTO src SELECT k FROM (${Array.from({ length: rows }, (_x, i) => `SELECT ${i} AS k`).join(' UNION ALL ')}) AS t`);
    await run(a, 'CREATE TABLE dst (id serial PRIMARY KEY, k int)');
    await run(a, 'INSERT INTO dst (k) SELECT k FROM src');
    const ids = await values(a, 'SELECT id FROM dst ORDER BY id');
    assert.equal(ids.length, rows);
    assert.equal(new Set(ids.map(String)).size, rows);
    assert.equal(ids[rows - 1], BigInt(rows));
    // Another session of the node continues after the first one's values.
    const fromB = await values(b, "SELECT nextval('dst_id_seq')");
    assert.equal(fromB[0], BigInt(rows) + 1n);
    // currval is per session: b has one now, a's is its own last value.
    assert.deepEqual(await values(a, "SELECT currval('dst_id_seq')"), [BigInt(rows)]);
    await a.close();
    await b.close();
    const second = await service();
    const c = await second.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    const next = await values(c, "SELECT nextval('dst_id_seq')");
    assert.ok(next[0]! > BigInt(rows) + 1n, `got ${next[0]}`);
    await c.close();
  });
});

test('setval is durable and is seen by a restarted node', async () => {
  await withKv(async (service) => {
    const first = await service();
    const a = await first.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    await run(a, 'CREATE SEQUENCE s');
    await run(a, "SELECT setval('s', 5000)");
    await a.close();
    const second = await service();
    const b = await second.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 't' });
    assert.deepEqual(await values(b, "SELECT nextval('s')"), [5001n]);
    await b.close();
  });
});
