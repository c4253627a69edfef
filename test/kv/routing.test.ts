import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metaKey, KEY_MAX } from '../../src/kv/index.ts';
import { dec, enc, kvFixture, ok, tk, ts, untk } from './helpers.ts';

test('bootstrap writes the first range descriptor under /meta and routing finds it', async () => {
  const f = await kvFixture();
  const d = await f.kv.sender.lookupRange(tk('anything'));
  assert.equal(d.rangeId, 1n);
  assert.deepEqual(d.endKey, KEY_MAX);
  // The descriptor is an ordinary (inconsistent-readable) value at metaKey(endKey).
  const r = ok(await f.send({ timestamp: ts(2e18), readConsistency: 'inconsistent' }, { kind: 'get', key: metaKey(KEY_MAX) }))[0];
  assert.ok(r?.kind === 'get' && r.value !== null);
  await f.close();
});

test('after a split, batches are divided by range, scans cross ranges in order, stale caches retry', async () => {
  const f = await kvFixture();
  for (const k of ['a', 'b', 'm', 'n', 'x', 'y']) ok(await f.send({ timestamp: ts(10) }, { kind: 'put', key: tk(k), value: enc(k) }));
  // Warm the cache with the single range, then split under it: the cache is now stale.
  await f.kv.sender.lookupRange(tk('a'));
  await f.kv.store.adminSplit(tk('m'));
  await f.kv.store.adminSplit(tk('x'));
  assert.equal(f.kv.store.rangeCount, 3);
  const res = ok(
    await f.send(
      { timestamp: ts(20) },
      { kind: 'get', key: tk('y') },
      { kind: 'put', key: tk('c'), value: enc('c') },
      { kind: 'scan', span: { startKey: tk('a'), endKey: tk('z') } },
      { kind: 'scan', span: { startKey: tk('a'), endKey: tk('z') }, reverse: true, limit: 4 },
    ),
  );
  assert.ok(res[0]?.kind === 'get' && dec(res[0].value) === 'y');
  assert.ok(res[2]?.kind === 'scan');
  // The batch's put is on another range than the scan's start: no order promise between them.
  assert.deepEqual(res[2].rows.map((r) => untk(r.key)).filter((k) => k !== 'c'), ['a', 'b', 'm', 'n', 'x', 'y']);
  assert.ok(res[3]?.kind === 'scan');
  assert.deepEqual(res[3].rows.map((r) => untk(r.key)), ['y', 'x', 'n', 'm']);
  assert.deepEqual(res[3].resumeSpan && untk(res[3].resumeSpan.endKey), 'm');
  const del = ok(await f.send({ timestamp: ts(21) }, { kind: 'delete-range', span: { startKey: tk('n'), endKey: tk('y') } }))[0];
  assert.ok(del?.kind === 'delete-range' && del.deletedKeys === 2);
  const after = ok(await f.send({ timestamp: ts(30) }, { kind: 'scan', span: { startKey: tk('a'), endKey: tk('z') } }))[0];
  assert.ok(after?.kind === 'scan');
  assert.deepEqual(after.rows.map((r) => untk(r.key)), ['a', 'b', 'c', 'm', 'y']);
  const ranges = await Promise.all(['a', 'm', 'x'].map((k) => f.kv.sender.lookupRange(tk(k))));
  assert.deepEqual(ranges.map((d) => d.rangeId), [1n, 2n, 3n]);
  await f.close();
});
