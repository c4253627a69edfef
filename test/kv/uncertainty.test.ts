// Read uncertainty at the kv level: a transactional read with an uncertainty limit treats
// a committed version in (timestamp, limit] as 'read-uncertainty' and another txn's intent
// there as a conflict; a version above the limit is the future (not seen); the reader's own
// intent is never uncertain; without a limit (or a txn) nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dec, enc, err, kvFixture, ok, tk, ts, txn } from './helpers.ts';

test('versions and intents in the uncertainty interval', async () => {
  const f = await kvFixture();
  try {
    ok(await f.send({ timestamp: ts(100) }, { kind: 'put', key: tk('a'), value: enc('a100') }));
    ok(await f.send({ timestamp: ts(150) }, { kind: 'put', key: tk('b'), value: enc('b150') }));
    ok(await f.send({ timestamp: ts(400) }, { kind: 'put', key: tk('c'), value: enc('c400') }));
    const reader = txn(1, 'r', ts(120));
    const header = { timestamp: ts(120), txn: reader, uncertaintyLimit: ts(200) };

    const a = ok(await f.send(header, { kind: 'get', key: tk('a') }))[0];
    assert.ok(a?.kind === 'get' && dec(a.value) === 'a100');
    const b = err(await f.send(header, { kind: 'get', key: tk('b') }));
    assert.ok(b.kind === 'read-uncertainty' && b.existingTimestamp.wall === 150n && dec(b.key.subarray(1)) === 'b');
    const c = ok(await f.send(header, { kind: 'get', key: tk('c') }))[0];
    assert.ok(c?.kind === 'get' && c.value === null, 'above the limit: the future');

    for (const reverse of [false, true]) {
      const scan = err(await f.send(header, { kind: 'scan', span: { startKey: tk('a'), endKey: tk('z') }, reverse }));
      assert.ok(scan.kind === 'read-uncertainty' && scan.existingTimestamp.wall === 150n, `scan reverse=${reverse}`);
    }
    const beyond = ok(await f.send(header, { kind: 'scan', span: { startKey: tk('c'), endKey: tk('z') } }))[0];
    assert.ok(beyond?.kind === 'scan' && beyond.rows.length === 0);

    // Without a limit, or without a txn, b is simply not visible yet.
    const plain = ok(await f.send({ timestamp: ts(120), txn: reader }, { kind: 'get', key: tk('b') }))[0];
    assert.ok(plain?.kind === 'get' && plain.value === null);
    const noTxn = ok(await f.send({ timestamp: ts(120), uncertaintyLimit: ts(200) }, { kind: 'get', key: tk('b') }))[0];
    assert.ok(noTxn?.kind === 'get' && noTxn.value === null);

    // Another txn's intent in the interval blocks; the reader's own intent is its value.
    const other = txn(2, 'd', ts(180));
    ok(await f.send({ timestamp: ts(180), txn: other }, { kind: 'put', key: tk('d'), value: enc('d180') }));
    const blocked = err(await f.send(header, { kind: 'get', key: tk('d') }));
    assert.equal(blocked.kind, 'write-intent');
    // (Its write went above b's version at 150: write-too-old moved its write timestamp.)
    ok(await f.send({ timestamp: ts(120), txn: txn(1, 'r', ts(151)) }, { kind: 'put', key: tk('b'), value: enc('mine') }));
    const own = ok(await f.send(header, { kind: 'get', key: tk('b') }))[0];
    assert.ok(own?.kind === 'get' && dec(own.value) === 'mine');
  } finally {
    await f.close();
  }
});
