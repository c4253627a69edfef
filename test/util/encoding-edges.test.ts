// Edge cases of the key encoding, as readable examples: the exact bytes of a few parts
// (so a format change is a visible diff), orderings written out by hand, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Direction,
  type KeyPart,
  INT64_MAX,
  INT64_MIN,
  bool,
  bytes,
  canonicalDecimal,
  compareBytes,
  compareKeys,
  decimal,
  decodeKey,
  encodeKey,
  float,
  int,
  keyPartEquals,
  nul,
  prefixEnd,
  str,
  timestamp,
  uuid,
  uuidToString,
} from '../../src/util/encoding/index.ts';
import { AssertionError } from '../../src/util/assert.ts';
import { TesseraError } from '../../src/util/errors.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replaceAll(' ', ''), 'hex'));

test('golden bytes', () => {
  const cases: [KeyPart, string][] = [
    [nul(), 'f0'],
    [bool(false), '08'],
    [bool(true), '09'],
    [int(0), '18'],
    [int(71), '5f'],
    [int(72), '6048'],
    [int(256), '610100'],
    [int(-1), '17fe'],
    [int(-256), '16feff'],
    [int(INT64_MAX), '677fffffffffffffff'],
    [int(INT64_MIN), '107fffffffffffffff'],
    [timestamp(0), '78'],
    [timestamp(1), '7901'],
    [float(0), '908000000000000000'],
    [float(-0), '908000000000000000'],
    [float(NaN), '90fff8000000000000'],
    [float(Infinity), '90fff0000000000000'],
    [float(-Infinity), '90000fffffffffffff'],
    [decimal('0'), 'a2'],
    [decimal('12.5'), 'a3421964'],
    [decimal('-12.5'), 'a1bde69b'],
    [decimal('NaN'), 'a5'],
    [str(''), 'b00001'],
    [str('a\0'), 'b06100ff0001'],
    [bytes(Uint8Array.of(0, 0xff)), 'b100ffff0001'],
  ];
  for (const [part, expected] of cases) {
    assert.equal(hex(encodeKey([part])), expected, JSON.stringify(part, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
  assert.equal(hex(encodeKey([nul(), int(1)], ['desc', 'desc'])), '0fe6');
});

/** Asserts that `values` (each a group of equal values) encode in strictly increasing order. */
function assertOrdered(groups: readonly (readonly KeyPart[])[], direction: Direction = 'asc'): void {
  const encoded = groups.map((g) => g.map((p) => encodeKey([p], [direction])));
  for (let i = 0; i < encoded.length; i++) {
    for (const e of encoded[i]!) assert.deepEqual(e, encoded[i]![0], `group ${i} not all equal`);
    if (i > 0) assert.ok(compareBytes(encoded[i - 1]![0]!, encoded[i]![0]!) < 0, `group ${i - 1} !< group ${i}`);
  }
}

function checkBothDirections(groups: readonly (readonly KeyPart[])[]): void {
  assertOrdered(groups, 'asc');
  assertOrdered([...groups].reverse(), 'desc');
}

test('floats: -Infinity < ... < -0 = 0 < ... < Infinity < NaN < null', () => {
  checkBothDirections([
    [float(-Infinity)],
    [float(-Number.MAX_VALUE)],
    [float(-1)],
    [float(-Number.MIN_VALUE)],
    [float(0), float(-0)],
    [float(Number.MIN_VALUE)],
    [float(1)],
    [float(Number.MAX_VALUE)],
    [float(Infinity)],
    [float(NaN), float(-NaN), float(0 / 0)],
    [nul()],
  ]);
  const [back] = decodeKey(encodeKey([float(-0)]), 0, 1).parts;
  assert.ok(back?.kind === 'float' && Object.is(back.value, 0));
});

test('decimals by numeric value, NaN greatest', () => {
  checkBothDirections([
    [decimal('-Infinity')],
    [decimal('-1e10')],
    [decimal('-100')],
    [decimal('-99.99')],
    [decimal('-1.5')],
    [decimal('-1'), decimal('-1.000')],
    [decimal('-0.001')],
    [decimal('0'), decimal('-0'), decimal('0.000'), decimal('0e5')],
    [decimal('0.001')],
    [decimal('0.0011')],
    [decimal('0.01')],
    [decimal('1'), decimal('1.0'), decimal('1.00'), decimal('+1'), decimal('0.1e1')],
    [decimal('1.5')],
    [decimal('10')],
    [decimal('99.99')],
    [decimal('100')],
    [decimal('1e10')],
    [decimal('Infinity')],
    [decimal('NaN')],
    [nul()],
  ]);
  assert.equal(canonicalDecimal('1.50'), '1.5');
  assert.equal(canonicalDecimal('-0.00'), '0');
  assert.equal(canonicalDecimal('1e3'), '1000');
  assert.equal(canonicalDecimal('.5'), '0.5');
  assert.equal(canonicalDecimal('-000.000120'), '-0.00012');
  assert.equal(canonicalDecimal('-inf'), '-Infinity');
  assert.ok(keyPartEquals({ kind: 'decimal', value: '1.0' }, { kind: 'decimal', value: '1.00' }));
});

test('strings by UTF-8 bytes, with NUL and 0xff inside', () => {
  checkBothDirections([
    [str('')],
    [str('\0')],
    [str('\0\0')],
    [str('\0\x01')],
    [str('\x01')],
    [str('a')],
    [str('a\0')],
    [str('a\0b')],
    [str('ab')],
    [str('\x7f')],
    [str('\xff')],
    [str('\uffff')],
    [str('\u{10000}')],
    [str('\u{10ffff}')],
    [nul()],
  ]);
  for (const s of ['\ufeffbom', '\0', '\xff\0\xff', 'x'.repeat(100_000), 'é'.repeat(40), '\0'.repeat(200), 'a\0é\u{10000}'.repeat(50)]) {
    assert.deepEqual(decodeKey(encodeKey([str(s)], ['desc']), 0, 1, ['desc']).parts, [str(s)]);
  }
  assert.throws(() => encodeKey([str('a\ud800')]), AssertionError);
  assert.throws(() => encodeKey([str('\udc00a')]), AssertionError);
  assert.throws(() => encodeKey([str('a'.repeat(100) + '\ud800')]), AssertionError);
});

test('bytes and uuids: unsigned, empty first', () => {
  checkBothDirections([
    [bytes(new Uint8Array(0))],
    [bytes(Uint8Array.of(0))],
    [bytes(Uint8Array.of(0, 0))],
    [bytes(Uint8Array.of(0, 0xff))],
    [bytes(Uint8Array.of(1))],
    [bytes(Uint8Array.of(0xff))],
    [bytes(Uint8Array.of(0xff, 0))],
    [nul()],
  ]);
  const u = uuid('123E4567-e89b-12d3-a456-426614174000');
  assert.equal(uuidToString(u.value), '123e4567-e89b-12d3-a456-426614174000');
  checkBothDirections([[uuid(new Uint8Array(16))], [u], [uuid(new Uint8Array(16).fill(0xff))], [nul()]]);
  assert.throws(() => uuid(new Uint8Array(15)), AssertionError);
});

test('ints and timestamps: the whole 64-bit range and no further', () => {
  const edges = [INT64_MIN, INT64_MIN + 1n, -(2n ** 32n), -256n, -255n, -1n, 0n, 1n, 71n, 72n, 255n, 256n, 2n ** 53n, INT64_MAX - 1n, INT64_MAX];
  checkBothDirections([...edges.map((v) => [int(v)]), [nul()]]);
  checkBothDirections([...edges.map((v) => [timestamp(v)]), [nul()]]);
  for (const v of edges) assert.deepEqual(decodeKey(encodeKey([int(v)], ['desc']), 0, 1, ['desc']).parts, [int(v)]);
  assert.throws(() => int(INT64_MAX + 1n), AssertionError);
  assert.throws(() => int(2 ** 53), AssertionError);
  assert.throws(() => encodeKey([{ kind: 'int', value: INT64_MIN - 1n }]), AssertionError);
  assert.equal(int(5).value, 5n);
});

test('nulls last ascending, first descending, per position', () => {
  const a = [int(1), nul()];
  const b = [int(1), int(2)];
  assert.ok(compareBytes(encodeKey(a), encodeKey(b)) > 0);
  assert.ok(compareBytes(encodeKey(a, ['asc', 'desc']), encodeKey(b, ['asc', 'desc'])) < 0);
  assert.ok(compareKeys(a, b) > 0 && compareKeys(a, b, ['asc', 'desc']) < 0);
});

test('malformed keys fail with bad-key-encoding', () => {
  const bad = (key: Uint8Array, count = 1, directions?: Direction[]): void => {
    assert.throws(
      () => decodeKey(key, 0, count, directions),
      (e: unknown) => e instanceof TesseraError && e.code === 'bad-key-encoding',
      hex(key),
    );
  };
  bad(new Uint8Array(0));
  bad(unhex('ff'));
  bad(unhex('00'));
  bad(unhex('61')); // int tag, missing byte
  bad(unhex('6001')); // 1 as a one-byte payload: should be inline
  bad(unhex('610001')); // two-byte payload with a leading zero
  bad(unhex('678000000000000000')); // 2^63
  bad(unhex('b061')); // unterminated string
  bad(unhex('b06100')); // 0x00 at the end
  bad(unhex('b0610002')); // bad escape
  bad(unhex('b0ff0001')); // not UTF-8
  bad(unhex('907fffffffffffffff')); // -0
  bad(unhex('90fff8000000000001')); // a NaN that is not the canonical one
  bad(unhex('a3')); // positive decimal without body
  bad(unhex('a342c9')); // digit byte > 199
  bad(unhex('a34200')); // final digit pair 00
  bad(unhex('f0'), 2);
  bad(unhex('f0'), 1, ['desc']);
  assert.deepEqual(decodeKey(unhex('18ff'), 0, 1), { parts: [int(0)], end: 1 });
});

test('prefixEnd', () => {
  assert.equal(hex(prefixEnd(unhex('0102'))), '0103');
  assert.equal(hex(prefixEnd(unhex('01ffff'))), '02');
  assert.equal(hex(prefixEnd(unhex('fe'))), 'ff');
  assert.throws(() => prefixEnd(unhex('ffff')), AssertionError);
  assert.throws(() => prefixEnd(new Uint8Array(0)), AssertionError);
});
