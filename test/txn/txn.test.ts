import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxnError } from '../../src/txn/index.ts';
import { dec, enc, memoryDb, tk } from './helpers.ts';

test('commit makes writes visible to later transactions; read-your-writes inside', async () => {
  const db = await memoryDb();
  const t1 = db.coord.begin();
  t1.put(tk('a'), enc('1'));
  assert.equal(dec(await t1.get(tk('a'))), '1');
  await t1.commit();
  assert.equal(t1.status, 'committed');
  db.clock.advance(1);
  const t2 = db.coord.begin();
  assert.equal(dec(await t2.get(tk('a'))), '1');
  await t2.commit();
  await db.close();
});

test('insert of an existing key fails with duplicate-key and names the key', async () => {
  const db = await memoryDb();
  const t1 = db.coord.begin({ implicit: true });
  t1.insert(tk('k'), enc('v'));
  await t1.commit();
  db.clock.advance(1);
  const t2 = db.coord.begin({ implicit: true });
  t2.insert(tk('k'), enc('w'));
  await assert.rejects(t2.commit(), (err: unknown) => {
    assert.ok(err instanceof TxnError);
    assert.equal(err.code, 'duplicate-key');
    assert.deepEqual(err.key, tk('k'));
    return true;
  });
  await t2.rollback();
  await db.close();
});

test('a snapshot does not see later commits', async () => {
  const db = await memoryDb();
  const seed = db.coord.begin();
  seed.put(tk('x'), enc('old'));
  await seed.commit();
  db.clock.advance(1);
  const reader = db.coord.begin();
  assert.equal(dec(await reader.get(tk('x'))), 'old');
  db.clock.advance(1);
  const writer = db.coord.begin();
  writer.put(tk('x'), enc('new'));
  await writer.commit();
  assert.equal(dec(await reader.get(tk('x'))), 'old');
  const scan = await reader.scan({ startKey: tk(''), endKey: tk('\xff') });
  assert.deepEqual(scan.rows.map((r) => dec(r.value)), ['old']);
  await reader.commit();
  await db.close();
});

test('rollback leaves nothing behind', async () => {
  const db = await memoryDb();
  const t = db.coord.begin();
  t.put(tk('r1'), enc('1'));
  await t.flush();
  t.put(tk('r2'), enc('2'));
  await t.rollback();
  assert.equal(t.status, 'aborted');
  db.clock.advance(1);
  const r = db.coord.begin();
  assert.equal(await r.get(tk('r1')), null);
  assert.equal(await r.get(tk('r2')), null);
  await r.commit();
  await db.close();
});
