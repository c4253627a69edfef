// Binary format of every supported type: round trips through our decoder, and agreement
// with pg-types' binary parsers (node-postgres' oracle) where it has one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pgTypes from 'pg-types';
import { decodeBinary, encodeBinary } from '../../src/sql/session/binary-io.ts';
import { Numeric } from '../../src/sql/types/numeric.ts';
import { T, type SqlType, type Value } from '../../src/sql/types/types.ts';
import { SqlError } from '../../src/sql/index.ts';

function roundTrip(type: SqlType, v: Exclude<Value, null>): Value {
  return decodeBinary(type, Buffer.from(encodeBinary(type, v)), 0);
}

function oracle(oid: number, bytes: Uint8Array): unknown {
  return pgTypes.getTypeParser(oid, 'binary')(Buffer.from(bytes) as unknown as string);
}

test('integers, floats and bool round-trip and match pg-types', () => {
  fc.assert(
    fc.property(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.double(), fc.boolean(), (i2, i4, i8, f8, b) => {
      assert.equal(roundTrip(T.int2, BigInt(i2)), BigInt(i2));
      assert.equal(oracle(21, encodeBinary(T.int2, BigInt(i2))), i2);
      assert.equal(oracle(23, encodeBinary(T.int4, BigInt(i4))), i4);
      assert.equal(roundTrip(T.int8, i8), i8);
      assert.equal(oracle(20, encodeBinary(T.int8, i8)), i8.toString());
      assert.ok(Object.is(roundTrip(T.float8, f8), f8));
      assert.ok(Object.is(roundTrip(T.float4, Math.fround(f8)), Math.fround(f8)));
      assert.equal(roundTrip(T.bool, b), b);
      assert.equal(oracle(16, encodeBinary(T.bool, b)), b);
    }),
  );
});

test('numeric: digit groups, weight, sign and display scale match PostgreSQL', () => {
  // Bytes from PostgreSQL 15's numeric_send.
  assert.equal(Buffer.from(encodeBinary(T.numeric, Numeric.fromString('-12345.678')!)).toString('hex'), '0003000140000003000109291a7c');
  assert.equal(Buffer.from(encodeBinary(T.numeric, Numeric.fromString('0.001')!)).toString('hex'), '0001ffff00000003000a');
  assert.equal(Buffer.from(encodeBinary(T.numeric, Numeric.fromString('0.00')!)).toString('hex'), '0000000000000002');
  assert.equal(Buffer.from(encodeBinary(T.numeric, Numeric.fromString('NaN')!)).toString('hex'), '00000000c0000000');
  const decimals = fc.tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,30}$/), fc.stringMatching(/^[0-9]{0,20}$/));
  fc.assert(
    fc.property(decimals, ([neg, intPart, frac]) => {
      const text = `${neg ? '-' : ''}${intPart}${frac === '' ? '' : `.${frac}`}`;
      const n = Numeric.fromString(text)!;
      const bytes = encodeBinary(T.numeric, n);
      const back = roundTrip(T.numeric, n) as Numeric;
      assert.equal(back.toString(), n.toString(), text);
      // pg-types sums the groups in floating point, so it agrees only approximately, and it
      // reads the weight as unsigned, so it cannot read values below 1 (negative weight).
      const expected = Number(n.toString());
      if (Math.abs(expected) < 1) return;
      assert.ok(Math.abs(Number(oracle(1700, bytes)) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), text);
    }),
  );
});

test('date, timestamp, timestamptz count from 2000-01-01; uuid is 16 bytes; text is UTF-8', () => {
  assert.equal(Buffer.from(encodeBinary(T.date, 10957)).readInt32BE(), 0);
  assert.equal(roundTrip(T.date, -800000), -800000);
  const micros = 1_700_000_000_123_456n;
  assert.equal(roundTrip(T.timestamptz, micros), micros);
  assert.equal((oracle(1184, encodeBinary(T.timestamptz, micros)) as Date).getTime(), 1_700_000_000_123);
  assert.equal(Buffer.from(encodeBinary(T.timestamp, 946_684_800_000_000n)).readBigInt64BE(), 0n);
  const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
  assert.equal(encodeBinary(T.uuid, uuid).length, 16);
  assert.equal(roundTrip(T.uuid, uuid), uuid);
  assert.equal(roundTrip(T.text, 'héllo ✓'), 'héllo ✓');
  assert.deepEqual(roundTrip(T.bytea, Uint8Array.of(0, 255)), Uint8Array.of(0, 255));
});

test('malformed binary parameters are 22P03; bad UTF-8 is 22021', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof SqlError);
      return err.code;
    }
    return 'none';
  };
  assert.equal(code(() => decodeBinary(T.int4, Buffer.from([1, 2]), 0)), '22P03');
  assert.equal(code(() => decodeBinary(T.uuid, Buffer.alloc(15), 0)), '22P03');
  assert.equal(code(() => decodeBinary(T.numeric, Buffer.from('00010000000000002710', 'hex'), 0)), '22P03');
  assert.equal(code(() => decodeBinary(T.text, Buffer.from([0xff]), 0)), '22021');
});
