import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxnError } from '../../src/txn/index.ts';
import { dec, enc, memoryDb, tk } from './helpers.ts';

const all = async (db: Awaited<ReturnType<typeof memoryDb>>): Promise<string[]> => {
  db.clock.advance(1);
  const r = db.coord.begin();
  const rows = (await r.scan({ startKey: tk(''), endKey: tk('~') })).rows.map((x) => `${dec(x.key.subarray(1))}=${dec(x.value)}`);
  await r.commit();
  return rows;
};

test('rollback to a savepoint undoes flushed point writes and delete-ranges, restoring earlier own writes', async () => {
  const db = await memoryDb();
  const seed = db.coord.begin();
  for (const k of ['a', 'b', 'c']) seed.put(tk(k), enc(`${k}0`));
  await seed.commit();
  db.clock.advance(1);
  const t = db.coord.begin();
  t.put(tk('b'), enc('b1')); // before the savepoint: must survive
  t.del(tk('c'));
  await t.flush();
  const sp = t.savepoint();
  t.put(tk('a'), enc('a2'));
  t.put(tk('b'), enc('b2'));
  t.put(tk('d'), enc('d2'));
  await t.flush();
  t.delRange({ startKey: tk('a'), endKey: tk('z') });
  await t.flush();
  assert.deepEqual((await t.scan({ startKey: tk(''), endKey: tk('~') })).rows.length, 0);
  await t.rollbackToSavepoint(sp);
  assert.deepEqual(
    (await t.scan({ startKey: tk(''), endKey: tk('~') })).rows.map((x) => dec(x.value)),
    ['a0', 'b1'],
  );
  t.put(tk('e'), enc('e3')); // buffered after the rollback, then one more savepoint on the buffer
  const sp2 = t.savepoint();
  t.put(tk('f'), enc('f3'));
  await t.rollbackToSavepoint(sp2);
  await t.commit();
  assert.deepEqual(await all(db), ['a=a0', 'b=b1', 'e=e3']);
  await db.close();
});

test('rollback to a savepoint clears a duplicate-key failure; a conflict ends the transaction', async () => {
  const db = await memoryDb();
  const seed = db.coord.begin();
  seed.put(tk('x'), enc('x0'));
  await seed.commit();
  db.clock.advance(1);
  const t = db.coord.begin();
  t.put(tk('y'), enc('y1'));
  const sp = t.savepoint();
  t.insert(tk('x'), enc('dup'));
  await assert.rejects(t.flush(), (e: unknown) => e instanceof TxnError && e.code === 'duplicate-key');
  await t.rollbackToSavepoint(sp);
  await t.commit();
  assert.deepEqual(await all(db), ['x=x0', 'y=y1']);

  const holder = db.coord.begin();
  holder.put(tk('z'), enc('held'));
  await holder.flush();
  const u = db.coord.begin();
  u.put(tk('w'), enc('w'));
  await u.flush();
  const sp2 = u.savepoint();
  u.put(tk('z'), enc('mine'));
  await assert.rejects(u.flush(), (e: unknown) => e instanceof TxnError && e.code === 'txn-retry');
  await assert.rejects(u.rollbackToSavepoint(sp2), (e: unknown) => e instanceof TxnError && e.code === 'txn-aborted');
  await holder.commit();
  await db.close();
});
