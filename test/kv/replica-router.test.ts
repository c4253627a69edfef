// The replica router after a peer left a write unanswered (a timeout, a connection cut by a
// partition): the write may have been applied there, so a later attempt's failure must not
// be reported as the outcome (a retried commit finding its record gone would say
// "aborted" for a committed transaction: the G1a the 30-minute Jepsen run found). It is
// 'ambiguous-result'; a later success stands; reads are never ambiguous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchRequest, BatchResponse, KvRequest } from '../../src/kv/api.ts';
import type { RangeDescriptor } from '../../src/kv/range-descriptor.ts';
import { ReplicaRouter } from '../../src/kv/replica-router.ts';
import { RpcError, unsentError } from '../../src/kv/rpc/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { enc, ts } from './helpers.ts';

const desc: RangeDescriptor = {
  rangeId: 7n,
  startKey: Uint8Array.of(0x04),
  endKey: Uint8Array.of(0x05),
  generation: 1n,
  replicas: [2, 3].map((n) => ({ nodeId: n, storeId: n, replicaId: n })),
} as unknown as RangeDescriptor;

const put: KvRequest = { kind: 'put', key: Uint8Array.of(0x04, 1), value: enc('v') };
const get: KvRequest = { kind: 'get', key: Uint8Array.of(0x04, 1) };
const batch = (r: KvRequest): BatchRequest => ({ header: { timestamp: ts(10), txn: null }, requests: [r] });

/** Node 2 fails with `failure` (by default: takes the batch and never answers); node 3 answers `then`. */
function router(then: BatchResponse, failure: unknown = new Error('kv.batch to node 2 timed out')): { router: ReplicaRouter; delivered: BatchRequest[] } {
  const delivered: BatchRequest[] = [];
  const remote = async (node: number, ba: BatchRequest): Promise<BatchResponse> => {
    delivered.push(ba);
    if (node === 2) throw failure;
    return then;
  };
  const local = { send: async (): Promise<BatchResponse> => ({ ok: false, error: { kind: 'range-not-found', rangeId: 7n as never } }) } as never;
  return { router: new ReplicaRouter(testEnv(1, new ManualClock()), 1 as never, local, remote as never, { routeTimeoutMs: 1_000, routeBackoffMs: 1 }), delivered };
}

test('a write left unanswered and then refused elsewhere is ambiguous, not refused', async () => {
  const { router: r, delivered } = router({ ok: false, error: { kind: 'txn-aborted', txnId: 'x' as never } });
  const res = await r.send(desc, batch(put));
  assert.equal(delivered.length, 2);
  assert.ok(!res.ok && res.error.kind === 'ambiguous-result', JSON.stringify(res));
  assert.match(!res.ok && res.error.kind === 'ambiguous-result' ? res.error.message : '', /may have been applied.*then: txn-aborted/);
});

test('a write refused before it left this node (no connection) is not ambiguous: the later answer stands', async () => {
  const refused: BatchResponse = { ok: false, error: { kind: 'txn-aborted', txnId: 'x' as never } };
  const notSent = unsentError(new RpcError('rpc-unavailable', 'connection to node 2 lost: connection closed by peer', true));
  assert.deepEqual(await router(refused, notSent).router.send(desc, batch(put)), refused);
  // The same failure once the request was written is ambiguous.
  const lost = new RpcError('rpc-unavailable', 'connection to node 2 lost: connection closed by peer', true);
  const res = await router(refused, lost).router.send(desc, batch(put));
  assert.ok(!res.ok && res.error.kind === 'ambiguous-result', JSON.stringify(res));
});

test('a later success stands; a read is never ambiguous', async () => {
  const ok: BatchResponse = { ok: true, responses: [{ kind: 'put' }] } as never;
  assert.deepEqual(await router(ok).router.send(desc, batch(put)), ok);
  const refused: BatchResponse = { ok: false, error: { kind: 'write-intent', intents: [] } };
  assert.deepEqual(await router(refused).router.send(desc, batch(get)), refused);
});

test('an ambiguous commit reaches the client as 40003, which is not a retry code', async () => {
  const { toTxnError } = await import('../../src/txn/kv-client.ts');
  const { toSqlError } = await import('../../src/sql/errors.ts');
  const err = toSqlError(toTxnError({ kind: 'ambiguous-result', message: 'an earlier attempt may have been applied' }, null));
  assert.equal(err.code, '40003');
  assert.match(err.message, /result is ambiguous/);
});

test('a range no replica answered for (nothing applied) reaches the client as 58000 with the range, not XX000', async () => {
  const { toTxnError } = await import('../../src/txn/kv-client.ts');
  const { toSqlError } = await import('../../src/sql/errors.ts');
  const err = toSqlError(toTxnError({ kind: 'range-unavailable', rangeId: 7n as never, message: 'n2: connection refused; n3: connection refused' }, null));
  assert.equal(err.code, '58000');
  assert.match(err.message, /range r7 is unavailable: n2: connection refused/);
  // And the router answers it for a write that never reached anyone.
  const unreachable = new ReplicaRouter(testEnv(1, new ManualClock()), 1 as never, { send: async () => ({ ok: false, error: { kind: 'range-not-found', rangeId: 7n as never } }) } as never,
    async () => Promise.reject(unsentError(new RpcError('rpc-unavailable', 'no connection', true))), { routeTimeoutMs: 0, routeBackoffMs: 1 });
  const res = await unreachable.send(desc, batch(put));
  assert.ok(!res.ok && res.error.kind === 'range-unavailable', JSON.stringify(res, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
});
