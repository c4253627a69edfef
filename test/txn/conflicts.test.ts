import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator, TxnError } from '../../src/txn/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { dec, enc, memoryDb, tk } from './helpers.ts';

const isCode = (code: string) => (e: unknown) => e instanceof TxnError && e.code === code;

test('write-write conflict: the second writer gets txn-retry, in both orders', async () => {
  for (const order of ['newer-commits-first', 'older-flushes-first'] as const) {
    const db = await memoryDb();
    const older = db.coord.begin();
    const newer = db.coord.begin();
    // A read-modify-write: older's write depends on what it read.
    assert.equal(await older.get(tk('w')), null);
    older.put(tk('w'), enc('older'));
    newer.put(tk('w'), enc('newer'));
    if (order === 'newer-commits-first') {
      await newer.commit();
      // older's write is below newer's version (write-too-old); moving it up needs a read
      // refresh of 'w', which sees newer's commit: the txn must retry.
      await assert.rejects(older.commit(), isCode('txn-retry'));
      await older.rollback();
    } else {
      await older.flush(); // older's intent is down; newer cannot push a live txn
      await assert.rejects(newer.commit(), isCode('txn-retry'));
      await newer.rollback();
      await older.commit();
    }
    db.clock.advance(1);
    const r = db.coord.begin();
    assert.equal(dec(await r.get(tk('w'))), order === 'newer-commits-first' ? 'newer' : 'older');
    await r.commit();
    await db.close();
  }
});

test('a blind write above a committed version is not a conflict', async () => {
  const db = await memoryDb();
  const older = db.coord.begin();
  const newer = db.coord.begin();
  older.put(tk('b'), enc('older'));
  newer.put(tk('b'), enc('newer'));
  await older.commit();
  await newer.commit();
  db.clock.advance(1);
  const r = db.coord.begin();
  assert.equal(dec(await r.get(tk('b'))), 'newer');
  await db.close();
});

test('a reader waits for a live intent and reads once the holder commits', async () => {
  const db = await memoryDb();
  // Real waiting here: the holder commits while the reader backs off.
  const coord = (await import('../../src/txn/index.ts')).createTxnCoordinator(db.env, db.kv.sender, {
    clock: db.coord.clock,
    config: { intentWaitMs: 2_000 },
  });
  const holder = coord.begin();
  holder.put(tk('h'), enc('v1'));
  await holder.flush();
  db.clock.advance(1);
  const reader = coord.begin();
  const read = reader.get(tk('h'));
  setTimeout(() => void holder.commit(), 20);
  assert.equal(dec(await read), 'v1');
  assert.ok(coord.kv.stats.intentWaits > 0);
  await reader.commit();
  coord.close();
  await db.close();
});

test('duplicate-key within one transaction and after a delete', async () => {
  const db = await memoryDb();
  const t = db.coord.begin();
  t.insert(tk('d'), enc('1'));
  t.insert(tk('d'), enc('2'));
  await assert.rejects(t.flush(), isCode('duplicate-key'));
  await assert.rejects(t.commit(), isCode('txn-aborted'));
  await t.rollback();
  const u = db.coord.begin();
  u.insert(tk('d'), enc('1'));
  u.del(tk('d'));
  u.insert(tk('d'), enc('3'));
  await u.commit();
  db.clock.advance(1);
  const r = db.coord.begin();
  assert.equal(dec(await r.get(tk('d'))), '3');
  await db.close();
});

test('scan sees own buffered writes and deletes; delRange removes committed keys', async () => {
  const db = await memoryDb();
  const seed = db.coord.begin();
  for (const k of ['a', 'b', 'c']) seed.put(tk(k), enc(k));
  await seed.commit();
  db.clock.advance(1);
  const t = db.coord.begin();
  t.put(tk('bb'), enc('bb'));
  t.del(tk('a'));
  const s = await t.scan({ startKey: tk(''), endKey: tk('~') });
  assert.deepEqual(s.rows.map((r) => dec(r.value)), ['b', 'bb', 'c']);
  t.delRange({ startKey: tk('b'), endKey: tk('c') });
  const s2 = await t.scan({ startKey: tk(''), endKey: tk('~') }, { reverse: true, limit: 5 });
  assert.deepEqual(s2.rows.map((r) => dec(r.value)), ['c']);
  await t.commit();
  db.clock.advance(1);
  const r = db.coord.begin();
  assert.deepEqual((await r.scan({ startKey: tk(''), endKey: tk('~') })).rows.map((x) => dec(x.value)), ['c']);
  await db.close();
});

test('implicit single-batch transactions commit in one phase with no intents', async () => {
  const db = await memoryDb();
  const before = db.kv.store.groupCommitter.stats.syncs;
  const t = db.coord.begin({ implicit: true });
  t.insert(tk('one'), enc('1'));
  t.insert(tk('two'), enc('2'));
  await t.commit();
  assert.equal(db.kv.store.groupCommitter.stats.syncs - before, 1);
  await db.close();
});

test('crash: an unfinished txn\'s intents survive a restart and are cleaned once its record expires', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-txn-'));
  const clock = new ManualClock();
  const env = testEnv(1, clock);
  {
    const engine = await openEngine({ path: dir });
    const kv = await createLocalKv(env, engine, { txnExpiryMs: 5_000 });
    const coord = createTxnCoordinator(env, kv.sender);
    const committed = coord.begin();
    committed.put(tk('kept'), enc('yes'));
    await committed.commit();
    clock.advance(1);
    const lost = coord.begin();
    lost.put(tk('orphan'), enc('never'));
    lost.put(tk('kept'), enc('overwritten?'));
    await lost.flush(); // intents and a pending record on disk; then the "process dies"
    coord.close();
    await kv.close();
    await engine.close();
  }
  const engine = await openEngine({ path: dir });
  const kv = await createLocalKv(env, engine, { txnExpiryMs: 5_000 });
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 10 }, sleep: () => new Promise((r) => setImmediate(r)) });
  clock.advance(1);
  const early = coord.begin();
  await assert.rejects(early.get(tk('orphan')), isCode('txn-retry'), 'a live-looking intent blocks briefly');
  await early.rollback();
  clock.advance(6_000); // past the expiry: pushers abort the orphan
  const r = coord.begin();
  assert.equal(await r.get(tk('orphan')), null);
  assert.equal(dec(await r.get(tk('kept'))), 'yes');
  await r.commit();
  const w = coord.begin();
  w.put(tk('orphan'), enc('mine now'));
  await w.commit();
  assert.ok(coord.kv.stats.pushes > 0 && coord.kv.stats.resolvedIntents >= 2);
  coord.close();
  await kv.close();
  await engine.close();
  rmSync(dir, { recursive: true });
});

test('concurrent autocommit inserts share synced writes (classic-level)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gc-'));
  const env = testEnv();
  const engine = await openEngine({ path: dir });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender);
  const writers = 16;
  const perWriter = 20;
  const before = engine.stats.syncedWrites;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const t = coord.begin({ implicit: true });
        t.insert(tk(`w${w}-${i}`), enc('x'));
        await t.commit();
      }
    }),
  );
  const syncs = engine.stats.syncedWrites - before;
  assert.ok(syncs < (writers * perWriter) / 3, `${writers * perWriter} commits took ${syncs} synced writes`);
  coord.close();
  await kv.close();
  await engine.close();
  rmSync(dir, { recursive: true });
});
