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

test('a scan protects its whole span against phantoms, a limited scan only the part it read', async () => {
  const db = await memoryDb();
  const writer = db.coord.begin();
  const reader = db.coord.begin();
  await reader.scan({ startKey: tk('a'), endKey: tk('m') });
  writer.insert(tk('c'), enc('phantom'));
  await assert.rejects(writer.commit(), isRetry);
  await writer.rollback();
  const w2 = db.coord.begin();
  const seed = db.coord.begin({ implicit: true });
  seed.put(tk('n1'), enc('1'));
  seed.put(tk('n2'), enc('2'));
  await seed.commit();
  db.clock.advance(1);
  const r3 = db.coord.begin();
  const res = await r3.scan({ startKey: tk('n'), endKey: tk('o') }, { limit: 1 });
  assert.equal(res.rows.length, 1);
  // w2 began before r3: its write fails only where r3 actually read.
  w2.put(tk('n5'), enc('x'));
  await w2.commit();
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
