// The generic value codec that carries kv batches between nodes: round trips of every kind
// of value batches are made of, and refusal of truncated or unknown input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValue, encodeValue, RpcError } from '../../../src/kv/rpc/index.ts';

test('values round-trip: null, undefined fields, booleans, numbers, bigints, strings, bytes, arrays, objects', () => {
  const batch = {
    header: { timestamp: { wall: 1_795_336_586_184_064_661n, logical: 3 }, txn: null, rangeId: 7n },
    requests: [
      { kind: 'put', key: Uint8Array.of(4, 0, 255), value: new Uint8Array(0) },
      { kind: 'scan', span: { startKey: Uint8Array.of(4), endKey: Uint8Array.of(5) }, reverse: true, limit: 10 },
    ],
    misc: [-1, 0.5, -0.25, Number.MAX_SAFE_INTEGER, -12345678901234567890n, 'héllo ✓', '', false, true, [], {}],
  };
  assert.deepEqual(decodeValue(encodeValue(batch)), batch);
  // Undefined fields are dropped (exactOptionalPropertyTypes: absent, not undefined).
  assert.deepEqual(decodeValue(encodeValue({ a: 1, b: undefined })), { a: 1 });
  const bytes = decodeValue(encodeValue(Uint8Array.of(1, 2, 3)));
  assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, 'plain Uint8Array, not a Buffer');
});

test('truncated or unknown input is an rpc-protocol error', () => {
  const encoded = encodeValue({ key: Uint8Array.of(1, 2, 3), n: 300, s: 'text' });
  for (let cut = 0; cut < encoded.length; cut++) {
    assert.throws(() => decodeValue(encoded.subarray(0, cut)), (e: unknown) => e instanceof RpcError && e.code === 'rpc-protocol', `cut at ${cut}`);
  }
  assert.throws(() => decodeValue(Uint8Array.of(99)), (e: unknown) => e instanceof RpcError && e.code === 'rpc-protocol');
  assert.throws(() => decodeValue(Uint8Array.of(0, 0)), (e: unknown) => e instanceof RpcError && e.code === 'rpc-protocol');
});
