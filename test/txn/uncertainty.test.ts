// Read uncertainty: two gateways over one kv whose clocks differ by less than the maximum
// offset. A write committed through the fast gateway before a read begins on the slow one
// must be seen by that read (linearizability), although its timestamp is above the read's
// snapshot: the read meets it in its uncertainty interval and moves above it. Without the
// interval the read is stale (the control case). A version above the interval is the
// future and is not seen; the txn's own writes are never uncertain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator, HybridClock, TxnError, type KvTxnCoordinator } from '../../src/txn/index.ts';
import { ManualClock, testEnv, type Clock } from '../../src/util/index.ts';
import { dec, enc, tk } from './helpers.ts';

/** A clock `offsetMs` ahead of `base`. */
function ahead(base: ManualClock, offsetMs: number): Clock {
  return { nowNanos: () => base.nowNanos() + BigInt(offsetMs) * 1_000_000n, monotonicMs: () => base.monotonicMs() };
}

async function twoGateways(readUncertaintyMs: number): Promise<{ fast: KvTxnCoordinator; slow: KvTxnCoordinator; clock: ManualClock; close(): Promise<void> }> {
  const clock = new ManualClock();
  const env = testEnv(1, clock);
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const options = (c: Clock) => ({
    clock: new HybridClock(c, 500),
    config: { intentWaitMs: 20, readUncertaintyMs },
    sleep: () => new Promise<void>((r) => setImmediate(r)),
  });
  const fast = createTxnCoordinator(env, kv.sender, options(ahead(clock, 200)));
  const slow = createTxnCoordinator(env, kv.sender, options(clock));
  return {
    fast,
    slow,
    clock,
    async close() {
      fast.close();
      slow.close();
      await kv.close();
      await engine.close();
    },
  };
}

async function commitPut(coord: KvTxnCoordinator, key: string, value: string): Promise<void> {
  const t = coord.begin();
  t.put(tk(key), enc(value));
  await t.commit();
}

test('a write committed on a gateway whose clock is ahead is seen by a later read elsewhere', async () => {
  const db = await twoGateways(500);
  try {
    await commitPut(db.fast, 'k', 'v1'); // stamped ~200 ms above the slow gateway's clock
    db.clock.advance(1);
    const reader = db.slow.begin();
    assert.equal(dec(await reader.get(tk('k'))), 'v1', 'the read moved above the uncertain write');
    const scan = await reader.scan({ startKey: tk(''), endKey: tk('\xff') });
    assert.deepEqual(scan.rows.map((r) => dec(r.value)), ['v1']);
    await reader.commit();

    // A scan first, then a point read, in a fresh txn: both see it too.
    await commitPut(db.fast, 'm', 'w1');
    db.clock.advance(1);
    const scanner = db.slow.begin();
    assert.deepEqual((await scanner.scan({ startKey: tk(''), endKey: tk('\xff') })).rows.map((r) => dec(r.value)), ['v1', 'w1']);
    await scanner.commit();
  } finally {
    await db.close();
  }
});

test('control: without an uncertainty interval the same read is stale', async () => {
  const db = await twoGateways(0);
  try {
    await commitPut(db.fast, 'k', 'v1');
    db.clock.advance(1);
    const reader = db.slow.begin();
    assert.equal(await reader.get(tk('k')), null);
    await reader.commit();
  } finally {
    await db.close();
  }
});

test('an uncertain write after the txn read the key is a retry (40001), not a changed read', async () => {
  const db = await twoGateways(500);
  try {
    await commitPut(db.slow, 'k', 'v0');
    db.clock.advance(1);
    const reader = db.slow.begin();
    assert.equal(dec(await reader.get(tk('k'))), 'v0');
    await commitPut(db.fast, 'k', 'v1'); // lands in the reader's uncertainty interval
    // Reading it again cannot both see v1 and keep the first read: the txn must retry.
    await assert.rejects(reader.get(tk('k')), (e: unknown) => e instanceof TxnError && e.code === 'txn-retry');
    // Its own write is never uncertain to it.
    const writer = db.slow.begin();
    assert.equal(dec(await writer.get(tk('k'))), 'v1');
    writer.put(tk('k'), enc('mine'));
    assert.equal(dec(await writer.get(tk('k'))), 'mine');
    await writer.commit();
  } finally {
    await db.close();
  }
});
