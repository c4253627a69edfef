import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxnError } from '../../src/txn/index.ts';
import { dec, enc, memoryDb, tk } from './helpers.ts';

const isRetry = (e: unknown) => e instanceof TxnError && e.code === 'txn-retry';

test('write skew is refused: a write below another txn\'s later read retries', async () => {
  const db = await memoryDb();
  const seed = db.coord.begin();
  seed.put(tk('x'), enc('1'));
  seed.put(tk('y'), enc('1'));
  await seed.commit();
  db.clock.advance(1);
  const t1 = db.coord.begin();
  const t2 = db.coord.begin(); // t2's timestamp is above t1's
  // Both check the invariant x + y >= 1 by reading both keys...
  assert.deepEqual((await t1.getMany([tk('x'), tk('y')])).map(dec), ['1', '1']);
  assert.deepEqual((await t2.getMany([tk('x'), tk('y')])).map(dec), ['1', '1']);
  // ...and each zeroes a different one. t2's commit is fine (nobody read y above t2)...
  t2.put(tk('y'), enc('0'));
  await t2.commit();
  // ...but t1 would write x below t2's read of x: it must retry.
  t1.put(tk('x'), enc('0'));
  await assert.rejects(t1.commit(), isRetry);
  await t1.rollback();
  await db.close();
});

test('phantoms: two txns that scan a span and insert into it cannot both commit', async () => {
  const db = await memoryDb();
  const older = db.coord.begin();
  const newer = db.coord.begin();
  const span = { startKey: tk('a'), endKey: tk('m') };
  assert.equal((await older.scan(span)).rows.length, 0);
  assert.equal((await newer.scan(span)).rows.length, 0);
  // older's insert lands below newer's scan: it refreshes its own (still empty) scan and
  // commits above newer...
  older.insert(tk('c'), enc('older'));
  await older.commit();
  // ...so newer's scan is no longer valid at any timestamp above older's commit.
  newer.insert(tk('d'), enc('newer'));
  await assert.rejects(newer.commit(), isRetry);
  await newer.rollback();
  await db.close();
});

test('a limited scan protects only the part it read', async () => {
  const db = await memoryDb();
  const seed = db.coord.begin();
  seed.put(tk('n1'), enc('1'));
  seed.put(tk('n2'), enc('2'));
  await seed.commit();
  db.clock.advance(1);
  const writer = db.coord.begin();
  const reader = db.coord.begin();
  assert.equal((await reader.scan({ startKey: tk('n'), endKey: tk('o') }, { limit: 1 })).rows.length, 1);
  assert.equal(await writer.get(tk('n5')), null);
  writer.put(tk('n5'), enc('x')); // outside what the reader read: no conflict
  await writer.commit();
  await reader.commit();
  await db.close();
});

test('an implicit write-only txn retries by itself above a conflicting read', async () => {
  const db = await memoryDb();
  const writer = db.coord.begin({ implicit: true });
  const reader = db.coord.begin();
  assert.equal(await reader.get(tk('k')), null);
  writer.put(tk('k'), enc('v'));
  await writer.commit();
  assert.equal(writer.status, 'committed');
  // The reader's snapshot still holds.
  assert.equal(await reader.get(tk('k')), null);
  await reader.commit();
  db.clock.advance(1);
  const after = db.coord.begin();
  assert.equal(dec(await after.get(tk('k'))), 'v');
  await db.close();
});

test('concurrent read-modify-write increments with retries lose no update', async () => {
  const db = await memoryDb({ intentWaitMs: 50 });
  const seed = db.coord.begin();
  seed.put(tk('counter'), enc('0'));
  await seed.commit();
  let retries = 0;
  const worker = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      for (;;) {
        const t = db.coord.begin();
        try {
          const v = Number(dec(await t.get(tk('counter'))));
          await new Promise((r) => setImmediate(r));
          t.put(tk('counter'), enc(String(v + 1)));
          await t.commit();
          break;
        } catch (err) {
          await t.rollback();
          if (!isRetry(err)) throw err;
          retries++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  const r = db.coord.begin();
  assert.equal(dec(await r.get(tk('counter'))), '60');
  assert.ok(retries > 0);
  await db.close();
});
