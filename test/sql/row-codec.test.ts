// The row value codec: every row round-trips (property test over the kinds the decoder reads
// inline, with column ids that have gaps as after DROP COLUMN), NULLs and columns added after
// a row was written read as NULL, and an id the table does not know is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRow, encodeRow, type CodecColumn } from '../../src/sql/storage/row-codec.ts';
import { T, type SqlType, type Value } from '../../src/sql/types/types.ts';

// Column ids 1, 3, 4, 8, 9, 12, 13: ids left behind by dropped columns are never reused.
const columns: CodecColumn[] = [
  { id: 1, type: T.int4 },
  { id: 3, type: T.int2 },
  { id: 4, type: T.text },
  { id: 8, type: T.int8 },
  { id: 9, type: T.float8 },
  { id: 12, type: { kind: 'varchar', length: null } },
  { id: 13, type: T.bool },
];

function positionsOf(cols: readonly CodecColumn[]): Int32Array {
  const p = new Int32Array(Math.max(...cols.map((c) => c.id)) + 1).fill(-1);
  cols.forEach((c, i) => (p[c.id] = i));
  return p;
}

function decode(bytes: Uint8Array, cols: readonly CodecColumn[]): Value[] {
  const out = new Array<Value>(cols.length);
  decodeRow(bytes, positionsOf(cols), cols.map((c): SqlType => c.type), out);
  return out;
}

const nullable = <V>(a: fc.Arbitrary<V>): fc.Arbitrary<V | null> => fc.option(a, { nil: null, freq: 5 });

test('rows round-trip through the codec, whatever their values', () => {
  fc.assert(
    fc.property(
      nullable(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(BigInt)),
      nullable(fc.integer({ min: -32768, max: 32767 }).map(BigInt)),
      // Short ASCII, short non-ASCII (the decoder builds short ASCII strings itself) and long text.
      nullable(fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ minLength: 24, maxLength: 300 }))),
      nullable(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
      nullable(fc.double()),
      nullable(fc.string({ unit: 'grapheme-composite', maxLength: 40 })),
      nullable(fc.boolean()),
      (i4, i2, text, i8, f8, varchar, flag) => {
        const row: Value[] = [i4, i2, text, i8, f8, varchar, flag];
        const back = decode(encodeRow(columns, row), columns);
        assert.equal(back.length, row.length);
        row.forEach((v, i) => assert.ok(Object.is(back[i], v), `column ${i}: ${String(back[i])} vs ${String(v)}`));
      },
    ),
    { numRuns: 2000 },
  );
});

test('int4 extremes and signs decode exactly', () => {
  for (const v of [0n, 1n, -1n, 255n, 256n, -256n, 65535n, 2147483647n, -2147483648n, 16777216n, -16777217n]) {
    assert.equal(decode(encodeRow([columns[0]!], [v]), [columns[0]!])[0], v);
  }
});

test('a column added after the row was written reads as NULL; an unknown column id is an error', () => {
  const old = encodeRow(columns.slice(0, 2), [7n, 8n]);
  assert.deepEqual(decode(old, columns), [7n, 8n, null, null, null, null, null]);
  // The row has column 3, which this (narrower) descriptor does not have.
  assert.throws(() => decode(old, [columns[0]!]), /column id 3/);
  assert.throws(() => decode(old, [columns[0]!, { id: 2, type: T.int2 }]), /column id 3/);
});
