import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LockWaitQueue, type TxnId, type WaiterId } from '../../src/kv/index.ts';

const id = (c: string): TxnId => c.repeat(32) as TxnId;
const key = (s: string): Uint8Array => Uint8Array.from([0x04, ...new TextEncoder().encode(s)]);
const w = (n: number): WaiterId => n as WaiterId;
const limits = { waitersMax: 100, recentReleasesMax: 8 };

test('lock wait-queue: waiters wake in arrival order when their key is released', () => {
  const q = new LockWaitQueue(limits);
  const since = q.releaseSeq;
  assert.deepEqual(q.enqueue({ waiter: w(1), txnId: id('a'), keys: [key('k')], holders: [id('h')], sinceSeq: since }), { kind: 'waiting' });
  assert.deepEqual(q.enqueue({ waiter: w(2), txnId: null, keys: [key('k'), key('j')], holders: [id('h'), id('h')], sinceSeq: since }), { kind: 'waiting' });
  assert.deepEqual(q.enqueue({ waiter: w(3), txnId: id('b'), keys: [key('other')], holders: [id('h')], sinceSeq: since }), { kind: 'waiting' });
  assert.deepEqual(q.waitsFor(), [[id('a'), id('h')], [id('b'), id('h')]]);
  assert.deepEqual(q.release([key('k')]), [w(1), w(2)]);
  assert.equal(q.size, 1);
  assert.deepEqual(q.waitsFor(), [[id('b'), id('h')]]);
  assert.deepEqual(q.release([key('j')]), [], 'waiter 2 left the queue with its first wake-up');
  assert.deepEqual(q.releaseSpan(key('o'), key('p')), [w(3)]);
  assert.equal(q.size, 0);
  assert.deepEqual(q.waitsFor(), []);
});

test('lock wait-queue: a release between evaluation and enqueue is not missed', () => {
  const q = new LockWaitQueue(limits);
  const since = q.releaseSeq;
  q.release([key('k')]); // the holder resolved its intent while the blocked batch was returning
  assert.deepEqual(q.enqueue({ waiter: w(1), txnId: id('a'), keys: [key('k')], holders: [id('h')], sinceSeq: since }), { kind: 'released' });
  // A release of another key does not count.
  const since2 = q.releaseSeq;
  q.release([key('x')]);
  assert.deepEqual(q.enqueue({ waiter: w(2), txnId: id('a'), keys: [key('k')], holders: [id('h')], sinceSeq: since2 }), { kind: 'waiting' });
  // A span release covering the key counts.
  q.remove(w(2));
  const since3 = q.releaseSeq;
  q.releaseSpan(key('a'), key('z'));
  assert.deepEqual(q.enqueue({ waiter: w(3), txnId: id('a'), keys: [key('k')], holders: [id('h')], sinceSeq: since3 }), { kind: 'released' });
});

test('lock wait-queue: forgotten releases count as released (bounded memory)', () => {
  const q = new LockWaitQueue({ waitersMax: 10, recentReleasesMax: 2 });
  const since = q.releaseSeq;
  for (let i = 0; i < 10; i++) q.release([key(`r${i}`)]);
  assert.deepEqual(q.enqueue({ waiter: w(1), txnId: null, keys: [key('k')], holders: [id('h')], sinceSeq: since }), { kind: 'released' });
  assert.deepEqual(q.enqueue({ waiter: w(2), txnId: null, keys: [key('k')], holders: [id('h')], sinceSeq: q.releaseSeq }), { kind: 'waiting' });
});

test('lock wait-queue: a wait that closes a cycle is a deadlock, and the closer is the victim', () => {
  const q = new LockWaitQueue(limits);
  const s = q.releaseSeq;
  assert.equal(q.enqueue({ waiter: w(1), txnId: id('a'), keys: [key('y')], holders: [id('b')], sinceSeq: s }).kind, 'waiting');
  assert.equal(q.enqueue({ waiter: w(2), txnId: id('b'), keys: [key('z')], holders: [id('c')], sinceSeq: s }).kind, 'waiting');
  assert.deepEqual(q.enqueue({ waiter: w(3), txnId: id('c'), keys: [key('x')], holders: [id('a')], sinceSeq: s }), {
    kind: 'deadlock',
    cycle: [id('c'), id('a'), id('b'), id('c')],
  });
  assert.equal(q.size, 2, 'the victim is not enqueued');
  // Once b stops waiting (woken), c may wait for a: a -> b is no cycle with c.
  q.remove(w(2));
  assert.equal(q.enqueue({ waiter: w(4), txnId: id('c'), keys: [key('x')], holders: [id('a')], sinceSeq: s }).kind, 'waiting');
  // Non-transactional waiters add no edges and never deadlock.
  assert.equal(q.enqueue({ waiter: w(5), txnId: null, keys: [key('y')], holders: [id('b')], sinceSeq: s }).kind, 'waiting');
  assert.deepEqual(q.waitsFor(), [[id('a'), id('b')], [id('c'), id('a')]]);
});

test('lock wait-queue: the waiter limit answers full', () => {
  const q = new LockWaitQueue({ waitersMax: 1, recentReleasesMax: 4 });
  assert.equal(q.enqueue({ waiter: w(1), txnId: null, keys: [key('k')], holders: [id('h')], sinceSeq: 0 }).kind, 'waiting');
  assert.equal(q.enqueue({ waiter: w(2), txnId: null, keys: [key('k')], holders: [id('h')], sinceSeq: 0 }).kind, 'full');
});
