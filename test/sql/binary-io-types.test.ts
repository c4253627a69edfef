// Binary format of interval, json, jsonb and arrays: bytes as PostgreSQL's send functions
// write them, round trips through our decoder, and agreement with pg-types' array parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pgTypes from 'pg-types';
import { decodeBinary, encodeBinary } from '../../src/sql/session/binary-io.ts';
import { Interval } from '../../src/sql/types/interval.ts';
import { Jsonb, parseJson } from '../../src/sql/types/jsonb.ts';
import { SqlArray } from '../../src/sql/types/sql-array.ts';
import { arrayOf, T, type SqlType, type Value } from '../../src/sql/types/types.ts';
import { SqlError } from '../../src/sql/index.ts';

function roundTrip(type: SqlType, v: Exclude<Value, null>): Value {
  return decodeBinary(type, Buffer.from(encodeBinary(type, v)), 0);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function oracle(oid: number, bytes: Uint8Array): unknown {
  return pgTypes.getTypeParser(oid, 'binary')(Buffer.from(bytes) as unknown as string);
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof SqlError, String(err));
    return err.code;
  }
  return 'none';
}

test('interval: int64 microseconds, int32 days, int32 months (interval_send)', () => {
  // interval_send('1 year 2 mons 3 days 04:05:06.5') in PostgreSQL 18: time, day, month.
  const i = new Interval(14, 3, 14_706_500_000n);
  assert.equal(hex(encodeBinary(T.interval, i)), '000000036c9361a0' + '00000003' + '0000000e');
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (m, d, us) => {
      const back = roundTrip(T.interval, new Interval(m, d, us)) as Interval;
      assert.deepEqual([back.months, back.days, back.micros], [m, d, us]);
    }),
  );
  assert.equal(code(() => decodeBinary(T.interval, Buffer.alloc(12), 0)), '22P03');
});

test('json is its text; jsonb is version 1 then the normalised text', () => {
  assert.equal(Buffer.from(encodeBinary(T.json, '{"b" : 1}')).toString(), '{"b" : 1}');
  const j = new Jsonb(parseJson('{"b": 1, "a": [true, null]}', 'jsonb'));
  // jsonb_send of the same value in PostgreSQL 18.
  assert.equal(hex(encodeBinary(T.jsonb, j)), '017b2261223a205b747275652c206e756c6c5d2c202262223a20317d');
  assert.equal(String(roundTrip(T.jsonb, j)), '{"a": [true, null], "b": 1}');
  assert.equal(code(() => decodeBinary(T.jsonb, Buffer.from([2, 0x31]), 0)), '22P03');
  assert.equal(code(() => decodeBinary(T.json, Buffer.from('{'), 0)), '22P02');
});

test('arrays: array_send header and elements, read back by pg-types', () => {
  // array_send(ARRAY[7, NULL, -1]) in PostgreSQL 18: ndim 1, has nulls, element oid 23,
  // size 3, lower bound 1, then length-prefixed items.
  const bytes = encodeBinary(arrayOf(T.int4), new SqlArray([7n, null, -1n]));
  assert.equal(hex(bytes), '00000001' + '00000001' + '00000017' + '00000003' + '00000001' + '0000000400000007' + 'ffffffff' + '00000004ffffffff');
  // pg-types reads int4 elements as unsigned, so its oracle gets non-negative ones only.
  const positive = encodeBinary(arrayOf(T.int4), new SqlArray([7n, null, 2147483647n]));
  assert.deepEqual(oracle(1007, positive), [7, null, 2147483647]);
  assert.equal(hex(encodeBinary(arrayOf(T.text), new SqlArray([]))), '00000000' + '00000000' + '00000019');
  fc.assert(
    fc.property(fc.array(fc.option(fc.string(), { nil: null })), fc.array(fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null })), (texts, bigs) => {
      assert.deepEqual((roundTrip(arrayOf(T.text), new SqlArray(texts)) as SqlArray).items, texts);
      assert.deepEqual((roundTrip(arrayOf(T.int8), new SqlArray(bigs)) as SqlArray).items, bigs);
      if (texts.length > 0) assert.deepEqual(oracle(1009, encodeBinary(arrayOf(T.text), new SqlArray(texts))), texts);
    }),
  );
});

test('array decoding errors: wrong element type 42804, truncated 22P03, two dimensions 0A000', () => {
  const ints = Buffer.from(encodeBinary(arrayOf(T.int4), new SqlArray([1n, 2n])));
  assert.equal(code(() => decodeBinary(arrayOf(T.int8), ints, 0)), '42804');
  assert.equal(code(() => decodeBinary(arrayOf(T.int4), ints.subarray(0, ints.length - 1), 0)), '22P03');
  const twoDims = Buffer.from(ints);
  twoDims.writeInt32BE(2, 0);
  assert.equal(code(() => decodeBinary(arrayOf(T.int4), twoDims, 0)), '0A000');
  const badElement = Buffer.from(ints);
  badElement.writeInt32BE(3, 20);
  assert.equal(code(() => decodeBinary(arrayOf(T.int4), badElement, 0)), '22P03');
});
