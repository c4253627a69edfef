// keyString is the map key of every hot kv table (version cache, lock mirror, write batch,
// timestamp cache): equal strings must mean equal bytes, also for views into larger buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, compareBytes, keyString } from '../../src/kv/bytes.ts';
import { versionKey, versionKeyUserKey } from '../../src/kv/mvcc-key.ts';

test('keyString: one char per byte, equal exactly for equal bytes, also for subarrays', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.nat(8), (a, b, pad) => {
      const padded = new Uint8Array(pad + a.length + 3);
      padded.set(a, pad);
      const view = padded.subarray(pad, pad + a.length);
      assert.equal(keyString(view), keyString(a));
      assert.equal(keyString(a), Buffer.from(a).toString('latin1'));
      assert.equal(keyString(a).length, a.length);
      assert.equal(keyString(a) === keyString(b), Buffer.compare(a, b) === 0);
    }),
    { numRuns: 2000 },
  );
});

// Byte arrays that often share a prefix, with lengths on both sides of the point where
// compareBytes hands over to Buffer.compare.
const keyPair = fc.tuple(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 })).map(([p, x, y]) => [Uint8Array.from([...p, ...x]), Uint8Array.from([...p, ...y])] as const);

test('compareBytes and bytesEqual agree with Buffer.compare (unsigned bytewise order)', () => {
  fc.assert(
    fc.property(keyPair, ([a, b]) => {
      assert.equal(Math.sign(compareBytes(a, b)), Buffer.compare(a, b));
      assert.equal(Math.sign(compareBytes(b, a)), Buffer.compare(b, a));
      assert.equal(bytesEqual(a, b), Buffer.compare(a, b) === 0);
      assert.equal(compareBytes(a, a.slice()), 0);
      assert.ok(bytesEqual(a, a.slice()));
    }),
    { numRuns: 3000 },
  );
});

test('versionKeyUserKey returns the user key of any version key, zero bytes included', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.nat(1000), (user, wall, logical) => {
      const key = Uint8Array.from([0x04, ...user]);
      assert.deepEqual(versionKeyUserKey(versionKey(key, { wall, logical })), key);
    }),
    { numRuns: 3000 },
  );
});
