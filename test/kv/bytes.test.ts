// keyString is the map key of every hot kv table (version cache, lock mirror, write batch,
// timestamp cache): equal strings must mean equal bytes, also for views into larger buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keyString } from '../../src/kv/bytes.ts';

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
