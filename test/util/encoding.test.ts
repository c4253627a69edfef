// Property tests of the key encoding: byte order equals value order, round trips, the
// prefix property and canonical decoding, for random tuples in random directions. The
// value order is checked against independent oracles (decimal.js, UTF-8 bytes), not only
// against compareKeyParts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import {
  type Direction,
  type KeyPart,
  INT64_MAX,
  INT64_MIN,
  appendKey,
  bool,
  bytes,
  canonicalDecimal,
  compareBytes,
  compareKeyParts,
  decimal,
  decodeKey,
  encodeKey,
  float,
  int,
  nul,
  prefixEnd,
  str,
  timestamp,
  uuid,
} from '../../src/util/encoding/index.ts';
import { TesseraError } from '../../src/util/errors.ts';

const NUM_RUNS = 2000;

/** -1, 0 or 1 (Math.sign would give -0, which strict equality tells from 0). */
function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

type Kind = Exclude<KeyPart['kind'], 'null'>;
const kinds: readonly Kind[] = ['bool', 'int', 'float', 'decimal', 'string', 'bytes', 'timestamp', 'uuid'];

const int64Arb = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map(BigInt),
  fc.integer({ min: -300, max: 300 }).map(BigInt),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.integer().map(BigInt),
  fc.constantFrom(INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n, 71n, 72n, 255n, 256n, -255n, -256n, 2n ** 53n, -(2n ** 53n), 2n ** 32n, -(2n ** 32n), 2n ** 32n - 1n),
);

const decimalTextArb = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '0', '-0', '0.000', '1', '1.0', '1.00', '-1', '-1.0', '10', '0.1', '0.01', '100', '99.99', '-99.99'),
  fc
    .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{0,6}$/), fc.stringMatching(/^[0-9]{0,6}$/), fc.option(fc.integer({ min: -40, max: 40 })))
    .filter(([, i, f]) => i.length + f.length > 0)
    .map(([sign, i, f, e]) => `${sign}${i}${f === '' ? '' : '.' + f}${e === null ? '' : 'e' + String(e)}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
);

const stringArb = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '\0', '\x01', '\xff', '\u0100', '\uffff', '\ufeff', '\u{10000}', '\u{10ffff}'), maxLength: 5 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.string({ maxLength: 40 }),
  // Long enough for the native encoder path.
  fc.string({ unit: fc.constantFrom('a', '\0', '\xff', '\u00e9', '\uffff', '\u{10000}'), minLength: 60, maxLength: 90 }),
);

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.array(fc.constantFrom(0, 1, 0xfe, 0xff), { maxLength: 5 }).map((a) => Uint8Array.from(a)),
);

const floatArb = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1),
  fc.integer({ min: -3, max: 3 }),
);

const uuidArb = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.array(fc.constantFrom(0, 0xff), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a)),
);

function valueArb(kind: Kind): fc.Arbitrary<KeyPart> {
  switch (kind) {
    case 'bool':
      return fc.boolean().map(bool);
    case 'int':
      return int64Arb.map((v) => int(v));
    case 'timestamp':
      return int64Arb.map((v) => timestamp(v));
    case 'float':
      return floatArb.map(float);
    case 'decimal':
      // Raw text, not decimal(): encodeKey must accept non-canonical text too.
      return decimalTextArb.map((value): KeyPart => ({ kind: 'decimal', value }));
    case 'string':
      return stringArb.map(str);
    case 'bytes':
      return bytesArb.map(bytes);
    case 'uuid':
      return uuidArb.map((v) => uuid(v));
  }
}

/** A part of `kind`, or null now and then. */
function partArb(kind: Kind): fc.Arbitrary<KeyPart> {
  return fc.oneof({ arbitrary: valueArb(kind), weight: 5 }, { arbitrary: fc.constant(nul()), weight: 1 });
}

/** A schema: kinds and directions per position. */
const schemaArb = fc.array(fc.tuple(fc.constantFrom(...kinds), fc.constantFrom<Direction>('asc', 'desc')), { minLength: 1, maxLength: 4 });

function tupleArb(schema: readonly [Kind, Direction][]): fc.Arbitrary<KeyPart[]> {
  return fc.tuple(...schema.map(([k]) => partArb(k)));
}

/** Two tuples of one schema; the second often shares a prefix with the first. */
const pairArb = schemaArb.chain((schema) =>
  fc.tuple(fc.constant(schema), tupleArb(schema), tupleArb(schema), fc.nat(schema.length)).map(([s, a, b, shared]) => {
    const b2 = [...a.slice(0, shared), ...b.slice(shared)];
    return { directions: s.map(([, d]) => d), a, b: b2 };
  }),
);

/** The oracle: value order of two parts of one kind, from first principles. */
function oracleCompare(a: KeyPart, b: KeyPart): number {
  if (a.kind === 'null' || b.kind === 'null') return (a.kind === 'null' ? 1 : 0) - (b.kind === 'null' ? 1 : 0);
  assert.equal(a.kind, b.kind);
  switch (a.kind) {
    case 'bool':
    case 'int':
    case 'timestamp': {
      const x = a.value;
      const y = (b as typeof a).value;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'float': {
      const x = a.value;
      const y = (b as typeof a).value;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'decimal': {
      const x = new Decimal(a.value);
      const y = new Decimal((b as typeof a).value);
      if (x.isNaN() || y.isNaN()) return Number(x.isNaN()) - Number(y.isNaN());
      return x.cmp(y);
    }
    case 'string':
      return Buffer.compare(Buffer.from(a.value, 'utf8'), Buffer.from((b as typeof a).value, 'utf8'));
    case 'bytes':
    case 'uuid':
      return Buffer.compare(a.value, (b as typeof a).value);
  }
}

function oracleCompareTuples(a: readonly KeyPart[], b: readonly KeyPart[], directions: readonly Direction[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = oracleCompare(a[i]!, b[i]!);
    if (c !== 0) return directions[i] === 'desc' ? -c : c;
  }
  return a.length - b.length;
}

/** What decoding should give back: -0 as 0, decimals canonical. */
function normalised(p: KeyPart): KeyPart {
  if (p.kind === 'float' && p.value === 0) return float(0);
  if (p.kind === 'decimal') return decimal(p.value);
  return p;
}

test('byte order equals value order for random tuples and directions', () => {
  fc.assert(
    fc.property(pairArb, ({ a, b, directions }) => {
      const byteOrder = sign(compareBytes(encodeKey(a, directions), encodeKey(b, directions)));
      assert.equal(byteOrder, sign(oracleCompareTuples(a, b, directions)));
    }),
    { numRuns: NUM_RUNS * 5 },
  );
});

test('compareKeyParts agrees with the oracle', () => {
  fc.assert(
    fc.property(pairArb, ({ a, b }) => {
      for (let i = 0; i < a.length; i++) {
        assert.equal(sign(compareKeyParts(a[i]!, b[i]!)), sign(oracleCompare(a[i]!, b[i]!)));
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

test('decode(encode(x)) is x, normalised', () => {
  fc.assert(
    fc.property(pairArb, ({ a, directions }) => {
      const key = encodeKey(a, directions);
      const { parts, end } = decodeKey(key, 0, a.length, directions);
      assert.equal(end, key.length);
      assert.deepEqual(parts, a.map(normalised));
      for (let i = 0; i < a.length; i++) assert.equal(oracleCompare(parts[i]!, a[i]!), 0);
    }),
    { numRuns: NUM_RUNS },
  );
});

test('a tuple prefix encodes to a byte prefix, and decodes from the whole key', () => {
  fc.assert(
    fc.property(pairArb, fc.nat(), ({ a, directions }, cut) => {
      const k = cut % (a.length + 1);
      const whole = encodeKey(a, directions);
      const prefix = encodeKey(a.slice(0, k), directions.slice(0, k));
      assert.deepEqual(whole.subarray(0, prefix.length), prefix);
      const { parts, end } = decodeKey(whole, 0, k, directions);
      assert.equal(end, prefix.length);
      assert.deepEqual(parts, a.slice(0, k).map(normalised));
      // Decoding resumes where the prefix ended.
      const rest = decodeKey(whole, end, a.length - k, directions.slice(k));
      assert.equal(rest.end, whole.length);
    }),
    { numRuns: NUM_RUNS },
  );
});

test('every key starting with a prefix sorts below prefixEnd(prefix)', () => {
  fc.assert(
    fc.property(pairArb, fc.uint8Array({ maxLength: 6 }), ({ a, directions }, tail) => {
      const prefix = appendKey(Uint8Array.of(0x04), a, directions);
      const end = prefixEnd(prefix);
      assert.ok(compareBytes(prefix, end) < 0);
      assert.ok(compareBytes(Buffer.concat([prefix, tail]), end) < 0);
      assert.ok(compareBytes(Buffer.concat([prefix, Uint8Array.of(0xff, 0xff, 0xff)]), end) < 0);
    }),
    { numRuns: NUM_RUNS },
  );
});

test('appendKey is prefix ++ encodeKey', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 8 }), pairArb, (prefix, { a, directions }) => {
      assert.deepEqual(appendKey(prefix, a, directions), Uint8Array.from(Buffer.concat([prefix, encodeKey(a, directions)])));
    }),
    { numRuns: NUM_RUNS },
  );
});

/** Decoding either fails with bad-key-encoding or finds the one canonical encoding. */
function checkDecodeIsCanonical(bytesIn: Uint8Array, directions: readonly Direction[]): void {
  let decoded: { parts: KeyPart[]; end: number };
  try {
    decoded = decodeKey(bytesIn, 0, directions.length, directions);
  } catch (e) {
    assert.ok(e instanceof TesseraError && e.code === 'bad-key-encoding', `unexpected error ${String(e)}`);
    return;
  }
  assert.deepEqual(encodeKey(decoded.parts, directions), bytesIn.subarray(0, decoded.end));
}

test('random and corrupted bytes decode canonically or fail with bad-key-encoding', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20 }), fc.array(fc.constantFrom<Direction>('asc', 'desc'), { minLength: 1, maxLength: 3 }), (raw, dirs) => {
      checkDecodeIsCanonical(raw, dirs);
    }),
    { numRuns: NUM_RUNS * 5 },
  );
  fc.assert(
    fc.property(pairArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), ({ a, directions }, at, byte, truncate) => {
      const key = encodeKey(a, directions);
      const i = at % key.length;
      const damaged = truncate ? key.slice(0, i) : Uint8Array.from(key);
      if (!truncate) damaged[i] = byte;
      checkDecodeIsCanonical(damaged, directions);
    }),
    { numRuns: NUM_RUNS * 5 },
  );
});

test('decimals with equal values encode equally', () => {
  fc.assert(
    fc.property(decimalTextArb, fc.nat(4), (text, zeros) => {
      if (!/^[+-]?\d*\.?\d*$/.test(text)) return;
      const padded = text.includes('.') ? text + '0'.repeat(zeros) : `${text}.${'0'.repeat(zeros)}`;
      assert.deepEqual(encodeKey([{ kind: 'decimal', value: padded }]), encodeKey([{ kind: 'decimal', value: text }]));
      assert.ok(new Decimal(canonicalDecimal(text)).eq(new Decimal(text)));
    }),
    { numRuns: NUM_RUNS },
  );
});
