import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, WriteBatch, createLocalKv } from '../../src/kv/index.ts';
import { TesseraError, testEnv } from '../../src/util/index.ts';
import { GroupCommitter } from '../../src/kv/group-commit.ts';
import { LatchManager } from '../../src/kv/latch-manager.ts';
import { silentLogger } from '../../src/util/index.ts';
import { enc, tk } from './helpers.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-kv-'));
}

test('a second open of a store fails with store-locked', async () => {
  const dir = tempDir();
  const a = await openEngine({ path: dir });
  await assert.rejects(openEngine({ path: dir }), (e: unknown) => e instanceof TesseraError && e.code === 'store-locked');
  await a.close();
  const again = await openEngine({ path: dir });
  await again.close();
  rmSync(dir, { recursive: true });
});

test('a store of another version, or foreign data, is refused with store-version', async () => {
  const dir = tempDir();
  const e = await openEngine({ path: dir });
  const b = new WriteBatch();
  b.put(Uint8Array.of(0x01, 0x00, ...enc('store-version')), Uint8Array.of(0, 0, 0, 99));
  await e.write(b, { sync: true });
  await e.close();
  await assert.rejects(openEngine({ path: dir }), (err: unknown) => err instanceof TesseraError && err.code === 'store-version' && /version 99/.test(err.message));
  rmSync(dir, { recursive: true });
});

test('engine iterators honour [gte, lt) forward and reverse; getMany keeps order', async () => {
  const e = await openEngine({ memory: true });
  const b = new WriteBatch();
  for (const k of ['a', 'b', 'c', 'd']) b.put(tk(k), enc(k));
  await e.write(b, { sync: false });
  const collect = async (reverse: boolean): Promise<string[]> => {
    const it = e.iterator({ gte: tk('b'), lt: tk('d'), reverse });
    const out: string[] = [];
    for (let x = await it.next(); x !== undefined; x = await it.next()) out.push(new TextDecoder().decode(x.value));
    await it.close();
    return out;
  };
  assert.deepEqual(await collect(false), ['b', 'c']);
  assert.deepEqual(await collect(true), ['c', 'b']);
  const many = await e.getMany([tk('d'), tk('x'), tk('a')]);
  assert.deepEqual(many.map((v) => (v === undefined ? null : new TextDecoder().decode(v))), ['d', null, 'a']);
  await e.close();
});

test('group commit: concurrent batches share synced writes', async () => {
  const e = await openEngine({ memory: true });
  const gc = new GroupCommitter(e, { groupCommitBatchBytesMax: 1 << 20, groupCommitWritersMax: 1000 }, silentLogger());
  const writes = Array.from({ length: 50 }, (_, i) => {
    const b = new WriteBatch();
    b.put(tk(`k${i}`), enc(`${i}`));
    return gc.commit(b);
  });
  await Promise.all(writes);
  assert.equal(gc.stats.batches, 50);
  assert.ok(gc.stats.syncs <= 2, `50 concurrent batches took ${gc.stats.syncs} syncs`);
  assert.equal(e.stats.syncedWrites, gc.stats.syncs);
  // The byte limit splits groups.
  const small = new GroupCommitter(e, { groupCommitBatchBytesMax: 1, groupCommitWritersMax: 1000 }, silentLogger());
  await Promise.all(Array.from({ length: 5 }, (_, i) => { const b = new WriteBatch(); b.put(tk(`s${i}`), enc('x')); return small.commit(b); }));
  assert.equal(small.stats.syncs, 5);
  await e.close();
});

test('latches: writers on overlapping spans exclude each other; readers share', async () => {
  const latches = new LatchManager(100);
  const span = (a: string, b: string) => ({ startKey: tk(a), endKey: tk(b) });
  const log: string[] = [];
  const w1 = await latches.acquire([{ span: span('a', 'c'), write: true }]);
  const r1 = latches.acquire([{ span: span('b', 'b\x00'), write: false }]).then((g) => { log.push('r1'); return g; });
  const w2 = latches.acquire([{ span: span('x', 'y'), write: true }]).then((g) => { log.push('w2'); return g; });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['w2'], 'a disjoint writer proceeds, an overlapping reader waits');
  const r2 = await latches.acquire([{ span: span('m', 'n'), write: false }]);
  r2.release();
  w1.release();
  const g1 = await r1;
  assert.deepEqual(log, ['w2', 'r1']);
  const r3 = await latches.acquire([{ span: span('b', 'b\x00'), write: false }]);
  r3.release();
  g1.release();
  (await w2).release();
  assert.equal(latches.size, 0);
});

test('committed data survives a reopen of a classic-level store', async () => {
  const dir = tempDir();
  {
    const e = await openEngine({ path: dir });
    const kv = await createLocalKv(testEnv(), e);
    const res = await kv.sender.send({ header: { timestamp: { wall: 10n, logical: 0 }, txn: null }, requests: [{ kind: 'put', key: tk('durable'), value: enc('yes') }] });
    assert.ok(res.ok);
    await kv.close();
    await e.close();
  }
  const e = await openEngine({ path: dir });
  const kv = await createLocalKv(testEnv(), e);
  assert.equal(kv.store.rangeCount, 1, 'no second bootstrap');
  const res = await kv.sender.send({ header: { timestamp: { wall: 20n, logical: 0 }, txn: null }, requests: [{ kind: 'get', key: tk('durable') }] });
  assert.ok(res.ok && res.responses[0]?.kind === 'get');
  assert.equal(new TextDecoder().decode(res.responses[0].value ?? new Uint8Array()), 'yes');
  await kv.close();
  await e.close();
  rmSync(dir, { recursive: true });
});

test('a classic-level store: close waits for writes in flight, and refuses writes after it', async () => {
  const dir = tempDir();
  const e = await openEngine({ path: dir });
  const batch = new WriteBatch();
  for (let i = 0; i < 2000; i++) batch.put(Uint8Array.of(0x04, i >> 8, i & 0xff), Uint8Array.of(i & 0xff));
  batch.del(Uint8Array.of(0x04, 0, 7));
  const write = e.write(batch, { sync: true });
  await e.close(); // issued while the write is in flight
  await write;
  const late = new WriteBatch();
  late.put(Uint8Array.of(0x04, 0xff), Uint8Array.of(1));
  await assert.rejects(e.write(late, { sync: false }), (err: unknown) => err instanceof TesseraError && err.code === 'engine-closed');
  const again = await openEngine({ path: dir });
  assert.deepEqual(await again.get(Uint8Array.of(0x04, 7, 207)), Uint8Array.of(207)); // i = 1999
  assert.equal(await again.get(Uint8Array.of(0x04, 0, 7)), undefined);
  assert.equal(await again.get(Uint8Array.of(0x04, 0xff)), undefined);
  await again.close();
  rmSync(dir, { recursive: true });
});
