/**
 * Orders on bytes and on values. compareKeyParts is the value order that the encoding
 * preserves; the tests hold the two against each other, and sql uses it to sort and
 * compare key values without encoding them.
 */
import { assert, assertNever } from '../assert.ts';
import type { Direction, KeyPart } from './key-part.ts';
import { compareNormalDecimals, parseDecimal } from './decimal-codec.ts';

/** Unsigned lexicographic comparison of byte strings: <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * The smallest key greater than every key that starts with `prefix`: the exclusive end of
 * a scan over that prefix. Drops trailing 0xff bytes and increments the last remaining
 * byte. Asserts that one exists (`prefix` is not empty and not all 0xff): such a scan
 * has no finite end, and callers should use their keyspace's maximum instead.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  assert(n > 0, 'prefixEnd of an empty or all-0xff prefix has no end');
  const end = prefix.slice(0, n);
  end[n - 1] = end[n - 1]! + 1;
  return end;
}

/** Rank of each kind, in the order of its tags (key-codec); null last. */
const KIND_RANK: Readonly<Record<KeyPart['kind'], number>> = {
  bool: 0,
  int: 1,
  timestamp: 2,
  float: 3,
  decimal: 4,
  string: 5,
  bytes: 6,
  uuid: 7,
  null: 8,
};

function compareNumbers(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Float order: -0 equals 0, NaN equals NaN and is greater than everything. */
function compareFloats(a: number, b: number): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : aNaN ? 1 : -1;
  return compareNumbers(a, b);
}

/** Maps a UTF-16 unit so that unit order becomes code point (hence UTF-8) order. */
function codePointOrderUnit(c: number): number {
  // Surrogates (0xd800-0xdfff) encode code points above 0xffff, so they must sort after
  // 0xe000-0xffff, which JS's unit order puts after them.
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

/** Strings by UTF-8 bytes (the C collation), without encoding them. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderUnit(x) - codePointOrderUnit(y);
  }
  return a.length - b.length;
}

/**
 * Compares two parts in ascending value order (PostgreSQL's btree order, see key-part.ts):
 * null after every value; different kinds by the order of their tags, as the encoding
 * does. Returns <0, 0 or >0.
 */
export function compareKeyParts(a: KeyPart, b: KeyPart): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  switch (a.kind) {
    case 'null':
      return 0;
    case 'bool':
      return Number(a.value) - Number((b as typeof a).value);
    case 'int':
    case 'timestamp':
      return compareNumbers(a.value, (b as typeof a).value);
    case 'float':
      return compareFloats(a.value, (b as typeof a).value);
    case 'decimal':
      return compareNormalDecimals(parseDecimal(a.value), parseDecimal((b as typeof a).value));
    case 'string':
      return compareStrings(a.value, (b as typeof a).value);
    case 'bytes':
    case 'uuid':
      return compareBytes(a.value, (b as typeof a).value);
    default:
      return assertNever(a, 'key part');
  }
}

/** Whether two parts are equal in value order (so 1.0 equals 1.00, NaN equals NaN). */
export function keyPartEquals(a: KeyPart, b: KeyPart): boolean {
  return compareKeyParts(a, b) === 0;
}

/**
 * Compares tuples part by part, part i in `directions[i]` (default 'asc'); a proper
 * prefix sorts first. This is the order encodeKey maps to compareBytes.
 */
export function compareKeys(a: readonly KeyPart[], b: readonly KeyPart[], directions?: readonly Direction[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeyParts(a[i]!, b[i]!);
    if (c !== 0) return directions?.[i] === 'desc' ? -c : c;
  }
  return a.length - b.length;
}
