// MVCC histories as tables: each case writes versions/intents, then reads at timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dec, enc, err, kvFixture, ok, tk, ts, txn, untk } from './helpers.ts';

async function getAt(f: Awaited<ReturnType<typeof kvFixture>>, key: string, wall: number): Promise<string | null> {
  const r = ok(await f.send({ timestamp: ts(wall) }, { kind: 'get', key: tk(key) }))[0];
  assert.ok(r?.kind === 'get');
  return dec(r.value);
}

async function scanAt(f: Awaited<ReturnType<typeof kvFixture>>, wall: number, opts: { reverse?: boolean; limit?: number } = {}) {
  const r = ok(await f.send({ timestamp: ts(wall) }, { kind: 'scan', span: { startKey: tk(''), endKey: tk('~') }, ...opts }))[0];
  assert.ok(r?.kind === 'scan');
  return { rows: r.rows.map((x) => `${untk(x.key)}=${dec(x.value)}`), resume: r.resumeSpan === null ? null : [untk(r.resumeSpan.startKey), untk(r.resumeSpan.endKey)] };
}

test('versions: a read sees the newest version at or below its timestamp; tombstones hide', async () => {
  const f = await kvFixture();
  ok(await f.send({ timestamp: ts(10) }, { kind: 'put', key: tk('a'), value: enc('a10') }));
  ok(await f.send({ timestamp: ts(20) }, { kind: 'put', key: tk('a'), value: enc('a20') }));
  ok(await f.send({ timestamp: ts(30) }, { kind: 'delete', key: tk('a') }));
  ok(await f.send({ timestamp: ts(40) }, { kind: 'put', key: tk('a'), value: enc('a40') }));
  const table: [number, string | null][] = [
    [5, null],
    [10, 'a10'],
    [15, 'a10'],
    [20, 'a20'],
    [29, 'a20'],
    [30, null],
    [39, null],
    [40, 'a40'],
    [1000, 'a40'],
  ];
  for (const [wall, want] of table) assert.equal(await getAt(f, 'a', wall), want, `read at ${wall}`);
  await f.close();
});

test('keys that are prefixes of each other and contain zero bytes do not interleave', async () => {
  const f = await kvFixture();
  const keys = ['a', 'a\x00', 'a\x00\x00', 'a\x00b', 'a\x01', 'ab', 'b'];
  for (const [i, k] of keys.entries()) {
    ok(await f.send({ timestamp: ts(10 + i) }, { kind: 'put', key: tk(k), value: enc(`v${i}`) }));
    ok(await f.send({ timestamp: ts(100 - i) }, { kind: 'put', key: tk(k), value: enc(`w${i}`) }));
  }
  const fwd = await scanAt(f, 50);
  assert.deepEqual(fwd.rows, keys.map((k, i) => `${k}=v${i}`));
  const rev = await scanAt(f, 1000, { reverse: true });
  assert.deepEqual(rev.rows, keys.map((k, i) => `${k}=w${i}`).reverse());
  await f.close();
});

test('scan limits return a resume span, forward and reverse', async () => {
  const f = await kvFixture();
  for (const k of ['a', 'b', 'c', 'd']) ok(await f.send({ timestamp: ts(10) }, { kind: 'put', key: tk(k), value: enc(k) }));
  ok(await f.send({ timestamp: ts(11) }, { kind: 'delete', key: tk('b') }));
  assert.deepEqual(await scanAt(f, 20, { limit: 2 }), { rows: ['a=a', 'c=c'], resume: ['c\x00', '~'] });
  assert.deepEqual(await scanAt(f, 20, { limit: 2, reverse: true }), { rows: ['d=d', 'c=c'], resume: ['', 'c'] });
  assert.deepEqual(await scanAt(f, 10, { limit: 10 }), { rows: ['a=a', 'b=b', 'c=c', 'd=d'], resume: null });
  await f.close();
});

test('intents: own intent is visible to its txn; another txn conflicts at or above the intent', async () => {
  const f = await kvFixture();
  ok(await f.send({ timestamp: ts(10) }, { kind: 'put', key: tk('k'), value: enc('committed') }));
  const t1 = txn(1, 'k', ts(20));
  ok(await f.send({ timestamp: ts(20), txn: t1 }, { kind: 'heartbeat-txn' }, { kind: 'put', key: tk('k'), value: enc('mine') }));
  // Own read.
  const own = ok(await f.send({ timestamp: ts(20), txn: t1 }, { kind: 'get', key: tk('k') }))[0];
  assert.ok(own?.kind === 'get' && dec(own.value) === 'mine');
  // Below the intent: not a conflict.
  assert.equal(await getAt(f, 'k', 15), 'committed');
  // At/above: a conflict naming the intent's txn.
  const e = err(await f.send({ timestamp: ts(25) }, { kind: 'get', key: tk('k') }));
  assert.ok(e.kind === 'write-intent');
  assert.equal(e.intents[0]?.txn.id, t1.id);
  // Inconsistent reads ignore it.
  const inc = ok(await f.send({ timestamp: ts(25), readConsistency: 'inconsistent' }, { kind: 'get', key: tk('k') }))[0];
  assert.ok(inc?.kind === 'get' && dec(inc.value) === 'committed');
  // Scans report it too.
  assert.equal(err(await f.send({ timestamp: ts(25) }, { kind: 'scan', span: { startKey: tk(''), endKey: tk('~') } })).kind, 'write-intent');
  // A writer conflicts even below it.
  const t2 = txn(2, 'k', ts(15));
  assert.equal(err(await f.send({ timestamp: ts(15), txn: t2 }, { kind: 'put', key: tk('k'), value: enc('x') })).kind, 'write-intent');
  // Commit resolves it at the txn's timestamp in the same batch.
  const end = ok(await f.send({ timestamp: ts(20), txn: t1 }, { kind: 'end-txn', commit: true, lockSpans: [{ startKey: tk('k'), endKey: tk('k\x00') }], onePhase: false }))[0];
  assert.ok(end?.kind === 'end-txn' && end.status === 'committed');
  assert.equal(await getAt(f, 'k', 19), 'committed');
  assert.equal(await getAt(f, 'k', 20), 'mine');
  await f.close();
});

test('write-too-old: a write at or below a committed version fails', async () => {
  const f = await kvFixture();
  ok(await f.send({ timestamp: ts(20) }, { kind: 'put', key: tk('k'), value: enc('v') }));
  const e = err(await f.send({ timestamp: ts(10), txn: txn(1, 'k', ts(10)) }, { kind: 'put', key: tk('k'), value: enc('old') }));
  assert.ok(e.kind === 'write-too-old');
  assert.equal(e.existingTimestamp.wall, 20n);
  assert.equal(err(await f.send({ timestamp: ts(20) }, { kind: 'put', key: tk('k'), value: enc('same') })).kind, 'write-too-old');
  await f.close();
});

test('conditional put: absent, value match and mismatch; a failed batch writes nothing', async () => {
  const f = await kvFixture();
  ok(await f.send({ timestamp: ts(10) }, { kind: 'conditional-put', key: tk('c'), value: enc('1'), expected: 'absent' }));
  const e = err(
    await f.send(
      { timestamp: ts(11) },
      { kind: 'put', key: tk('other'), value: enc('x') },
      { kind: 'conditional-put', key: tk('c'), value: enc('2'), expected: 'absent' },
    ),
  );
  assert.ok(e.kind === 'condition-failed' && dec(e.actual) === '1');
  assert.equal(await getAt(f, 'other', 100), null);
  ok(await f.send({ timestamp: ts(12) }, { kind: 'conditional-put', key: tk('c'), value: enc('2'), expected: enc('1') }));
  ok(await f.send({ timestamp: ts(13) }, { kind: 'delete', key: tk('c') }));
  ok(await f.send({ timestamp: ts(14) }, { kind: 'conditional-put', key: tk('c'), value: enc('3'), expected: 'absent' }));
  assert.equal(await getAt(f, 'c', 14), '3');
  await f.close();
});

test('delete-range tombstones every live key in the span', async () => {
  const f = await kvFixture();
  for (const k of ['a', 'b', 'c', 'd']) ok(await f.send({ timestamp: ts(10) }, { kind: 'put', key: tk(k), value: enc(k) }));
  const r = ok(await f.send({ timestamp: ts(20) }, { kind: 'delete-range', span: { startKey: tk('b'), endKey: tk('d') } }))[0];
  assert.ok(r?.kind === 'delete-range' && r.deletedKeys === 2);
  assert.deepEqual((await scanAt(f, 20)).rows, ['a=a', 'd=d']);
  assert.deepEqual((await scanAt(f, 19)).rows, ['a=a', 'b=b', 'c=c', 'd=d']);
  await f.close();
});

test('push: a live txn is left alone; an expired one is aborted and its intents resolved away', async () => {
  const f = await kvFixture();
  const t1 = txn(1, 'p', ts(Number(f.clock.nowNanos())));
  ok(await f.send({ timestamp: t1.writeTimestamp, txn: t1 }, { kind: 'heartbeat-txn' }, { kind: 'put', key: tk('p'), value: enc('x') }));
  const live = ok(await f.send({ timestamp: ts(1) }, { kind: 'push-txn', pushee: t1 }))[0];
  assert.ok(live?.kind === 'push-txn' && live.pusheeStatus === 'pending' && !live.pushed);
  f.clock.advance(60_000);
  const dead = ok(await f.send({ timestamp: ts(1) }, { kind: 'push-txn', pushee: t1 }))[0];
  assert.ok(dead?.kind === 'push-txn' && dead.pusheeStatus === 'aborted');
  ok(await f.send({ timestamp: ts(1) }, { kind: 'resolve-intent', span: { startKey: tk('p'), endKey: tk('p\x00') }, txn: t1, status: 'aborted', commitTimestamp: t1.writeTimestamp }));
  assert.equal(await getAt(f, 'p', 2e18), null);
  // The aborted txn can no longer commit, nor revive its record.
  const hb = ok(await f.send({ timestamp: t1.writeTimestamp, txn: t1 }, { kind: 'heartbeat-txn' }))[0];
  assert.ok(hb?.kind === 'heartbeat-txn' && hb.status === 'aborted');
  assert.equal(err(await f.send({ timestamp: t1.writeTimestamp, txn: t1 }, { kind: 'end-txn', commit: true, lockSpans: [], onePhase: false })).kind, 'txn-aborted');
  await f.close();
});
