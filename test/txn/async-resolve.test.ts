// Asynchronous intent resolution: a commit or rollback over several ranges resolves the
// intents on the other ranges after end-txn, so later readers there find plain versions
// and need not push the (finished) transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dec, enc, memoryDb, tk } from './helpers.ts';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

for (const outcome of ['commit', 'rollback'] as const) {
  test(`${outcome} over two ranges: the other range's intents are resolved without pushes`, async () => {
    const db = await memoryDb();
    await db.kv.store.adminSplit(tk('m'));
    const t = db.coord.begin();
    t.put(tk('a'), enc('anchor'));
    t.put(tk('z'), enc('far'));
    await t.flush();
    if (outcome === 'commit') await t.commit();
    else await t.rollback();
    await settle();
    db.clock.advance(1);
    const pushesBefore = db.coord.kv.stats.pushes;
    const r = db.coord.begin();
    assert.deepEqual([dec(await r.get(tk('a'))), dec(await r.get(tk('z')))], outcome === 'commit' ? ['anchor', 'far'] : [null, null]);
    await r.commit();
    assert.equal(db.coord.kv.stats.pushes, pushesBefore, 'no intent was left for the reader to push');
    await db.close();
  });
}
